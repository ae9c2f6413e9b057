// The cyclic collector of the default build, phase by phase as in
// gc_collect_main (docs/semantics.md G5-G18); the stages that call tp_finalize,
// tp_clear and gc.callbacks one object at a time are in CollectorStages.cpp.
// The pure-C phases (update_refs ... handle_weakrefs' clearing) run inside
// one microstep; wherever Python code runs (callbacks, finalizers, the
// deallocations a tp_clear triggers), the frame yields and other threads
// may run (T2).
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

namespace {
enum : uint8_t {
  kBegin,
  kDeduce,
  kWrcb,
  kWrcbReturned,
  kWrcbCheck,
  kFinalize,
  kAfterFinalizers,
  kDelete,
  kDeleteReturned,
  kDeleteCheck,
  kLegacyOutput,
  kStopCallbacks,
  kEnd,
};
}  // namespace

bool collection_past_deduce(const Frame& f) {
  return f.kind == FrameKind::Collect && f.stage > kDeduce;
}

void Machine::phase(const char* name) {
  if (kinds_) *kinds_ |= event_bit(EventKind::GcPhase);
  if (!trace_) return;
  Event e = event(EventKind::GcPhase);
  e.text = name;
  emit(std::move(e));
}

void Machine::require_held_member(const Frame& collect) {
  // The collector holds a reference to the weakref whose callback it runs
  // and to the member it clears: one freed under it was freed by a
  // reference dropped twice, past an ignored violation, and the
  // collector's own Py_DECREF would then touch freed memory.
  if (collect.obj == kNoObj)
    throw ModelLimit{
        "the collector's current object was freed while it held a reference (after an ignored "
        "violation): the run cannot go on meaningfully"};
}

uint8_t Machine::old_list(const Frame& collect) const {
  return static_cast<uint8_t>(collect.count);  // chosen when the region is (kDeduce)
}

void Machine::mark_at_start() {
  // G-I3 step 2: what the global roots and the thread stacks reach is
  // marked visited.
  // Walked in list order, young first: a canonical order (object slot
  // numbers must never decide anything, since states equal up to renaming
  // slots are merged).
  ObjSet reach = reachable_from_roots(program_, state_, true);
  for (uint8_t list : {static_cast<uint8_t>(kGen0), pending_list()})
    for (ObjId o : list_items(list))
      if (reach[o]) list_move(o, visited_list());
}

void Machine::build_increment() {
  // G-I3 step 3: the young objects, plus the head of the pending space with
  // the transitive closure of what it reaches there, so that an increment
  // never holds part of a garbage cycle.
  list_merge(kGen0, kIncrement);
  ObjId head = list_head(pending_list());
  if (head == kNoObj) return;
  list_move(head, kIncrement);
  ObjList refs;
  for (ObjId o = head; o != kNoObj; o = obj(o).next) {
    traverse(o, refs);
    for (ObjId r : refs)
      if (obj(r).list == pending_list()) list_move(r, kIncrement);
  }
}

void Machine::completed_scavenge() {
  // G-I3: the pending space is done: the spaces flip, the next increment
  // marks again.
  state_.gc.visited_space ^= 1;
  state_.gc.incremental_collecting = false;
}

