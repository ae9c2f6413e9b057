// The runtime calling Python code and coming back (slot_tp_finalize,
// PyObject_ClearWeakRefs, gc.callbacks, weakref and finalize callbacks): the
// pending exception saved and restored around the call, an exception that
// escapes the callee reported and its traceback dropped (X7), and raising
// a Python exception from the runtime.

#include "model/Machine.h"

namespace lifecheck::model {

namespace {
StrId find_string(const Program& p, const std::string& s) {
  for (size_t i = 0; i < p.strings.size(); ++i)
    if (p.strings[i] == s) return static_cast<StrId>(i);
  return 0;
}
}  // namespace

void Machine::raise(const std::string& name) { throw PyRaise{find_string(program_, name)}; }

void Machine::call_python_from_c(FuncId func, const ValueList& args, ObjId closure) {
  if (func == kGeneratorFinalize) {  // a generator's tp_finalize is C code (Y6)
    save_pending_exception(top());
    gen_finalize(args[0].obj());
    return;
  }
  if (func == kNoFunc || !accepts(func, closure, args.size())) {  // FN7: defaults
    // Not callable, or the wrong arity: TypeError before any body runs.
    call_fails_from_c(func);
    return;
  }
  save_pending_exception(top());
  if (program_.funcs[func].generator) {
    // Y1: the call only makes a generator, which the caller drops at once
    // (a callback's result is released): gen_dealloc runs, nothing of the
    // body does.
    for (Value a : args) incref(a);
    for (Value a : args) push(a);
    Op op;
    op.a = func;
    op.b = static_cast<uint16_t>(args.size());
    gen_new_op(op);
    release_values({pop()});
    return;
  }
  call_python(func, args, closure);
}

void Machine::call_fails_from_c(FuncId callable) {
  save_pending_exception(top());
  Thread& th = thread();
  th.has_exc = true;
  th.exc_func = callable;  // X7: what the report names
  th.exc =
      static_cast<StrId>(std::find(program_.strings.begin(), program_.strings.end(), "TypeError") -
                         program_.strings.begin());
}

void Machine::save_pending_exception(Frame& caller) {
  Thread& th = thread();
  if (th.has_exc) {
    caller.saved_exc = th.exc;
    caller.flags |= kSavedExc;
    th.has_exc = false;
  }
}

PyCallResult Machine::return_from_python(Frame& caller) {
  Thread& th = thread();
  PyCallResult r{th.has_exc, th.exc};
  r.func = th.exc_func;
  th.exc_func = kNoFunc;
  if (caller.has(kTracebackDropped)) {
    caller.flags &= ~uint32_t{kTracebackDropped};
    r = PyCallResult{true, 0, true};
  }
  th.has_exc = false;
  if (caller.has(kSavedExc)) {
    th.has_exc = true;
    th.exc = caller.saved_exc;
    caller.flags &= ~uint32_t{kSavedExc};
  }
  return r;
}

uint16_t Machine::owned_values_top() const {
  const Thread& th = state_.threads[current_];
  for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it)
    if (owns_values(*it)) return static_cast<uint16_t>(it->base + it->count);
  return 0;
}

bool Machine::drop_traceback(Frame& caller, bool resume, bool unraisable) {
  Thread& th = thread();
  const uint16_t top = owned_values_top();
  if (th.values.size() <= top) return false;
  if (resume) {
    // The exception that was pending before the call is restored only
    // after the traceback is gone (slot_tp_finalize, handle_callback:
    // PyErr_WriteUnraisable, then PyErr_SetRaisedException).
    if (th.has_exc) {
      caller.saved_exc = th.exc;
      caller.flags |= kSavedExc;
      th.has_exc = false;
    }
    caller.flags |= kTracebackDropped;
  }
  // the chain's exceptions in their order (X8)
  release_traceback_from(top, unraisable);
  return true;
}

void Machine::call_python(FuncId func, const ValueList& args, ObjId closure) {
  require_attached("a call into Python code");
  const FuncInfo& fn = program_.funcs[func];
  Thread& th = thread();
  Frame f;
  f.kind = FrameKind::Body;
  f.func = func;
  f.base = static_cast<uint16_t>(th.values.size());
  f.count = fn.nlocals;
  f.aux = static_cast<uint16_t>(th.stack.size());  // its operand stack starts here
  for (Value a : args) incref(a);                  // the callee's frame owns its arguments
  Thread& t2 = thread();
  for (Value a : args) t2.values.push_back(a);
  for (size_t i = args.size(); i < fn.nlocals; ++i) t2.values.push_back(Value::unset());
  if (closure != kNoObj) copy_free_vars(closure, f.base);  // FN3
  push_frame(f);
}
}  // namespace lifecheck::model
