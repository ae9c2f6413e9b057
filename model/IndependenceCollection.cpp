// Partial-order reduction, rule S1: the next step of a running
// collection explored alone (the rules' common argument is at the top of
// Independence.cpp).
//
// S1: thread i's only choice c is also explored alone when i runs a
// collection past kDeduce (not an end-of-run one). Under the GIL a running
// collection makes every other gc.collect() return 0 (G5) and no
// automatic collection starts (off in this scope anyway), so on every path
// of the other threads from s no collection starts: they are bystanders.
// Let M be what the collection can touch: the objects on its lists
// (kUnreachable, kFinalizers, kWrcbToCall, kSeen, kFinalUnreachable) or
// marked as its members, and everything i's stack, C frames, queues and
// threading.local entries hold, closed over references and weakref
// referents. Let R_j be what bystander j can touch: the same for j (its
// end releases its local entries, TL3), with the globals when j's
// remaining code (ProgramSummary.h: every op reachable from its frames,
// and whatever a finalizer or callback may do) may touch a global.
// (e2) M and every R_j are disjoint. A bystander reaches more only by
// loading from what it reaches, from globals, or by allocating; members
// are garbage whose weakrefs pass 1 cleared, and no code reaches them
// otherwise (no gc introspection in this scope), so R_j never grows into
// M. The collection's own Python code is quiet (ProgramFlags::
// quiet_helpers: every finalizer and callback only moves locals): M grows
// only by what c's deallocations free, never into R_j. Run on a copy, c
// starts no collection, changes no other thread, no object outside M, no
// global, class key order or __del__, gc.garbage, and takes no serial
// number (it allocates nothing, so "both allocate" cannot arise); where it
// returns from the collection, i's code up to its next check only moves
// locals (locals_until). What c does depends only on M and i's
// thread, which bystanders never touch, so it does the same at every
// state they reach: the copy at s stands for all of them, c commutes with
// each of their steps (unlinks from GC lists commute with appends; c
// appends only to its own lists and the old generation, bystanders to the
// young one), and nothing disables c (no while loop, no join in i's
// step, no stopped world under the GIL). (e3) A step that ends the
// collection clears `collecting`, which a bystander's gc.collect() reads
// (it would collect instead of returning 0): it is taken alone only when
// no bystander's remaining code may call gc.collect(), and every thread
// not started yet counts as such. Narrower than the design's S1
// (por-design.md §3.2): quiet helpers instead of per-function summaries
// of the collector's code, no Pinned shared objects, the last step found
// by running it. Without the GIL (P313t, P314t), where a step stops
// depends on the others (F14) and a collection stops the world (F12):
// (f1) i is not main and main runs (it joins every other thread, so some
// other thread runs on every path and c's switch points stay put); (f2)
// no bystander holds an object i owns (its drop would queue it for i, F5,
// and i's next check, a finalizer's or callback's first op, would merge
// it); (f3) c neither stops the world nor waits to (a bystander inside C
// steps delays the stop, F12). No one else stops the world while i
// collects: every other gc.collect() returns 0 (F-G4) and automatic
// collections are off in this scope. S1 keeps the progress measure (the
// body stays at its gc.collect()): its cycle proviso is the search's
// restart without the reduction where the reduced graph has a cycle
// (Stats::reduced_keeping, checker/Explorer.h).
#include "model/IndependenceDetail.h"
#include "model/Machine.h"
#include "model/Ownership.h"
#include "model/ProgramSummary.h"

