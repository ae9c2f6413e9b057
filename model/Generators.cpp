// Generators (issue 12 point 5): generator objects, next(), close(), the
// generator's tp_finalize (_PyGen_Finalize) and gen_dealloc. Rules Y1-Y6
// (docs/semantics.md). A generator's frame runs as a Body frame on the
// thread that resumes it (kGenFrame, obj = the generator); while suspended
// its locals and operand stack live in the generator object's items, as
// CPython 3.11+ embeds the _PyInterpreterFrame in the generator.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
constexpr int kGenFunc = 0;   // fields[0]: the generator function (Value::func)
constexpr int kGenPc = 1;     // fields[1]: where the frame resumes
constexpr int kGenState = 2;  // fields[2]: GenState
// gi_frame_state, folded: FRAME_CREATED, FRAME_SUSPENDED, FRAME_EXECUTING,
// and FRAME_COMPLETED/FRAME_CLEARED (nothing can run it again).
enum GenState : int32_t { kGenCreated = 0, kGenSuspended = 1, kGenRunning = 2, kGenCleared = 3 };

StrId string_id(const Program& p, const char* s) {
  for (size_t i = 0; i < p.strings.size(); ++i)
    if (p.strings[i] == s) return static_cast<StrId>(i);
  return 0;  // the compiler interns every name used here (declare_generator)
}
}  // namespace

bool Machine::is_generator(Value v) const {
  return v.is_obj() && program_.types[state_.objects[v.obj()].type].kind == TypeKind::Generator;
}

int32_t Machine::gen_state(ObjId g) const { return state_.objects[g].fields[kGenState].integer(); }

void Machine::set_gen_state(ObjId g, int32_t s) { obj(g).fields[kGenState] = Value::integer(s); }

// Y1: calling a generator function runs none of its body: the arguments
// move into a new frame, which RETURN_GENERATOR copies into a new generator
// object (tracked from creation: _Py_MakeCoro / make_gen).
void Machine::gen_new_op(const Op& op) {
  const FuncInfo& fn = program_.funcs[op.a];
  if (fn.nlocals > kMaxItems)
    throw ModelLimit{"a generator function with more than " + std::to_string(kMaxItems) +
                     " locals"};
  ValueList args = pop_n(op.b);
  ObjId g = alloc(program_.generator_type, op.label, true);
  Object& x = obj(g);
  x.fields[kGenFunc] = Value::func(op.a);
  x.fields[kGenPc] = Value::integer(0);
  x.fields[kGenState] = Value::integer(kGenCreated);
  for (size_t i = 0; i < fn.nlocals; ++i) x.items[i] = i < args.size() ? args[i] : Value::unset();
  x.length = fn.nlocals;
  push(Value::object(g));
}

// gen_send_ex2: the generator's frame is linked onto this thread and runs
// from where it stopped; its locals and stack move back onto the thread.
// `closing`: gen_close's resumption, GeneratorExit thrown at the yield.
void Machine::resume_generator(ObjId g, bool closing) {
  Object& x = obj(g);
  const FuncId func = static_cast<FuncId>(x.fields[kGenFunc].func());
  const FuncInfo& fn = program_.funcs[func];
  Thread& th = thread();
  Frame f;
  f.kind = FrameKind::Body;
  f.func = func;
  f.obj = g;
  f.flags = kGenFrame | (closing ? kGenClosing : 0u);
  f.pc = static_cast<uint16_t>(x.fields[kGenPc].integer());
  f.base = static_cast<uint16_t>(th.values.size());
  f.count = fn.nlocals;
  f.aux = static_cast<uint16_t>(th.stack.size());
  for (uint8_t i = 0; i < x.length; ++i) {
    if (i < fn.nlocals)
      th.values.push_back(x.items[i]);
    else
      th.stack.push_back(x.items[i]);
    x.items[i] = Value::unset();
  }
  x.length = 0;
  x.fields[kGenState] = Value::integer(kGenRunning);
  push_frame(f);
  // Y3: the exception is raised at the yield the frame stopped at (the op
  // before the resume point), so that yield's handlers see it.
  if (closing) catch_in_body(static_cast<uint16_t>(f.pc - 1), string_id(program_, "GeneratorExit"));
}

