// Classes deriving from classes (rules R1.15-R1.16 of docs/semantics.md):
// the base chain, checked for cycles, flattened into each TypeInfo; the
// __slots__ levels; calls of a base's function through its class
// (`Base.__init__(self, x)`, `Base.m(self)`).
#include <algorithm>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

// Whether `class C(B):` names a class (not a C type, list or dict).
bool Compiler::derives_from_class(const ClassDef& c) const {
  for (const ClassDef& other : sc_.classes)
    if (other.name == c.base) return !other.is_ctype;
  return false;
}

// R1.15: each class deriving from a class gets, after its base has been
// done, everything the base has that it does not define itself; the
// chain is followed to any depth and may be declared in any order.
void Compiler::compile_inheritance() {
  std::vector<bool> done(p_.types.size(), false);
  std::vector<ClassId> path;
  for (const ClassDef& c : sc_.classes) inherit(classes_.at(c.name), path, done);
  if (!p_.profile.slotted_dict_is_object) return;
  // R1.15c: a dict beside __slots__ members is a dict object, held by a
  // last member (model/InstanceDict.cpp)
  for (const ClassDef& c : sc_.classes) {
    TypeInfo& t = p_.types[classes_.at(c.name)];
    if (c.is_ctype || t.base != kNoType || !t.has_dict || t.slots.empty()) continue;
    t.dict_field = field_id("__dict__", c.loc);
    t.dict_label = label_id("__dict__ of " + c.name);
    t.slots.push_back(t.dict_field);
  }
}

void Compiler::inherit(ClassId id, std::vector<ClassId>& path, std::vector<bool>& done) {
  if (done[id]) return;
  const ClassDef* def = nullptr;
  for (const ClassDef& c : sc_.classes)
    if (c.name == p_.types[id].name) def = &c;
  const ClassDef& c = *def;
  if (c.is_ctype || !derives_from_class(c)) {
    done[id] = true;
    return;
  }
  const ClassId base_id = classes_.at(c.base);
  if (std::find(path.begin(), path.end(), base_id) != path.end() || base_id == id) {
    // type_new refuses an MRO that contains the class itself; here the
    // names would have to be rebound, which the language never does
    std::string chain;
    for (auto at = std::find(path.begin(), path.end(), base_id); at != path.end(); ++at)
      chain += p_.types[*at].name + " -> ";
    fail(c.base_loc, "class '" + c.name + "' cannot derive from '" + c.base +
                         "': the bases form a cycle (" + chain + c.name + " -> " + c.base + ")");
  }
  path.push_back(id);
  inherit(base_id, path, done);
  path.pop_back();
  TypeInfo& t = p_.types[id];
  const TypeInfo& b = p_.types[base_id];
  t.py_base = base_id;
  t.base = b.base;  // the C type, list or dict at the root of the chain
  t.gc = b.gc;
  // inherit_slots: tp_finalize comes from the nearest class that has one;
  // tp_del never does (a legacy slot is set on one class)
  if (!t.has_finalizer()) {
    t.finalizer = b.finalizer;
    t.finalizer_is_c = b.finalizer_is_c;
  }
  if (t.init == kNoFunc) {
    t.init = b.init;
  } else if (b.base != kNoType && p_.types[b.base].kind != TypeKind::CType) {
    fail(func_defs_.at(t.init)->loc,
         "__init__ is modelled for classes whose bases end at object "
         "only ('" +
             c.name + "' derives from " + p_.types[b.base].name + ")");
  }
  // the other methods: found on the class first, then on its bases
  for (const auto& [name, fid] : b.methods) {
    bool own = false;
    for (const auto& m : t.methods) own = own || m.first == name;
    if (!own) t.methods.emplace_back(name, fid);
  }
  inherit_slots(c, t, b);
  done[id] = true;
}

