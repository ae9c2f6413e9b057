// tp_init apart from tp_new for C types (`init:`), and the calls of
// __init__ that reach a C type's tp_init or object_init. Rules
// (docs/semantics.md):
//   TI1 type_call: T(args) runs tp_new (the `new:` steps), then, the result
//       being an instance of T, tp_init with the same arguments: the
//       `init:` steps of the C type (its own or a C base's), or a class's
//       __init__ through slot_tp_init. Without either, tp_init is
//       object_init, which accepts the arguments because tp_new is not
//       object_new: nothing runs.
//   TI2 tp_init is C code: its steps store and release fields as written
//       (`init F` is a plain store: a second call leaks the old value;
//       `xsetref F` releases it); `raise_error` sets an exception and
//       returns -1.
//   TI3 When tp_init fails, type_call releases the new object
//       (Py_SETREF(obj, NULL): its tp_dealloc runs at once), then CALL
//       releases the arguments, and the exception propagates.
//   TI4 `obj.__init__(args)`, `Base.__init__(self, args)` and
//       `super().__init__(args)` reaching a C type call its tp_init
//       through its slot wrapper (wrap_init): the `init:` steps run again
//       on the live object. `Base.__init__` checks that self is an
//       instance of Base (wrapperdescr_call: TypeError).
//   TI5 Without `init:` the slot wrapper is object.__init__ (object_init):
//       arguments are an error (TypeError) when the instance's type
//       overrides __init__ (tp_init is not object_init) or tp_new is
//       object_new (a class whose bases end at object: SU5); a type with a
//       C tp_new and object's tp_init accepts them.
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
// The stages of a Construct frame (CTypes.cpp runs 0 and 1)
enum : uint8_t { kCnNew = 0, kCnInit = 1, kCnPyInit = 2, kCnPyInitDone = 3 };
// Construct::aux of a frame that runs tp_init only, called through a slot
// wrapper (TI4); otherwise aux is the new object's label
constexpr uint16_t kInitOnly = 0xFFFF;
// CallObjectInit's value: which __init__ the call names (TI4)
constexpr int32_t kInitOfInstance = -1;  // obj.__init__(args)
}  // namespace

// The C type at the root of a type (itself for a C type), or kNoType.
static ClassId c_root(const Program& p, ClassId type) {
  if (type == kNoType) return kNoType;
  const TypeInfo& t = p.types[type];
  if (t.kind == TypeKind::CType) return type;
  if (t.base != kNoType && p.types[t.base].kind == TypeKind::CType) return t.base;
  return kNoType;
}

// TI1: the Python __init__ slot_tp_init calls for an instance of type.
static FuncId python_init(const Program& p, ClassId type) {
  const TypeInfo& t = p.types[type];
  return t.kind == TypeKind::CType ? kNoFunc : t.init;
}

void Machine::construct_op(uint16_t at, const Op& op) {
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {  // TI3: the construction failed in tp_init
    body.flags &= ~uint32_t{kFinalizeReturned};
    raise_pending_in_body();
    return;
  }
  // The arguments move to the construction frame, which holds them while
  // its steps run (they may reach scheduling points, CTypes.cpp).
  ValueList args = pop_n(op.b);
  const ClassId root = c_root(program_, op.a);
  if (python_init(program_, op.a) != kNoFunc || !program_.types[root].init_steps.empty()) {
    body.flags |= kFinalizeReturned;  // the op runs again: tp_init may fail
    body.pc = at;
  }
  Thread& th = thread();
  Frame c;
  c.kind = FrameKind::Construct;
  c.func = op.a;
  c.aux = op.label;
  c.base = static_cast<uint16_t>(th.values.size());
  c.count = static_cast<uint16_t>(args.size());
  for (Value v : args) th.values.push_back(v);
  push_frame(c);
}

