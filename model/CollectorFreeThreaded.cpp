// The cyclic collector of the free-threaded build (SEMANTICS.md §4.3,
// F-G1..F-G4; CPython Python/gc_free_threading.c, gc_collect_internal),
// chosen once in Threads.cpp's step_top by Profile::gc_algorithm. Unlike
// the default build's collector (Collector.cpp) it has no generations, it
// stops the world twice (F12), its garbage sits on a worklist that holds a
// reference to every member until delete_garbage (nothing is freed
// mid-collection), and the worklist's order is the heap's, which is
// neither the allocation order nor stable between runs: the search
// explores the orders the heap walk can give (F-G3a), one member per
// choice while the world is stopped.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"
#include "model/Ownership.h"

namespace lifecheck::model {

namespace {
enum : uint8_t {
  kFtBegin,
  kFtStopWorld1,  // waits until every other thread can be parked (F12)
  kFtOrder,       // the heap order of the worklist, one choice per member
  kFtWrcb,        // world started: call_weakref_callbacks
  kFtWrcbReturned,
  kFtWrcbCheck,
  kFtFinalize,    // finalize_garbage
  kFtStopWorld2,  // handle_resurrected_objects, second weakref pass
  kFtDelete,      // world started: delete_garbage
  kFtDeleteReturned,
  kFtLegacy,  // handle_legacy_finalizers
  kFtStopCallbacks,
  kFtEnd,
};

// The worklist (F-G2 `state->unreachable`) in iteration order.
constexpr uint8_t kWorklist = kFinalUnreachable;
// Members not yet placed in the worklist while its order is chosen.
constexpr uint8_t kUnordered = kUnreachable;

// F-G3a: the unordered members that may be placed next. scan_heap_visitor
// pushes the garbage in the order gc_visit_heaps_lock_held walks the
// heaps: each thread state's mimalloc GC heaps in turn (interp->threads),
// then the abandoned pool. The order inside one heap follows its pages and
// blocks, which free-list reuse makes unpredictable, and the threads'
// order is their creation order, which thread symmetry does not keep: so
// the members in one live thread's heap are contiguous, in any order, and
// the sections in any order. A member whose heap is unknown (Object::heap:
// an abandoned page, which mimalloc may also reclaim into a live thread's
// heap, or a freelist object) may go anywhere, inside a section too. The
// section being placed is the heap of the last member placed that has
// one, until its members are all placed. (Without Profile::heap_sections
// no member has a heap: every order.)
void heap_order_candidates(const State& state, ObjList& out) {
  const auto& objects = state.objects;
  const auto& lists = state.gc.lists;
  ThreadId open = kNoThread;
  for (ObjId o = lists[kWorklist].tail; o != kNoObj; o = objects[o].prev)
    if (objects[o].heap != kNoThread) {
      open = objects[o].heap;
      break;
    }
  bool open_left = false;
  for (ObjId o = lists[kUnordered].head; o != kNoObj; o = objects[o].next)
    open_left |= open != kNoThread && objects[o].heap == open;
  out.clear();
  for (ObjId o = lists[kUnordered].head; o != kNoObj; o = objects[o].next) {
    const ThreadId h = objects[o].heap;
    if (!open_left || h == kNoThread || h == open) out.push_back(o);
  }
}
}  // namespace

ThreadId Machine::heap_of_new(ClassId type) const {
  // F-G3a: mimalloc allocates from the calling thread's heap
  // (_PyObject_MallocWithType, the GC or GC_PRE heap). Exact lists, tuples
  // and dicts (3.14: bound methods too) come first from the thread's own
  // freelist (PyList_New, tuple_alloc, new_dict; PyMethod_New), whose
  // blocks another thread's heap may hold: the dealloc that filled it ran
  // on whatever thread dropped the object last.
  const TypeInfo& t = program_.types[type];
  if (!t.gc) return kNoThread;
  if (!t.heap) {
    switch (t.kind) {
      case TypeKind::List:
      case TypeKind::Tuple:
      case TypeKind::Dict:
        return kNoThread;
      case TypeKind::Method:
        if (program_.profile.method_freelist) return kNoThread;
        break;
      default:
        break;
    }
  }
  return current_;
}

void Machine::abandon_heaps(ThreadId t) {
  // F-G3a: PyThreadState_Clear ends with _PyThreadState_ClearMimallocHeaps,
  // which moves the exiting thread's pages with live blocks to the
  // interpreter's abandoned pool: walked after every live thread's heaps,
  // or reclaimed by a live thread into its own heap.
  for (Object& x : state_.objects)
    if (x.live && x.heap == t) x.heap = kNoThread;
}

bool world_parkable(const Program& program, const State& state, ThreadId except) {
  // F12: a thread parks at its next eval-breaker check (Python code: a Body
  // frame on top) or at once when detached; one inside a C step sequence
  // runs on until it gets there.
  for (size_t u = 0; u < state.threads.size(); ++u) {
    const Thread& th = state.threads[u];
    if (u == except || th.status != ThreadStatus::Running || th.frames.empty() || th.detached)
      continue;
    const Frame& f = th.frames.back();
    if (f.kind == FrameKind::Body) continue;
    // Runtime mutation: parks a thread in the middle of its C steps.
    if (program.profile.has(RuntimeBug::StwDuringCCode)) continue;
    return false;
  }
  return true;
}

int heap_order_choices(const Program& program, const State& state, ThreadId t) {
  if (program.profile.gc_algorithm != GcAlgorithm::FreeThreaded) return 0;
  const Thread& th = state.threads[t];
  if (th.frames.empty()) return 0;
  const Frame& f = th.frames.back();
  if (f.kind != FrameKind::Collect || f.stage != kFtOrder || f.has(kQuietOrder)) return 0;
  ObjList next;
  heap_order_candidates(state, next);
  return static_cast<int>(next.size());
}

// F-G3b: the worklist's order shows only through what runs or is seen in
// the phases that walk it. clear_weakrefs (world stopped) queues the
// callbacks of weakrefs outside the garbage, referent by referent in
// worklist order, and clears every other weakref to a member and every
// member that is a weakref. finalize_garbage calls the finalizers in
// worklist order. delete_garbage clears and releases the members in
// worklist order. So one order stands for all when no code runs during
// the collection (no callback to call, no finalizer to run, no other
// thread running, no object of the queues' merge left to release once the
// world restarts: then no root changes, and what dies in delete_garbage
// is the members and the untracked objects only they hold), and when none
// of those deaths runs code or shows (shows_its_death; the weakrefs to
// members are gone by then, and a member that is a weakref was cleared),
// and the scenario does not watch deaths or counts itself
// (deaths_observed, DEBUG_SAVEALL's gc.garbage). Every order then gives the
// same runs, up to the order of unobservable events. A runtime mutation
// turns it off (the model is then no longer CPython's).
bool Machine::heap_order_quiet() const {
  const Frame& collect = state_.threads[current_].frames.back();  // at kFtStopWorld1's end
  const Profile& profile = program_.profile;
  if (!profile.quiet_heap_order || profile.bugs != 0 || state_.gc.debug_saveall ||
      collect.count != 0 || deaths_observed(program_))
    return false;
  for (size_t u = 0; u < state_.threads.size(); ++u)
    if (u != current_ && state_.threads[u].status == ThreadStatus::Running) return false;
  const auto& objects = state_.objects;
  auto member = [&](ObjId o) { return objects[o].has(kInGarbageSet); };
  for (ObjId w = 0; w < objects.size(); ++w) {  // a callback clear_weakrefs would queue
    const Object& x = objects[w];
    if (!x.live || program_.types[x.type].kind != TypeKind::Weakref || member(w)) continue;
    const Value referent = x.fields[kWeakrefReferent];
    if (referent.is_obj() && member(referent.obj()) &&
        x.fields[kWeakrefCallback].kind() != ValueKind::None)
      return false;
  }
  const ObjSet no_weakrefs(objects.size());  // a member's are cleared first
  const ObjSet referents = weakref_referents(program_, state_);
  ObjSet seen(objects.size());
  ObjList untracked;  // objects only members hold that are not members
  auto take_children = [&](const Object& x) {
    for_each_owned(program_, x, [&](ObjId c) {
      if (!member(c) && !objects[c].tracked() && !seen[c]) {
        seen.insert(c);
        untracked.push_back(c);
      }
    });
  };
  for (ObjId o = list_head(kUnordered); o != kNoObj; o = objects[o].next) {
    const Object& x = objects[o];
    if (has_finalizer(x.type) && !x.has(kFinalized)) return false;
    if (program_.types[x.type].kind != TypeKind::Weakref &&
        shows_its_death(program_, x, no_weakrefs, o))
      return false;
    take_children(x);
  }
  while (!untracked.empty()) {
    const ObjId c = untracked.back();
    untracked.pop_back();
    if (shows_its_death(program_, objects[c], referents, c)) return false;
    take_children(objects[c]);
  }
  return true;
}

bool Machine::wait_for_parked_world(Frame& f) {
  // F12: _PyEval_StopTheWorld waits while some thread runs C code without
  // detaching; the collecting thread yields and is enabled again once all
  // can be parked (at_switch_point).
  f.flags &= ~uint32_t{kYielded | kStwWait};
  if (world_parkable(program_, state_, current_)) return false;
  f.flags |= kYielded | kStwWait;
  return true;
}

void Machine::stop_the_world() {
  state_.gc.stopped_by = current_;
  emit(event(EventKind::WorldStop));
}

void Machine::start_the_world() {
  state_.gc.stopped_by = kNoThread;
  emit(event(EventKind::WorldStart));
}

void Machine::update_refs_ft() {
  // F-G2 update_refs: gc_refs := refcount minus the deferred bias (F9).
  // A tracked object at zero is legal here when the merge of the queues
  // left it so (F6); one whose tp_dealloc is running was left tracked by
  // it across a stop-the-world (P7.9; CPython gh-153809's bug).
  // The walk is the heap's order (update_refs walks mimalloc's pages by
  // address): here the tracking order, before move_unreachable reorders it
  // (a slot number is no part of a state: a decoded one renumbers them,
  // model/Canonical.h). Each tuple, and each dict where dicts are tracked
  // lazily, whose items may not be tracked is untracked when the walk
  // reaches it (_PyTuple_MaybeUntrack, _PyDict_MaybeUntrack), a garbage
  // one too (FN7b: only a refcount of 0 or a deferred one is spared): a
  // tuple of a tuple untracked later in the walk stays tracked until the
  // next collection (observed on 3.13.15t:
  // scenarios/conformance/tuple-and-dict-tracking.life).
  for (ObjId o = list_head(kGen0), next; o != kNoObj; o = next) {
    next = obj(o).next;
    Object& x = obj(o);
    if (x.has(kImmortal)) {  // F9b: update_refs leaves immortal objects out, untracked
      untrack(o);
      continue;
    }
    if (x.rc > 0 && !x.has(kDeferredRc) && atomic_container(o, true)) {
      untrack(o);
      continue;
    }
    if (x.rc == 0 && x.has(kDeallocating))
      violation({"P7.9"}, "the collector found " + name_of(o) +
                              " tracked with refcount 0 while its tp_dealloc runs: it let the "
                              "world stop before untracking");
    x.gc_refs = static_cast<int16_t>(x.rc - (x.has(kDeferredRc) ? 1 : 0));
    x.flags |= kCollecting;
  }
}

void Machine::scan_unreachable_ft() {
  // F-G2 scan_heap_visitor: deferred counting off (F9); the worklist takes
  // a reference to each member (merge_refcount(op, 1)), so none can die
  // before delete_garbage (F-G3).
  for (ObjId o = list_head(kUnordered); o != kNoObj; o = obj(o).next) {
    Object& x = obj(o);
    if (x.has(kDeferredRc)) {
      x.flags &= ~kDeferredRc;
      --x.rc;
    }
    merge_refcount(o, program_.profile.has(RuntimeBug::FreeGarbageMidCollection) ? 0 : 1);
    x.flags |= kInGarbageSet | kOnWorklist;
  }
}

void Machine::clear_weakrefs_ft(bool enqueue_callbacks) {
  // F-G2 clear_weakrefs: every weakref to a worklist member is cleared; a
  // weakref with a callback outside the garbage gets a reference and is
  // pushed on the wrcb_to_call stack. Each referent's list is walked from
  // its head (newest callback first), and the stack pops last-pushed first:
  // one referent's callbacks run oldest first (F-G3), unlike the default
  // build (P7.20).
  std::vector<std::pair<ObjId, ObjId>> stack;  // (weakref, its referent)
  for (ObjId o : list_items(kWorklist)) {
    const Object& x = obj(o);
    if (program_.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
      clear_weakref_link(o);
    if (!program_.types[x.type].weakrefable) continue;
    for (ObjId wr : weakref_list(o)) {
      clear_weakref_link(wr);
      if (!enqueue_callbacks) continue;
      if (obj(wr).fields[kWeakrefCallback].kind() == ValueKind::None) continue;
      if (obj(wr).has(kInGarbageSet)) continue;
      merge_refcount(wr, 1);
      stack.emplace_back(wr, o);
    }
  }
  std::reverse(stack.begin(), stack.end());
  // P7.20, as the default collector checks it: one referent's callbacks
  // are called newest first.
  for (size_t i = 0; i < stack.size(); ++i)
    for (size_t j = i + 1; j < stack.size(); ++j)
      if (stack[i].second == stack[j].second &&
          obj(stack[i].first).wl_key < obj(stack[j].first).wl_key)
        violation({"P7.20"}, "the free-threaded collector calls the callback of " +
                                 name_of(stack[i].first) + " before that of " +
                                 name_of(stack[j].first) +
                                 ", registered later for the same object (F-G3: oldest first)");
  for (const auto& [wr, referent] : stack) {
    (void)referent;
    if (obj(wr).tracked())
      list_move(wr, kWrcbToCall);
    else
      list_append(kWrcbToCall, wr);
  }
}

void Machine::handle_resurrected_ft() {
  // F-G2 STW-2 handle_resurrected_objects: members a finalizer untracked
  // leave for objs_to_decref; the others' external counts are recomputed
  // (refcount - 1 for the worklist - references from tracked members); a
  // member with an external reference, and what it reaches, leaves the
  // worklist, dropping the worklist's reference.
  const int held = program_.profile.has(RuntimeBug::FreeGarbageMidCollection) ? 0 : 1;
  ObjList refs;
  for (ObjId o = list_head(kWorklist); o != kNoObj; o = obj(o).next) {
    Object& x = obj(o);
    x.gc_refs = static_cast<int16_t>(x.rc - held);
  }
  for (ObjId o = list_head(kWorklist); o != kNoObj; o = obj(o).next) {
    traverse(o, refs);
    for (ObjId r : refs)
      if (obj(r).list == kWorklist) --obj(r).gc_refs;
  }
  std::vector<ObjId> rescued;
  for (ObjId o = list_head(kWorklist); o != kNoObj; o = obj(o).next)
    if (obj(o).gc_refs > 0) rescued.push_back(o);
  for (size_t k = 0; k < rescued.size(); ++k) {
    traverse(rescued[k], refs);
    for (ObjId r : refs)
      if (obj(r).list == kWorklist && std::find(rescued.begin(), rescued.end(), r) == rescued.end())
        rescued.push_back(r);
  }
  for (ObjId o : rescued) {
    Object& x = obj(o);
    x.flags &= ~(kInGarbageSet | kCollecting | kOnWorklist);
    x.wl_rank = 0;
    list_move(o, kGen0);
    x.rc = static_cast<int16_t>(x.rc - held);  // merge_refcount(op, -1)
    Event e = event(EventKind::Resurrect, o);
    e.value = 1;
    emit(std::move(e));
  }
}

void Machine::to_worklist(ObjId o) {
  list_move(o, kWorklist);
  obj(o).wl_rank = static_cast<uint16_t>(state_.gc.lists[kWorklist].size);
}

void Machine::relink_worklist_member(ObjId o) {
  // Untracking clears a bit and leaves the worklist's ob_tid link alone, so
  // a member tracked again is still on the worklist, in its place (F-G2):
  // finalize_garbage, handle_resurrected_objects and delete_garbage treat
  // it as tracked. The model's list is in place order.
  GcList& l = state_.gc.lists[kWorklist];
  const uint16_t rank = obj(o).wl_rank;
  ObjId at = l.head;
  while (at != kNoObj && obj(at).wl_rank < rank) at = obj(at).next;
  if (at == kNoObj) {
    list_append(kWorklist, o);
    return;
  }
  Object& x = obj(o);
  x.list = kWorklist;
  x.next = at;
  x.prev = obj(at).prev;
  if (x.prev == kNoObj)
    l.head = o;
  else
    obj(x.prev).next = o;
  obj(at).prev = o;
  ++l.size;
}

ObjId Machine::next_worklist_member(uint16_t after) const {
  ObjId best = kNoObj;
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& x = state_.objects[i];
    if (!x.live || x.has(kFreed) || !x.has(kOnWorklist) || x.wl_rank <= after) continue;
    if (best == kNoObj || x.wl_rank < state_.objects[best].wl_rank) best = static_cast<ObjId>(i);
  }
  return best;
}

ObjList Machine::untracked_members() const {
  ObjList out;
  for (size_t i = 0; i < state_.objects.size(); ++i) {
    const Object& x = state_.objects[i];
    if (x.live && x.has(kOnWorklist) && !x.tracked()) out.push_back(static_cast<ObjId>(i));
  }
  std::sort(out.begin(), out.end(), [&](ObjId a, ObjId b) {
    return state_.objects[a].wl_rank < state_.objects[b].wl_rank;
  });
  return out;
}

void Machine::step_collect_ft(Frame& f) {
  GcState& gc = state_.gc;
  switch (f.stage) {
    case kFtBegin:
      if (gc.collecting) {
        // G5: the `collecting` CAS fails: gc.collect() returns 0 (F-G4).
        emit(event(EventKind::GcReentrant));
        return_from_collect(0);
        return;
      }
      f.stage = kFtStopWorld1;
      begin_collection(f);  // may push a frame: f is not used afterwards
      return;
    case kFtStopWorld1: {
      // STW-1 (F-G2 phase 1): merge every queue (F6), deduce what is
      // unreachable over the whole heap, then choose the worklist's order.
      if (wait_for_parked_world(f)) return;
      stop_the_world();
      std::vector<ObjId> to_decref;
      brc_merge_all_queues(to_decref);
      // The merge step's objects are decref'd once the world restarts; kept
      // on this thread's stack until then.
      Thread& th = thread();
      f.base = static_cast<uint16_t>(th.values.size());
      for (ObjId o : to_decref) th.values.push_back(Value::object(o));
      f.count = static_cast<uint16_t>(to_decref.size());
      phase("update_refs, mark_heap_visitor, scan_heap_visitor");
      update_refs_ft();
      subtract_refs(kGen0);
      move_unreachable(kGen0, kUnordered);
      for (ObjId o = list_head(kGen0); o != kNoObj; o = obj(o).next) obj(o).flags &= ~kCollecting;
      move_legacy_finalizers();
      note_final_deduction(f);
      for (ObjId o = list_head(kUnordered); o != kNoObj; o = obj(o).next)
        obj(o).flags |= kInGarbageSet;
      check_garbage_set();
      scan_unreachable_ft();
      f.stage = kFtOrder;
      // The next transitions choose the order, one member each, unless no
      // order can be told from another (F-G3b): then one stands for all.
      if (gc.lists[kUnordered].size > 1) f.flags |= heap_order_quiet() ? kQuietOrder : kYielded;
      return;
    }
    case kFtOrder: {
      // The heap order (F-G3a): the member chosen by this transition goes
      // next, then those that have no alternative; the next choice yields.
      f.flags &= ~uint32_t{kYielded};
      if (gc.lists[kUnordered].size > 255)
        throw ModelLimit{"more than 255 garbage objects in one collection"};
      ObjList next;
      bool chose = false;
      for (heap_order_candidates(state_, next); !next.empty();
           heap_order_candidates(state_, next)) {
        if (next.size() == 1 || f.has(kQuietOrder)) {
          to_worklist(next[0]);
          continue;
        }
        if (chose) {
          f.flags |= kYielded;
          return;
        }
        chose = true;
        to_worklist(next[std::min<size_t>(choice_, next.size() - 1)]);
        choice_ = 0;
      }
      f.flags &= ~uint32_t{kQuietOrder};
      phase("clear_weakrefs");
      clear_weakrefs_ft(true);
      start_the_world();
      f.stage = kFtWrcb;
      // Deallocate the merge step's objects (cleanup_worklist), here.
      if (f.count > 0) {
        Frame r;
        r.kind = FrameKind::Release;
        r.base = f.base;
        r.count = f.count;
        f.count = 0;
        push_frame(r);
      }
      return;
    }
    case kFtWrcb: {
      ObjId wr = list_head(kWrcbToCall);
      if (wr == kNoObj) {
        phase("finalize_garbage");
        f.stage = kFtFinalize;
        return;
      }
      f.obj = wr;
      f.stage = kFtWrcbReturned;
      call_weakref_callback(wr, obj(wr).fields[kWeakrefCallback], kNoObj, true);
      return;
    }
    case kFtWrcbReturned:
      require_held_member(f);
      if (end_weakref_callback(f.obj, true) == CallbackEnd::Pending) return;
      f.stage = kFtWrcbCheck;
      list_remove(f.obj);
      if (is_gc_type(obj(f.obj).type)) list_append(kGen0, f.obj);
      decref(Value::object(f.obj));  // Py_DECREF(op): the worklist's reference
      return;
    case kFtWrcbCheck:
      f.obj = kNoObj;  // the weakref may be freed (as in Collector.cpp's kWrcbCheck)
      f.stage = kFtWrcb;
      return;
    case kFtFinalize: {
      // finalize_garbage: every member in worklist order; the worklist's
      // reference keeps it alive, no INCREF of its own (F-G2). It walks
      // the ob_tid links, which untracking leaves alone: a member untracked
      // since STW-1 (by a callback, a finalizer or another thread) is
      // finalized too. f.pc: the place of the member visited last.
      const ObjId o = next_worklist_member(f.pc);
      if (o == kNoObj) {
        f.pc = 0;
        f.stage = kFtStopWorld2;
        return;
      }
      f.pc = obj(o).wl_rank;
      Object& x = obj(o);
      if (x.has(kFinalized) || !has_finalizer(x.type)) return;
      if (!program_.profile.has(RuntimeBug::NoFinalizedMark)) x.flags |= kFinalized;
      Frame fin;
      fin.kind = FrameKind::FinalizeGc;
      fin.obj = o;
      push_frame(fin);
      return;
    }
    case kFtStopWorld2: {
      // STW-2: resurrection, then (3.13.13+, 3.14.4+) the second weakref
      // pass without callbacks (G15).
      if (wait_for_parked_world(f)) return;
      stop_the_world();
      phase("handle_resurrected_objects");
      // Members a finalizer untracked fell off the worklist's list (untrack
      // unlinks them); objs_to_decref takes their worklist reference. It is
      // a stack (F-G3): pushed in worklist order, popped by delete_garbage
      // in reverse, so last place first (by wl_rank, not by slot).
      ObjList untracked = untracked_members();
      std::reverse(untracked.begin(), untracked.end());
      // Runtime mutation: the worklist took no reference, so none is
      // dropped for them.
      const bool held = !program_.profile.has(RuntimeBug::FreeGarbageMidCollection);
      ValueList to_decref;
      for (ObjId o : untracked) {
        Object& x = obj(o);
        x.flags &= ~(kOnWorklist | kInGarbageSet);
        x.wl_rank = 0;
        if (held) to_decref.push_back(Value::object(o));
      }
      handle_resurrected_ft();
      // Every member left is tracked and on the list, in worklist order:
      // renumbered without the gaps of those that left.
      uint16_t rank = 0;
      for (ObjId o = list_head(kWorklist); o != kNoObj; o = obj(o).next) obj(o).wl_rank = ++rank;
      if (program_.profile.weakref_passes >= 2 &&
          !program_.profile.has(RuntimeBug::NoSecondWeakrefPass)) {
        phase("clear_weakrefs (second pass, no callbacks)");
        clear_weakrefs_ft(false);
      }
      start_the_world();
      phase("delete_garbage");
      f.stage = kFtDelete;
      release_values(to_decref);
      return;
    }
    case kFtDelete: {
      // delete_garbage: pop each member in worklist order (F-G2); one
      // untracked since STW-2 (off the list, found by its wl_rank, not by
      // its slot) only loses the worklist's reference, in its place;
      // otherwise tp_clear, then that reference is dropped, usually
      // freeing it here, on the collecting thread.
      ObjId o = list_head(kWorklist);
      const ObjList untracked = untracked_members();
      if (!untracked.empty() && (o == kNoObj || obj(untracked[0]).wl_rank < obj(o).wl_rank)) {
        Object& x = obj(untracked[0]);
        x.flags &= ~(kOnWorklist | kInGarbageSet | kCollecting);
        x.wl_rank = 0;
        if (!program_.profile.has(RuntimeBug::FreeGarbageMidCollection))
          decref(Value::object(untracked[0]));
        return;
      }
      if (o == kNoObj) {
        f.stage = kFtLegacy;
        return;
      }
      obj(o).wl_rank = 0;  // popped
      f.obj = o;
      f.stage = kFtDeleteReturned;
      list_move(o, kGen0);
      ++gc.collected;
      if (gc.debug_saveall) {  // G16a: each member, tp_clear or not (a tuple), to gc.garbage
        save_garbage(o);
        return;
      }
      if (program_.profile.has(RuntimeBug::SkipTpClear) || !has_tp_clear(o)) return;
      Frame c;
      c.kind = FrameKind::Clear;
      c.obj = o;
      c.func = obj(o).type;
      push_frame(c);
      return;
    }
    case kFtDeleteReturned: {
      // (the worklist's reference keeps it, F-G2)
      require_held_member(f);
      f.stage = kFtDelete;
      // it may be freed (as in Collector.cpp's kDeleteCheck); cleared
      // first, since the decref may push a frame, which can move `f`
      const ObjId o = f.obj;
      f.obj = kNoObj;
      obj(o).flags &= ~(kCollecting | kInGarbageSet | kOnWorklist);
      if (!program_.profile.has(RuntimeBug::FreeGarbageMidCollection))
        decref(Value::object(o));  // the worklist's reference
      return;
    }
    case kFtLegacy:
      // handle_legacy_finalizers: tp_del objects go to gc.garbage (G17).
      gc.uncollectable = gc.lists[kFinalizers].size;
      for (ObjId o : list_items(kFinalizers)) {
        const TypeInfo& t = program_.types[obj(o).type];
        if (!t.has_legacy_del() && !(t.base != kNoType && program_.types[t.base].has_legacy_del()))
          continue;
        incref(Value::object(o));
        gc.garbage.push_back(o);
        emit(event(EventKind::GarbageAppend, o));
      }
      list_merge(kFinalizers, kGen0);
      f.stage = kFtStopCallbacks;
      return;
    case kFtStopCallbacks: {
      for (Object& x : state_.objects) {
        x.flags &= ~(kInGarbageSet | kClearedThisGc | kCollecting | kLegacyGarbage);
        x.wl_rank = 0;
      }
      f.stage = kFtEnd;
      if (!f.has(kFinal)) {
        Frame c;
        c.kind = FrameKind::GcCallbacks;
        c.aux = f.aux;
        c.flags = kStopPhase;
        push_frame(c);
      }
      return;
    }
    default: {  // gc_collect_main returns n + m
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
