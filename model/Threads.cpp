// Threads and scheduling points. With the GIL (T1), a thread switch may
// happen only at an eval-breaker check of Python code (function entry,
// after a call of C code: model/CodeGen.cpp places them) or where C code
// releases the GIL, never inside the runtime's C steps. Without it
// (free-threaded profiles), also between any two steps of a C slot and
// before every op that touches shared state (F14, SwitchPoints.cpp), and a
// stop-the-world pauses every other thread (F12). A transition runs one
// thread from one such point to the next.
#include <algorithm>

#include "model/Limits.h"
#include "model/Machine.h"
#include "model/SwitchPoints.h"
#include "model/While.h"

namespace lifecheck::model {

Machine::Machine(const Program& program, State& state, std::vector<Event>* trace, uint64_t* kinds,
                 StatementTracker* statements)
    : program_(program), state_(state), trace_(trace), kinds_(kinds), statements_(statements) {}

State Machine::initial_state(const Program& program) {
  State s;
  s.globals.assign(program.globals.size(), Value::unset());
  s.threads.resize(program.threads.size());
  s.class_keys.resize(program.types.size());
  s.class_key_count.assign(program.types.size(), 0);
  s.expect_state.assign(program.expects.size(), 0);
  s.warm.assign(program.append_sites, 0);
  Thread& main = s.threads[0];
  main.status = ThreadStatus::Running;
  Frame body;
  body.kind = FrameKind::Body;
  body.func = 0;
  body.count = program.funcs[0].nlocals;
  main.values.assign(body.count, Value::unset());
  main.frames.push_back(body);
  return s;
}

// A C slot's step list: construction, tp_dealloc, tp_clear of a C type.
static bool runs_c_slot_steps(const Program& program, const Frame& f) {
  return f.kind == FrameKind::CDealloc || f.kind == FrameKind::Construct ||
         (f.kind == FrameKind::Clear &&
          (program.types[f.func].kind == TypeKind::CType || program.types[f.func].base != kNoType));
}

// Where a transition stops: a body at an eval-breaker check (or a join)
// with no collection due there first, or a C step that released the GIL or
// calls opaque Python code; without a GIL (F12's model of threads), also
// between any two steps of a C slot. (A tp_dealloc whose finalizer
// resurrected the object returns at once: no user step, and from then on
// it no longer touches the object.)
bool Machine::at_boundary(const Frame& f) {
  if (!program_.profile.gil && runs_c_slot_steps(program_, f) && !f.has(kResult)) return true;
  // F14: without a GIL, threads run side by side; the model interleaves
  // them before every step that touches shared state (SwitchPoints.cpp):
  // here a returning frame's decref of a shared local.
  const bool no_gil = !program_.profile.gil;
  if (no_gil && f.kind == FrameKind::Release &&
      next_step_touches_shared_state(program_, state_, current_, f))
    return true;
  // and inside the runtime's deallocation of an object others can reach
  if (no_gil && dealloc_step_is_switch_point(program_, state_, current_, f)) return true;
  if (f.kind != FrameKind::Body) return f.has(kYielded);
  if (f.has(kUnwinding)) return false;
  const OpCode code = program_.funcs[f.func].code[f.pc].code;
  if (code == OpCode::Join) return true;
  // LK2: a blocking acquire of a taken lock waits there (Locks.cpp)
  if (code == OpCode::CallMethod && lock_waited_for(program_, state_, current_) != kNoObj)
    return true;
  // F14: and before each op on a global, the collector or a shared object.
  if (no_gil && next_step_touches_shared_state(program_, state_, current_, f)) return true;
  // a specialized list.append's check does not happen (OpCode::CallMethod)
  return code == OpCode::Check && !f.has(kSkipCheck) && !collection_due(false);
}

bool at_switch_point(const Program& program, const State& state, ThreadId t) {
  const Thread& th = state.threads[t];
  if (th.status != ThreadStatus::Running) return false;
  // F12: while the world is stopped only the thread that stopped it runs;
  // it stops it once every other thread can be parked.
  if (state.gc.stopped_by != kNoThread && state.gc.stopped_by != t) return false;
  // C1: a thread choosing which set member it releases next is inside
  // set_dealloc or set_clear_internal, no scheduling point: it alone runs.
  if (program.flags.may_make_set)
    for (size_t u = 0; u < state.threads.size(); ++u)
      if (u != t && order_choice_pending(state, static_cast<ThreadId>(u))) return false;
  if (!th.frames.empty() && th.frames.back().has(kStwWait) && !world_parkable(program, state, t))
    return false;
  if (blocked_on_critical_section(program, state, t)) return false;
  if (th.frames.empty()) {
    // F6, T1: main's eval-breaker check before it blocks in join may come
    // at any point while the others run.
    if (t == 0 && state.main_stage == MainStage::PreJoin) return true;
    // main waiting for every other thread before the final collections
    if (t != 0 || state.main_stage != MainStage::JoinAll) return false;
    bool all = true, some = false;
    for (size_t u = 1; u < state.threads.size(); ++u) {
      const bool done = state.threads[u].status == ThreadStatus::Finished;
      all = all && done;
      some = some || done;
    }
    // F6: threading._shutdown joins the threads one by one; each time one
    // has finished, main attaches again and merges its queue at that
    // eval-breaker check (so possibly before the others finish).
    return all || (some && !th.merge_queue.empty());
  }
  const Frame& f = th.frames.back();
  if (f.kind != FrameKind::Body) return true;  // runtime work handed to this thread
  const Op& op = program.funcs[f.func].code[f.pc];
  if (op.code == OpCode::Join) return state.threads[op.a].status == ThreadStatus::Finished;
  if (op.code == OpCode::CallMethod && lock_waited_for(program, state, t) != kNoObj) return false;
  return !spin_waits(program, state, t);  // IT8 (While.cpp)
}

// G1-G3: with automatic collection enabled, a GC allocation may push the
// young count over the threshold. The model ignores the thresholds: the
// step of thread t may trigger a collection at any allocation it makes
// while no collection runs or is due. A dry run of the step counts them.
// P311 collects inside the allocation, so which one matters: one choice
// per allocation and generation; from P312 on the collection waits for the
// next eval-breaker check, where the step ends: one choice per generation.
// The incremental collector (G-I3) runs one increment instead.
static int auto_gc_alternatives(const Program& program, const State& state, ThreadId t) {
  const GcState& gc = state.gc;
  if (!gc.auto_enabled || gc.collecting) return 0;
  State copy = state;
  Machine dry(program, copy, nullptr);
  uint16_t allocations = dry.count_allocations(t);
  if (allocations == 0) return 0;
  // One choice per generation, or one collection where there are none
  // (incremental increment; the free-threaded whole heap, F-G1).
  int generations = program.profile.gc_algorithm == GcAlgorithm::Generational ? 3 : 1;
  if (program.profile.auto_gc_point != AutoGcPoint::InsideAllocation) return generations;
  return std::min(255, allocations * generations);
}

uint16_t Machine::count_allocations(ThreadId t) {
  dry_run_ = true;
  try {
    run_transition(t, 0);
  } catch (const ViolationFound&) {
  } catch (const ModelLimit&) {
  }
  return alloc_count_;
}

void Machine::enabled_choices(const Program& program, const State& state,
                              std::vector<uint16_t>& out) {
  out.clear();
  for (size_t t = 0; t < state.threads.size(); ++t) {
    ThreadId id = static_cast<ThreadId>(t);
    if (!at_switch_point(program, state, id)) continue;
    out.push_back(id);
    // F-G3a: the worklist's heap order, one member per choice; C1: the
    // set member released next.
    for (int a = 1; a < order_choices(program, state, id); ++a)
      out.push_back(static_cast<uint16_t>(id | (a << 8)));
    int alts = auto_gc_alternatives(program, state, id);
    for (int a = 1; a <= alts; ++a) out.push_back(static_cast<uint16_t>(id | (a << 8)));
  }
}

void Machine::push_auto_collection(uint8_t generation) {
  Frame c;
  c.kind = FrameKind::Collect;
  c.flags = kAutomatic;
  c.aux = generation;
  push_frame(c);
}

void Machine::count_allocation(ObjId o, bool& track_now) {
  const GcState& gc = state_.gc;
  if (!gc.auto_enabled || gc.collecting || !is_gc_type(obj(o).type)) return;
  if (collection_due(false)) return;  // one is due already: the count is past the threshold
  ++alloc_count_;
  if (dry_run_ || alloc_count_ != trigger_alloc_) return;
  switch (program_.profile.auto_gc_point) {
    case AutoGcPoint::InsideAllocation:
      // P311: gc_alloc collects before the object is initialised and
      // tracked; the op finishes first here, with the object untracked.
      collect_after_op_ = true;
      if (track_now) deferred_track_ = o;
      track_now = false;
      break;
    case AutoGcPoint::EvalBreakerAnyThread:
      state_.gc.scheduled = static_cast<uint8_t>(trigger_generation_ + 1);
      break;
    case AutoGcPoint::EvalBreakerAllocatingThread:
      thread().gc_pending = static_cast<uint8_t>(trigger_generation_ + 1);
      break;
  }
}

void Machine::run_transition(ThreadId t, uint8_t alt) {
  current_ = t;
  origin_ = 0;
  choice_ = 0;
  if (order_choices(program_, state_, t) > 0) {
    // which member the free-threaded collector places next (F-G3a), or
    // which set member goes next (C1)
    choice_ = alt;
    alt = 0;
  }
  if (t == 0 && state_.main_stage == MainStage::JoinAll && thread().frames.empty()) {
    // F6: main re-attaches after joining the others (threading._shutdown)
    // and merges its queue at that eval-breaker check, before the end.
    if (program_.profile.refcounting == Refcounting::Biased && !thread().merge_queue.empty())
      brc_check_eval_breaker();
    else
      end_of_threads();
  }
  if (alt != 0) {
    const int generations = program_.profile.gc_algorithm == GcAlgorithm::Generational ? 3 : 1;
    const int choice = alt - 1;
    if (program_.profile.auto_gc_point == AutoGcPoint::InsideAllocation) {
      trigger_alloc_ = static_cast<uint16_t>(choice / generations + 1);
      trigger_generation_ = static_cast<uint8_t>(choice % generations);
    } else {
      trigger_alloc_ = 1;
      trigger_generation_ = static_cast<uint8_t>(choice);
    }
    if (program_.profile.gc_algorithm == GcAlgorithm::Incremental) trigger_generation_ = 1;
  }
  bool started = false;
  for (size_t ops = 0;; ++ops) {
    if (ops == kMaxOpsPerStep)
      throw ModelLimit{"one step ran more than " + std::to_string(kMaxOpsPerStep) +
                       " runtime operations without a scheduling point (the runtime loops)"};
    Thread& th = thread();
    if (th.frames.empty()) {
      frames_empty();
      if (thread().status != ThreadStatus::Running || thread().frames.empty()) break;
      if (at_boundary(thread().frames.back())) break;
      continue;
    }
    if (started && at_boundary(th.frames.back())) break;
    started = true;
    step_top();
    if (collect_after_op_) {
      // P311: the collection the allocation triggered runs before anything
      // the op left to do (releasing its arguments).
      collect_after_op_ = false;
      push_auto_collection(trigger_generation_);
      thread().frames.back().obj2 = deferred_track_;
      deferred_track_ = kNoObj;
    }
  }
}

void Machine::step_top() {
  Frame& f = top();
  if (f.has(kSubjectFreed)) {
    // What CPython does past this point is undefined; searched on with
    // memory-safety ignored, the call is abandoned.
    violation({"memory-safety"},
              "a tp_dealloc, tp_clear or finalizer call goes on after its object was freed by "
              "a second deallocation");
    pop_frame();
    return;
  }
  switch (f.kind) {
    case FrameKind::Body:
      return step_body(f);
    case FrameKind::Release: {
      if (step_release_order(f)) return;  // C1
      Thread& th = thread();
      if (f.pc < f.count) {
        Value v = th.values[f.base + f.pc];
        th.values[f.base + f.pc] = Value::unset();
        ++f.pc;
        decref(v);
        return;
      }
      // Usually the top of the stack; locals kept by a pending exception's
      // traceback may lie above and stay.
      th.values.erase(th.values.begin() + f.base, th.values.begin() + f.base + f.count);
      pop_frame();
      return;
    }
    case FrameKind::Dealloc:
      return step_dealloc(f);
    case FrameKind::FinalizeFromDealloc:
      return step_finalize_from_dealloc(f);
    case FrameKind::ClearWeakrefs:
      return step_clear_weakrefs(f);
    case FrameKind::Collect:  // the collector of the build, chosen here once
      if (program_.profile.gc_algorithm == GcAlgorithm::FreeThreaded) return step_collect_ft(f);
      return step_collect(f);
    case FrameKind::FinalizeGc:
      return step_finalize_gc(f);
    case FrameKind::Clear:
      return step_clear(f);
    case FrameKind::GcCallbacks:
      return step_gc_callbacks(f);
    case FrameKind::Construct:
      return step_construct(f);
    case FrameKind::CDealloc:
      return step_c_dealloc(f);
    case FrameKind::TrashDrain:
      return step_trash_drain(f);
    case FrameKind::BrcMerge:
      return step_brc_merge(f);
    case FrameKind::FinalizeCall:
      return step_finalize_call(f);
    case FrameKind::FinalizeExit:
      return step_finalize_exit(f);
  }
}

void Machine::push_frame(const Frame& f) {
  Thread& th = thread();
  if (th.frames.size() >= kMaxFrames) {
    std::string why = "call stack deeper than " + std::to_string(kMaxFrames) + " frames";
    // §5 TC2/TC3: this trashcan defers only near C stack exhaustion, so a
    // chain of deallocations that CPython flattens still nests here.
    if (program_.profile.trashcan == Trashcan::DeepOnly)
      why +=
          " (this profile's trashcan acts only near C stack exhaustion, deeper than the "
          "model goes; a dealloc chain this deep may also never end, which P311 and P312 "
          "can tell)";
    throw ModelLimit{why};
  }
  th.frames.push_back(f);
  if (statements_) statements_->pushed(current_, th.frames.size() - 1);
}

void Machine::pop_frame() {
  Frame& f = thread().frames.back();
  // Py_END_CRITICAL_SECTION is implied when a slot returns; a strong C
  // local not dropped leaks (quiescence sees it).
  if (f.has(kCritical) || f.has(kCritical2)) release_critical_sections(f);
  thread().frames.pop_back();
}

// Where main goes once the threads run and its own body (if any) is done.
static MainStage stage_before_join(const Profile& profile) {
  return profile.main_checks_before_join ? MainStage::PreJoin : MainStage::JoinAll;
}

void Machine::frames_empty() {
  Thread& th = thread();
  // The thread's own Python code after its body (threading's bootstrap,
  // the harness around the module code) reaches a check: a collection its
  // allocations scheduled runs there.
  if (!th.has_exc && collection_due(true)) return;
  if (th.has_exc) {
    Event e = event(EventKind::ThreadException);
    e.text = program_.strings[th.exc];
    emit(std::move(e));
    th.has_exc = false;
    th.exc_func = kNoFunc;
    if (!program_.ignored("uncaught-exception"))
      violation({"uncaught-exception"}, "exception " + program_.strings[th.exc] +
                                            " escaped thread " + program_.threads[current_].name);
    // threading.excepthook has reported it; leaving the except clause of
    // Thread._bootstrap_inner drops it and the frames its traceback kept.
    Frame none;
    if (drop_traceback(none, false, false)) return;
  }
  if (current_ != 0) {
    // TL3: PyThreadState_Clear releases the thread's threading.local dicts
    // (before _Py_brc_remove_thread in the free-threaded build).
    if (release_thread_locals()) return;
    // F6: _Py_brc_remove_thread drains the queue before the thread goes.
    if (!th.merge_queue.empty()) {
      brc_check_eval_breaker();
      return;
    }
    if (program_.profile.heap_sections) abandon_heaps(current_);
    th.status = ThreadStatus::Finished;
    emit(event(EventKind::ThreadEnd));
    return;
  }
  switch (state_.main_stage) {
    case MainStage::Setup: {
      start_threads();
      FuncId body = program_.threads[0].main_body;
      if (body != kNoFunc) {
        state_.main_stage = MainStage::Body;
        call_python(body, {});
      } else {
        state_.main_stage = stage_before_join(program_.profile);
      }
      return;
    }
    case MainStage::Body:
      state_.main_stage = stage_before_join(program_.profile);
      return;
    case MainStage::PreJoin:
      // F6, T1: the check (threading.py: Thread.start returns, Thread.join
      // or _shutdown is entered; ceval's RESUME checks the eval breaker)
      // merges main's queue, deallocating here what reached zero; then
      // main blocks in join. A due collection ran at the top of this call.
      state_.main_stage = MainStage::JoinAll;
      if (program_.profile.refcounting == Refcounting::Biased) brc_check_eval_breaker();
      return;
    case MainStage::JoinAll:
      return;
    case MainStage::AtExit:
      end_of_threads();
      return;
    case MainStage::Final: {
      if (program_.shutdown_modules) return shutdown_stage();  // SD1-SD5 (Shutdown.cpp)
      // Repeat while unreachable objects remain: finalizers of one round may
      // make new cyclic garbage, even in a round that frees nothing (a
      // finalizer resurrects its own object and drops the last reference to
      // another cycle). Bounded to 4 rounds. Left over then: objects whose
      // finalizer has not run yet mean finalizers are still making garbage
      // (the run has no end state: a limit), unless the last round found
      // nothing unreachable, so that no round could run them (a reference
      // the collector cannot see, a tp_traverse that misses it, keeps
      // them); otherwise another round would not free them either, a leak
      // (check_quiescence).
      ++state_.gc.final_rounds;
      const Leftover left = unreachable_leftover();
      if (left == Leftover::Unfinalized && state_.gc.final_rounds >= 4 && !state_.gc.final_idle)
        throw ModelLimit{
            "finalizers or weakref callbacks still make new cyclic garbage after 4 final "
            "collections"};
      if (state_.gc.final_rounds < 4 && left != Leftover::None) {
        Frame c;
        c.kind = FrameKind::Collect;
        c.flags = kFinal;
        c.aux = 2;
        push_frame(c);
        return;
      }
      state_.main_stage = MainStage::Done;
      check_quiescence();
      th.status = ThreadStatus::Finished;
      emit(event(EventKind::ThreadEnd));
      return;
    }
    case MainStage::Done:
      th.status = ThreadStatus::Finished;
      return;
  }
}

void Machine::start_threads() {
  immortalize_deferred_objects();  // F9b: the first non-main thread state
  ThreadId saved = current_;
  for (size_t t = 1; t < program_.threads.size(); ++t) {
    current_ = static_cast<ThreadId>(t);
    thread().status = ThreadStatus::Running;
    emit(event(EventKind::ThreadStart));
    call_python(program_.threads[t].body, {});
  }
  current_ = saved;
}

void Machine::end_of_threads() {
  if (state_.main_stage == MainStage::JoinAll &&
      (program_.finalize_type != kNoType || program_.uses_atexit())) {
    // W14: Py_FinalizeEx runs the atexit functions once the threads are
    // joined, before the shutdown collections: weakref.finalize's first.
    // With atexit imported, all of them in their order (AX3).
    if (program_.finalize_type != kNoType) check_finalize_referents();
    state_.main_stage = MainStage::AtExit;
    if (program_.uses_atexit()) {
      push_atexit_run();
      return;
    }
    Frame x;
    x.kind = FrameKind::FinalizeExit;
    push_frame(x);
    return;
  }
  emit(event(EventKind::EndOfThreads));
  check_expectations_at_end();
  state_.threads_ended = true;
  state_.main_stage = MainStage::Final;
  if (program_.shutdown_modules) return shutdown_stage();  // SD1-SD5 (Shutdown.cpp)
  Frame c;
  c.kind = FrameKind::Collect;
  c.flags = kFinal;
  c.aux = 2;
  push_frame(c);
}

void Machine::check_terminal() {
  std::string waiting;
  for (size_t t = 0; t < state_.threads.size(); ++t) {
    const Thread& th = state_.threads[t];
    if (th.status == ThreadStatus::Finished) continue;
    if (!waiting.empty()) waiting += ", ";
    waiting += program_.threads[t].name;
    if (!th.frames.empty() && th.frames.back().kind == FrameKind::Body) {
      const Op& op = program_.funcs[th.frames.back().func].code[th.frames.back().pc];
      if (op.code == OpCode::Join) waiting += " (joining " + program_.threads[op.a].name + ")";
      if (const ObjId l = lock_waited_for(program_, state_, static_cast<ThreadId>(t)); l != kNoObj)
        waiting += " (acquiring " + name_of(l) + ")";
    } else if (t == 0) {
      waiting += " (waiting for the other threads)";
    }
  }
  if (!waiting.empty()) violation({"deadlock"}, "no thread can move; waiting: " + waiting);
}

}  // namespace lifecheck::model