// Y2: next(gen), gen_iternext. A running generator raises ValueError
// ("generator already executing"); a finished one StopIteration.
// Y7: without the GIL the check and the store of FRAME_EXECUTING are two
// steps (GeneratorsFreeThreaded.cpp).
void Machine::gen_next_op() {
  Value v = thread().stack.back();
  if (!is_generator(v)) raise("TypeError");  // "'X' object is not an iterator"
  const ObjId g = v.obj();
  const bool read = gen_state_set_after_read(top(), g);
  if (gen_state(g) == kGenRunning) raise("ValueError");
  if (gen_state(g) == kGenCleared) raise("StopIteration");
  if (!read && gen_state_read_pauses(top(), g)) return;
  resume_generator(g, false);
}

// After the frame stopped: it yielded (gen, value on the stack), returned
// (StopIteration), or raised (the exception goes on in this body; the
// unwound frame's locals stay with its traceback until the exception is
// handled: PopExcept).
void Machine::raise_pending_in_body() {
  Thread& th = thread();
  if (!th.has_exc) return;
  th.has_exc = false;
  th.exc_func = kNoFunc;
  throw PyRaise{th.exc};
}

void Machine::gen_next_end_op() {
  raise_pending_in_body();
  Frame& caller = top();
  if (!caller.has(kFinalizeReturned)) raise("StopIteration");  // it returned
  Thread& th = thread();
  Value g = th.stack[th.stack.size() - 2];
  const bool lost = gen_yield_read_lost(caller, g.obj());
  caller.flags &= ~uint32_t{kFinalizeReturned};
  // Y7: the yielded value taken for a return value: StopIteration(value);
  // the unwinding releases the value and the generator
  if (lost) raise("StopIteration");
  th.stack.erase(th.stack.end() - 2);
  decref(g);
}

// Y4: gen.close(), gen_close.
void Machine::gen_close_op() {
  Value v = thread().stack.back();
  if (!is_generator(v)) raise("AttributeError");
  const ObjId g = v.obj();
  // Y7: a suspended generator is resumed through gen_send_ex2, whose
  // check and store race without the GIL
  const bool read = gen_state_set_after_read(top(), g);
  if (!read && gen_state(g) == kGenSuspended && gen_state_read_pauses(top(), g)) return;
  gen_close(g);
}

void Machine::gen_close_end_op() {
  raise_pending_in_body();
  Value g = pop();
  push(Value::none());
  decref(g);
}

// gen_close: a just-created generator is completed without running (3.11
// throws GeneratorExit before its first instruction, 3.13.13+ clears the
// frame: either way its arguments are released now; 3.12 and 3.13.0 leave
// them in the frame until gen_dealloc, Profile::gen_close_clears_created);
// a suspended one gets GeneratorExit thrown in at its yield. Either ends in
// this thread's has_exc (an exception close raises) or none.
void Machine::gen_close(ObjId g) {
  switch (gen_state(g)) {
    case kGenRunning:
      thread().has_exc = true;
      thread().exc = string_id(program_, "ValueError");
      thread().exc_func = kNoFunc;
      return;
    case kGenCreated:
      if (program_.profile.gen_close_clears_created) return gen_clear_frame(g);
      set_gen_state(g, kGenCleared);  // completed; the frame keeps its locals
      return;
    case kGenSuspended:
      return resume_generator(g, true);
    default:
      return;
  }
}

// gen_clear_frame / _PyFrame_ClearExceptCode: the locals and the stack in
// _PyFrame_ClearLocals's order (first to last up to 3.13, last to first
// from 3.14).
void Machine::gen_clear_frame(ObjId g) {
  Object& x = obj(g);
  set_gen_state(g, kGenCleared);
  x.fields[kGenPc] = Value::integer(0);
  ValueList values;
  for (uint8_t i = 0; i < x.length; ++i) {
    values.push_back(x.items[i]);
    x.items[i] = Value::unset();
  }
  x.length = 0;
  if (program_.profile.locals_last_to_first) std::reverse(values.begin(), values.end());
  release_values(values);
}

