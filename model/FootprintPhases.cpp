// Rule I2 of footprints_independent (Footprint.h): a step of the thread
// running a collection, between two of the collection's yields, against a
// step of another thread, decided without running both orders.
//
// Under the GIL a collection yields wherever it runs Python code
// (docs/semantics.md T2): a weakref callback (G12), a finalizer (G13,
// G19), gc.callbacks (G6), a deallocation that tp_clear triggers (G16).
// Its step from one yield to the next runs a piece of a phase in the
// collecting thread's Collect frame (Collector.cpp, CollectorStages.cpp):
// it moves the collection's members between its own lists
// (wrcb_to_call, unreachable, the finalized ones, the final unreachable,
// the legacy finalizers), sets and clears their flags, calls, finalizes,
// clears and frees them, counts what it collected and appends survivors
// to the older generation; the Python code it enters reads its own frame,
// its arguments and what the globals reach. What it never does in such a
// step: look at the young generation's list (G7 merges it into the
// collected one when the collection starts, the step that D3 and D5
// name), read the exact count of an object outside the collection
// (update_refs, G8, and handle_resurrected_objects, G14, read the counts
// of members only), or read another thread's frames (the roots are read
// when it starts; P7.6's reachability check reads every thread's stack,
// but only for a member, which no other thread reaches).
//
// A *collection step* (role CollectionStep) is a step of the thread
// whose Collect frame is past its first stage while `gc.collecting` is
// set, in a GIL profile with the faithful runtime and no `while` loop
// (IT8's spin check compares whole states) nor sys.getrefcount (which
// reads an exact count), that ends normally and changes, besides objects
// and its own thread: the collector's lists, its counters
// (collected, uncollectable, the start/stop callback marks, the
// incremental collector's spaces) and `gc.collecting` (the collection's
// last step, G18); nothing else of the GC state (gc.garbage, gc.callbacks,
// the automatic collection's switch, schedule or debug flags), no other
// thread, no global, class table, call site, monitor byte, main stage; no
// collection is scheduled (`gc.scheduled`, any thread's `gc_pending`)
// before or after it. A *bystander's step* (role Bystander) is a step of
// any other thread, under the same conditions, whether a collection runs
// or not, that changes nothing of the GC state but the young generation's
// list (so it starts no collection: choice 0, no gc.collect() that
// collects).
//
// GC lists: an object's list links (prev, next) are left out of what a
// step changes and reads. The lists are doubly linked (Heap.cpp,
// list_append and list_remove); unlinking distinct objects, and unlinking
// some while another is appended, give the same lists in either order;
// only two appends to one list do not (their order stays). A bystander
// appends only by tracking a new object into the young generation (the
// Track event; gc.freeze moves lists, which bystanders do not); a
// collection's step appends to its own lists and to the older
// generation, and to the young one only by tracking: so two steps that
// each track an object that is in the young generation after the step
// are taken as dependent (D2's reason). An object tracked and unlinked
// again in one step (a deallocation that tracks it back for its
// finalizer) leaves the list as it was. Unlinking and moving
// the same object are moves of that object by both steps (its own list
// field changes). Lists are walked only by a collection over its members
// (at its start over the generations, a step no role has), and read at
// their heads only for its own lists and, in the incremental collector,
// the pending space (bystanders there change no list but the young one).
//
// Reads: a bystander's step reads what its thread's stack and frames and
// the globals reach (Footprint.cpp's `readable`), plus what it changed; a
// collection's step reads that for its own thread, plus every member of
// the running collection (in_collection, before or after the step) and
// what they reach, plus what it changed. Moved: the objects a step
// changed beyond their counts (allocated, freed, fields, flags, lists).
// Counted: the objects whose counts it changed (its Incref and Decref
// events; under the GIL a count changes only there and at allocation).
//
// A collection step c, or a bystander's step c, and a bystander's step x
// of another thread commute at s when neither moves what the other
// reads, they do not both allocate (the objects' serial numbers follow
// the order of allocation) nor both track an object into the young
// generation (kPartTracksYoung), x changes no count of a member of the
// collection (c may read those exactly), and every count one changes
// that the other reads stays positive in both orders: the count at s
// minus the deepest each step takes it below its count at the step's
// start (a Py_INCREF then a Py_DECREF, a load, takes it none below) is at
// least 1 (in the order a then b, b's step sees at least the count at s
// less a's net change, itself no less than minus a's dip). Why:
//  - c's step after x reads the same objects, with the same fields; the
//    counts may differ, but c reads a count other than a member's only
//    against zero (a Py_DECREF deciding to deallocate, P7.18's and
//    W4's checks), and those stay positive; it reads the same GC state
//    (x changes only the generations' lists, by unlinking or by
//    tracking, see GC lists), the same tables, its own thread; so it
//    makes the same decisions and the same changes (a member it frees may
//    leave its slot to the object x allocates: the two states are then
//    the same up to slot numbers, which the canonical form does not
//    name).
//  - x's step after c likewise: its reads are not moved by c; the GC
//    state it reads (`gc.collecting` for an allocation's automatic
//    collection, G3, and `collection_due`'s schedule) is either unchanged
//    or, at c's last step, `collecting` cleared with nothing scheduled:
//    an allocation then counts towards a collection that choice 0 does
//    not trigger, and a gc.collect() that found one running is left to D4
//    (it comes first).
//  - Neither disables the other: each one's switch point reads its own
//    thread, `gc.stopped_by` (neither stops the world) and, at a Join,
//    another thread's status (x's Join waits for a thread that has
//    finished; c's is no Join: its top frame is the collector's or a body
//    at a check).
//  - Both orders change disjoint parts (moved objects, the collector's
//    lists against the young list, each its own thread) and add the same
//    amounts to the same counts: the same state.
// Checked against running both orders: tests/test_sleep_sets_phases.cpp.
#include <algorithm>

