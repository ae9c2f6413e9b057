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
// runtime bug get no reduction. Nor do the free-threaded profiles: there a
// collection on another thread stops the world, which parks i and so
// disables t until the world starts again (t would still commute with the
// whole collection, but persistent sets need steps that nothing disables;
// that argument is not made here yet).
#include "model/Independence.h"

#include "model/Machine.h"
#include "model/Model.h"
#include "model/ObjSet.h"
#include "model/Ownership.h"

namespace lifecheck::model {

namespace {

// The statements of the step thread i takes from its check at `pc` up to
// its next check, every branch followed, (b).
bool local_block(const Program& program, FuncId func, uint16_t pc) {
  const auto& code = program.funcs[func].code;
  if (pc >= code.size() || code[pc].code != OpCode::Check) return false;
  const bool incremental = program.profile.gc_algorithm == GcAlgorithm::Incremental;
  std::vector<bool> seen(code.size(), false);
  std::vector<size_t> work{size_t{pc} + 1};
  while (!work.empty()) {
    const size_t at = work.back();
    work.pop_back();
    if (at >= code.size()) return false;
    if (seen[at]) continue;
    seen[at] = true;
    const Op& op = code[at];
    // X2: an op inside a try may raise into a handler, a path this walk
    // does not follow (the try's ops, JumpIfNoMatch... are not private
    // either: default below).
    for (const ExceptionHandler& h : program.funcs[func].handlers)
      if (at >= h.start && at < h.end) return false;
    switch (op.code) {
      case OpCode::Check:  // the step ends here
      case OpCode::Join:
        continue;
      case OpCode::StoreAttr:
      case OpCode::DelAttr:
        if (incremental) return false;
        [[fallthrough]];
      case OpCode::LoadConst:
      case OpCode::LoadLocal:
      case OpCode::LoadAttr:
      case OpCode::StoreLocal:
      case OpCode::DelLocal:
      case OpCode::PopTop:
      case OpCode::Compare:
      case OpCode::Not:
      case OpCode::Assert:
        work.push_back(at + 1);
        continue;
      case OpCode::Jump:
        work.push_back(op.a);
        continue;
      case OpCode::PopJumpIfFalse:
        work.push_back(at + 1);
        work.push_back(op.a);
        continue;
      default:  // calls, allocations, globals, logs, gc queries, the end
        return false;
    }
  }
  return true;
}

// What an object makes reachable to whoever reaches it: what it owns and,
// for a weakref, its referent (a dereference).
template <class Visit>
void for_each_reference(const Program& program, const Object& x, Visit visit) {
  for_each_owned(program, x, visit);
  if (program.types[x.type].kind == TypeKind::Weakref && x.fields[kWeakrefReferent].is_obj())
    visit(x.fields[kWeakrefReferent].obj());
}

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

// The objects a thread's locals and operand stacks hold.
template <class Visit>
void for_each_stack_value(const Thread& th, Visit visit) {
  for (Value v : th.values)
    if (v.is_obj()) visit(v.obj());
  for (Value v : th.stack)
    if (v.is_obj()) visit(v.obj());
}

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

// The objects reachable from anything but thread t's stack: globals,
// gc.garbage, other threads' stacks, C frames and queues, and every live
// object t does not reach (garbage, runtime-held objects).
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
      for (ObjId o : {f.obj, f.obj2, f.ref, f.locked2}) add(o);
  }
  for (size_t o = 0; o < n; ++o)
    if (state.objects[o].live && !mine[o]) add(static_cast<ObjId>(o));
  close_over_references(program, state, seen, work);
  return seen;
}

bool same_set(const ObjSet& a, const ObjSet& b, size_t n) {
  for (size_t o = 0; o < n; ++o)
    if (a[o] != b[o]) return false;
  return true;
}

bool in_own_body(const Thread& th) {
  return th.status == ThreadStatus::Running && th.frames.size() == 1 &&
         th.frames[0].kind == FrameKind::Body && !th.has_exc && !th.detached &&
         th.gc_pending == 0 && th.merge_queue.empty() && th.trash.empty() && th.trash_nesting == 0;
}

// Refcount events are shown in traces; no property or expect line
// observes them.
bool only_refcounts(const std::vector<Event>& events) {
  for (const Event& e : events)
    if (e.kind != EventKind::Incref && e.kind != EventKind::Decref) return false;
  return true;
}

size_t live_objects(const State& state) {
  size_t live = 0;
  for (const Object& x : state.objects) live += x.live && !x.has(kFreed);
  return live;
}

// (a)-(d) for thread t's only choice c.
bool private_step(const Model& model, const State& state, ThreadId t, uint16_t c) {
  const Program& program = model.program();
  const Thread& th = state.threads[t];
  if (!in_own_body(th) || state.gc.scheduled != 0) return false;
  const Frame& f = th.frames[0];
  if (!local_block(program, f.func, f.pc)) return false;
  const ObjSet mine = reached_by_thread(program, state, t);
  const size_t n = state.objects.size();
  for (size_t o = 0; o < n; ++o) {
    if (!mine[o]) continue;
    const Object& x = state.objects[o];
    if (x.has(kFreed) || program.types[x.type].kind == TypeKind::CType ||
        program.types[x.type].base != kNoType)
      return false;
  }
  if (!tracked_ones_on_stack(state, t, mine)) return false;
  if (reached_by_others(program, state, t, mine).intersects(mine)) return false;
  State after = state;
  std::vector<Event> events;
  if (!model.step(after, c, &events).ok() || !only_refcounts(events)) return false;
  if (!in_own_body(after.threads[t]) || after.threads[t].frames[0].func != f.func) return false;
  if (after.objects.size() != n || live_objects(after) != live_objects(state)) return false;
  // A class's attribute order (its instances' shared dict keys) is runtime
  // state every thread writes when it adds a new attribute name.
  if (after.class_key_count != state.class_key_count) return false;
  if (!same_set(reached_by_thread(program, after, t), mine, n)) return false;
  if (!tracked_ones_on_stack(after, t, mine)) return false;
  return model.progress_measure(after) > model.progress_measure(state);
}

}  // namespace

std::optional<uint16_t> private_step_choice(const Model& model, const State& state,
                                            const std::vector<uint16_t>& enabled) {
  const Profile& profile = model.program().profile;
  if (profile.bugs != 0 || !profile.gil) return std::nullopt;
  for (size_t k = 0; k < enabled.size(); ++k) {
    const ThreadId t = static_cast<ThreadId>(enabled[k] & 0xFF);
    const bool only = (k == 0 || (enabled[k - 1] & 0xFF) != t) &&
                      (k + 1 == enabled.size() || (enabled[k + 1] & 0xFF) != t);
    if (only && private_step(model, state, t, enabled[k])) return enabled[k];
  }
  return std::nullopt;
}

}  // namespace lifecheck::model
