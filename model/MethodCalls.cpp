// Method calls from scenario code: `obj.NAME(args)`. Rules
// (docs/semantics.md):
//   FN14 LOAD_ATTR with the method flag (LOAD_METHOD in 3.11) finds a
//        Python function on the instance's type and no entry of that name
//        in the instance dict: the stack holds the function and the
//        instance (the reference to the instance moves there), and no
//        bound method object is made. CALL then calls the function with
//        the instance as its first argument, as any call of a function
//        (FN8): the references move into the frame, the callee's RESUME
//        is the only check, and none follows the call.
//   FN15 Anything else is the attribute's value, the reference to the
//        instance released at once (before the arguments): an entry of
//        the instance dict (a function is a non-data descriptor, so the
//        instance's own attribute wins), a bound method the lookup makes
//        (through a weakref.proxy), or AttributeError. CALL calls that
//        value without self; a bound method is taken apart first (its
//        function and a new reference to its self; the method object is
//        released before the frame exists).
#include "model/CodeGen.h"
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

// The C methods of the runtime's own objects the model has (containers,
// generators, locks, weakref.finalize), those the language calls and the
// others: called by a name that is also a class's method, they would need
// the method descriptor's call.
bool builtin_method_name(const std::string& n) {
  // clang-format off
  static const char* const names[] = {
      "append", "appendleft", "pop", "popleft", "insert", "clear", "remove", "get", "add",
      "discard", "extend", "copy", "keys", "values", "items", "update", "index", "count", "sort",
      "close", "send", "throw", "acquire", "release", "locked", "detach", "peek", "setdefault",
      "reverse", "popitem", "fromkeys", "extendleft", "rotate", "union", "intersection",
      "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint",
      "intersection_update", "difference_update", "symmetric_difference_update"};
  // clang-format on
  for (const char* m : names)
    if (n == m) return true;
  return false;
}

// The field LoadMethod and BoundMethod read in the instance dict: the
// attribute of the method's name, if some attribute has it.
uint16_t method_field(const Program& p, StrId name) {
  for (size_t i = 0; i < p.field_strings.size(); ++i)
    if (p.field_strings[i] == name) return static_cast<uint16_t>(i);
  return kNoMethodField;
}

// The method `name` the type defines (TypeInfo::methods, which holds the
// inherited ones too), or kNoFunc.
FuncId Machine::type_method(ClassId type, StrId name) const {
  const std::string& s = program_.strings[name];
  for (const auto& [m, fn] : program_.types[type].methods)
    if (m == s) return fn;
  return kNoFunc;
}

// The instance dict's entry `field` of instance o (Unset: none). Only a
// class's instances have one; a __slots__ member cannot have a method's
// name (the compiler refuses it, as type_new does).
Value Machine::instance_dict_entry(ObjId o, uint16_t field) const {
  if (field == kNoMethodField) return Value::unset();
  const TypeInfo& t = program_.types[state_.objects[o].type];
  if (t.kind != TypeKind::PyClass || !t.has_dict) return Value::unset();
  return state_.objects[o].fields[field];
}