#include "model/FootprintDetail.h"
#include "model/Machine.h"
#include "model/Ownership.h"

namespace lifecheck::model::footprint_detail {

namespace {

// A thread whose collection has sorted out its garbage: the step that does
// (kDeduce, after the "start" gc.callbacks) merges the young generation and
// reads every tracked object's count, so it is no collection step.
bool collecting_thread(const Thread& th) {
  for (const Frame& f : th.frames)
    if (collection_past_deduce(f)) return true;
  return false;
}

bool nothing_scheduled(const State& s) {
  if (s.gc.scheduled != 0) return false;
  for (const Thread& th : s.threads)
    if (th.gc_pending != 0) return false;
  return true;
}

// The tables a step may read: globals, class key orders, call sites,
// the expectations' monitor, the main thread's stage.
bool same_tables(const State& a, const State& b) {
  return same_items(a.globals, b.globals) && same_items(a.class_keys, b.class_keys) &&
         same_items(a.class_key_count, b.class_key_count) && same_items(a.class_del, b.class_del) &&
         same_items(a.warm, b.warm) && same_items(a.expect_state, b.expect_state) &&
         a.main_stage == b.main_stage && a.threads_ended == b.threads_ended;
}

// The GC state but the lists, the counters a collection keeps and
// `collecting`: what neither role may change.
bool same_gc_settings(const GcState& a, const GcState& b) {
  return a.stopped_by == b.stopped_by && a.auto_enabled == b.auto_enabled &&
         a.scheduled == b.scheduled && a.final_running == b.final_running &&
         a.final_rounds == b.final_rounds && a.final_idle == b.final_idle &&
         a.debug_saveall == b.debug_saveall && same_items(a.callbacks, b.callbacks) &&
         same_items(a.garbage, b.garbage);
}

// The rest of the GC state but the generations' lists (the young one's;
// in the default build's generational collector, whose collection steps
// read an older generation's list only where they append to it, the
// older ones' too).
bool same_gc_but_generations(const Program& program, const GcState& a, const GcState& b) {
  const bool generational = program.profile.gc_algorithm == GcAlgorithm::Generational;
  if (a.collecting != b.collecting || a.visited_space != b.visited_space ||
      a.incremental_collecting != b.incremental_collecting || a.start_called != b.start_called ||
      a.stop_called != b.stop_called || a.collected != b.collected ||
      a.uncollectable != b.uncollectable)
    return false;
  for (size_t l = 0; l < kNumLists; ++l) {
    if (l == kGen0 || (generational && (l == kGen1 || l == kGen2))) continue;
    if (a.lists[l].head != b.lists[l].head || a.lists[l].tail != b.lists[l].tail ||
        a.lists[l].size != b.lists[l].size)
      return false;
  }
  return true;
}

// What the collection's members reach, added to `reads`.
void add_members(const Program& program, const State& s, ObjSet& reads) {
  ObjList work;
  for (size_t o = 0; o < s.objects.size(); ++o) {
    const Object& x = s.objects[o];
    if (x.live && (in_collection(x) || x.has(kClearedThisGc)) && reads.insert(o))
      work.push_back(static_cast<ObjId>(o));
  }
  reach_from(program, s, reads, work);
}

const Footprint::Count* find_count(const Footprint& fp, ObjId o) {
  for (const Footprint::Count& k : fp.counted)
    if (k.obj == o) return &k;
  return nullptr;
}

// The counts `a` changed that `b` reads stay positive in both orders, and
// `b` reads none of them exactly (`exact`: a collection's members).
bool counts_stay_positive(const Footprint& a, const Footprint& b) {
  for (const Footprint::Count& k : a.counted) {
    if (b.exact[k.obj]) return false;
    if (!b.reads[k.obj]) continue;
    // in either order the count stays at least the count at s less both
    // steps' deepest dips
    const Footprint::Count* other = find_count(b, k.obj);
    const int floor = k.before - k.decrefs - (other ? other->decrefs : 0);
    if (floor < 1) return false;
  }
  return true;
}

// gc.freeze() and gc.unfreeze() read every generation: one that moves
// nothing (nothing tracked yet) changes no GC state and would pass for a
// bystander, yet it freezes another thread's allocation made before it
// and not one made after (found by a review). Programs that call either
// get no roles.
bool calls_gc_freeze(const Program& program) {
  for (const FuncInfo& fn : program.funcs)
    for (const Op& op : fn.code)
      if (op.code == OpCode::GcEnable && op.a >= 2) return true;
  return false;
}

}  // namespace

bool has_while_loop(const Program& program) { return program.has_while_loop; }
bool has_refcount_query(const Program& program) { return program.has_refcount_query; }

void phase_footprint(const Program& program, const State& before, const State& after, ThreadId t,
                     const std::vector<Event>& events, Footprint& fp) {
  fp.role = Footprint::Role::None;
  if (!program.profile.gil || program.profile.bugs != 0 || t >= before.threads.size() ||
      before.threads.size() != after.threads.size() || (fp.changed & kPartOtherThreads) ||
      (fp.events & event_bit(EventKind::WorldStop)) || before.gc.stopped_by != kNoThread ||
      has_while_loop(program) || has_refcount_query(program) || calls_gc_freeze(program) ||
      !nothing_scheduled(before) || !nothing_scheduled(after) ||
      !same_gc_settings(before.gc, after.gc) || !same_tables(before, after))
    return;
  const bool collection = before.gc.collecting && collecting_thread(before.threads[t]);
  if (collection ? before.gc.final_running : !same_gc_but_generations(program, before.gc, after.gc))
    return;
  // A bystander starts no collection: even one that runs no Python code
  // and frees nothing merges the young generation into an older one.
  constexpr uint64_t kCollects =
      event_bit(EventKind::GcStart) | event_bit(EventKind::GcPhase) | event_bit(EventKind::GcStop);
  if (!collection && (fp.events & kCollects)) return;
  const size_t n = before.objects.size();
  fp.moved = ObjSet(n);
  fp.exact = ObjSet(n);
  for (size_t o = 0; o < n; ++o) {
    if (o >= after.objects.size()) {  // freed, and the slots after it
      fp.moved.insert(o);
      continue;
    }
    // its list links apart: see the file comment (GC lists)
    const Object& a = before.objects[o];
    const Object& b = after.objects[o];
    if (same_bytes(a, b)) continue;
    Object y = b;
    y.next = a.next;
    y.prev = a.prev;
    if (!same_but_counts(a, y)) fp.moved.insert(o);
  }
  for (const Event& e : events)
    if (e.kind == EventKind::Track && e.obj < after.objects.size() && after.objects[e.obj].live &&
        after.objects[e.obj].list == kGen0)
      fp.changed |= kPartTracksYoung;
  // per object, the deepest its count went below its count at s
  // (`decrefs`): a Py_INCREF then a Py_DECREF (a load) dips by none
  fp.counted.clear();
  thread_local std::vector<int> running;
  running.clear();
  for (const Event& e : events) {
    if ((e.kind != EventKind::Incref && e.kind != EventKind::Decref) || e.obj >= n) continue;
    size_t k = 0;
    while (k < fp.counted.size() && fp.counted[k].obj != e.obj) ++k;
    if (k == fp.counted.size()) {
      Footprint::Count c;
      c.obj = e.obj;
      c.before = before.objects[e.obj].rc;
      fp.counted.push_back(c);
      running.push_back(0);
    }
    running[k] += e.kind == EventKind::Incref ? 1 : -1;
    if (-running[k] > fp.counted[k].decrefs)
      fp.counted[k].decrefs = static_cast<uint16_t>(-running[k]);
  }
  // a count that changed with no event (none under the GIL: allocation
  // sets it past the end) is taken as moved
  for (size_t o = 0; o < n; ++o)
    if (!fp.moved[o] && o < after.objects.size() && before.objects[o].rc != after.objects[o].rc &&
        !std::any_of(fp.counted.begin(), fp.counted.end(),
                     [&](const Footprint::Count& c) { return c.obj == o; }))
      fp.moved.insert(o);
  ObjSet reads = readable(program, before, t);
  if (collection) {
    add_members(program, before, reads);
    add_members(program, after, reads);
    for (size_t o = 0; o < n; ++o)
      if ((before.objects[o].live && in_collection(before.objects[o])) ||
          (o < after.objects.size() && after.objects[o].live && in_collection(after.objects[o])))
        fp.exact.insert(o);
  }
  for (size_t o = 0; o < n; ++o)
    if (fp.moved[o]) reads.insert(o);
  for (const Footprint::Count& k : fp.counted) reads.insert(k.obj);
  fp.reads = std::move(reads);
  fp.role = collection ? Footprint::Role::CollectionStep : Footprint::Role::Bystander;
}

bool phase_commutes(const Footprint& c, const Footprint& x) {
  if (c.role == Footprint::Role::None || x.role != Footprint::Role::Bystander) return false;
  const uint64_t alloc = event_bit(EventKind::Alloc);
  if ((c.events & alloc) && (x.events & alloc)) return false;
  if (c.changed & x.changed & kPartTracksYoung) return false;
  if (c.moved.intersects(x.reads) || x.moved.intersects(c.reads)) return false;
  return counts_stay_positive(c, x) && counts_stay_positive(x, c);
}

}  // namespace lifecheck::model::footprint_detail