void Machine::traverse(ObjId o, ObjList& out) {
  out.clear();
  const Object& x = state_.objects[o];
  const TypeInfo& t = program_.types[x.type];
  if (x.type == program_.module_dict_type) return module_dict_traverse(o, out);  // SD2
  switch (t.kind) {
    case TypeKind::PyClass: {
      // subtype_traverse: the slots of each level from the class down
      // (R1.15a), the inline values in key order, (the type), then the
      // base's tp_traverse (a C type's, or list or dict).
      for (FieldId s : t.slots)
        if (x.fields[s].is_obj()) out.push_back(x.fields[s].obj());
      const auto& keys = state_.class_keys[x.type];
      for (uint8_t i = 0; i < state_.class_key_count[x.type]; ++i)
        traverse_member(x.fields[keys[i]], out);  // R1.15d: vars()'s dict in the keys' place
      if (t.base != kNoType && is_container(program_.types[t.base].kind)) {
        container_traverse(x, program_.types[t.base].kind, out);
      } else if (t.base != kNoType) {
        ObjList more;
        c_traverse(o, t.base, more);
        out.insert(out.end(), more.begin(), more.end());
      }
      return;
    }
    case TypeKind::CType:
      c_traverse(o, x.type, out);
      return;
    case TypeKind::Weakref:  // gc_traverse visits wr_callback only (W1)
      // (a WeakMethod's subtype_traverse: its _func_ref slot first, WM6)
      if (x.fields[kWeakMethodFuncRef].is_obj()) out.push_back(x.fields[kWeakMethodFuncRef].obj());
      if (x.fields[kWeakrefCallback].is_obj()) out.push_back(x.fields[kWeakrefCallback].obj());
      return;
    case TypeKind::Method:  // method_traverse: im_func, im_self
      if (x.fields[kMethodSelf].is_obj()) out.push_back(x.fields[kMethodSelf].obj());
      return;
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Generator:
    case TypeKind::Function:  // func_traverse (FN5)
    case TypeKind::Cell:      // cell_traverse (FN5)
    // local_traverse (TL5)
    case TypeKind::ThreadLocal:
      container_traverse(x, t.kind, out);
      return;
    case TypeKind::Lock:  // lock_traverse, rlock_traverse: only the type (LK6)
      return;
    case TypeKind::Partial:  // partial_traverse: fn, args, kw (PT1)
      for (int m : {kPartialFunc, kPartialArgs, kPartialKeywords})
        if (x.fields[m].is_obj()) out.push_back(x.fields[m].obj());
      return;
  }
}

void Machine::update_refs(uint8_t list) {
  // G8: gc_refs := refcount, set COLLECTING.
  std::vector<int> frame_refs;
  if (program_.profile.has(RuntimeBug::GcIgnoresFrameRefs)) {
    frame_refs.assign(state_.objects.size(), 0);
    for (const Thread& th : state_.threads) {
      for (Value v : th.values)
        if (v.is_obj()) ++frame_refs[v.obj()];
      for (Value v : th.stack)
        if (v.is_obj()) ++frame_refs[v.obj()];
    }
  }
  for (ObjId o = list_head(list); o != kNoObj; o = obj(o).next) {
    Object& x = obj(o);
    if (x.rc == 0)
      violation({"P7.9"}, "the collector found " + name_of(o) +
                              " tracked with refcount 0: its tp_dealloc left it tracked and "
                              "let the collector run (update_refs assertion)");
    x.gc_refs = x.rc;
    if (!frame_refs.empty()) x.gc_refs = static_cast<int16_t>(x.gc_refs - frame_refs[o]);
    x.flags |= kCollecting;
  }
}

void Machine::subtract_refs(uint8_t list) {
  // G9: every reference from inside the set is subtracted.
  ObjList refs;
  for (ObjId o = list_head(list); o != kNoObj; o = obj(o).next) {
    traverse(o, refs);
    for (ObjId r : refs) {
      Object& y = obj(r);
      if (!y.has(kCollecting)) continue;
      if (y.gc_refs <= 0)
        violation({"memory-safety"}, "gc_refs of " + name_of(r) +
                                         " went below zero: a tp_traverse visits a reference "
                                         "it does not own (\"refcount is too small\")");
      --y.gc_refs;
    }
  }
}

void Machine::move_unreachable(uint8_t young, uint8_t unreachable) {
  // G10, as move_unreachable/visit_reachable: objects with gc_refs > 0 are
  // roots; what they reach is rescued, moving back from `unreachable` to the
  // tail of `young` if it was tentatively moved there already.
  ObjList refs;
  ObjId gc = list_head(young);
  while (gc != kNoObj) {
    Object& x = obj(gc);
    if (x.gc_refs > 0) {
      traverse(gc, refs);
      for (ObjId r : refs) {
        Object& y = obj(r);
        if (!y.has(kCollecting)) continue;
        if (y.has(kUnreachableMask)) {
          y.flags &= ~kUnreachableMask;
          list_move(r, young);
          y.gc_refs = 1;
        } else if (y.gc_refs == 0) {
          y.gc_refs = 1;
        }
      }
      obj(gc).flags &= ~kCollecting;
      gc = obj(gc).next;
    } else {
      ObjId next = x.next;
      list_move(gc, unreachable);
      obj(gc).flags |= kUnreachableMask;
      gc = next;
    }
  }
  for (ObjId o = list_head(unreachable); o != kNoObj; o = obj(o).next)
    obj(o).flags &= ~kUnreachableMask;
}