namespace lifecheck::model::independence_detail {

namespace {

// S1: what thread j (not the collector) may still do, by the static
// summaries of its frames' remaining code (ProgramSummary.h); nullopt when
// that is not summarized (a frame kind of the collector's, a pending
// exception, main before its body's end).
std::optional<FuncSummary> future_of(const Program& program, const State& state, ThreadId j) {
  const Thread& th = state.threads[j];
  if (th.status == ThreadStatus::Finished) return FuncSummary{};
  if (th.status == ThreadStatus::Waiting) {
    if (j == 0) return std::nullopt;
    return program.summaries[program.threads[j].body];
  }
  if (j == 0 && (state.main_stage == MainStage::PreJoin || state.main_stage == MainStage::JoinAll))
    return th.frames.empty() && !th.has_exc ? std::optional(FuncSummary{}) : std::nullopt;
  if (j == 0 && state.main_stage != MainStage::Body) return std::nullopt;
  if (th.frames.empty() || th.has_exc || th.detached || th.gc_pending != 0) return std::nullopt;
  FuncSummary sum = program.helper_summary;
  for (size_t k = 0; k < th.frames.size(); ++k) {
    const Frame& f = th.frames[k];
    switch (f.kind) {
      case FrameKind::Body: {
        // a frame below the top one may run its call op again
        const bool top = k + 1 == th.frames.size();
        sum |= remaining_summary(program, f.func, top || f.pc == 0 ? f.pc : f.pc - 1);
        continue;
      }
      case FrameKind::Dealloc:  // what they run: Program::helper_summary
      case FrameKind::FinalizeFromDealloc:
      case FrameKind::Release:
      case FrameKind::Clear:
      case FrameKind::ClearWeakrefs:
        continue;
      default:
        return std::nullopt;
    }
  }
  return sum;
}

// S1: the objects thread t's stack and C frames hold, its queues and its
// entries of threading.local objects (TL3), with the globals when `globals`;
// closed over references.
template <class Extra>
ObjSet thread_region(const Program& program, const State& state, ThreadId t, bool globals,
                     Extra extra) {
  const size_t n = state.objects.size();
  ObjSet seen(n);
  ObjList work;
  auto add = [&](ObjId o) {
    if (o < n && state.objects[o].live && seen.insert(o)) work.push_back(o);
  };
  const Thread& th = state.threads[t];
  for_each_stack_value(th, add);
  for (const Frame& f : th.frames)
    for (ObjId o : {f.obj, f.obj2, held_ref(state, f), f.locked2}) add(o);
  for (ObjId o : th.merge_queue) add(o);
  for (ObjId o : th.trash) add(o);
  for_each_thread_local_with_entry(
      program, state, [&](ThreadId u) { return u == t; }, add);
  if (globals)
    for (Value v : state.globals)
      if (v.is_obj()) add(v.obj());
  extra(add);
  close_over_references(program, state, seen, work);
  return seen;
}

// S1: the running collection's region M: its members and lists, its
// thread's objects (the running callback's weakref, the finalizer's self),
// and what they reach.
ObjSet collection_region(const Program& program, const State& state, ThreadId i) {
  constexpr uint32_t kMember = kClearedThisGc | kInGarbageSet | kCollecting | kUnreachableMask |
                               kLegacyGarbage | kGcFinalizing | kOnWorklist;
  return thread_region(program, state, i, false, [&](auto add) {
    for (size_t o = 0; o < state.objects.size(); ++o) {
      const Object& x = state.objects[o];
      if (!x.live) continue;
      if (x.list == kUnreachable || x.list == kFinalizers || x.list == kWrcbToCall ||
          x.list == kSeen || x.list == kFinalUnreachable || x.has(kMember))
        add(static_cast<ObjId>(o));
    }
  });
}

bool same_frame(const Frame& a, const Frame& b) {
  return a.kind == b.kind && a.stage == b.stage && a.flags == b.flags && a.func == b.func &&
         a.pc == b.pc && a.obj == b.obj && a.obj2 == b.obj2 && a.base == b.base &&
         a.count == b.count && a.aux == b.aux && a.saved_exc == b.saved_exc && a.ref == b.ref &&
         a.ref_serial == b.ref_serial && a.locked2 == b.locked2 && a.touched == b.touched;
}

bool same_thread(const Thread& a, const Thread& b) {
  if (a.status != b.status || a.exc != b.exc || a.has_exc != b.has_exc ||
      a.exc_func != b.exc_func || a.detached != b.detached || a.gc_pending != b.gc_pending ||
      a.trash_nesting != b.trash_nesting || !(a.trash == b.trash) ||
      !(a.merge_queue == b.merge_queue) || !(a.values == b.values) || !(a.stack == b.stack) ||
      a.frames.size() != b.frames.size())
    return false;
  for (size_t k = 0; k < a.frames.size(); ++k)
    if (!same_frame(a.frames[k], b.frames[k])) return false;
  return true;
}

}  // namespace

// S1 (the argument is at the top of this file): thread i's only
// choice c, the next step of the collection it runs past kDeduce.
bool collection_step(const Model& model, const State& state, ThreadId i, uint16_t c,
                     bool without_gil, Trials& trials) {
  const Program& program = model.program();
  const Thread& th = state.threads[i];
  if (th.status != ThreadStatus::Running || th.has_exc || th.detached) return false;
  // (f1) without the GIL, where c stops depends on whether another thread
  // runs (F14: no switch point otherwise); main runs until every other
  // thread has finished (it joins them), so it runs on every path of the
  // others while i collects
  if (without_gil && (i == 0 || state.threads[0].status != ThreadStatus::Running)) return false;
  size_t at = th.frames.size();
  for (size_t k = 0; k < th.frames.size(); ++k)
    if (th.frames[k].kind == FrameKind::Collect) at = k;
  if (at == 0 || at == th.frames.size()) return false;
  const Frame& f = th.frames[at];
  if (!collection_past_deduce(f) || f.has(kFinal)) return false;
  const Frame& caller = th.frames[at - 1];
  // the code i runs once the collection has returned, up to its next
  // check, reads nothing another thread may change
  if (caller.kind != FrameKind::Body ||
      !locals_until(program, caller.func, caller.pc, OpCode::Check))
    return false;
  // (e1) no other thread runs a collection: none can start one before c
  std::vector<FuncSummary> futures(state.threads.size());
  for (size_t j = 0; j < state.threads.size(); ++j) {
    if (j == i) continue;
    for (const Frame& g : state.threads[j].frames)
      if (g.kind == FrameKind::Collect) return false;
    auto fut = future_of(program, state, static_cast<ThreadId>(j));
    if (!fut) return false;
    futures[j] = *fut;
  }
  // (e2) region disjointness, now and along every path of the others
  const ObjSet region = collection_region(program, state, i);
  for (size_t j = 0; j < state.threads.size(); ++j) {
    if (j == i || state.threads[j].status == ThreadStatus::Finished) continue;
    const ObjSet theirs = thread_region(program, state, static_cast<ThreadId>(j),
                                        futures[j].touches_globals, [](auto) {});
    if (theirs.intersects(region)) return false;
    // (f2) F4, F5: a bystander's drop of an object i owns may queue it for
    // i, whose next check (a finalizer's or callback's first op) would
    // then merge it; i owns nothing a bystander holds (an object's owner
    // changes only to none, or to the thread that revives it, F7)
    for (size_t o = 0; o < state.objects.size(); ++o)
      if (theirs[o] && state.objects[o].owner == i) return false;
  }
  const Trial trial = trials.of(c);
  const State& after = trial.after;
  if (!trial.result.ok()) return false;
  if ((trial.event_kinds & event_bit(EventKind::GcStart)) != 0) return false;
  // (f3) F12: c does not stop the world, which waits until every other
  // thread can be parked (a bystander inside C steps disables it)
  if ((trial.event_kinds & event_bit(EventKind::WorldStop)) != 0) return false;
  const Thread& now = after.threads[i];
  if (now.status != ThreadStatus::Running || now.has_exc) return false;
  if (!now.frames.empty() && now.frames.back().has(kStwWait)) return false;
  const bool last = !after.gc.collecting;
  if (last) {
    // (e3) the collection ended: no other thread may read `collecting`
    // again (a gc.collect() of theirs would collect instead of returning 0)
    if (now.frames.size() != at) return false;
    for (size_t j = 0; j < state.threads.size(); ++j)
      if (j != i && futures[j].may_collect) return false;
  } else if (now.frames.size() <= at || now.frames[at].kind != FrameKind::Collect) {
    return false;
  }
  for (size_t k = 0; k + 1 < at; ++k)
    if (!same_frame(th.frames[k], now.frames[k])) return false;
  // c changed no other thread, nothing outside its region, no setting,
  // and made nothing (no serial number taken: "both allocate")
  for (size_t j = 0; j < state.threads.size(); ++j)
    if (j != i && !same_thread(state.threads[j], after.threads[j])) return false;
  const size_t n = state.objects.size();
  for (size_t o = n; o < after.objects.size(); ++o)
    if (after.objects[o].live) return false;
  for (size_t o = 0; o < n; ++o) {
    const Object& x = slot(after, o);
    if (!state.objects[o].live && x.live) return false;
    if (!region[o] && !same_object(state.objects[o], x)) return false;
    // nothing joins the young generation: a member freed here whose class
    // has a __del__ is tracked into it again before its finalizer runs
    // (subtype_dealloc), an append a bystander's allocation does not
    // commute with (found by a review)
    if (x.live && x.list == kGen0 && state.objects[o].list != kGen0) return false;
  }
  return after.globals == state.globals && after.class_key_count == state.class_key_count &&
         after.class_del == state.class_del && after.warm == state.warm &&
         after.next_serial == state.next_serial && after.main_stage == state.main_stage &&
         after.gc.auto_enabled == state.gc.auto_enabled && after.gc.garbage == state.gc.garbage &&
         after.gc.callbacks == state.gc.callbacks && after.gc.scheduled == 0 &&
         after.threads_ended == state.threads_ended;
}

}  // namespace lifecheck::model::independence_detail
