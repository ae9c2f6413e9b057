// Calls through super(): `super().NAME(args)` in a method and
// `super(C, obj).NAME(args)`. Rules (docs/semantics.md):
//   SU1 3.11: `super()` is a CALL of the type: super_vectorcall allocates a
//       GC-tracked super object holding the instance, and the CALL ends
//       with its check; LOAD_METHOD on it goes through super_getattro,
//       whose descriptor call binds the function (a new bound method), and
//       the super object is released at once. CALL takes the bound method
//       apart as FN15 does.
//   SU2 3.12+: LOAD_SUPER_ATTR with the method flag. Its first run at a
//       site is the generic instruction (a super object through the same
//       call, PyObject_GetAttr on it: a bound method; the super object
//       released); from the second run LOAD_SUPER_ATTR_METHOD calls
//       _PySuper_Lookup, which leaves the function and the instance on the
//       stack as FN14 does and makes nothing. 3.13t never specializes.
//   SU3 The lookup: the class's base chain past the class; a name none of
//       them has raises AttributeError at the lookup, before the arguments
//       (the specialized lookup makes a super object only for that error);
//       an instance not of the class raises TypeError.
//   SU4 super() where no __class__ cell exists raises RuntimeError: the
//       super object is allocated first and dropped.
#include "model/CodeGen.h"
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

FuncId super_lookup(const Program& p, ClassId cls, StrId name) {
  const ClassId base = p.types[cls].py_base;
  if (base == kNoType) return kNoFunc;  // object (or a C type, list, dict) is next
  const TypeInfo& b = p.types[base];    // flattened: what its own chain defines (R1.15)
  const std::string& s = p.strings[name];
  if (s == "__init__") return b.init;
  if (s == "__del__") return b.finalizer_is_c ? kNoFunc : b.finalizer;
  for (const auto& [m, fn] : b.methods)
    if (m == s) return fn;
  return kNoFunc;
}

bool super_finds_object_init(const Program& p, ClassId cls, StrId name) {
  if (p.strings[name] != "__init__" || super_lookup(p, cls, name) != kNoFunc) return false;
  ClassId c = cls;
  while (p.types[c].py_base != kNoType) c = p.types[c].py_base;
  // no C type, list or dict at the root; or a C type, whose slot wrapper
  // binds and calls alike (TI4)
  return p.types[c].base == kNoType || p.types[p.types[c].base].kind == TypeKind::CType;
}

// supercheck: the instance's type is the class or derives from it.
bool Machine::instance_of(Value v, ClassId cls) const {
  if (is_proxy(v))
    throw ModelLimit{
        "super() with a weakref.proxy as the instance (supercheck reads its "
        "__class__)"};
  if (!v.is_obj()) return false;
  for (ClassId c = state_.objects[v.obj()].type; c != kNoType; c = program_.types[c].py_base)
    if (c == cls) return true;
  return false;
}

ObjId Machine::new_super_object(Value self) {
  const ObjId su = alloc(program_.super_type, program_.super_label);
  obj(su).fields[kMethodSelf] = self;
  obj(su).fields[kMethodFunc] = Value::none();
  return su;
}

// SU1, SU4: the CALL of `super`: the instance on the stack becomes the
// super object's (super_init_without_args reads it from the frame; the
// reference counts are the same). A failure leaves the super object on
// the stack, and the unwinding releases it, as CALL's error path does.
void Machine::super_new_op(const Op& op) {
  if (op.a == kNoType) {  // SU4: "super(): __class__ cell not found"
    push(Value::object(new_super_object(Value::none())));
    raise("RuntimeError");
  }
  const Value self = thread().stack.back();
  const ObjId su = new_super_object(self);
  thread().stack.back() = Value::object(su);
  if (!instance_of(self, static_cast<ClassId>(op.a))) raise("TypeError");
}

// SU1-SU3: the method lookup through super(); afterwards the stack is
// function, self (FN14's form) or bound method, Unset (FN15's).
void Machine::load_super_method_op(uint16_t at, const Op& op) {
  Thread& th = thread();
  const ClassId cls = static_cast<ClassId>(op.a);
  const FuncId fn = super_lookup(program_, cls, op.value.str());
  // SU5: the compiler refuses every other name no class past cls defines
  const bool object_init = fn == kNoFunc && program_.method_wrapper_type != kNoType &&
                           super_finds_object_init(program_, cls, op.value.str());
  Value owner = th.stack.back();  // the instance, or the super object (SU1)
  const bool made = owner.is_obj() && obj(owner.obj()).type == program_.super_type;
  if (!made) {  // SU2: LOAD_SUPER_ATTR, the instance on the stack
    bool specialized = false;
    if (op.b != kNoAppendSite) {
      uint8_t& warm = warm_byte(top(), at, op.b);
      specialized = warm != 0;
      warm = 1;
    }
    if (specialized) {  // LOAD_SUPER_ATTR_METHOD: _PySuper_Lookup
      if (!instance_of(owner, cls)) raise("TypeError");
      if (fn != kNoFunc || object_init) {
        // SU5: object's wrapper descriptor is a method descriptor too; None
        // stands for it (a static object, no lifetime of its own here)
        th.stack.back() = object_init ? Value::none() : Value::func(fn);
        push(owner);  // the stack's reference to self moves to the call (FN14)
        return;
      }
      // do_super_lookup makes a super object to raise the AttributeError
      // from; the unwinding drops it, then the instance
      incref(owner);
      push(Value::object(new_super_object(owner)));
      raise("AttributeError");
    }
    // the generic instruction: a call of super, then PyObject_GetAttr
    th.stack.back() = Value::object(new_super_object(owner));
    if (!instance_of(owner, cls)) raise("TypeError");
    owner = th.stack.back();
  }
  if (fn == kNoFunc && !object_init) raise("AttributeError");  // super_getattro found nothing
  // func_descr_get binds the function to the instance: a new bound method;
  // SU5: wrapperdescr_get (PyWrapper_New) a new method-wrapper
  const Value self = obj(owner.obj()).fields[kMethodSelf];
  const ObjId m = alloc(object_init ? program_.method_wrapper_type : kMethodType, op.label);
  incref(self);
  obj(m).fields[kMethodSelf] = self;
  obj(m).fields[kMethodFunc] = object_init ? Value::none() : Value::func(fn);
  th.stack.back() = Value::object(m);
  push(Value::unset());
  // the super object goes after the op, so that a collection its
  // allocation started (P311) sees it still held
  release_values({owner});
}

// SU5: CALL of object.__init__ (wrap_init, object_init): any argument is
// excess (the instance's type overrides __init__, or has object's
// tp_init and tp_new): TypeError, and the unwinding releases the stack's
// values as CALL's error path does. Otherwise nothing happens: the callee
// and self are released (a method-wrapper dies here) and None is pushed.
void Machine::call_object_init_op(uint16_t at, const Op& op) {
  init_call_op(at, op);  // with a C type's tp_init too (TI4, CTypeInit.cpp)
}

}  // namespace lifecheck::model
