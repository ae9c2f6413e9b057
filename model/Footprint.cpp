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
// Before running both orders, static rules decide what they can: D1-D5
// and I1 below, I2 (a collection's step between two yields, and the
// steps of threads that start no collection) in FootprintPhases.cpp.
// The por-check test (tests/test_sleep_sets.cpp) runs both orders of
// every pair declared independent at every reachable state of the shipped
// scenarios and checks this.
#include "model/Footprint.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "model/Event.h"
#include "model/FootprintDetail.h"
#include "model/Machine.h"
#include "model/Model.h"
#include "model/Ownership.h"

namespace lifecheck::model {

using namespace footprint_detail;

namespace {

// Frames field by field: a frame has padding bytes, which two frames built
// alike in two orders need not share (B1: most of the pairs that met only
// after encoding differed in nothing else).
bool same_frame(const Frame& a, const Frame& b) {
  return a.kind == b.kind && a.stage == b.stage && a.flags == b.flags && a.func == b.func &&
         a.pc == b.pc && a.obj == b.obj && a.obj2 == b.obj2 && a.base == b.base &&
         a.count == b.count && a.aux == b.aux && a.saved_exc == b.saved_exc && a.ref == b.ref &&
         a.ref_serial == b.ref_serial && a.locked2 == b.locked2 && a.touched == b.touched;
}

bool same_frames(const SmallVec<Frame, 8>& a, const SmallVec<Frame, 8>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same_frame(a[i], b[i])) return false;
  return true;
}

bool same_gc(const GcState& a, const GcState& b) {
  if (a.collecting != b.collecting || a.stopped_by != b.stopped_by ||
      a.auto_enabled != b.auto_enabled || a.scheduled != b.scheduled ||
      a.visited_space != b.visited_space || a.incremental_collecting != b.incremental_collecting ||
      a.final_running != b.final_running || a.start_called != b.start_called ||
      a.stop_called != b.stop_called || a.final_rounds != b.final_rounds ||
      a.final_idle != b.final_idle || a.collected != b.collected ||
      a.uncollectable != b.uncollectable || a.debug_saveall != b.debug_saveall)
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
  return same_thread_record(a, b) && same_frames(a.frames, b.frames) &&
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

}  // namespace

void footprint_detail::reach_from(const Program& program, const State& s, ObjSet& seen,
                                  ObjList& work) {
  const size_t n = s.objects.size();
  auto add = [&](ObjId o) {
    if (o < n && s.objects[o].live && seen.insert(o)) work.push_back(o);
  };
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
    if (work.empty()) return;
  }
}

// The objects t may read at `s`: see the file comment.
ObjSet footprint_detail::readable(const Program& program, const State& s, ThreadId t) {
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
    for (ObjId o : {f.obj, f.obj2, held_ref(s, f), f.locked2}) add(o);
  for (Value v : s.globals)
    if (v.is_obj()) add(v.obj());
  reach_from(program, s, seen, work);
  return seen;
}

namespace {

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

uint32_t changed_parts(const State& before, const State& after, ThreadId t) {
  uint32_t parts = 0;
  for (size_t l = 0; l < kNumLists; ++l) {
    const GcList& x = before.gc.lists[l];
    const GcList& y = after.gc.lists[l];
    if (x.head != y.head || x.tail != y.tail || x.size != y.size)
      parts |= l == kGen0 ? kPartGen0 : kPartOtherLists;
  }
  if (before.gc.collecting != after.gc.collecting) parts |= kPartCollecting;
  if (after.gc.stopped_by == t) parts |= kPartWorldStopped;
  for (size_t u = 0; u < before.threads.size() && u < after.threads.size(); ++u)
    if (u != t && !same_thread(before.threads[u], after.threads[u])) parts |= kPartOtherThreads;
  if (before.threads.size() != after.threads.size()) parts |= kPartOtherThreads;
  return parts;
}

}  // namespace

// The parts of an object a running collection reads or moves it by: it
// is in a collection's list (not a generation's) or flagged by one.
bool footprint_detail::in_collection(const Object& x) {
  constexpr uint32_t kMarks = kCollecting | kUnreachableMask | kInGarbageSet | kLegacyGarbage |
                              kOnWorklist | kFinalizing | kGcFinalizing | kClearing;
  const bool generation = x.list == kNoList || x.list == kGen0 || x.list == kGen1 ||
                          x.list == kGen2 || x.list == kPermanent;
  return !generation || (x.flags & kMarks) != 0;
}

// Two objects alike but for their reference counts (rc, and the
// free-threaded local part).
bool footprint_detail::same_but_counts(Object a, Object b) {
  a.rc = b.rc;
  a.local = b.local;
  return same_bytes(a, b);
}

