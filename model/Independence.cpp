// Partial-order reduction: a statement that works only on a thread's
// private objects commutes with everything the other threads can do.
//
// Thread i's next transition t is explored alone at state s (a persistent
// set of one, checker/Engine.h) when:
//  (a) i is running its own body (one frame, no pending exception, nothing
//      queued for it to merge, no collection scheduled: its eval-breaker
//      check does nothing) and t is i's only choice (no automatic
//      collection or heap-order alternative);
//  (b) the step (i's code from its eval-breaker check to its next one,
//      every branch followed) reads and writes only i's locals and the
//      objects they reach: it loads constants, locals and attributes,
//      compares, stores into a local or an attribute of an instance of a
//      Python class, jumps; no call, allocation, global, weakref
//      dereference, log, or gc query;
//  (c) every object i's locals reach is private: no global, other
//      thread's stack or C frame, runtime queue, and no object outside what
//      i reaches (garbage waiting for a collection, other threads'
//      objects) reaches it, following weakrefs to their referents too. So
//      no other thread's transition, now or later, can read or write these
//      objects before i itself publishes one (which i can do only after t);
//  (d) run on a copy, t ends normally with no event, frees nothing, adds no
//      attribute name to a class's key order (shared by all threads), leaves
//      i in its body with no exception and nothing queued, leaves the set
//      of objects i reaches unchanged (no private object turns into garbage
//      that a collection on another thread would find), and raises the
//      progress measure (the cycle proviso: a reduced state never lies on
//      a cycle of the reduced graph, so no transition is postponed
//      forever).
// (a) looks only at a collection due now. One that becomes due later (an
// allocation by another thread u whose step ends before its next check:
// at the end of its thread, at a join, or where C code releases the GIL)
// is run by whichever thread checks next, possibly i: i's step is then
// the collection c followed by its block, u (c t). That path is not in
// the reduced graph, but t u (c t2) is (after t and u, (a) fails: a
// collection is due, so that state is fully expanded), and the states it
// passes differ from the other path's only in i's pc and private
// objects, which c and the other threads never read.
// A collection on another thread (now or later) finds every private object
// reachable (from i's stack) before and after t, so its outcome does not
// depend on t; its per-object work on them (gc_refs) is transient. The
// order it leaves a generation in depends on which objects it first takes
// for unreachable (gc_refs 0), so (c) also asks that every tracked private
// object be held by i's stack directly, before and after t. The
// incremental collector (P314) builds an increment from the pending space
// by following references, so attribute stores are not private there.
// The argument assumes the faithful runtime: profiles with a seeded
// runtime bug get no reduction.
//
// Without the GIL (P313t, P314t) two rules change the argument. F14: i's
// step stops before the first op that touches what another thread can
// reach, so where it ends depends on the others; (b) then walks from the
// check to the next check or to the first op on a global or the
// collector (Walk::LocalUntilShared: a switch point whatever it touches),
// and, run on a copy, t must stop there. No op between touches an object
// another thread reaches ((c) keeps i's objects private), so no switch
// point falls inside t; but with no other thread running there are no
// switch points at all, so (f1) i is not main and main runs: main joins
// every other thread, so it runs on every path of the others. (f2) (F4,
// F5) another thread's drop of an object i owns may queue it for i, whose
// check (t's first op) would then merge it: i owns no object it does not
// reach. F12: a collection on another thread stops the world and parks i
// at its check, which disables t until the world starts again, so {t} is
// not persistent in the strict sense. It is in the sense the search needs:
// for every path w of the other threads from s, t w runs with the same
// outcomes (after t, i is parked at a Python op as before; w's collector
// reads i's objects only for reachability, which t keeps, and for the
// order of a generation, which tracked_ones_on_stack keeps), and wherever
// t is enabled after w, w t reaches the state t w does. So a violation
// reached by w is reached by t w (t emits no event a property observes),
// a path w t w' is matched by t w w', and since t is disabled only while
// another thread holds the world stopped, when every step of i is, a
// deadlock of the others stays one after t. testing::persistent_choice_holds
// checks exactly this, path by path, with the state each path reaches
// after t. S2 and S3 stay off without the GIL: a thread's end and an
// allocation pass decrefs and deallocations with switch points of their
// own (F14) and the merge queues, which their arguments do not cover.
//
// S2: thread i's (not main's) only choice t is also
// explored alone when it ends i's body and, run on a copy:
//  - the block from i's check to the body's end only loads, stores and
//    deletes locals and returns (end_block): t reads nothing but i's own
//    frame and what its locals hold;
//  - (s2a) every object i's stack reaches (following weakrefs to their
//    referents) is freed by t. So none of it was held by anything else (a
//    global, another thread, a queue, garbage, a collection's list, which
//    would keep it alive), i leaves no garbage behind (a cycle, or the
//    referent of a weakref i held, that another thread's collection
//    would find or not depending on the order: the B1 thread that called
//    gc.collect() while another collection ran), and no other thread can
//    ever reach one of these objects: it reaches nothing of them now, and
//    gaining a reference needs one (this model has no gc.get_objects or
//    gc.get_referrers);
//  - (s2b) every other object is unchanged but for its GC list links
//    (unlinks commute with appends and with each other; the canonical form
//    encodes list order), and so are globals, class key orders,
//    gc.collected and serial numbers.
// So along every path of other threads from s, t stays enabled (nothing but
// a join, a stopped world or a spin wait disables a thread in its own body:
// no join waits on i before i ends, the GIL stops no world, and the rule is
// off with `while` loops), the objects it touches stay i's alone, and it
// commutes with each of their steps: {t} is persistent. It enables only
// steps that need i finished (a join on i, main's JoinAll), none of which
// is on such a path. Whether a free runs a finalizer is read from the class
// (its __del__ of the moment), so programs that assign or delete a class's
// __del__ get no S2 (another thread could set it first). Finishing the
// thread raises the progress measure, so the cycle proviso above holds. A
// finalizer or callback that t starts runs in a later step of i (its body
// begins at a check), so i is not finished after t. Not covered: expect
// lines, which order events across threads (a thread's frees against
// another's log), and automatic collections (a free lowers the young count
// that decides whether another thread's allocation schedules one), so
// programs with expect lines or gc.enable() get no S2; nor does the
// incremental collector (P314i), whose next increment starts from the head
// of the pending space: garbage that an increment left there and i took
// back through a weakref is freed by t, and run before another thread's
// gc.collect(1) that increment starts elsewhere (s2b's "unlinks commute"
// holds only for generation lists).
//
// S3: thread i's only choice t may also allocate
// (instances of plain Python classes, weakrefs: walk_code) when every
// other thread is settled: finished, main waiting to join, or running
// nothing but the quiet rest of its body (no call, allocation or
// collection: walk_code), possibly below a collection past kDeduce and
// the deallocations, finalizers and callbacks it runs, where every
// function but the thread bodies is quiet (quiet_helpers). Then, on every
// path of other threads from s, no collection starts (none of them can
// call gc.collect(), allocate or run Python code that does; automatic
// collections are off, as for S2), and none allocates. An allocation
// conflicts only with another allocation (young-list order, serial
// numbers) and with a collection start (which merges the young list); a
// running collection past kDeduce works on its own lists and the old
// generation, which t's append to the young list does not touch. The rest
// of t is private_step's (c) and (d): i's objects are private (not even
// a collection's lists or a weakref of someone else reach them), t starts
// no Python code, moves no other object (s2b's test) and adds no
// attribute name to a class, i's reach afterwards is its reach before plus
// what t made (no object turns into garbage), and t raises the progress
// measure. tracked_ones_on_stack is not needed: no collection that could
// reorder i's objects will start. Nothing disables t (as for S2), so {t}
// is persistent.
//
// S1, a running collection's next step: IndependenceCollection.cpp.
//
#include "model/Independence.h"

