// F14: switch points of Python code without the GIL (P313t, P314t).
//
// With the GIL (T1) a thread gives way only at an eval-breaker check or a
// detaching call. Without it (§4.2) threads run side by side, so another
// thread may run between any two bytecode instructions. The model splits a
// thread's run before each op whose effect another thread can see or
// change, and only there:
//  * ops on module globals (LOAD_GLOBAL/STORE_GLOBAL/DELETE_GLOBAL read and
//    write the shared module dict) and on the collector (gc.collect,
//    gc.enable/disable, gc.callbacks);
//  * attribute, item and container ops on a shared object, and the weakref
//    ops on a shared referent. Each such op stays one step: in the
//    free-threaded build the dict and list operations behind them hold the
//    object's per-object mutex (Py_BEGIN_CRITICAL_SECTION in
//    Objects/dictobject.c, listobject.c, setobject.c), and an instance
//    attribute goes through its dict; so a statement reading and then
//    writing `o.n` is two steps, and another thread can run between them;
//  * loads and stores of a shared closure cell (nonlocal and free
//    variables), each one step under the cell's lock;
//  * every decref of a shared object (F2-F4: the owner's local count or
//    the atomic shared count; whichever thread drops last deallocates), in
//    an op or in the release of a returning frame's locals, one per step.
// Ops on thread-private state are not switch points: constants, locals,
// jumps, building a new object, and field, item and refcount ops on
// objects only this thread can reach. Such an op commutes with every step
// of every other thread, so running it together with the op before it
// loses no observable interleaving. An incref through a reference the
// thread already holds is private too: the object cannot die under it and
// only sys.getrefcount could tell the order. The steps of C slots are
// switch points on their own (Threads.cpp: any C slot step, F12's model).
#include "model/SwitchPoints.h"

#include "model/Limits.h"
#include "model/Ownership.h"