void Machine::deduce_unreachable(uint8_t base, uint8_t unreachable) {
  update_refs(base);
  subtract_refs(base);
  move_unreachable(base, unreachable);
}

void Machine::note_final_deduction(const Frame& f) {
  if (f.has(kFinal))
    state_.gc.final_idle = list_head(kUnreachable) == kNoObj && list_head(kFinalizers) == kNoObj;
}

void Machine::move_legacy_finalizers() {
  // G11: objects with a legacy tp_del, and everything reachable from them,
  // leave the garbage set: they are never finalized, cleared or freed by
  // this collection and their weakrefs stay valid (P7.26).
  ObjList refs;
  for (ObjId o : list_items(kUnreachable)) {
    // has_legacy_finalizer: Py_TYPE(o)->tp_del, the type's own
    if (!program_.types[obj(o).type].has_legacy_del()) continue;
    obj(o).flags &= ~kCollecting;
    obj(o).flags |= kLegacyGarbage;
    list_move(o, kFinalizers);
  }
  if (program_.profile.has(RuntimeBug::FinalizeLegacyGarbage)) return;
  for (ObjId o = list_head(kFinalizers); o != kNoObj; o = obj(o).next) {
    traverse(o, refs);
    for (ObjId r : refs)
      if (obj(r).has(kCollecting)) {
        obj(r).flags &= ~kCollecting;
        obj(r).flags |= kLegacyGarbage;
        list_move(r, kFinalizers);
      }
  }
}

void Machine::untrack_atomic_containers(uint8_t survivors, bool full) {
  // G10: untrack_tuples: surviving tuples that hold no GC object; up to 3.13
  // a full collection also untracks such dicts (untrack_dicts).
  // Each container is judged when the walk reaches it: a tuple of a tuple
  // untracked later in the same walk stays tracked until the next one.
  // (The free-threaded collector does this in its update_refs, garbage
  // included: update_refs_ft, FN7b.)
  for (ObjId o : list_items(survivors))
    if (obj(o).list == survivors && atomic_container(o, full)) untrack(o);
}

// _PyTuple_MaybeUntrack, _PyDict_MaybeUntrack (the latter where dicts are
// tracked lazily, and only when `dicts`): an exact tuple or dict none of
// whose items may be tracked.
bool Machine::atomic_container(ObjId o, bool dicts) const {
  const Object& x = state_.objects[o];
  TypeKind k = program_.types[x.type].kind;
  bool dict = k == TypeKind::Dict && dicts && program_.profile.lazy_dict_tracking;
  if (k != TypeKind::Tuple && !dict) return false;
  // SD2: __main__'s dict holds the globals (not items) and, through the
  // module's functions and classes, itself: never atomic
  if (dict && is_module_dict(o)) return false;
  for (Value v : x.items)
    if (may_be_tracked(v)) return false;
  return true;
}