#include "model/IndependenceDetail.h"
#include "model/Machine.h"
#include "model/Model.h"
#include "model/ObjSet.h"
#include "model/Ownership.h"
#include "model/ProgramSummary.h"
#include "model/SwitchPoints.h"

namespace lifecheck::model::independence_detail {

namespace {

// What an object makes reachable to whoever reaches it: what it owns and,
// for a weakref, its referent (a dereference).
template <class Visit>
void for_each_reference(const Program& program, const Object& x, Visit visit) {
  for_each_owned(program, x, visit);
  if (program.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
    visit(x.fields[kWeakrefReferent].obj());
}

}  // namespace

void close_over_references(const Program& program, const State& state, ObjSet& seen,
                           ObjList& work) {
  const size_t n = state.objects.size();
  while (!work.empty()) {
    const ObjId o = work.back();
    work.pop_back();
    for_each_reference(program, state.objects[o], [&](ObjId r) {
      if (r < n && state.objects[r].live && seen.insert(r)) work.push_back(r);
    });
  }
}

namespace {

// Whether every tracked object among `mine` is held directly by thread t's
// stack. Such an object always keeps gc_refs > 0 in a collection, so the
// collector never moves it to its tentatively unreachable list and back,
// which reorders the generation by reference structure (move_unreachable):
// then stores that change the references among private objects cannot
// change the order a collection on another thread leaves behind.
bool tracked_ones_on_stack(const State& state, ThreadId t, const ObjSet& mine) {
  ObjSet held(state.objects.size());
  for_each_stack_value(state.threads[t], [&](ObjId o) { held.insert(o); });
  for (size_t o = 0; o < state.objects.size(); ++o)
    if (mine[o] && state.objects[o].tracked() && !held[o]) return false;
  return true;
}

// The objects thread t's stack reaches.
ObjSet reached_by_thread(const Program& program, const State& state, ThreadId t) {
  ObjSet seen(state.objects.size());
  ObjList work;
  for_each_stack_value(state.threads[t], [&](ObjId o) {
    if (o < state.objects.size() && seen.insert(o)) work.push_back(o);
  });
  close_over_references(program, state, seen, work);
  return seen;
}

// Whether a running collection holds x: on one of its lists (those that
// exist only while it runs) or marked as its garbage.
bool held_by_collection(const Object& x) {
  switch (x.list) {
    case kUnreachable:
    case kFinalizers:
    case kWrcbToCall:
    case kSeen:
    case kFinalUnreachable:
    case kIncrement:
      return true;
    default:
      return x.has(kInGarbageSet) || x.has(kLegacyGarbage) || x.has(kClearedThisGc) ||
             x.has(kOnWorklist);
  }
}

// The objects reachable from anything but thread t's stack: globals,
// gc.garbage, other threads' stacks, C frames and queues, every live
// object t does not reach (garbage, runtime-held objects), and what a
// running collection holds on its own lists or marks as its garbage: the
// collector still runs their callbacks and finalizers (a weakref of t's
// queued in wrcb_to_call, G12; a member that a finalizer handed to t,
// G13), though no reference counts for it (found by a review: a store
// of t's into such an object was explored alone).
ObjSet reached_by_others(const Program& program, const State& state, ThreadId t,
                         const ObjSet& mine) {
  const size_t n = state.objects.size();
  ObjSet seen(n);
  ObjList work;
  auto add = [&](ObjId o) {
    if (o < n && state.objects[o].live && seen.insert(o)) work.push_back(o);
  };
  for (Value v : state.globals)
    if (v.is_obj()) add(v.obj());
  for (ObjId o : state.gc.garbage) add(o);
  for (size_t u = 0; u < state.threads.size(); ++u) {
    const Thread& th = state.threads[u];
    for (ObjId o : th.merge_queue) add(o);
    for (ObjId o : th.trash) add(o);
    if (u == t) continue;
    for_each_stack_value(th, add);
    for (const Frame& f : th.frames)
      for (ObjId o : {f.obj, f.obj2, held_ref(state, f), f.locked2}) add(o);
  }
  for (size_t o = 0; o < n; ++o) {
    const Object& x = state.objects[o];
    if (x.live && (!mine[o] || held_by_collection(x))) add(static_cast<ObjId>(o));
  }
  // TL3: another thread's end releases its entries of every
  // threading.local, whoever holds the local.
  for_each_thread_local_with_entry(
      program, state, [&](ThreadId u) { return u != t; }, add);
  close_over_references(program, state, seen, work);
  return seen;
}

bool in_own_body(const Thread& th) {
  return th.status == ThreadStatus::Running && th.frames.size() == 1 &&
         th.frames[0].kind == FrameKind::Body && !th.has_exc && !th.detached &&
         th.gc_pending == 0 && th.merge_queue.empty() && th.trash.empty() && th.trash_nesting == 0;
}

size_t live_objects(const State& state) {
  size_t live = 0;
  for (const Object& x : state.objects) live += x.live && !x.has(kFreed);
  return live;
}

}  // namespace

// The ops of `func` from `from` up to the first `end` op: loads, stores
// and deletes of locals and constants only (no call, global, log, jump or
// handler).
bool locals_until(const Program& program, FuncId func, size_t from, OpCode end) {
  const auto& code = program.funcs[func].code;
  for (size_t at = from; at < code.size(); ++at) {
    for (const ExceptionHandler& h : program.funcs[func].handlers)
      if (at >= h.start && at < h.end) return false;
    if (code[at].code == end) return true;
    switch (code[at].code) {
      case OpCode::LoadConst:
      case OpCode::LoadLocal:
      case OpCode::StoreLocal:
      case OpCode::DelLocal:
      case OpCode::PopTop:
        continue;
      default:
        return false;
    }
  }
  return false;
}

namespace {

// S2: the statements of thread i's step from its check at `pc` to the
// end of its body: loads, stores and deletes of locals and constants, then
// the return that releases the locals (no call, global, log or jump).
bool end_block(const Program& program, FuncId func, uint16_t pc) {
  const auto& code = program.funcs[func].code;
  if (pc >= code.size() || code[pc].code != OpCode::Check) return false;
  return locals_until(program, func, size_t{pc} + 1, OpCode::Return);
}

}  // namespace

// Slot o of `state`, or a free one past the end of its slot array.
const Object& slot(const State& state, size_t o) {
  static const Object kFree{};
  return o < state.objects.size() ? state.objects[o] : kFree;
}

// An object unchanged by a step, up to its GC list links (unlinking a
// neighbour rewrites them; the canonical form encodes list order, which an
// unlink changes the same way whatever else runs before or after it).
bool same_object(const Object& a, const Object& b) {
  return a.live == b.live && a.type == b.type && a.list == b.list &&
         a.finalize_count == b.finalize_count && a.length == b.length && a.flags == b.flags &&
         a.rc == b.rc && a.local == b.local && a.owner == b.owner && a.ref_state == b.ref_state &&
         a.locked_by == b.locked_by && a.heap == b.heap && a.wl_rank == b.wl_rank &&
         a.gc_refs == b.gc_refs && a.label == b.label && a.wl_key == b.wl_key &&
         a.serial == b.serial && a.fields == b.fields && a.items == b.items;
}

namespace {

// S2: thread t's only choice c ends its body, and frees every object its
// stack reaches, changing nothing else (see the rule's argument above
// end_step_choice).
bool thread_end_step(const Model& model, const State& state, ThreadId t, uint16_t c,
                     Trials& trials) {
  const Program& program = model.program();
  const Thread& th = state.threads[t];
  if (!in_own_body(th) || state.gc.scheduled != 0) return false;
  if (!end_block(program, th.frames[0].func, th.frames[0].pc)) return false;
  // A C type's slots run in a collection that traverses its instance
  // (tp_traverse: P7.12, P7.13), which only a collection before t sees;
  // what t reaches must be no one else's, not even a running
  // collection's (both found by a review).
  const ObjSet mine = reached_by_thread(program, state, t);
  for (size_t o = 0; o < state.objects.size(); ++o)
    if (mine[o] && (program.types[state.objects[o].type].kind == TypeKind::CType ||
                    program.types[state.objects[o].type].base != kNoType))
      return false;
  if (reached_by_others(program, state, t, mine).intersects(mine)) return false;
  const Trial trial = trials.of(c);
  const State& after = trial.after;
  if (!trial.result.ok()) return false;
  if (after.threads[t].status != ThreadStatus::Finished) return false;
  // (s2a) everything t reaches is freed: t leaves no garbage behind (a
  // cycle, or the referent of a weakref t held, that a later collection
  // would find or not depending on the order), and no other thread, global
  // or runtime queue held any of it (else it would survive).
  // (The slot array may shrink when its last objects are freed, and how
  // far depends on the layout: slots past its end count as free.)
  const size_t n = state.objects.size();
  for (size_t o = n; o < after.objects.size(); ++o)
    if (after.objects[o].live) return false;
  for (size_t o = 0; o < n; ++o) {
    const Object& x = slot(after, o);
    if (mine[o] && x.live && !x.has(kFreed)) return false;
    // (s2b) nothing else changes: no weakref of another thread cleared,
    // no count of a shared object moved, nothing made.
    if (!mine[o] && !same_object(state.objects[o], x)) return false;
  }
  return after.globals == state.globals && after.class_key_count == state.class_key_count &&
         after.gc.collected == state.gc.collected && after.next_serial == state.next_serial;
}

// S3: thread j (not the laggard) can never again allocate or make a
// collection start: it has finished, or it runs its body's quiet rest,
// possibly below a collection past kDeduce, deallocations and the quiet
// finalizers and callbacks they run.
// Whether a settled thread's frees may still run a finalizer from a
// deallocation: subtype_dealloc tracks the object into the young list
// again while its __del__ runs (a later step), an append that a late
// thread's allocation does not commute with (found by the generated
// scenarios of Meta.PartialOrderKeepsVerdicts). The thread frees only
// what its stack and frames own, or, collecting, its collection's
// members; an object already finalized is tracked and untracked in one
// step, which leaves the list as it was.
bool may_finalize_from_dealloc(const Program& program, const State& state, const Thread& th) {
  const size_t n = state.objects.size();
  ObjSet seen(n);
  ObjList work;
  auto add = [&](ObjId o) {
    if (o < n && state.objects[o].live && seen.insert(o)) work.push_back(o);
  };
  for_each_stack_value(th, add);
  bool collecting = false;
  for (const Frame& f : th.frames) {
    for (ObjId o : {f.obj, f.obj2, held_ref(state, f), f.locked2}) add(o);
    collecting = collecting || f.kind == FrameKind::Collect;
  }
  if (collecting)
    for (size_t o = 0; o < n; ++o)
      if (state.objects[o].live && held_by_collection(state.objects[o])) add(static_cast<ObjId>(o));
  while (!work.empty()) {
    const Object& x = state.objects[work.back()];
    work.pop_back();
    if (program.types[x.type].has_finalizer() && !x.has(kFinalized)) return true;
    for_each_owned(program, x, add);
  }
  return false;
}

bool settled(const Program& program, const State& state, ThreadId j) {
  const Thread& th = state.threads[j];
  if (th.status == ThreadStatus::Finished) return true;
  // its end releases its threading.local entries (TL3), whose frees may
  // run a __del__ from a deallocation like those below (found by a review)
  bool has_entry = false;
  for_each_thread_local_with_entry(
      program, state, [&](ThreadId u) { return u == j; }, [&](ObjId) { has_entry = true; });
  if (has_entry) return false;
  if (j == 0)
    return (state.main_stage == MainStage::PreJoin || state.main_stage == MainStage::JoinAll) &&
           th.frames.empty() && !th.has_exc;
  if (th.status != ThreadStatus::Running || th.frames.empty() || th.has_exc || th.detached ||
      th.gc_pending != 0 || !th.merge_queue.empty() || !th.trash.empty())
    return false;
  const Frame& bottom = th.frames[0];
  if (bottom.kind != FrameKind::Body || !code_walks(program, bottom.func, bottom.pc, Walk::Quiet))
    return false;
  for (size_t k = 1; k < th.frames.size(); ++k) switch (th.frames[k].kind) {
      case FrameKind::Collect:
        if (!collection_past_deduce(th.frames[k])) return false;
        continue;
      case FrameKind::Body:  // a finalizer or callback: ProgramFlags::quiet_helpers
      case FrameKind::FinalizeGc:
      case FrameKind::Dealloc:
      case FrameKind::FinalizeFromDealloc:
      case FrameKind::Release:
      case FrameKind::Clear:
      case FrameKind::ClearWeakrefs:
        continue;
      default:
        return false;
    }
  return !may_finalize_from_dealloc(program, state, th);
}

// Without the GIL: (f1) where t's step stops depends on whether another
// thread runs (F14: with none, no op is a switch point); main runs until
// every other thread has finished (it joins them), so for t != main it
// runs on every path of the others from the state. (f2) F4, F5: another
// thread's drop of an object t owns may queue it for t, whose check (the
// first op of t's step) would then merge it: t owns nothing outside what
// it reaches (an object's owner only changes to none, or to a thread that
// revives it, F7). Under the GIL no object has an owner.
bool others_cannot_reach_into(const State& state, ThreadId t, const ObjSet& mine) {
  if (t == 0 || state.threads[0].status != ThreadStatus::Running) return false;
  for (size_t o = 0; o < state.objects.size(); ++o)
    if (state.objects[o].live && !mine[o] && state.objects[o].owner == t) return false;
  return true;
}

// (a)-(d) for thread t's only choice c; with `allocating`, S3's version;
// `without_gil`: S0 without the GIL (its argument is at the top of this
// file).
bool private_step(const Model& model, const State& state, ThreadId t, uint16_t c, bool allocating,
                  bool without_gil, Trials& trials) {
  const Program& program = model.program();
  const Thread& th = state.threads[t];
  if (!in_own_body(th) || state.gc.scheduled != 0) return false;
  const Frame& f = th.frames[0];
  const Walk walk = allocating    ? Walk::Allocating
                    : without_gil ? Walk::LocalUntilShared
                                  : Walk::Local;
  if (!code_walks(program, f.func, f.pc, walk)) return false;
  if (allocating)
    for (size_t j = 0; j < state.threads.size(); ++j)
      if (j != t && !settled(program, state, static_cast<ThreadId>(j))) return false;
  const ObjSet mine = reached_by_thread(program, state, t);
  const size_t n = state.objects.size();
  for (size_t o = 0; o < n; ++o) {
    if (!mine[o]) continue;
    const Object& x = state.objects[o];
    if (x.has(kFreed) || program.types[x.type].kind == TypeKind::CType ||
        program.types[x.type].base != kNoType)
      return false;
  }
  if (!allocating && !tracked_ones_on_stack(state, t, mine)) return false;
  if (reached_by_others(program, state, t, mine).intersects(mine)) return false;
  if (without_gil && !others_cannot_reach_into(state, t, mine)) return false;
  const Trial trial = trials.of(c);
  const State& after = trial.after;
  if (!trial.result.ok()) return false;
  // Refcount events (and S3's allocations) are shown in traces; no
  // property or expect line observes them.
  uint64_t unobserved = event_bit(EventKind::Incref) | event_bit(EventKind::Decref);
  if (allocating) unobserved |= event_bit(EventKind::Alloc) | event_bit(EventKind::Track);
  if ((trial.event_kinds & ~unobserved) != 0) return false;
  if (!in_own_body(after.threads[t]) || after.threads[t].frames[0].func != f.func) return false;
  // F14: it stopped where the walk did, before a check or an op on a
  // global or the collector, not at a switch point another thread's reach
  // placed
  if (without_gil) {
    const Op& next = program.funcs[f.func].code[after.threads[t].frames[0].pc];
    if (next.code != OpCode::Check && !op_is_always_switch_point(next)) return false;
  }
  // A class's attribute order (its instances' shared dict keys) is runtime
  // state every thread writes when it adds a new attribute name.
  if (after.class_key_count != state.class_key_count) return false;
  const ObjSet now = reached_by_thread(program, after, t);
  // A slot that was free before t holds an object t made (allocation
  // reuses free slots, so where depends on the layout, not on the state).
  auto fresh = [&](size_t o) { return o >= n || !state.objects[o].live; };
  if (allocating) {
    // t reaches afterwards what it reached and what it made (no object of
    // t's turns into garbage), and moved no other object.
    for (size_t o = 0; o < after.objects.size(); ++o)
      if (fresh(o) && after.objects[o].live && !now[o]) return false;
    for (size_t o = 0; o < n; ++o)
      if (!fresh(o) && !mine[o] && !same_object(state.objects[o], slot(after, o))) return false;
  } else if (after.objects.size() != n || live_objects(after) != live_objects(state) ||
             !tracked_ones_on_stack(after, t, mine)) {
    return false;
  }
  for (size_t o = 0; o < n; ++o)
    if (!fresh(o) && mine[o] != now[o]) return false;
  return model.progress_measure(after) > model.progress_measure(state);
}

}  // namespace

}  // namespace lifecheck::model::independence_detail

namespace lifecheck::model {

using namespace independence_detail;

std::optional<uint16_t> private_step_choice(const Model& model, const State& state,
                                            const std::vector<uint16_t>& enabled, Kept* kept) {
  const Profile& profile = model.program().profile;
  if (profile.bugs != 0) return std::nullopt;
  // F12, F14: without the GIL the rules ask more (the file's comments say
  // what); S2 and S3 are off there.
  const bool without_gil = !profile.gil;
  Trials trials(model, state, enabled.size(), kept);
  // whether enabled[k] is its thread's only choice; and (C1) does not
  // stop to choose a set member, which would disable every other thread
  // until it has chosen: the rules' arguments say nothing disables the
  // others
  auto only = [&](size_t k) {
    const auto t = enabled[k] & 0xFF;
    return (k == 0 || (enabled[k - 1] & 0xFF) != t) &&
           (k + 1 == enabled.size() || (enabled[k + 1] & 0xFF) != t);
  };
  auto keeps_others = [&](size_t k) {
    const Trial trial = trials.of(enabled[k]);
    return !trial.result.ok() ||
           !order_choice_pending(trial.after, static_cast<ThreadId>(enabled[k] & 0xFF));
  };
  for (size_t k = 0; k < enabled.size(); ++k)
    if (only(k) &&
        private_step(model, state, static_cast<ThreadId>(enabled[k] & 0xFF), enabled[k], false,
                     without_gil, trials) &&
        keeps_others(k))
      return enabled[k];
  // S2, where no expect line could order a thread's end or its frees
  // against other threads' events, no automatic collection can become due
  // (freeing a young object lowers the count that decides one), and the
  // collector is generational: the incremental one starts its next
  // increment from the head of the pending space, which a free may unlink
  // A thread's end decides whether its frees run a finalizer by the
  // class's __del__ of the moment, which another thread may set (C.__del__
  // = f, found by a review): programs that set one get no S2 or S3. Nor
  // do programs with a while loop (a spin wait disables a thread; S3's
  // argument says nothing disables t).
  const Program& program = model.program();
  if (!program.expects.empty() || state.gc.auto_enabled || program.flags.may_enable_gc ||
      program.flags.sets_class_del || program.has_while_loop)
    return std::nullopt;
  const bool incremental = profile.gc_algorithm == GcAlgorithm::Incremental;
  for (size_t k = 0; k < enabled.size() && !incremental && !without_gil; ++k) {
    const auto t = static_cast<ThreadId>(enabled[k] & 0xFF);
    if (only(k) && t != 0 && thread_end_step(model, state, t, enabled[k], trials) &&
        keeps_others(k))
      return enabled[k];
  }
  // S3, where finalizers and callbacks neither allocate nor collect
  if (!program.flags.quiet_helpers) return std::nullopt;
  for (size_t k = 0; k < enabled.size() && !without_gil; ++k) {
    const auto t = static_cast<ThreadId>(enabled[k] & 0xFF);
    if (only(k) && t != 0 && private_step(model, state, t, enabled[k], true, false, trials) &&
        keeps_others(k))
      return enabled[k];
  }
  // S1, where no code may read the collector's state (gc introspection,
  // sys.getrefcount), and the collector is generational
  if (program.flags.has_gc_introspection || program.has_refcount_query || incremental ||
      !state.gc.collecting || state.gc.final_running || state.gc.stopped_by != kNoThread ||
      state.gc.scheduled != 0)
    return std::nullopt;
  for (size_t k = 0; k < enabled.size(); ++k) {
    const auto t = static_cast<ThreadId>(enabled[k] & 0xFF);
    if (only(k) && collection_step(model, state, t, enabled[k], without_gil, trials) &&
        keeps_others(k))
      return enabled[k];
  }
  return std::nullopt;
}

}  // namespace lifecheck::model