namespace {

// I1's step (see rule I1 below): thread t's step emitted GcReentrant and
// otherwise only Incref and Decref events; it changed only the counts of
// objects (`writes`), none of them part of a running collection, and
// nothing outside t's frames, values and stack (same_outside); of its
// frames only the top one, a Body frame before and after, and only there
// its pc.
bool reentrant_alone(const Program& program, const State& before, const State& after, ThreadId t,
                     uint64_t events, const ObjSet& writes) {
  const uint64_t counts = event_bit(EventKind::Incref) | event_bit(EventKind::Decref);
  if ((events & ~counts) != event_bit(EventKind::GcReentrant) || program.profile.bugs != 0 ||
      has_while_loop(program) || has_refcount_query(program) ||
      before.objects.size() != after.objects.size() || !same_outside(before, after, t))
    return false;
  const SmallVec<Frame, 8>& x = before.threads[t].frames;
  const SmallVec<Frame, 8>& y = after.threads[t].frames;
  if (x.size() != y.size() || x.empty()) return false;
  for (size_t i = 0; i + 1 < x.size(); ++i)
    if (!same_frame(x[i], y[i])) return false;
  Frame top = y.back();
  top.pc = x.back().pc;
  if (x.back().kind != FrameKind::Body || !same_frame(x.back(), top)) return false;
  for (size_t o = 0; o < before.objects.size(); ++o)
    if (writes[o] && (!before.objects[o].live || in_collection(before.objects[o]) ||
                      !same_but_counts(before.objects[o], after.objects[o])))
      return false;
  return true;
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
  fp.events = 0;
  for (const Event& e : events) fp.events |= event_bit(e.kind);
  fp.changed = changed_parts(before, next, t);
  // C1: a thread that stopped to choose a set member disables every
  // other until it has chosen, as a stopped world does (D1)
  if (order_choice_pending(next, t)) fp.changed |= kPartWorldStopped;
  // the objects it changed (a slot it allocated past the end: not
  // counted; no step at the state has it)
  const size_t n = before.objects.size();
  fp.writes = ObjSet(n);
  for (size_t o = 0; o < n && o < next.objects.size(); ++o)
    if (!same_bytes(before.objects[o], next.objects[o])) fp.writes.insert(o);
  if (reentrant_alone(program, before, next, t, fp.events, fp.writes)) {
    fp.changed |= kPartReentrant;
    fp.reads = readable(program, before, t);
    for (size_t o = 0; o < n; ++o)
      if (fp.writes[o]) fp.reads.insert(o);
  }
  // I2's roles; a role's reads include the ones above (more reads are only
  // more cautious for I1)
  // (only where another thread has a choice: no pair otherwise)
  fp.role = Footprint::Role::None;
  if (std::any_of(enabled.begin(), enabled.end(), [&](uint16_t c) { return (c & 0xFF) != t; }))
    phase_footprint(program, before, next, t, events, fp);
  if (!reads_and_writes_apply(program) || (choice >> 8) != 0 || !only_choice_of(t, enabled) ||
      t >= before.threads.size() || before.threads[t].status != ThreadStatus::Running ||
      before.gc.collecting || before.gc.scheduled != 0 || before.gc.stopped_by != kNoThread ||
      !only_refcounts(events) || !same_outside(before, next, t) || (fp.changed & kPartWorldStopped))
    return r;
  for (size_t o = 0; o < n; ++o) {
    const Object& a = before.objects[o];
    const Object& b = next.objects[o];
    if (a.live != b.live || a.has(kFreed) != b.has(kFreed)) return r;
  }
  fp.reads = readable(program, before, t);
  for (size_t o = 0; o < n; ++o)
    if (fp.writes[o]) fp.reads.insert(o);
  fp.global = false;
  return r;
}

namespace {

// Counts (Footprint.h), summed over the workers.
struct Counts {
  std::atomic<uint64_t> by_reads_writes{0}, by_rule{0}, by_independence_rule{0}, by_phase_rule{0},
      both_orders{0}, both_orders_met{0};
  ~Counts() {
    if (!std::getenv("LIFECHECK_SLEEP_STATS")) return;
    std::fprintf(stderr,
                 "sleep-set pairs: %llu by reads and writes, %llu dependent by a static rule, "
                 "%llu independent by a static rule (I1), %llu by I2, %llu by both orders "
                 "(%llu commute)\n",
                 static_cast<unsigned long long>(by_reads_writes.load()),
                 static_cast<unsigned long long>(by_rule.load()),
                 static_cast<unsigned long long>(by_independence_rule.load()),
                 static_cast<unsigned long long>(by_phase_rule.load()),
                 static_cast<unsigned long long>(both_orders.load()),
                 static_cast<unsigned long long>(both_orders_met.load()));
  }
};
Counts counts;

void count(std::atomic<uint64_t>& n) { n.fetch_add(1, std::memory_order_relaxed); }

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

// Static rules (D1-D5): pairs of steps (of different threads, both ending
// normally) that are dependent at the state, decided from what each step
// did, without running both orders. Declaring a pair dependent is always
// sound for sleep sets (a sleep set may hold fewer choices: only
// transitions are saved, never states), so a rule only has to be right
// most of the time to pay; each one below is exact or nearly so on B1
// (docs/engine.md, sleep sets: which pairs both orders found not to commute).
int rule_of(const Footprint& a, const Footprint& b) {
  // (D1) A step after which its thread has the world stopped (F12: a
  // free-threaded collection that stops the world and has not started it
  // again), or has stopped to choose which set member it releases next
  // (C1), disables every other thread: at_switch_point (Threads.cpp)
  // lets only that thread run. Exact: both orders would fail at once, the
  // other step being disabled after it.
  if ((a.changed | b.changed) & kPartWorldStopped) return 1;
  const uint64_t track = event_bit(EventKind::Track);
  const uint64_t start = event_bit(EventKind::GcStart);
  const uint64_t reentrant = event_bit(EventKind::GcReentrant);
  // (D2) Two steps that each track an object into the young generation
  // (an allocation of a GC type, G7) append to its list in the order they
  // run: the two orders leave the list in two orders, which the encoding
  // keeps (a collection finalizes and clears in list order). They meet
  // only where the two threads are interchangeable (B1 T=3: 8 of 493).
  if ((a.events & track) && (b.events & track) && (a.changed & kPartGen0) &&
      (b.changed & kPartGen0))
    return 2;
  // (D3) A step that starts a collection and one that tracks an object
  // into the young generation: run first, the object is among those the
  // collection examines (and moves to an older generation if it
  // survives); run after, it is in the young generation the collection has
  // left. (B1 T=3 under the GIL: 1,230 of 1,230 did not commute.)
  auto starts_vs_tracks = [&](const Footprint& x, const Footprint& y) {
    return (x.events & start) && (y.events & track) && (y.changed & kPartGen0);
  };
  if (starts_vs_tracks(a, b) || starts_vs_tracks(b, a)) return 3;
  // (D4) A gc.collect() that found a collection running (G5: it returns
  // 0, the GcReentrant event) and a step that starts or ends a
  // collection: in the other order the call finds none running and
  // collects, or finds one it did not. (B1 T=3 under the GIL: 438 of 438;
  // 3.13t: 9,056 of 9,056.)
  auto reenters_vs_switches = [&](const Footprint& x, const Footprint& y) {
    return (x.events & reentrant) && (y.changed & kPartCollecting);
  };
  if (reenters_vs_switches(a, b) || reenters_vs_switches(b, a)) return 4;
  // (D5) Two steps that each start a collection: in either order the
  // second finds the first one's collection running (G5: it returns 0 and
  // the other thread's objects wait) or starts its own after it, on what
  // the first left. The orders meet only where the two threads are
  // interchangeable (B1 T=3 under the GIL: 321 of 1,318 pairs), and on B1
  // those pairs prune no transition the sleep sets do not prune anyway
  // (T=3: 8,757 transitions, T=4: 880,477, with and without D5); it
  // saves 22 % of the both-orders checks at T=4, each running two
  // collections' first steps.
  return (a.events & start) && (b.events & start) ? 5 : 0;
}

// The parts of the state outside the heap, the GC lists and the threads
// that a step may read: globals, class tables, call sites, monitors, the
// main thread's stage, and the collector's flags.
bool same_tables(const State& a, const State& b) {
  return same_items(a.globals, b.globals) && same_items(a.class_keys, b.class_keys) &&
         same_items(a.class_key_count, b.class_key_count) && same_items(a.class_del, b.class_del) &&
         same_items(a.warm, b.warm) && same_items(a.expect_state, b.expect_state) &&
         a.main_stage == b.main_stage && a.threads_ended == b.threads_ended &&
         a.gc.collecting == b.gc.collecting && a.gc.scheduled == b.gc.scheduled &&
         a.gc.stopped_by == b.gc.stopped_by && a.gc.auto_enabled == b.gc.auto_enabled &&
         a.gc.final_running == b.gc.final_running;
}

// (I1) A gc.collect() that finds a collection running (r: kPartReentrant,
// see reentrant_alone: besides, its step only moves its thread's values
// and changes counts of objects no collection is working on), and a step
// x of another thread that neither starts nor ends a collection (D4 comes
// first) nor stops the world (no WorldStop event; D1 comes first),
// changes no other thread, none of the tables (same_tables), no object r
// changed, and no object r may read but for its counts, commute. Why, at
// the state s both run from (r.after is s but for r's thread and the
// counts of r.writes, so x's changes are read off x.after against it):
//  - What r reads: `gc.collecting` (G5, step_collect and step_collect_ft:
//    the call returns 0 at once), the eval-breaker's flags (gc.scheduled,
//    gc.stopped_by), its own thread, the tables, the counts of r.writes
//    (which x leaves alone) and at most the objects its thread and the
//    globals reach (r.reads; a count is read only through a reference,
//    sys.getrefcount, whose object r then changes; a getrefcount in x
//    takes and drops a reference, leaving the count as it was, so
//    programs that call it are left out). x changes none of
//    these, so r does the same after x; its counts do not reach zero
//    (no free) in either order, since x leaves them alone.
//  - What r writes: its thread's values and stack, the pc of its top
//    frame, a Body frame before and after (it pushes the call's frame and
//    pops it), and the counts of r.writes. The counts of an object are
//    read by a collection working on it (none is: in_collection), by
//    code that holds a reference to it (whose step then changes it, x
//    does not), and by frees and merges (x changes none of r.writes).
//    Another thread's values and frames are read only where excluded
//    here: stopping the world (the free-threaded collector's roots; F12's
//    parking reads the top frame's kind, unchanged), a spinning while
//    loop's enabling check (IT8, which compares whole states: programs
//    with a while loop are left out), a seeded runtime bug (left out), or
//    a free that replaces dangling references in every thread (it changes
//    r's thread: excluded). Monitors that look for a freed object in
//    every thread's values see the same references (r frees nothing, and
//    a reference it drops or takes is counted: x does not free that
//    object). So x does the same after r, and stays enabled (its switch
//    point reads its own thread, the collector's flags, and other
//    threads' status and top frame kind).
//  - r stays enabled after x: its thread is unchanged, the world is not
//    stopped, and a Body frame on top needs no critical section.
//  - The two change disjoint parts, each the same in both orders: the
//    same state.
bool reentrant_commutes(const Footprint& r, const Footprint& x) {
  if (!(r.changed & kPartReentrant) || (x.changed & kPartOtherThreads) ||
      (x.events & event_bit(EventKind::WorldStop)))
    return false;
  const State& s = r.after;  // the state both run from, but r's thread
  const State& y = x.after;
  if (y.objects.size() < s.objects.size() || !same_tables(s, y) || x.writes.intersects(r.writes))
    return false;
  for (size_t o = 0; o < s.objects.size(); ++o)
    if (r.reads[o] && !same_but_counts(s.objects[o], y.objects[o])) return false;
  return true;
}

}  // namespace

bool footprints_independent(const Footprint& a, const Footprint& b) {
  if (!a.ok || !b.ok || a.thread == b.thread) return false;
  if (!a.global && !b.global) {
    count(counts.by_reads_writes);
    return !a.writes.intersects(b.reads) && !b.writes.intersects(a.reads);
  }
  if (rule_of(a, b) != 0) {
    count(counts.by_rule);
    return false;
  }
  if (reentrant_commutes(a, b) || reentrant_commutes(b, a)) {
    count(counts.by_independence_rule);
    return true;
  }
  if (phase_commutes(a, b) || phase_commutes(b, a)) {
    count(counts.by_phase_rule);
    return true;
  }
  count(counts.both_orders);
  const bool met = both_orders_meet(a, b);
  if (met) count(counts.both_orders_met);
  return met;
}

Decision decision_of(const Footprint& a, const Footprint& b) {
  if (!a.ok || !b.ok || a.thread == b.thread) return Decision::NotApplicable;
  if (!a.global && !b.global) return Decision::ReadsWrites;
  if (rule_of(a, b) != 0) return Decision::DependentRule;
  if (reentrant_commutes(a, b) || reentrant_commutes(b, a)) return Decision::IndependentRule;
  if (phase_commutes(a, b) || phase_commutes(b, a)) return Decision::PhaseRule;
  return Decision::BothOrders;
}

int dependence_rule(const Footprint& a, const Footprint& b) {
  return !a.ok || !b.ok || a.thread == b.thread ? 0 : rule_of(a, b);
}

bool both_orders_commute(const Footprint& a, const Footprint& b) {
  return a.ok && b.ok && a.thread != b.thread && both_orders_meet(a, b);
}

IndependenceCounts independence_counts() {
  return {counts.by_reads_writes.load(), counts.by_rule.load(), counts.both_orders.load(),
          counts.both_orders_met.load(), counts.by_phase_rule.load()};
}

}  // namespace lifecheck::model
