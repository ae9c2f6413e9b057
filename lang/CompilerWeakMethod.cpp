// weakref.WeakMethod(meth[, callback]) (model/WeakMethod.cpp, rules WM1-WM8).
// Its class and the type of the `_cb` function its __new__ makes are
// declared when a scenario first makes one, so scenarios without them keep
// their types and state counts. It compiles as weakref.ref does (the op's
// slot 2); calling it, wm(), is a weakref's call. Anything but a bound method
// as `meth` is the TypeError CPython raises, at run time.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

ExprId Compiler::weak_method_new(const Expr& e, LabelId label) {
  if (!e.keywords.empty())
    fail(e.args[e.args.size() - e.keywords.size()]->loc,
         "keyword arguments to weakref.WeakMethod are not supported; pass the callback second");
  if (e.args.empty() || e.args.size() > 2)
    fail(e.loc, "weakref.WeakMethod() takes a bound method and an optional callback");
  if (p_.weak_method_type == kNoType) {
    declare_function_types(e.loc);  // its _cb's closure holds two cells
    if (p_.types.size() + 2 >= kNoType) fail(e.loc, "scenario too large: too many types");
    // a weakref.ref subclass with __slots__ (a __weakref__ slot, no
    // __dict__); its type's reference is not modelled (a static type here)
    p_.weak_method_type = add_static_type("weakref.WeakMethod", TypeKind::Weakref, false, true);
    // WeakMethod.__new__.<locals>._cb: a function object (FN2) whose code
    // the model runs itself (WM5)
    p_.weak_method_cb_type = add_static_type("function", TypeKind::Function, false, true);
    p_.weak_method_cb_label = label_id("WeakMethod._cb");
    p_.weak_method_func_ref_label = label_id("WeakMethod._func_ref");
    for (const char* raised : {"TypeError", "AttributeError"}) intern(raised);
  }
  ExprNode n;
  n.op = ExprOp::WeakrefNew;
  n.slot = 2;  // WM1 (1: weakref.proxy)
  n.a = value(*e.args[0], "");
  if (e.args.size() == 2) n.b = callback_expr(*e.args[1]);
  n.label = label;
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