// R1.15b: a class without __slots__ has a dict and a weakref list, its
// own or its base's; with __slots__ it adds its members (and '__dict__' or
// '__weakref__' only where the base has none) to its base's. Its members
// come first: subtype_dealloc, subtype_clear and subtype_traverse walk
// the levels from the class down (R1.15a).
void Compiler::inherit_slots(const ClassDef& c, TypeInfo& t, const TypeInfo& b) {
  if (!t.declares_slots) {
    t.has_dict = t.weakrefable = true;
    t.slots = b.slots;
    return;
  }
  if (b.base != kNoType)
    fail(c.slot_names_loc, "__slots__ are supported on classes whose bases end at object only");
  for (uint8_t i = 0; i < t.own_slots; ++i)
    if (std::find(b.slots.begin(), b.slots.end(), t.slots[i]) != b.slots.end())
      fail(c.slot_names_loc, "'" + p_.field_names[t.slots[i]] +
                                 "' is already a member of a base of '" + c.name +
                                 "': a member hiding a base's is not modelled");
  if (t.slots_dict && b.has_dict)
    fail(c.slot_names_loc, "'__dict__' in __slots__: the instances of '" + c.base +
                               "' have a dict already (type_new raises TypeError)");
  if (t.slots_weakref && b.weakrefable)
    fail(c.slot_names_loc, "'__weakref__' in __slots__: the instances of '" + c.base +
                               "' are weakrefable already (type_new raises TypeError)");
  t.has_dict = t.slots_dict || b.has_dict;
  t.weakrefable = t.slots_weakref || b.weakrefable;
  t.slots.insert(t.slots.end(), b.slots.begin(), b.slots.end());
}

// R1.16: `Base.name(args)`: the class's function, called as a plain
// function (LOAD_ATTR on a class gives the function itself, no bound
// method); self is an argument like the others.
bool Compiler::calls_through_class(const Expr& e) const {
  const Expr& callee = *e.base;
  return callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Name &&
         resolve(callee.base->text, *cur_).kind == NameKind::Class;
}

ExprId Compiler::class_function_call(const Expr& e) {
  const Expr& callee = *e.base;
  const ClassId id = classes_.at(callee.base->text);
  const TypeInfo& t = p_.types[id];
  const std::string written = callee.base->text + "." + callee.text;
  if (callee.text == "__init__" &&
      (t.kind == TypeKind::CType ||
       (t.init == kNoFunc && t.base != kNoType && p_.types[t.base].kind == TypeKind::CType)))
    return c_init_call(e, id);  // TI4
  if (t.kind != TypeKind::PyClass)
    fail(callee.base->loc,
         "'" + t.name + "' is a C type: calling its slots by name is not modelled");
  FuncId f = kNoFunc;
  if (callee.text == "__init__") {
    f = t.init;
  } else if (callee.text == "__del__") {
    if (!t.finalizer_is_c) f = t.finalizer;
    explicit_del_calls_.push_back(callee.loc);
  } else {
    for (const auto& [name, fid] : t.methods)
      if (name == callee.text) f = fid;
  }
  if (f == kNoFunc)
    fail(callee.loc, "'" + written + "' is not a function defined by '" + t.name +
                         "' or by a class it derives from");
  const FuncInfo& fi = p_.funcs[f];
  if (fi.generator)
    fail(callee.loc, "a generator method called through its class is not supported");
  if (e.keywords.empty() && e.args.size() != fi.nparams)
    fail(e.loc, "'" + written + "' takes " + parameters(fi.nparams) + " (self included), not " +
                    std::to_string(e.args.size()));
  if (e.args.size() > 60) fail(e.args[60]->loc, "at most 60 arguments in a call");
  if (callee.text == "__init__" && !e.args.empty()) {
    // emit-python reads the instance again to keep its label (FN13)
    const Expr* x = e.args[0].get();
    while (x->kind == ExprKind::Attr) x = x->base.get();
    if (x->kind != ExprKind::Name)
      fail(e.args[0]->loc,
           "the instance passed to '" + written + "' must be a name or an attribute (self, x.y)");
  }
  ExprNode n;
  n.op = ExprOp::Call;
  if (!e.keywords.empty()) n.slot = keyword_names(e, f);
  ExprNode fn;  // the function, a constant; slot: the class it was read from
  fn.op = ExprOp::Const;
  fn.value = Value::func(f);
  fn.slot = id;
  n.a = add_expr(fn, callee.loc);
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  return add_expr(n, e.loc);
}

// `Base.__del__(self)` reads the function the class had when the scenario
// was compiled; once some code sets or deletes a __del__ at run time
// (R1.14) the class attribute may differ, which is not modelled.
void Compiler::check_explicit_del_calls() const {
  if (p_.runtime_del && !explicit_del_calls_.empty())
    fail(explicit_del_calls_[0],
         "calling a class's __del__ by name in a scenario that also sets or deletes a __del__ at "
         "run time is not modelled");
}

}  // namespace lifecheck::lang::detail
