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

namespace lifecheck::lang::detail {

// Statements of the gc module beyond collect/enable/disable/callbacks:
// gc.set_debug(gc.DEBUG_SAVEALL), gc.set_debug(0), gc.garbage.clear(),
// gc.freeze(), gc.unfreeze().
// False when `e` is none of them.
bool Compiler::gc_module_stmt(const Expr& e, Loc loc, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  const Expr& callee = *e.base;
  if (is_module_call(e, "gc", "set_debug")) {
    if (e.args.size() != 1) fail(e.loc, "gc.set_debug() takes one argument: gc.DEBUG_SAVEALL or 0");
    const Expr& a = *e.args[0];
    const bool saveall = a.kind == ExprKind::Attr && a.text == "DEBUG_SAVEALL" &&
                         a.base->kind == ExprKind::Name && a.base->text == "gc";
    if (!saveall && !(a.kind == ExprKind::Int && a.value == 0))
      fail(a.loc, "gc.set_debug() takes gc.DEBUG_SAVEALL or 0 here (other debug flags only print)");
    add_stmt(K::GcSetDebug, loc, out).slot = saveall ? 1 : 0;
    return true;
  }
  if (is_module_call(e, "gc", "freeze") || is_module_call(e, "gc", "unfreeze")) {
    if (!e.args.empty()) fail(e.args[0]->loc, "gc." + callee.text + "() takes no arguments");
    add_stmt(K::GcFreeze, loc, out).slot = callee.text == "unfreeze" ? 1 : 0;
    return true;
  }
  if (callee.kind == ExprKind::Attr && is_gc_garbage(*callee.base)) {
    if (callee.text != "clear")
      fail(callee.loc, "gc.garbage has clear() only (and len(gc.garbage), gc.garbage[i])");
    if (!e.args.empty()) fail(e.args[0]->loc, "gc.garbage.clear() takes no arguments");
    add_stmt(K::GcGarbageClear, loc, out);
    return true;
  }
  return false;
}

}  // namespace lifecheck::lang::detail

namespace lifecheck::lang::detail {

// `C.__del__ = f` (f a module-level function of one parameter, self) and
// `del C.__del__` on a class of the scenario. Other class attributes stay
// outside the language (object_expr rejects them).
bool Compiler::class_del_stmt(const Stmt& s, std::vector<StatementId>& out) {
  const Expr& t = *s.target;
  if (t.kind != ExprKind::Attr || t.base->kind != ExprKind::Name) return false;
  Resolved r = resolve(t.base->text, *cur_);
  if (r.kind != NameKind::Class || t.text != "__del__") return false;
  const TypeInfo& type = p_.types[static_cast<size_t>(r.index)];
  if (type.kind != TypeKind::PyClass)
    fail(t.base->loc, "'" + type.name + "' is a C type: its tp_finalize is fixed");
  if (type.base != kNoType)  // (its bases end at object: R1.14a)
    fail(t.base->loc, "setting __del__ is modelled only on a class whose bases end at object ('" +
                          type.name + "' derives from " + p_.types[type.base].name + ")");
  ExprId func = kNoExpr;
  if (s.kind == StmtKind::Assign) {
    const Expr& v = *s.value;
    Resolved f = v.kind == ExprKind::Name ? resolve(v.text, *cur_) : Resolved{};
    if (v.kind == ExprKind::Name && module_object(v.text))  // FN11
      fail(v.loc, "'" + v.text +
                      "' is deleted, rebound or given attributes: a __del__ is set only to a "
                      "module-level def that stays as written");
    if (f.kind != NameKind::Function)
      fail(v.loc, "'" + t.base->text + ".__del__' must be set to a module-level function");
    FuncInfo& fn = p_.funcs[static_cast<size_t>(f.index)];
    reject_generator_callback(static_cast<FuncId>(f.index), v.loc);
    if (fn.nparams != 1)
      fail(v.loc, "a __del__ takes one parameter (self); '" + v.text + "' takes " +
                      parameters(fn.nparams));
    fn.runtime_del = true;
    func = value(v, "");
  }
  p_.runtime_del = true;
  model::Statement& st = add_stmt(model::StatementKind::ClassDel, s.loc, out);
  st.slot = static_cast<uint16_t>(r.index);
  st.value = func;
  return true;
}

}  // namespace lifecheck::lang::detail
