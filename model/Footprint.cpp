// Footprints of steps, for sleep sets (Footprint.h).
//
// A step of thread t at state s is computed by running it (the search runs
// it anyway) and comparing the state before and after. It is `global`
// (dependent on every step) unless all of these hold:
//  (a) the profile has the GIL and the faithful runtime;
//      no collection is running and none is scheduled; t is running and
//      the choice is t's only one (no alternative: heap orders and
//      automatic collections read runtime state);
//  (b) the step ends normally and emits no event but refcount changes
//      (no property observes those; every other event may be observed);
//  (c) it changes nothing but the fields of live objects and t's own
//      frames, values and stack: the heap keeps its shape (no object
//      allocated, freed or resurrected: an allocation counts towards a
//      collection, a free may run finalizers and callbacks), the GC lists
//      and counts, the globals, the other threads, t's status, the main
//      stage, the monitors' bytes, class key orders and the warm call
//      sites are unchanged.
// Its reads are then every object t's stack and frames reach, every
// object the globals reach (t may load any global), following owned
// references, weakrefs to their referents and referents to their weakrefs
// (a weakref list is read through its referent); its writes are the
// objects whose bytes changed. Everything else a step can read (runtime
// structures, other threads' records, class tables) is, by (c), written
// only by global steps.
//
// Two non-global steps of different threads a, b commute at s when
// neither writes what the other reads or writes: b's step after a reads
// the same objects and runtime state as at s, so it makes the same
// decisions and the same changes, and so does a after b; both end in the
// same state with the same events, and neither disables the other (a
// running thread with one choice stays enabled while its frames and
// status are unchanged).
//
// Every other pair of steps of different threads that both end normally
// (a global step and any other: allocations, collections, finalizers and
// callbacks run by a collection, frees, the first store of an attribute
// name) is decided by running both orders from the two successors the
// search has computed anyway: they commute at s when each is enabled
// after the other, both end normally and the two orders reach states with
// the same canonical form. That is exactly what sleep sets ask of a pair
// at s (the diamond), so no argument about what the steps touch is
// needed; the events of the two orders may differ where no property
// observes them (a load of an object that the other step frees). Two
// allocations of tracked objects do not commute this way: the young
// generation lists them in allocation order, which a collection's
// finalizer order follows. The model has no allocation count (G3: an
// automatic collection is a choice at any allocation, not a threshold),
// so there is no threshold distance to model; a step that schedules one
// is a choice of its own (alternative > 0), tried like any other.
// The por-check test (tests/test_sleep_sets.cpp) runs both orders of
// every pair declared independent at every reachable state of the shipped
// scenarios and checks this.
#include "model/Footprint.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "model/Event.h"
#include "model/Model.h"
#include "model/Ownership.h"