// Y2: YIELD_VALUE: the frame's locals and the stack below the value go back
// into the generator; the value is left on the caller's stack. Closing
// (Y4): the generator ignored GeneratorExit: gen_close drops the value and
// raises RuntimeError.
void Machine::gen_yield_op() {
  Frame& f = top();
  Thread& th = thread();
  const ObjId g = f.obj;
  if (traceback_keeps_objects(static_cast<size_t>(f.base) + f.count))
    throw ModelLimit{
        "a yield while the traceback of an exception from a called frame is "
        "still held"};
  const size_t depth = th.stack.size() - 1 - f.aux;
  if (f.count + depth > kMaxItems)
    throw ModelLimit{"a suspended generator frame of more than " + std::to_string(kMaxItems) +
                     " locals and stack values"};
  Object& x = obj(g);
  uint8_t n = 0;
  for (uint16_t i = 0; i < f.count; ++i) x.items[n++] = th.values[f.base + i];
  for (size_t i = 0; i < depth; ++i) x.items[n++] = th.stack[f.aux + i];
  x.length = n;
  x.fields[kGenPc] = Value::integer(f.pc);
  x.fields[kGenState] = Value::integer(kGenSuspended);
  th.values.erase(th.values.begin() + f.base, th.values.end());
  Value yielded = th.stack.back();
  th.stack.erase(th.stack.begin() + f.aux, th.stack.end());
  const bool closing = f.has(kGenClosing);
  pop_frame();
  if (!closing) {
    push(yielded);
    // the call returned a value (the flag weakref.finalize's call uses the
    // same way; GenNextEnd, the caller's next op, takes it)
    top().flags |= kFinalizeReturned;
    return;
  }
  th.has_exc = true;
  th.exc = string_id(program_, "RuntimeError");  // "generator ignored GeneratorExit"
  th.exc_func = kNoFunc;
  release_values({yielded});
}

// Y5: the end of a generator's frame (step_body): it is completed. An
// exception leaving it: StopIteration becomes RuntimeError (PEP 479,
// gen_send_ex2); in gen_close, GeneratorExit is what it expects: cleared
// (PyErr_Clear), so the traceback keeps nothing and the locals go now.
// True when the frame became the Release of its locals.
bool Machine::gen_frame_ends(Frame& f) {
  set_gen_state(f.obj, kGenCleared);
  obj(f.obj).fields[kGenPc] = Value::integer(0);
  if (!f.has(kUnwinding)) return false;
  Thread& th = thread();
  if (th.exc == string_id(program_, "StopIteration")) th.exc = string_id(program_, "RuntimeError");
  if (!f.has(kGenClosing) || th.exc != string_id(program_, "GeneratorExit")) return false;
  th.has_exc = false;
  th.exc_func = kNoFunc;
  f.kind = FrameKind::Release;
  f.pc = 0;
  f.flags = 0;
  return true;
}

// Y6: _PyGen_Finalize, the generator type's tp_finalize, called through
// call_python_from_c: nothing for a finished generator, else gen_close; an
// exception is reported by the caller as unraisable in the generator
// (PyErr_WriteUnraisable(self), every profile).
void Machine::gen_finalize(ObjId g) {
  if (gen_state(g) == kGenCleared) return;
  gen_close(g);
}

// gen_dealloc (Y6): untrack; PyObject_ClearWeakRefs (callbacks run before
// the finalizer, unlike subtype_dealloc); re-track around
// PyObject_CallFinalizerFromDealloc (which may resurrect); untrack; clear
// the frame; free.
void Machine::step_generator_dealloc(Frame& f) {
  const ObjId o = f.obj;
  switch (f.stage) {
    case 0:
      return dealloc_untrack_clear_weakrefs(f);
    case 1: {
      track(o);
      f.stage = 2;
      Frame c;
      c.kind = FrameKind::FinalizeFromDealloc;
      c.obj = o;
      push_frame(c);
      return;
    }
    case 2:
      if (f.has(kResult)) {  // resurrected: gen_dealloc returns
        Event e = event(EventKind::DeallocEnd, o);
        e.value = 1;
        emit(std::move(e));
        obj(o).flags &= ~(kDeallocating | kResurrected);
        pop_frame();
        return;
      }
      untrack(o);
      f.stage = 3;
      gen_clear_frame(o);
      return;
    case 3:
      dealloc_destruction_step(o, "PyObject_GC_Del");
      free_object(o);
      f.stage = 4;
      return;
    default:
      return end_dealloc(o);
  }
}

}  // namespace lifecheck::model