void Machine::handle_weakrefs_pass1() {
  // G12: clear every weakref to the garbage; weakrefs that are garbage
  // themselves lose their referent too (bpo-38006). Callbacks of weakrefs
  // outside the garbage are queued, with a reference, and run afterwards.
  const bool trash_callbacks = program_.profile.has(RuntimeBug::TrashWeakrefCallbacks);
  for (ObjId o : list_items(kUnreachable)) {
    const Object& x = obj(o);
    if (program_.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
      clear_weakref_link(o);
    if (!program_.types[x.type].weakrefable) continue;
    check_not_legacy_reachable(o, "its weakrefs are cleared");
    uint16_t last_key = 0;
    for (ObjId wr : weakref_list(o)) {
      clear_weakref_link(wr);
      if (obj(wr).fields[kWeakrefCallback].kind() == ValueKind::None) continue;
      if (obj(wr).has(kCollecting) && !trash_callbacks) continue;
      // P7.20: one referent's callbacks are queued newest first.
      if (last_key != 0 && obj(wr).wl_key > last_key)
        violation({"P7.20"}, "callbacks for " + name_of(o) + " are queued oldest first: " +
                                 name_of(wr) + " was registered after the one before it");
      last_key = obj(wr).wl_key;
      incref(Value::object(wr));
      list_move(wr, kWrcbToCall);
    }
  }
}

void Machine::clear_weakrefs_of_list(uint8_t list) {
  // G15: pass 2, no callbacks: weakrefs made by finalizers to the garbage.
  for (ObjId o : list_items(list)) {
    const Object& x = obj(o);
    if (program_.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
      clear_weakref_link(o);
    if (!program_.types[x.type].weakrefable) continue;
    for (ObjId wr : weakref_list(o)) clear_weakref_link(wr);
  }
}

void Machine::begin_collection(Frame& f) {
  // G5: the `collecting` flag, then the "start" callbacks (G6), which the
  // end-of-run collections do not call.
  GcState& gc = state_.gc;
  gc.collecting = true;
  gc.final_running = f.has(kFinal);
  gc.collected = 0;
  gc.uncollectable = 0;
  gc.start_called = false;
  gc.stop_called = false;
  Event e = event(EventKind::GcStart);
  e.value = f.aux;
  emit(std::move(e));
  if (!f.has(kFinal)) {
    Frame c;
    c.kind = FrameKind::GcCallbacks;
    c.aux = f.aux;
    push_frame(c);
  }
}

void Machine::return_from_collect(int32_t result) {
  // gc.collect() returns its count on the calling body's operand stack.
  const Frame f = top();
  pop_frame();
  // P311: the object whose allocation ran this collection is tracked only
  // now, as _PyObject_GC_TRACK follows gc_alloc.
  const ObjId deferred = f.has(kAutomatic) ? f.obj2 : kNoObj;
  if (deferred != kNoObj && obj(deferred).live && !obj(deferred).tracked() &&
      !obj(deferred).has(kFreed))
    track(deferred);
  if (f.has(kPushResult)) push(Value::integer(result));
}

void Machine::step_collect(Frame& f) {
  GcState& gc = state_.gc;
  const bool final = f.has(kFinal);
  switch (f.stage) {
    case kBegin: {
      if (gc.collecting) {
        // G5: a collection during a collection returns 0 at once.
        emit(event(EventKind::GcReentrant));
        return_from_collect(0);
        return;
      }
      f.stage = kDeduce;
      begin_collection(f);  // may push a frame: f is not used afterwards
      return;
    }
    case kDeduce: {
      // The region to examine and where its survivors go.
      uint8_t from = 0, to = 0;
      if (program_.profile.gc_algorithm == GcAlgorithm::Incremental) {
        switch (f.aux) {
          case 0:  // G-I2: the young generation alone
            from = kGen0;
            to = visited_list();
            break;
          case 1:  // G-I3: one increment
            if (!gc.incremental_collecting) {
              // The start of a scavenge only marks what the roots reach.
              phase("mark_at_start");
              mark_at_start();
              gc.incremental_collecting = true;
              f.base = 1;  // nothing collected
              f.stage = kStopCallbacks;
              return;
            }
            build_increment();
            from = kIncrement;
            to = visited_list();
            break;
          default:  // G-I4: everything, into the visited space
            list_merge(kGen0, pending_list());
            list_merge(pending_list(), visited_list());
            from = to = visited_list();
            break;
        }
      } else {
        // G7: younger generations merge into the one collected; survivors
        // move up one generation (generation 2 keeps them).
        from = static_cast<uint8_t>(f.aux);
        for (uint8_t i = 0; i < from; ++i) list_merge(i, from);
        to = static_cast<uint8_t>(from >= 2 ? kGen2 : from + 1);
      }
      f.pc = from;
      f.count = to;
      phase("update_refs, subtract_refs, move_unreachable");
      deduce_unreachable(from, kUnreachable);
      untrack_atomic_containers(from, f.aux >= 2);
      if (from != to) list_merge(from, to);
      move_legacy_finalizers();
      note_final_deduction(f);
      for (ObjId o = list_head(kUnreachable); o != kNoObj; o = obj(o).next)
        obj(o).flags |= kInGarbageSet;
      check_garbage_set();
      phase("handle_weakrefs");
      handle_weakrefs_pass1();
      f.stage = kWrcb;
      return;
    }
    case kWrcb: {
      ObjId wr = list_head(kWrcbToCall);
      if (wr == kNoObj) {
        phase("finalize_garbage");
        f.stage = kFinalize;
        return;
      }
      f.obj = wr;
      f.stage = kWrcbReturned;
      call_weakref_callback(wr, obj(wr).fields[kWeakrefCallback], kNoObj, true);
      return;
    }
    case kWrcbReturned:
      require_held_member(f);
      if (end_weakref_callback(f.obj, true) == CallbackEnd::Pending) return;
      f.stage = kWrcbCheck;
      decref(Value::object(f.obj));  // the reference taken in pass 1
      return;
    case kWrcbCheck:
      if (f.obj != kNoObj && list_head(kWrcbToCall) == f.obj)
        list_move(f.obj, old_list(f));  // still alive: it outlived the trash
      else
        ++gc.collected;
      // The weakref may be freed by now: its number must not name whatever
      // takes its slot next (the canonical form names live objects only).
      f.obj = kNoObj;
      f.stage = kWrcb;
      return;
    case kFinalize: {
      // G13: take the head each time; finalizers may free other members.
      ObjId o = list_head(kUnreachable);
      if (o == kNoObj) {
        list_merge(kSeen, kUnreachable);
        f.stage = kAfterFinalizers;
        return;
      }
      list_move(o, kSeen);
      Object& x = obj(o);
      if (x.has(kFinalized) || !has_finalizer(x.type)) return;
      // G13: the mark is set before the call (R1.6a).
      if (!program_.profile.has(RuntimeBug::NoFinalizedMark)) x.flags |= kFinalized;
      if (program_.profile.has(RuntimeBug::FinalizeAndClearInterleaved)) {
        Frame c;
        c.kind = FrameKind::Clear;
        c.obj = o;
        c.func = x.type;
        c.flags = kHolds;
        incref(Value::object(o));
        push_frame(c);
      }
      Frame fin;
      fin.kind = FrameKind::FinalizeGc;
      fin.obj = o;
      if (!program_.profile.has(RuntimeBug::FinalizeWithoutIncref)) {
        incref(Value::object(o));  // G19
        fin.flags = kHolds;
      }
      if (program_.profile.has(RuntimeBug::OverlappingGcFinalizers)) {
        // The mutation hands the next member's finalizer to another thread.
        ObjId next = list_head(kUnreachable);
        while (next != kNoObj && (obj(next).has(kFinalized) || !has_finalizer(obj(next).type)))
          next = obj(next).next;
        for (size_t t2 = 0; next != kNoObj && t2 < state_.threads.size(); ++t2) {
          Thread& other = state_.threads[t2];
          if (t2 == current_ || other.status != ThreadStatus::Running || other.frames.empty())
            continue;
          list_move(next, kSeen);
          obj(next).flags |= kFinalized;
          incref(Value::object(next));
          Frame h;
          h.kind = FrameKind::FinalizeGc;
          h.obj = next;
          h.flags = kHolds;
          other.frames.push_back(h);
          break;
        }
      }
      push_frame(fin);
      return;
    }
    case kAfterFinalizers: {
      // G14: recompute reachability of what is left from current refcounts;
      // what a finalizer resurrected (and what it reaches) survives.
      phase("handle_resurrected_objects");
      for (ObjId o = list_head(kUnreachable); o != kNoObj; o = obj(o).next)
        obj(o).flags &= ~kCollecting;
      deduce_unreachable(kUnreachable, kFinalUnreachable);
      for (ObjId o = list_head(kUnreachable); o != kNoObj; o = obj(o).next) {
        obj(o).flags &= ~(kInGarbageSet | kCollecting);
        Event e = event(EventKind::Resurrect, o);  // survives: a finalizer made it reachable
        e.value = 1;
        emit(std::move(e));
      }
      list_merge(kUnreachable, old_list(f));
      // G15: weakrefs created during finalizers are cleared without callbacks.
      if (program_.profile.weakref_passes >= 2 &&
          !program_.profile.has(RuntimeBug::NoSecondWeakrefPass)) {
        phase("handle_weakrefs (second pass, no callbacks)");
        clear_weakrefs_of_list(kFinalUnreachable);
      }
      phase("delete_garbage");
      gc.collected = static_cast<uint16_t>(gc.collected + gc.lists[kFinalUnreachable].size);
      f.stage = kDelete;
      if (program_.profile.has(RuntimeBug::StopCallbacksEarly) && !final) {
        Frame c;
        c.kind = FrameKind::GcCallbacks;
        c.aux = f.aux;
        c.flags = kStopPhase;
        push_frame(c);
      }
      return;
    }
    case kDelete: {
      // G16: clear the head; clearing usually frees other members through
      // their tp_dealloc, right here.
      ObjId o = list_head(kFinalUnreachable);
      if (o == kNoObj) {
        f.stage = kLegacyOutput;
        return;
      }
      f.obj = o;
      if (gc.debug_saveall) {
        save_garbage(o);  // G16a: kept in gc.garbage instead of cleared
        f.stage = kDeleteCheck;
        return;
      }
      if (program_.profile.has(RuntimeBug::SkipTpClear) || !has_tp_clear(o)) {
        f.stage = kDeleteCheck;  // G16: no tp_clear, nothing is done to it
        return;
      }
      f.stage = kDeleteReturned;
      if (!program_.profile.has(RuntimeBug::ClearWithoutIncref)) {
        incref(Value::object(o));  // G19
        f.flags |= kHolds;
      }
      Frame c;
      c.kind = FrameKind::Clear;
      c.obj = o;
      c.func = obj(o).type;
      push_frame(c);
      return;
    }
    case kDeleteReturned:
      f.stage = kDeleteCheck;
      if (f.has(kHolds)) {
        require_held_member(f);
        f.flags &= ~uint32_t{kHolds};
        decref(Value::object(f.obj));
      }
      return;
    case kDeleteCheck:
      if (f.obj != kNoObj && list_head(kFinalUnreachable) == f.obj &&
          !program_.profile.has(RuntimeBug::ClearSurvivorsAgain)) {
        // Still alive: it may die later.
        obj(f.obj).flags &= ~kCollecting;
        list_move(f.obj, old_list(f));
      }
      f.obj = kNoObj;  // as after kWrcbCheck: it may be freed
      f.stage = kDelete;
      return;
    case kLegacyOutput:
      // G17: the tp_del objects go to gc.garbage, after delete_garbage; all
      // of `finalizers` merges into the old generation.
      gc.uncollectable = gc.lists[kFinalizers].size;
      // G16a: with DEBUG_SAVEALL, everything they reach too.
      for (ObjId o : list_items(kFinalizers))
        if (gc.debug_saveall || program_.types[obj(o).type].has_legacy_del()) save_garbage(o);
      list_merge(kFinalizers, old_list(f));
      f.stage = kStopCallbacks;
      return;
    case kStopCallbacks: {
      if (program_.profile.gc_algorithm == GcAlgorithm::Incremental &&
          (f.aux >= 2 || (f.aux == 1 && f.base == 0 && list_head(pending_list()) == kNoObj)))
        completed_scavenge();
      for (Object& x : state_.objects)
        x.flags &= ~(kInGarbageSet | kClearedThisGc | kCollecting | kLegacyGarbage);
      f.stage = kEnd;
      if (!final && !gc.stop_called) {
        Frame c;
        c.kind = FrameKind::GcCallbacks;
        c.aux = f.aux;
        c.flags = kStopPhase;
        push_frame(c);
      }
      return;
    }
    default: {  // kEnd: G18
      gc.collecting = false;
      int32_t result = gc.collected + gc.uncollectable;
      Event e = event(EventKind::GcStop);
      e.value = result;
      emit(std::move(e));
      return_from_collect(result);
      return;
    }
  }
}

}  // namespace lifecheck::model