namespace lifecheck::model {

namespace {

template <class T>
bool same_bytes(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T, uint32_t N>
bool same_items(const SmallVec<T, N>& a, const SmallVec<T, N>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_bytes(a[i], b[i])) return false;
  return true;
}

bool same_gc(const GcState& a, const GcState& b) {
  if (a.collecting != b.collecting || a.stopped_by != b.stopped_by ||
      a.auto_enabled != b.auto_enabled || a.scheduled != b.scheduled ||
      a.visited_space != b.visited_space || a.incremental_collecting != b.incremental_collecting ||
      a.final_running != b.final_running || a.start_called != b.start_called ||
      a.stop_called != b.stop_called || a.final_rounds != b.final_rounds ||
      a.collected != b.collected || a.uncollectable != b.uncollectable ||
      a.debug_saveall != b.debug_saveall)
    return false;
  for (size_t l = 0; l < kNumLists; ++l)
    if (a.lists[l].head != b.lists[l].head || a.lists[l].tail != b.lists[l].tail ||
        a.lists[l].size != b.lists[l].size)
      return false;
  return same_items(a.callbacks, b.callbacks) && same_items(a.garbage, b.garbage);
}

// Everything of a thread but its frames, values and stack.
bool same_thread_record(const Thread& a, const Thread& b) {
  return a.status == b.status && a.exc == b.exc && a.has_exc == b.has_exc &&
         a.exc_func == b.exc_func && a.detached == b.detached && a.gc_pending == b.gc_pending &&
         a.trash_nesting == b.trash_nesting && same_items(a.trash, b.trash) &&
         same_items(a.merge_queue, b.merge_queue);
}

bool same_thread(const Thread& a, const Thread& b) {
  return same_thread_record(a, b) && same_items(a.frames, b.frames) &&
         same_items(a.values, b.values) && same_items(a.stack, b.stack);
}

// (c) but the objects and thread t's frames, values and stack.
bool same_outside(const State& a, const State& b, ThreadId t) {
  if (a.objects.size() != b.objects.size() || a.threads.size() != b.threads.size()) return false;
  if (!same_items(a.globals, b.globals) || !same_gc(a.gc, b.gc) || a.main_stage != b.main_stage ||
      a.threads_ended != b.threads_ended || a.next_serial != b.next_serial ||
      !same_items(a.class_keys, b.class_keys) ||
      !same_items(a.class_key_count, b.class_key_count) ||
      !same_items(a.expect_state, b.expect_state) || !same_items(a.warm, b.warm) ||
      !same_items(a.class_del, b.class_del))
    return false;
  for (size_t u = 0; u < a.threads.size(); ++u) {
    if (u == t ? !same_thread_record(a.threads[u], b.threads[u])
               : !same_thread(a.threads[u], b.threads[u]))
      return false;
  }
  return true;
}

// Every field of two states equal (compared as bytes, so padding can only
// make equal states look different, never the reverse).
bool same_state(const State& a, const State& b) {
  if (!same_outside(a, b, kNoThread)) return false;  // every thread in full
  for (size_t o = 0; o < a.objects.size(); ++o)
    if (!same_bytes(a.objects[o], b.objects[o])) return false;
  return true;
}

// The objects t may read at `s`: see the file comment.
ObjSet readable(const Program& program, const State& s, ThreadId t) {
  const size_t n = s.objects.size();
  ObjSet seen(n);
  ObjList work;
  auto add = [&](ObjId o) {
    if (o < n && s.objects[o].live && seen.insert(o)) work.push_back(o);
  };
  const Thread& th = s.threads[t];
  for (Value v : th.values)
    if (v.is_obj()) add(v.obj());
  for (Value v : th.stack)
    if (v.is_obj()) add(v.obj());
  for (const Frame& f : th.frames)
    for (ObjId o : {f.obj, f.obj2, f.ref, f.locked2}) add(o);
  for (Value v : s.globals)
    if (v.is_obj()) add(v.obj());
  // weakrefs by referent, to follow a referent to its weakrefs
  for (;;) {
    while (!work.empty()) {
      const ObjId o = work.back();
      work.pop_back();
      const Object& x = s.objects[o];
      for_each_owned(program, x, add);
      if (program.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
        add(x.fields[kWeakrefReferent].obj());
    }
    for (size_t o = 0; o < n; ++o) {
      const Object& x = s.objects[o];
      if (x.live && !seen[o] && program.types[x.type].kind == TypeKind::Weakref &&
          x.fields[kWeakrefReferent].is_obj() && seen[x.fields[kWeakrefReferent].obj()])
        add(static_cast<ObjId>(o));
    }
    if (work.empty()) return seen;
  }
}

bool only_refcounts(const std::vector<Event>& events) {
  for (const Event& e : events)
    if (e.kind != EventKind::Incref && e.kind != EventKind::Decref) return false;
  return true;
}

bool only_choice_of(ThreadId t, const std::vector<uint16_t>& enabled) {
  size_t count = 0;
  for (uint16_t c : enabled) count += (c & 0xFF) == t;
  return count == 1;
}

// (a): the argument from reads and writes holds for the GIL build with
// the faithful runtime; running both orders holds for every profile.
bool reads_and_writes_apply(const Program& program) {
  return program.profile.gil && program.profile.bugs == 0;
}

}  // namespace

bool footprints_apply(const Program&) { return true; }

checker::StepResult step_with_footprint(const Model& model, const State& before, State& next,
                                        uint16_t choice, const std::vector<uint16_t>& enabled,
                                        Footprint& fp) {
  thread_local std::vector<Event> events;
  events.clear();
  checker::StepResult r = model.step(next, choice, &events);
  const Program& program = model.program();
  const ThreadId t = static_cast<ThreadId>(choice & 0xFF);
  fp.global = true;
  fp.thread = t;
  fp.model = &model;
  fp.choice = choice;
  fp.ok = r.ok();
  if (!fp.ok) return r;
  fp.after = next;
  if (!reads_and_writes_apply(program) || (choice >> 8) != 0 || !only_choice_of(t, enabled) ||
      t >= before.threads.size() || before.threads[t].status != ThreadStatus::Running ||
      before.gc.collecting || before.gc.scheduled != 0 || before.gc.stopped_by != kNoThread ||
      !only_refcounts(events) || !same_outside(before, next, t))
    return r;
  const size_t n = before.objects.size();
  fp.writes = ObjSet(n);
  for (size_t o = 0; o < n; ++o) {
    const Object& a = before.objects[o];
    const Object& b = next.objects[o];
    if (a.live != b.live || a.has(kFreed) != b.has(kFreed)) return r;
    if (!same_bytes(a, b)) fp.writes.insert(o);
  }
  fp.reads = readable(program, before, t);
  for (size_t o = 0; o < n; ++o)
    if (fp.writes[o]) fp.reads.insert(o);
  fp.global = false;
  return r;
}

namespace {

bool enables(const Model& model, const State& s, uint16_t choice) {
  thread_local std::vector<uint16_t> choices;
  model.enabled(s, choices);
  return std::find(choices.begin(), choices.end(), choice) != choices.end();
}

// Both orders of two steps that end normally, run: each enabled after the
// other, both end normally, in states with the same canonical form.
bool both_orders_meet(const Footprint& a, const Footprint& b) {
  const Model& model = *a.model;
  if (!enables(model, a.after, b.choice) || !enables(model, b.after, a.choice)) return false;
  thread_local State ab, ba;
  thread_local std::string x, y;
  ab = a.after;
  ba = b.after;
  if (!model.step(ab, b.choice).ok() || !model.step(ba, a.choice).ok()) return false;
  if (same_state(ab, ba)) return true;  // equal states encode alike (no encoding needed)
  model.encode(ab, x);
  model.encode(ba, y);
  return x == y;
}

}  // namespace

bool footprints_independent(const Footprint& a, const Footprint& b) {
  if (!a.ok || !b.ok || a.thread == b.thread) return false;
  if (!a.global && !b.global) return !a.writes.intersects(b.reads) && !b.writes.intersects(a.reads);
  return both_orders_meet(a, b);
}

}  // namespace lifecheck::model
