// while loops (issue 12; IT7, IT8 in docs/semantics.md). The loop itself is
// lowered by model/CodeGen.cpp (IT7) and runs on the ordinary ops; this file
// gives a spinning thread its fair share of the scheduler (IT8).
//
// CPython's GIL is handed over on request: a thread that waits for it sets
// gil_drop_request after the switch interval, and the holder drops it at its
// next eval-breaker check (take_gil / drop_gil, Python/ceval_gil.c). So a
// thread that spins on `while not flag: pass` cannot keep the others from
// running for ever: every run in which some thread waits for the GIL for
// ever is impossible. The model explores every order of steps and reports
// any loop of states as a run that never ends (`termination`); a spin that
// repeats an identical state while another thread could go on is such a
// loop, but an unfair one. An iteration that comes back to the identical
// state changes nothing, so dropping it loses no state or behaviour but
// those endless runs: a thread at a while loop's backward check whose next
// iteration would do that waits while another thread can do something else.
// If no other thread can (they are finished, blocked or spinning too), it
// spins and the loop of states is a real one.
#include "model/While.h"

#include <string>
#include <vector>

#include "model/Canonical.h"
#include "model/Limits.h"
#include "model/Machine.h"
#include "model/Properties.h"

namespace lifecheck::model {

namespace {

// An iteration's steps when threads switch inside it (without a GIL, F14:
// before the loads of shared state in its test), at most.
constexpr int kMaxSpinSteps = 4;

// Set while spin_waits asks at_switch_point about the other threads: they
// are then asked without the rule (no recursion), and each is tested for a
// spin of its own here.
thread_local bool asking = false;

bool at_while_back_check(const Program& program, const State& state, ThreadId t) {
  const Thread& th = state.threads[t];
  if (th.status != ThreadStatus::Running || th.frames.empty()) return false;
  const Frame& f = th.frames.back();
  if (f.kind != FrameKind::Body) return false;
  const std::vector<Op>& code = program.funcs[f.func].code;
  return f.pc < code.size() && code[f.pc].code == OpCode::Check && code[f.pc].b == kWhileBackCheck;
}

// The threads that can take a step (the rule below not applied: `asking`).
std::vector<bool> movable(const Program& program, const State& state) {
  std::vector<uint16_t> choices;
  Machine::enabled_choices(program, state, choices);
  std::vector<bool> out(state.threads.size(), false);
  for (uint16_t c : choices) out[c & 0xFF] = true;
  return out;
}

bool can_step(const Program& program, const State& state, ThreadId t) {
  return movable(program, state)[t];
}

// Whether thread t's next iteration, run alone from its backward check,
// comes back to the identical state, and every state it passes through
// differs from this one only by where the thread is in the loop (so no
// other thread could see anything the thread did in between: a reference
// it holds, a global it set).
bool iteration_changes_nothing(const Program& program, const State& state, ThreadId t) {
  std::string before, now;
  encode_state(program, state, before);
  State copy = state;
  const uint16_t pc = state.threads[t].frames.back().pc;
  const size_t depth = state.threads[t].frames.size();
  for (int step = 0; step < kMaxSpinSteps; ++step) {
    try {
      Machine m(program, copy, nullptr);
      m.run_transition(t, 0);
    } catch (const ViolationFound&) {
      return false;
    } catch (const ModelLimit&) {
      return false;
    }
    const Thread& th = copy.threads[t];
    if (th.status != ThreadStatus::Running || th.frames.size() != depth ||
        th.frames.back().kind != FrameKind::Body)
      return false;
    State probe = copy;
    probe.threads[t].frames.back().pc = pc;
    encode_state(program, probe, now);
    if (now != before) return false;
    if (th.frames.back().pc == pc) return true;  // back at the check, nothing changed
    if (!can_step(program, copy, t)) return false;
  }
  return false;
}

struct Asking {
  Asking() { asking = true; }
  ~Asking() { asking = false; }
  Asking(const Asking&) = delete;
  Asking& operator=(const Asking&) = delete;
};

}  // namespace

// IT8 (see above): t waits while some other thread can take a step that is
// not such a spin of its own.
bool spin_waits(const Program& program, const State& state, ThreadId t) {
  if (asking || !at_while_back_check(program, state, t)) return false;
  Asking guard;
  if (!iteration_changes_nothing(program, state, t)) return false;
  const std::vector<bool> can = movable(program, state);
  for (size_t u = 0; u < state.threads.size(); ++u) {
    const ThreadId other = static_cast<ThreadId>(u);
    if (other == t || !can[u]) continue;
    if (at_while_back_check(program, state, other) &&
        iteration_changes_nothing(program, state, other))
      continue;
    return true;
  }
  return false;
}

bool always_true(const Program& program, ExprId test) {
  const ExprNode* c = &program.exprs[test];
  if (c->op == ExprOp::Truth) c = &program.exprs[c->a];
  return c->op == ExprOp::Const && ((c->value.kind() == ValueKind::Bool && c->value.boolean()) ||
                                    (c->value.kind() == ValueKind::Int && c->value.integer() != 0));
}

}  // namespace lifecheck::model