// LOAD_ATTR of a method's name as a value (PyObject_GenericGetAttr): the
// instance dict's entry first, then the type's function bound to the
// instance (a new bound method, a GC object), through a proxy its
// referent's (W16); else what an attribute read gives. A new reference.
Value Machine::method_attribute(Value owner, const Op& op) {
  const StrId name = op.value.str();
  if (is_function_object(owner)) {  // FN10: a function's __dict__
    if (op.a == kNoMethodField) raise("AttributeError");
    throw ModelLimit{"reading a function's attribute named like a method ('" +
                     program_.strings[name] + "')"};
  }
  const Value v = through_proxy(owner);
  if (is_thread_local(v)) {  // TL2
    if (op.a == kNoMethodField) raise("AttributeError");
    const Value r = thread_local_load(v, static_cast<FieldId>(op.a));
    incref(r);
    return r;
  }
  if (!v.is_obj()) raise("AttributeError");
  const ObjId o = v.obj();
  if (obj(o).has(kFreed))
    violation({"memory-safety"}, "attribute access on " + name_of(o) + " after it was freed");
  if (const Value own = instance_dict_entry(o, op.a); own.kind() != ValueKind::Unset) {
    incref(own);
    return own;
  }
  const TypeInfo& t = program_.types[obj(o).type];
  if (const FuncId fid = type_method(obj(o).type, name); fid != kNoFunc) {
    const ObjId m = alloc(kMethodType, op.label);
    incref(v);
    obj(m).fields[kMethodSelf] = v;
    obj(m).fields[kMethodFunc] = Value::func(fid);
    return Value::object(m);
  }
  const bool builtin = (t.kind != TypeKind::PyClass && t.kind != TypeKind::CType) ||
                       (t.base != kNoType && program_.types[t.base].kind != TypeKind::CType);
  if (builtin && builtin_method_name(program_.strings[name]))
    throw ModelLimit{"the method '" + program_.strings[name] + "' of a " + t.name +
                     " where a class has a method of that name too"};
  if (op.a == kNoMethodField) raise("AttributeError");
  const Value r = load_attr(v, static_cast<FieldId>(op.a));
  incref(r);
  return r;
}

// FN14, FN15: LOAD_ATTR with the method flag (LOAD_METHOD in 3.11).
void Machine::load_method_op(const Op& op) {
  Thread& th = thread();
  const Value owner = th.stack.back();
  if (owner.is_obj() && !is_proxy(owner) && !is_function_object(owner) &&
      !obj(owner.obj()).has(kFreed)) {
    const ObjId o = owner.obj();
    const FuncId fid = type_method(obj(o).type, op.value.str());
    if (fid != kNoFunc && instance_dict_entry(o, op.a).kind() == ValueKind::Unset) {
      th.stack.back() = Value::func(fid);  // FN14: the function, then self
      push(owner);
      return;
    }
  }
  const Value v = method_attribute(owner, op);  // FN15: the value, no self
  th.stack.back() = v;
  push(Value::unset());
  decref(owner);
}

// FN14, FN15: the CALL after LoadMethod.
void Machine::call_py_method_op(uint16_t at, const Op& op) {
  if (top().has(kFinalizeReturned)) {  // the result of the frame (FN8)
    call_op(at, 0);
    return;
  }
  Thread& th = thread();
  const size_t self_at = th.stack.size() - 1u - op.a;
  if (th.stack[self_at].kind() != ValueKind::Unset) {
    call_op(at, static_cast<uint16_t>(op.a + 1u), op.b);  // FN14: self is the first argument
    return;
  }
  th.stack.erase(th.stack.begin() + static_cast<std::ptrdiff_t>(self_at));
  const Value callee = th.stack[self_at - 1u];
  if (callee.is_obj() && obj(callee.obj()).type == kMethodType) {
    // FN15: CALL takes a bound method apart: its function and its self
    // (new references), then releases the method object; when that frees
    // it (method_dealloc's frame), the op runs again after it, finding
    // the function and self as FN14 leaves them
    const Value self = obj(callee.obj()).fields[kMethodSelf];
    incref(self);
    th.stack[self_at - 1u] = obj(callee.obj()).fields[kMethodFunc];
    th.stack.insert(th.stack.begin() + static_cast<std::ptrdiff_t>(self_at), self);
    const size_t frames = th.frames.size();
    decref(callee);
    if (thread().frames.size() != frames) {
      thread().frames[frames - 1u].pc = at;
      return;
    }
    call_op(at, static_cast<uint16_t>(op.a + 1u), op.b);
    return;
  }
  if (is_function_object(callee) || callee.kind() == ValueKind::Func || is_partial(callee)) {
    call_op(at, op.a, op.b);  // (a partial: PT4)
    return;
  }
  if (callee.is_obj() &&
      (program_.types[obj(callee.obj()).type].kind == TypeKind::Weakref || is_finalize(callee)))
    throw ModelLimit{
        "calling a weakref or weakref.finalize that an instance attribute named "
        "like a method holds"};
  raise("TypeError");  // not callable
}

}  // namespace lifecheck::model