bool Machine::construct_ends(Frame& f) {
  Thread& th = thread();
  switch (f.stage) {
    case kCnNew: {
      // TI1: type_call calls tp_init (the object is an instance of the type)
      const FuncId py = python_init(program_, f.func);
      if (py != kNoFunc) {
        f.stage = kCnPyInit;
        return false;
      }
      if (!constructed_type(f).init_steps.empty()) {
        f.stage = kCnInit;
        f.pc = 0;
        return false;
      }
      return true;
    }
    case kCnPyInit: {  // slot_tp_init: __init__(self, *args)
      ValueList args{Value::object(f.obj)};
      for (uint16_t i = 0; i < f.count; ++i) args.push_back(th.values[f.base + i]);
      f.stage = kCnPyInitDone;
      call_python_from_c(python_init(program_, f.func), args);
      return false;
    }
    case kCnPyInitDone: {
      const PyCallResult r = return_from_python(f);
      if (r.raised) {  // slot_tp_init returns -1 with the exception set
        th.has_exc = true;
        th.exc = r.exc;
      }
      break;
    }
    default:  // kCnInit: the C steps are done
      break;
  }
  const bool failed = th.has_exc;
  if (!failed && f.aux != kInitOnly) return true;  // the new object is the result
  // TI3: type_call drops the new object, then CALL the arguments; TI4: the
  // slot wrapper's call releases its reference to self and the arguments
  // (the caller re-runs its op: it raises, or pushes None)
  ValueList released{Value::object(f.obj)};
  released.insert(released.end(), th.values.begin() + f.base, th.values.begin() + f.base + f.count);
  th.values.erase(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
  pop_frame();
  release_values(released);
  return false;
}

// SU5, TI4, TI5: CALL of a slot wrapper __init__: callee (None, or the
// method-wrapper holding self), self (or Unset), the arguments.
void Machine::init_call_op(uint16_t at, const Op& op) {
  Thread& th = thread();
  Frame& body = top();
  if (body.has(kFinalizeReturned)) {  // TI4: the C tp_init returned
    body.flags &= ~uint32_t{kFinalizeReturned};
    raise_pending_in_body();
    const ValueList dropped = pop_n(2);
    push(Value::none());
    release_values(dropped);
    return;
  }
  const size_t n = op.a;
  const Value callee = th.stack[th.stack.size() - n - 2];
  const Value slot = th.stack[th.stack.size() - n - 1];
  const Value self = slot.kind() == ValueKind::Unset && callee.is_obj()
                         ? obj(callee.obj()).fields[kMethodSelf]
                         : slot;
  const ClassId type = self.is_obj() ? state_.objects[self.obj()].type : kNoType;
  ClassId named = kNoType;  // Base in Base.__init__(self, ...)
  if (op.value.kind() == ValueKind::Int) {
    if (op.value.integer() == kInitOfInstance) {
      // only object_init and C tp_init are modelled (list.__init__ clears
      // the list, dict.__init__ updates the dict)
      const TypeInfo* t = type == kNoType ? nullptr : &program_.types[type];
      if (!t || (t->kind != TypeKind::PyClass && t->kind != TypeKind::CType) ||
          (t->base != kNoType && c_root(program_, type) == kNoType))
        throw ModelLimit{
            "obj.__init__() on a value whose __init__ is neither a C type's nor object's"};
      if (python_init(program_, type) != kNoFunc)
        throw ModelLimit{"obj.__init__() of a class's own __init__ (call it through the class)"};
    } else {
      named = static_cast<ClassId>(op.value.integer());
      // wrapperdescr_call: descriptor '__init__' requires a 'Base' object
      bool is_instance = false;
      for (ClassId c = type; c != kNoType && !is_instance;) {
        is_instance = c == named;
        const TypeInfo& t = program_.types[c];
        c = t.py_base != kNoType ? t.py_base : t.base;
      }
      if (!is_instance) raise("TypeError");
    }
  }
  const ClassId root = c_root(program_, named != kNoType ? named : type);
  if (root != kNoType && !program_.types[root].init_steps.empty()) {
    // TI4: wrap_init calls the C tp_init on self, which the frame holds;
    // it takes at most one argument per field (as its T(args) does)
    if (n > program_.types[root].c_fields.size() || op.b != 0) raise("TypeError");
    ValueList args = pop_n(n);
    incref(self);
    body.flags |= kFinalizeReturned;
    body.pc = at;
    Frame c;
    c.kind = FrameKind::Construct;
    c.func = root;
    c.aux = kInitOnly;
    c.obj = self.obj();
    c.stage = kCnInit;
    c.flags = kHolds;
    c.base = static_cast<uint16_t>(th.values.size());
    c.count = static_cast<uint16_t>(args.size());
    for (Value v : args) th.values.push_back(v);
    push_frame(c);
    return;
  }
  // TI5, SU5: object_init. Excess arguments fail when the type overrides
  // __init__ or has object's tp_new (no C type at its root); otherwise
  // nothing happens: the callee and self are released (a method-wrapper
  // dies here) and None is pushed.
  const bool excess = n != 0 || op.b != 0;
  const bool overrides = type != kNoType && python_init(program_, type) != kNoFunc;
  if (excess && (overrides || c_root(program_, type) == kNoType)) raise("TypeError");
  const ValueList args = pop_n(n);
  const ValueList dropped = pop_n(2);
  push(Value::none());
  release_values(dropped);
  release_values(args);
}

}  // namespace lifecheck::model
