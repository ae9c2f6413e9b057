// `with` on a user context manager (rules WT1-WT6, docs/semantics.md): the
// two ops CodeGenWith.cpp places around calls of the methods.
//   WT1 The lookups (3.11-3.13: BEFORE_WITH in Python/ceval.c and
//       Python/bytecodes.c, _PyObject_LookupSpecial; 3.14: LOAD_SPECIAL,
//       _PyObject_LookupSpecialMethod) read the type only, never the
//       instance dict; a type without __enter__ or __exit__ raises
//       TypeError before anything is called. 3.11-3.13 bind both methods
//       (two method objects, __enter__'s first): the bound __exit__ is what
//       the stack keeps for the block, the bound __enter__ is released after
//       its call. 3.14 pushes the functions and the object: no method
//       object, and the stack's reference to the object is what keeps it.
//   WT4 WITH_EXCEPT_START calls __exit__(type(exc), exc, exc.__traceback__).
//       The model has neither exception classes nor traceback objects as
//       values: the type arrives as the class's name (a str, no lifetime,
//       not None) and the traceback as the exception object itself, which
//       holds the same frames (a stored `tb` keeps them as the real one
//       does; `tb is exc` is true here, false in CPython).
#include <stdexcept>

#include "model/Machine.h"

namespace lifecheck::model {

// OpCode::WithEnter: mgr -> [bound __enter__,] __enter__, mgr, the hidden
// local op.a set to what keeps mgr for the block.
void Machine::with_enter_op(const Op& op, Frame& f) {
  Thread& th = thread();
  const Value mgr = th.stack.back();
  if (is_lock(mgr)) throw std::logic_error("a lock reached WithEnter (LK5a: JumpIfLock is first)");
  FuncId enter = kNoFunc, exit = kNoFunc;
  if (mgr.is_obj() && !is_proxy(mgr) && !is_function_object(mgr)) {
    if (obj(mgr.obj()).has(kFreed))
      violation({"memory-safety"}, "'with' on " + name_of(mgr.obj()) + " after it was freed");
    enter = type_method(obj(mgr.obj()).type, op.value.str());
    exit = type_method(obj(mgr.obj()).type, op.str);
  }
  // "'%.200s' object does not support the context manager protocol"
  if (enter == kNoFunc || exit == kNoFunc) raise("TypeError");
  const size_t keeper = static_cast<size_t>(f.base) + op.a;
  const Value old = th.values[keeper];
  if (program_.profile.with_binds_methods) {
    auto bind = [&](FuncId fn, LabelId label) {
      const ObjId m = alloc(kMethodType, label);
      incref(mgr);
      obj(m).fields[kMethodSelf] = mgr;
      obj(m).fields[kMethodFunc] = Value::func(fn);
      return Value::object(m);
    };
    const Value bound_enter = bind(enter, op.b);
    const Value bound_exit = bind(exit, op.label);
    th.values[keeper] = bound_exit;
    // the stack's reference to mgr becomes the call's self (method_vectorcall
    // passes the method's self; the frame takes a reference of its own)
    th.stack.back() = bound_enter;
    th.stack.push_back(Value::func(enter));
    th.stack.push_back(mgr);
  } else {
    incref(mgr);
    th.values[keeper] = mgr;
    th.stack.back() = Value::func(enter);
    th.stack.push_back(mgr);
  }
  decref(old);
}

// OpCode::JumpIfLock (LK5a): a lock as the subject of a with compiled for
// user context managers takes LK5's code. BEFORE_WITH (LOAD_SPECIAL) looks
// __enter__ and __exit__ up on the type whatever it is; only the model
// keeps two codes, the lock's own with (LK5) and WT1-WT6's.
void Machine::jump_if_lock_op(const Op& op, Frame& f) {
  const Thread& th = thread();
  const Value v =
      op.b == kWithSubjectOnStack ? th.stack.back() : th.values[static_cast<size_t>(f.base) + op.b];
  if (is_lock(v)) f.pc = op.a;
}

// OpCode::WithExceptArgs (WT4): the stack holds the handled exception (its
// name), then __exit__ and its self; pushes exc_type, exc and tb as WT4
// stands them in. The exception object is made as `except ... as` makes it
// (X4, X8: its traceback and __context__ from the frames kept so far).
void Machine::with_except_args_op(Frame& f) {
  Thread& th = thread();
  const Value self = th.stack.back();
  th.stack.pop_back();
  const Value callee = th.stack.back();
  th.stack.pop_back();
  bind_exception_op(f);
  const Value exc = th.stack.back();
  th.stack.pop_back();
  const Value type_name = th.stack.back();  // a Str: the handled exception's name
  th.stack.push_back(callee);
  th.stack.push_back(self);
  th.stack.push_back(type_name);
  th.stack.push_back(exc);
  incref(exc);
  th.stack.push_back(exc);
}

}  // namespace lifecheck::model
