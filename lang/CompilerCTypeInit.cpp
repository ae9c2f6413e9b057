// Calls of __init__ that reach a C type's tp_init or object_init (rule TI4
// of docs/semantics.md, model/CTypeInit.cpp): `obj.__init__(args)` and
// `Base.__init__(self, args)`. A class's own __init__ called through its
// class is an ordinary call (R1.16, CompilerInheritance.cpp).
#include <algorithm>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

bool Compiler::has_c_types() const {
  return std::any_of(sc_.classes.begin(), sc_.classes.end(),
                     [](const ClassDef& c) { return c.is_ctype; });
}

ExprId Compiler::c_init_call(const Expr& e, ClassId cls) {
  const Expr& callee = *e.base;
  if (!e.keywords.empty())
    fail(e.args[e.args.size() - e.keywords.size()]->loc,
         "keyword arguments to a C type's __init__ are not modelled");
  ExprNode n;
  n.op = ExprOp::CInitCall;
  n.slot = cls;
  size_t first = 0;
  if (cls == kNoType) {
    n.a = value(*callee.base, "");
  } else {
    if (e.args.empty())
      fail(e.loc, "'" + callee.base->text + ".__init__' needs the instance as its first argument");
    n.a = value(*e.args[0], "");
    first = 1;
  }
  if (e.args.size() - first > 60) fail(e.args[60]->loc, "at most 60 arguments in a call");
  for (size_t i = first; i < e.args.size(); ++i) n.args.push_back(value(*e.args[i], ""));
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
