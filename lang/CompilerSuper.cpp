// Calls through super() (model/Super.cpp, rules SU1-SU4 of
// docs/semantics.md): `super().NAME(args)` in a method, and
// `super(C, obj).NAME(args)` in any function body. Which function the
// lookup finds is fixed by the class alone (single inheritance: the MRO
// past the class is its base chain), so what CPython would not find, or
// would find in C code the model does not have, is decided here; whether
// the instance belongs to the class is checked when the call runs.
#include "lang/CompilerImpl.h"
#include "model/CodeGen.h"

namespace lifecheck::lang::detail {

// `super(...).NAME(args)` with `super` the builtin.
bool Compiler::calls_through_super(const Expr& e) const {
  const Expr& callee = *e.base;
  return callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Call &&
         callee.base->base->kind == ExprKind::Name && callee.base->base->text == "super" &&
         resolve("super", *cur_).kind == NameKind::Unknown;
}

void Compiler::declare_super_type() {
  if (p_.super_type != kNoType) return;
  // super_dealloc untracks, then releases obj, type and obj_type; the
  // types are not objects of the model, obj is kMethodSelf's field
  p_.super_type = add_static_type("super", TypeKind::Method, false, false);
  p_.super_label = label_id("super()");
}

// The class the lookup starts past, from where the call is written: the
// class whose body defines the method (its __class__ cell), or the first
// argument of super(C, obj); kNoType where no __class__ cell exists.
ClassId Compiler::super_start_class(const Expr& sup) {
  if (sup.args.size() == 2) {
    const Expr& c = *sup.args[0];
    if (c.kind != ExprKind::Name || resolve(c.text, *cur_).kind != NameKind::Class)
      fail(c.loc, "the first argument of super() must name a class of the scenario");
    return classes_.at(c.text);
  }
  const FuncInfo& f = p_.funcs[cur_->func];
  const bool method =
      (f.kind == FuncKind::Method || f.kind == FuncKind::Finalizer) && f.parent == kNoFunc;
  if (!method) {
    // a nested def or lambda inside a method sees __class__ too, but its
    // own first argument as self
    for (FuncId g = f.parent; g != kNoFunc; g = p_.funcs[g].parent)
      if (p_.funcs[g].kind == FuncKind::Method || p_.funcs[g].kind == FuncKind::Finalizer)
        fail(sup.loc, "super() in a nested function or lambda is not modelled");
    return kNoType;  // SU4: RuntimeError when it runs
  }
  if (p_.types[f.owner].kind != TypeKind::PyClass)
    fail(sup.loc, "super() in a C type's slot is not modelled");
  return f.owner;
}

ExprId Compiler::super_method_call(const Expr& e) {
  const Expr& callee = *e.base;
  const Expr& sup = *callee.base;
  if (cur_->module)
    fail(sup.loc,
         "super() at module level is not modelled (it raises RuntimeError there, and a module "
         "that names super stops CPython 3.12+ from compiling any super() call to "
         "LOAD_SUPER_ATTR)");
  if (!sup.keywords.empty())
    fail(sup.args[sup.args.size() - sup.keywords.size()]->loc,
         "super() takes no keyword arguments");
  if (sup.args.size() != 0 && sup.args.size() != 2)
    fail(sup.loc, "super() is modelled with no arguments or with two (a class and an instance)");
  // compile.c's method-call form needs fewer than STACK_USE_GUIDELINE (30)
  // stack entries; past that the call goes through a bound method
  if (e.args.size() + (e.keywords.empty() ? 0u : 1u) >= 30)
    fail(e.loc, "a call through super() with 30 or more arguments is not modelled");
  const ClassId cls = super_start_class(sup);
  const std::string& name = callee.text;
  if (name == "__init__" && sup.args.size() == 2) {
    // emit-python reads the instance again to keep its label (FN13)
    const Expr* x = sup.args[1].get();
    while (x->kind == ExprKind::Attr) x = x->base.get();
    if (x->kind != ExprKind::Name)
      fail(sup.args[1]->loc,
           "the instance passed to super() for __init__ must be a name or an attribute");
  }
  if (cls != kNoType) check_super_target(cls, name, callee.loc);
  declare_super_type();
  ExprNode n;
  n.op = ExprOp::SuperMethodCall;
  n.slot = cls;
  n.depth = static_cast<uint16_t>(sup.args.size());
  if (cls != kNoType) {
    // zero arguments: the method's first parameter, which must be `self`
    Expr self_name;
    self_name.kind = ExprKind::Name;
    self_name.loc = sup.loc;
    self_name.text = "self";
    n.a = value(sup.args.size() == 2 ? *sup.args[1] : self_name, "");
  }
  n.value = Value::str(intern(name));
  n.label = label_id("method " + name);
  if (!e.keywords.empty()) n.keywords = keyword_names(e, kNoFunc);  // FN12, checked by the call
  if (cls != kNoType && p_.profile.super_call == model::SuperCall::LoadSuperAttr)
    n.site = p_.append_sites++;  // SU2: it specializes on its second run
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  return add_expr(n, e.loc);
}

// What the lookup past `cls` finds (SU3), refused where it would be C code
// the model does not have: a method of object, of a C type, list or dict.
void Compiler::check_super_target(ClassId cls, const std::string& name, Loc loc) {
  const bool dunder =
      name.size() > 4 && name.rfind("__", 0) == 0 && name.compare(name.size() - 2, 2, "__") == 0;
  if (dunder && name != "__init__" && name != "__del__")
    fail(loc, "super()." + name + "() is not modelled; only __init__, __del__ and methods are");
  if (name == "__del__") explicit_del_calls_.push_back(loc);  // R1.14 (check_explicit_del_calls)
  const FuncId f = model::super_lookup(p_, cls, intern(name));
  const TypeInfo& t = p_.types[cls];
  if (f != kNoFunc) return;     // (a method cannot be a generator: CompilerGenerators.cpp)
  const ClassId root = t.base;  // the C type, list or dict the chain ends at, or none
  if (root != kNoType && name == "__init__" && p_.types[root].kind == TypeKind::CType) {
    // TI4: the C type's slot wrapper, bound as object's is (SU5)
    if (p_.method_wrapper_type == kNoType)
      p_.method_wrapper_type = add_static_type("method-wrapper", TypeKind::Method, false, false);
    return;
  }
  if (root != kNoType)
    fail(loc, "super()." + name + "() reaching the " + p_.types[root].name + " at the root of '" +
                  t.name + "' is not modelled");
  if (name == "__init__" && p_.method_wrapper_type == kNoType)  // SU5: object.__init__
    p_.method_wrapper_type = add_static_type("method-wrapper", TypeKind::Method, false, false);
}

}  // namespace lifecheck::lang::detail