namespace lifecheck::model {

ObjSet objects_shared_with_others(const Program& program, const State& state, ThreadId t) {
  const size_t n = state.objects.size();
  ObjSet seen(n);
  ObjList work;
  auto add = [&](ObjId o) {
    if (o < n && seen.insert(o)) work.push_back(o);
  };
  for (Value v : state.globals)
    if (v.is_obj()) add(v.obj());
  for (ObjId o : state.gc.garbage) add(o);
  for (size_t u = 0; u < state.threads.size(); ++u) {
    const Thread& th = state.threads[u];
    for (ObjId q : th.merge_queue) add(q);  // F5: queued by another thread
    if (u == t) continue;
    for (Value v : th.values)
      if (v.is_obj()) add(v.obj());
    for (Value v : th.stack)
      if (v.is_obj()) add(v.obj());
    for (const Frame& f : th.frames) {
      add(f.obj);
      add(f.obj2);
      add(held_ref(state, f));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const Object& x = state.objects[i];
    if (!x.live) continue;
    // G12: callbacks queued to run; F-G2: a running collection's worklist
    // and garbage set, which the collecting thread walks.
    if (x.list == kWrcbToCall ||
        (state.gc.collecting && (x.has(kOnWorklist) || x.has(kInGarbageSet))))
      add(static_cast<ObjId>(i));
  }
  while (!work.empty()) {
    ObjId o = work.back();
    work.pop_back();
    const Object& x = state.objects[o];
    if (!x.live || x.has(kFreed)) continue;
    for_each_owned(program, x, add);
    // a weakref lets its holder reach the referent (W3, F8)
    if (program.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
      add(x.fields[kWeakrefReferent].obj());
  }
  return seen;
}

bool op_is_always_switch_point(const Op& op) {
  switch (op.code) {
    case OpCode::LoadGlobal:
    case OpCode::StoreGlobal:
    case OpCode::DelGlobal:
    case OpCode::Collect:
    case OpCode::GcEnable:
    case OpCode::GcDisable:
    case OpCode::GcCallbacksAppend:
    case OpCode::GcCallbacksRemove:
    case OpCode::AtexitRegister:  // the interpreter's atexit list (Atexit.cpp)
    case OpCode::AtexitUnregister:
      return true;
    case OpCode::LoadClassAttr:  // a class's dict, as a global (CA2)
      return true;
    case OpCode::LoadAttr:  // b = 1: may fall back to a class's dict (CA3)
      return op.b == 1;
    case OpCode::Len:      // a = 1: len(gc.garbage), the list
    case OpCode::ItemGet:  // a = 1: gc.garbage[i], the list and the item it returns
      return op.a == 1;
    default:
      return false;
  }
}

namespace {

// The objects the next step reads, writes or decrefs; `always` when it
// touches interpreter-wide state whatever its operands.
struct Touched {
  bool always = false;
  SmallVec<ObjId, 4> objects;
  void add(Value v) {
    if (v.is_obj()) objects.push_back(v.obj());
  }
};

// A container or instance the op writes into: the values it holds may be
// released by the op (the old attribute or item), so they count as touched.
void add_mutated(const Program& program, const State& state, Value v, Touched& out) {
  out.add(v);
  if (!v.is_obj() || v.obj() >= state.objects.size()) return;
  const Object& x = state.objects[v.obj()];
  if (x.live) for_each_owned(program, x, [&](ObjId o) { out.objects.push_back(o); });
}

// A weak container's op (WC2-WC6) also reads its entries' referents (their
// counts, through the entries' weakrefs), which other threads may reach
// when the container itself is private.
void add_weak_referents(const Program& program, const State& state, Value v, Touched& out) {
  if (!v.is_obj() || v.obj() >= state.objects.size()) return;
  const Object& c = state.objects[v.obj()];
  if (!c.live || (c.type != program.weak_value_dict_type && c.type != program.weak_set_type &&
                  c.type != program.weak_key_dict_type))
    return;
  for (uint8_t i = 0; i < c.length; ++i)
    if (c.items[i].is_obj())
      for_each_owned(program, state.objects[c.items[i].obj()], [&](ObjId w) {
        if (program.types[state.objects[w].type].kind == TypeKind::Weakref)
          out.add(state.objects[w].fields[kWeakrefReferent]);
      });
}

Touched touched_by_op(const Program& program, const State& state, const Thread& th,
                      const Frame& f) {
  Touched out;
  const Op& op = program.funcs[f.func].code[f.pc];
  const auto& st = th.stack;
  const size_t depth = st.size() - f.aux;  // this frame's operands
  auto operand = [&](size_t from_top) {
    return from_top < depth ? st[st.size() - 1 - from_top] : Value::unset();
  };
  auto local = [&](uint16_t slot) {
    return f.base + slot < th.values.size() ? th.values[f.base + slot] : Value::unset();
  };
  if (op_is_always_switch_point(op)) {
    out.always = true;
    return out;
  }
  switch (op.code) {
    case OpCode::LoadAttr:
    case OpCode::IsFinalized:
    case OpCode::IsTracked:
    case OpCode::Vars:
    case OpCode::Len:
    case OpCode::PopTop:
      out.add(operand(0));
      break;
    case OpCode::NewDeque:
      if (op.a) out.add(operand(0));  // iterates its source
      break;
    case OpCode::StoreAttr:
    case OpCode::DelAttr:
      add_mutated(program, state, operand(0), out);
      break;
    case OpCode::StoreItem:
      add_mutated(program, state, operand(1), out);
      add_weak_referents(program, state, operand(1), out);
      out.add(operand(0));
      break;
    case OpCode::DelItem:
      add_mutated(program, state, operand(1), out);
      add_weak_referents(program, state, operand(1), out);
      out.add(operand(0));
      break;
    case OpCode::ItemGet:
    case OpCode::Compare:
      out.add(operand(0));
      out.add(operand(1));
      add_weak_referents(program, state, operand(1), out);
      break;
    case OpCode::CallMethod:
      add_mutated(program, state, operand(op.a), out);
      add_weak_referents(program, state, operand(op.a), out);
      for (size_t i = 0; i < op.a; ++i) out.add(operand(i));
      break;
    case OpCode::CallObjectInit:  // SU5: releases self, or the method-wrapper holding it
      out.add(operand(op.a));
      out.add(operand(op.a + 1u));
      break;
    case OpCode::LoadMethod:  // FN14, FN15: read the instance dict when an attribute may shadow
    case OpCode::BoundMethod:
      if (op.a != kNoMethodField) out.add(operand(0));
      break;
    case OpCode::DelSlice: {
      const size_t n = 1u + ((op.a & 1) ? 1 : 0) + ((op.a & 2) ? 1 : 0);
      add_mutated(program, state, operand(n - 1), out);
      break;
    }
    case OpCode::Deref: {  // _Py_TryIncref on the referent (F8)
      Value w = operand(0);
      out.add(w);
      if (w.is_obj() && w.obj() < state.objects.size() &&
          program.types[state.objects[w.obj()].type].kind == TypeKind::Weakref)
        out.add(state.objects[w.obj()].fields[kWeakrefReferent]);
      break;
    }
    case OpCode::WeakrefNew: {  // marks the referent maybe-weakref, links into its list
      const Value r = operand(op.a ? 1 : 0);
      out.add(r);
      // WM1: a WeakMethod's referent is the method's __self__
      if (op.b == 2 && r.is_obj() && r.obj() < state.objects.size() &&
          state.objects[r.obj()].type == kMethodType)
        out.add(state.objects[r.obj()].fields[kMethodSelf]);
      break;
    }
    case OpCode::StoreLocal:
    case OpCode::DelLocal:
      out.add(local(op.a));  // the old value is released
      break;
    // F14 (cells): LOAD_DEREF, STORE_DEREF and DELETE_DEREF read or swap a
    // closure cell under the cell's own lock (PyCell_GetRef,
    // PyCell_SetTakeRef, PyCell_SwapTakeRef in Include/internal/pycore_cell.h,
    // Py_BEGIN_CRITICAL_SECTION(cell)); another thread reaches the cell
    // through the function object, so it may run between a load and a store
    case OpCode::LoadDeref:
      out.add(local(op.a));
      break;
    case OpCode::StoreDeref:
    case OpCode::DelDeref:
      add_mutated(program, state, local(op.a), out);  // the old contents are released
      break;
    // Y7: next() and close() read and write the generator's frame state;
    // the ends of both release the reference the op held to it
    case OpCode::GenNext:
    case OpCode::GenClose:
    case OpCode::GenCloseEnd:
      out.add(operand(0));
      break;
    case OpCode::GenNextEnd:  // reads the frame state back (a yield or a return)
      out.add(operand(1));
      break;
    // a generator's frame stores FRAME_SUSPENDED at a yield and
    // FRAME_CLEARED at its end, which another thread's next() reads
    case OpCode::Yield:
      out.add(Value::object(f.obj));
      break;
    case OpCode::Return:
      if (f.has(kGenFrame)) out.add(Value::object(f.obj));
      break;
    // IT5 (Iteration.cpp): FOR_ITER reads the iterated container (its
    // length, an item) or resumes the generator; ForIterEnd reads the
    // generator's frame state back, as next() does
    case OpCode::ForIter:
      out.add(operand(kIteratorSlots - 1));
      break;
    case OpCode::ForIterEnd:
      out.add(operand(f.has(kFinalizeReturned) ? kIteratorSlots : kIteratorSlots - 1));
      break;
    default:  // constants, locals, jumps, new objects, logging: private
      break;
  }
  return out;
}

}  // namespace

// Before the other threads start (module code) and after they end,
// nobody could run at a switch point: one step is enough.
static bool others_run(const State& state, ThreadId t) {
  for (size_t u = 0; u < state.threads.size(); ++u)
    if (u != t && state.threads[u].status == ThreadStatus::Running) return true;
  return false;
}

bool shared_with_running_thread(const Program& program, const State& state, ThreadId t, ObjId o) {
  return others_run(state, t) && objects_shared_with_others(program, state, t)[o];
}

bool next_step_touches_shared_state(const Program& program, const State& state, ThreadId t,
                                    const Frame& f) {
  const Thread& th = state.threads[t];
  if (!others_run(state, t)) return false;
  // Y7: between next()'s read of a shared generator's frame state and its
  // store of FRAME_EXECUTING (GeneratorsFreeThreaded.cpp)
  if (f.kind == FrameKind::Body && f.stage != 0) return true;
  Touched touched;
  if (f.kind == FrameKind::Release) {
    if (f.pc < f.count && f.base + f.pc < th.values.size()) touched.add(th.values[f.base + f.pc]);
  } else if (f.kind == FrameKind::Body) {
    touched = touched_by_op(program, state, th, f);
  }
  if (touched.always) return true;
  if (touched.objects.empty()) return false;
  ObjSet shared = objects_shared_with_others(program, state, t);
  for (ObjId o : touched.objects)
    if (shared[o]) return true;
  return false;
}

// The runtime's deallocation of an object runs C code without the GIL, so
// another thread may run between any two of its steps. Where the dying
// object is reachable by no other thread (no global, weakref or frame of
// theirs leads to it) nothing another thread does can see or change what
// these steps do, and they run together. Where it is, the model stops
// before:
//  * the finalizer call: _PyObject_ResurrectStart makes this thread the
//    owner with one local reference (F7; Objects/object.c,
//    PyObject_CallFinalizerFromDealloc);
//  * the end of the temporary resurrection: _PyObject_ResurrectEnd reads
//    the shared count, which another thread holding a reference the
//    finalizer published may change just before it (F7; the object lives
//    on, or the other thread's drop queues it or frees it);
//  * PyObject_ClearWeakRefs in subtype_dealloc (Objects/typeobject.c;
//    Objects/weakrefobject.c takes the referent's weakref-list lock): a
//    weakref another thread holds is cleared before or after its read.
// clear_slots and the instance dict's release are decrefs, one switch point
// per shared value already (the Release frame, above).
bool dealloc_step_is_switch_point(const Program& program, const State& state, ThreadId t,
                                  const Frame& f) {
  bool at = false;
  if (f.kind == FrameKind::FinalizeFromDealloc)
    at = !f.has(kDirect) && (f.stage == 0 || f.stage == 2);
  else if (f.kind == FrameKind::Dealloc && program.types[f.func].kind == TypeKind::PyClass)
    at = subtype_dealloc_clears_weakrefs_next(f);
  if (!at || f.obj >= state.objects.size() || !others_run(state, t)) return false;
  return objects_shared_with_others(program, state, t)[f.obj];
}

}  // namespace lifecheck::model
