// Builtins of the sys and gc modules that observe the runtime:
// sys.getrefcount (model/GcModule.cpp).
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

// sys.getrefcount(x): one argument, any value. The strings the model shows
// for values that are not the scenario's own objects are interned here.
ExprId Compiler::refcount_call(const Expr& e) {
  if (e.args.size() != 1) fail(e.loc, "sys.getrefcount() takes exactly one argument");
  if (p_.profile.immortal_refcount != 0)
    p_.str_immortal_refcount = intern(std::to_string(p_.profile.immortal_refcount));
  p_.str_mortal_refcount = intern("(mortal)");
  p_.str_unmodelled_refcount = intern("(not modelled)");
  ExprNode n;
  n.op = ExprOp::RefCount;
  n.a = value(*e.args[0], "");
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
