// Biased reference counting of the free-threaded build (SEMANTICS.md §4.2,
// F1-F8, and the deferred counts of F9a-F9b; CPython Include/refcount.h,
// Objects/object.c, Python/brc.c). Each
// object has an owner thread counting its own references in `local`
// without atomics, and a shared count for every other thread. A non-owner
// that drops the shared count to zero does not deallocate: it queues the
// object for its owner, which merges the counts at its next eval-breaker
// check and deallocates there. Chosen once, in Heap.cpp's incref/decref,
// by Profile::refcounting.
#include <algorithm>

#include "model/Machine.h"

namespace lifecheck::model {

void Machine::incref_biased(ObjId id) {
  // F2: the owner bumps its local count; anyone else the shared one.
  Object& o = obj(id);
  if (o.owner == current_) ++o.local;
  ++o.rc;
}

int Machine::merge_refcount(ObjId id, int extra) {
  // _Py_ExplicitMergeRefcount: local folds into shared, the owner is
  // forgotten (ob_tid := 0), the state becomes MERGED.
  Object& o = obj(id);
  o.local = 0;
  o.owner = kNoThread;
  o.ref_state = kRefMerged;
  o.rc = static_cast<int16_t>(o.rc + extra);
  return o.rc;
}

bool Machine::decref_biased(ObjId id) {
  Object& o = obj(id);
  if (o.owner == current_) {
    // F3: _Py_DecRef by the owner.
    --o.local;
    --o.rc;
    emit_refcount(EventKind::Decref, id);
    if (o.local > 0) return false;
    // _Py_MergeZeroLocalRefcount: with no shared references and no flags it
    // deallocates at once; otherwise the object becomes unowned (MERGED)
    // and deallocates if the shared count is zero too.
    if (o.rc == 0 && o.ref_state == kRefInit) return push_dealloc(id);
    o.owner = kNoThread;
    o.ref_state = kRefMerged;
    if (o.rc == 0) return push_dealloc(id);
    return false;
  }
  const int shared = o.rc - o.local;
  if (shared == 0 && program_.profile.has(RuntimeBug::DeallocOnDroppingThread)) {
    // Runtime mutation: the non-owner takes the shared count for the whole
    // count and deallocates here instead of queueing (F4, F5): on the wrong
    // thread, and while the owner may still count references.
    emit_refcount(EventKind::Decref, id);
    merge_refcount(id, -o.rc);
    return push_dealloc(id);
  }
  if (shared == 0 && (o.ref_state == kRefInit || o.ref_state == kRefMaybeWeakref)) {
    // F4: the shared count would go negative while the owner still counts
    // references: QUEUED, and the queue takes over this reference (nothing
    // is subtracted). F5: _Py_brc_queue_object.
    o.ref_state = kRefQueued;
    emit_refcount(EventKind::Decref, id);
    return brc_queue_object(id);
  }
  // F4: subtract from the shared count; zero and MERGED deallocates here, on
  // this (non-owner) thread.
  --o.rc;
  emit_refcount(EventKind::Decref, id);
  if (o.ref_state == kRefMerged && o.rc == 0) return push_dealloc(id);
  return false;
}

bool Machine::brc_queue_object(ObjId id) {
  Object& o = obj(id);
  const ThreadId owner = o.owner;
  const bool owner_gone =
      owner == kNoThread || state_.threads[owner].status == ThreadStatus::Finished;
  if (owner_gone) {
    // F5: the owner has exited (its bucket entry is gone): merge here with
    // -1 for the stolen reference, and deallocate here if that was the last.
    if (merge_refcount(id, -1) == 0) return push_dealloc(id);
    return false;
  }
  // F5: push onto the owner's stack and set its _PY_EVAL_EXPLICIT_MERGE_BIT.
  state_.threads[owner].merge_queue.push_back(id);
  if (kinds_) *kinds_ |= event_bit(EventKind::BrcQueue);
  if (trace_) {
    Event e = event(EventKind::BrcQueue, id);
    e.value = owner;
    emit(std::move(e));
  }
  return false;
}

void Machine::brc_check_eval_breaker() {
  // F6: _Py_HandlePending, on the owner, handles the merge bit before a
  // scheduled collection; the frame drains the queue one object per step.
  if (thread().merge_queue.empty()) return;
  Frame f;
  f.kind = FrameKind::BrcMerge;
  push_frame(f);
}

void Machine::step_brc_merge(Frame&) {
  // F6: _Py_brc_merge_refcounts / merge_queued_objects: pop, merge with -1
  // for the queue's reference, deallocate here (on the owner) at zero.
  Thread& th = thread();
  if (th.merge_queue.empty()) {
    pop_frame();
    return;
  }
  ObjId id = th.merge_queue.back();
  require_queued(id);
  th.merge_queue.pop_back();
  // Runtime mutation: the queue's reference is never given back (a leak).
  const int extra = program_.profile.has(RuntimeBug::MergeKeepsQueueReference) ? 0 : -1;
  if (merge_refcount(id, extra) == 0) push_dealloc(id);
}

void Machine::brc_merge_all_queues(std::vector<ObjId>& to_decref) {
  // F6 / F-G2 STW-1: merge_queued_objects for each thread state on the
  // interpreter's list. An untracked object left at zero gets +1 and is
  // decref'd on the collecting thread once the world restarts; a tracked
  // one at zero stays for this collection, which treats it as cyclic trash
  // (and so calls its tp_clear although it is in no cycle).
  // The order is CPython's: the list is newest first (threads start in
  // thread order, main first), each queue pops last in first, and
  // objs_to_decref is a stack that cleanup_worklist pops. So the objects
  // are released oldest thread first, each queue in the order it was
  // filled. That order tells threads apart by when they started, which
  // is why thread symmetry is off where it can be seen (Symmetry.cpp).
  for (size_t t = state_.threads.size(); t-- > 0;) {
    Thread& th = state_.threads[t];
    while (!th.merge_queue.empty()) {
      ObjId id = th.merge_queue.back();
      require_queued(id);
      th.merge_queue.pop_back();
      if (merge_refcount(id, -1) == 0 && !obj(id).tracked()) {
        ++obj(id).rc;
        to_decref.push_back(id);
      }
    }
  }
  std::reverse(to_decref.begin(), to_decref.end());  // popped from the stack
}

bool Machine::try_incref(ObjId id) {
  // W3 / F8: _Py_TryIncref. With one count: alive while rc > 0. Biased: the
  // owner with local references succeeds (_Py_TryIncrefFast);
  // _Py_TryIncRefShared refuses a shared word that is exactly 0 (no shared
  // references, no flags: during a finalizer run from tp_dealloc, whose
  // _PyObject_ResurrectStart leaves exactly that) or MERGED with count 0.
  Object& o = obj(id);
  if (program_.profile.refcounting == Refcounting::Single) {
    if (o.rc <= 0) return false;
    incref(Value::object(id));
    return true;
  }
  if (!(o.owner == current_ && o.local > 0)) {
    const int shared = o.rc - o.local;
    if (shared == 0 && (o.ref_state == kRefInit || o.ref_state == kRefMerged)) return false;
  }
  incref(Value::object(id));
  return true;
}

void Machine::set_maybe_weakref(ObjId id) {
  // F8: _PyObject_SetMaybeWeakref leaves QUEUED and MERGED objects alone.
  Object& o = obj(id);
  if (program_.profile.refcounting == Refcounting::Biased && o.ref_state == kRefInit)
    o.ref_state = kRefMaybeWeakref;
}

bool Machine::defers_function_of(FuncId code) const {
  // F9a: CO_NESTED is set on the code of every def or lambda written inside
  // a function body (a thread body is one); a def or lambda of the module
  // code, and a module-level def made as an object (FN11), have it clear.
  return program_.profile.deferred_module_level_functions && program_.made_by_module_code(code);
}

void Machine::defer_new_object(ObjId id) {
  // F9a: _PyObject_SetDeferredRefcount on an object its maker still owns.
  // 3.13t adds the bias to the owner's local count (and marks the shared
  // word queued), 3.14t to the shared count; either way no decref can take
  // the count to zero, and the collector subtracts the bias (F9). The model
  // keeps the bias in the shared part for both. F9b: once the first
  // non-main thread exists, 3.13t makes the object immortal instead.
  Object& o = obj(id);
  o.flags |= deferred_objects_immortal() ? kImmortal : kDeferredRc;
  ++o.rc;
}

bool Machine::deferred_objects_immortal() const {
  // F9b: set by new_threadstate for the first non-main thread, which main
  // starts when it leaves its setup stage (threads start in order, main
  // first; a program with no other thread never sets it).
  return program_.profile.immortalize_deferred_on_new_thread && program_.threads.size() > 1 &&
         state_.main_stage != MainStage::Setup;
}

void Machine::immortalize_deferred_objects() {
  // F9b: immortalize_visitor, with the world stopped (only main runs yet):
  // every tracked, unfrozen object with a deferred count becomes immortal
  // and loses the deferred bit; its count keeps the bias, so it can never
  // reach zero. The next collection untracks it (update_refs).
  if (!program_.profile.immortalize_deferred_on_new_thread || program_.threads.size() < 2) return;
  for (Object& o : state_.objects) {
    if (!o.live || o.has(kFreed) || !o.has(kDeferredRc)) continue;
    if (!o.tracked() || o.list == kPermanent) continue;  // op_from_block skips these
    o.flags = (o.flags & ~kDeferredRc) | kImmortal;
  }
}

void Machine::resurrect_start(ObjId id) {
  // R1.6 step 2. F7: _PyObject_ResurrectStart makes the finalizing thread
  // the owner, local := 1, shared := 0 (flags cleared).
  Object& o = obj(id);
  o.rc = 1;
  if (program_.profile.refcounting == Refcounting::Single) return;
  o.owner = current_;
  o.local = 1;
  o.ref_state = kRefInit;
}

bool Machine::resurrect_end(ObjId id) {
  // R1.6 step 5: drop the temporary reference without deallocating; true
  // when the object is still alive. F7: _PyObject_ResurrectEnd: the
  // fast path when nothing changed, else _PyObject_ResurrectEndSlow merges
  // (owner) or decrements the shared count (another owner took over).
  Object& o = obj(id);
  if (program_.profile.refcounting == Refcounting::Single) {
    --o.rc;
    return o.rc > 0;
  }
  if (o.owner == current_ && o.local == 1 && o.rc == 1 && o.ref_state == kRefInit) {
    o.local = 0;
    o.rc = 0;
    return false;
  }
  if (o.owner == current_) return merge_refcount(id, -1) != 0;
  // _Py_DecRefSharedIsDead, as in decref_biased without the deallocation.
  if (o.rc - o.local == 0 && (o.ref_state == kRefInit || o.ref_state == kRefMaybeWeakref)) {
    o.ref_state = kRefQueued;
    brc_queue_object(id);
    return true;
  }
  --o.rc;
  return !(o.ref_state == kRefMerged && o.rc == 0);
}

}  // namespace lifecheck::model
