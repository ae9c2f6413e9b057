#include "model/Model.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <unordered_map>

#include "model/Independence.h"
#include "model/Limits.h"

namespace lifecheck::model {

void Model::enabled(const State& state, std::vector<Choice>& out) const {
  Machine::enabled_choices(program_, state, out);
}

std::vector<uint8_t> Model::expect_events_seen() const {
  std::vector<uint8_t> out;
  for (const std::atomic<uint8_t>& b : *expect_seen_) out.push_back(b.load());
  return out;
}

namespace {
checker::StepResult run_step(const Program& program, State& state, uint16_t choice,
                             std::vector<Event>* trace, uint64_t* kinds, std::atomic<uint8_t>* seen,
                             StatementTracker* statements = nullptr) {
  checker::StepResult r;
  try {
    Machine m(program, state, trace, kinds, statements);
    m.note_expect_events(seen);
    m.run_transition(static_cast<ThreadId>(choice & 0xFF), static_cast<uint8_t>(choice >> 8));
  } catch (const ViolationFound& v) {
    r.kind = checker::StepResult::Kind::Violation;
    r.properties = v.violation.properties;
    r.message = v.violation.message;
  } catch (const ModelLimit& l) {
    r.kind = checker::StepResult::Kind::Limit;
    r.message = l.message;
  }
  return r;
}
}  // namespace

checker::StepResult Model::step(State& state, Choice choice, std::vector<Event>* trace) const {
  return run_step(program_, state, choice, trace, nullptr, expect_seen_->data());
}

checker::StepResult Model::step(State& state, Choice choice, std::vector<Event>& trace,
                                StatementTracker& statements) const {
  return run_step(program_, state, choice, &trace, nullptr, expect_seen_->data(), &statements);
}

checker::StepResult Model::step_noting_kinds(State& state, Choice choice, uint64_t& kinds) const {
  return run_step(program_, state, choice, nullptr, &kinds, expect_seen_->data());
}

checker::StepResult Model::terminal(State& state) const {
  checker::StepResult r;
  try {
    Machine m(program_, state, nullptr);
    m.check_terminal();
  } catch (const ViolationFound& v) {
    r.kind = checker::StepResult::Kind::Violation;
    r.properties = v.violation.properties;
    r.message = v.violation.message;
  }
  return r;
}

namespace {

// A loop's head: OpCode::ForRange (range loops, at most b iterations) or
// OpCode::ForIter (loops over values, at most b FOR_ITER runs, IT6); exit
// target code[f].a. The loop's counter is an Int on the body's operand
// stack: a range loop's next index (one slot), an iterator's count of
// FOR_ITER runs (its third slot).
bool loop_head(const Op& op, size_t at) {
  return (op.code == OpCode::ForRange || op.code == OpCode::ForIter) && op.a > at;
}
size_t loop_slots(const Op& op) { return op.code == OpCode::ForIter ? kIteratorSlots : 1; }
// A while loop (IT7): [at, code[at].a) has no counter (its test decides), so
// the whole loop counts as one op: every position in it is its first op's,
// and the position after it is one more. Its iterations keep the measure.
bool while_head(const Op& op, size_t at) { return op.code == OpCode::WhileLoop && op.a > at; }

// The ops a loop runs in all (each iteration runs the head, the store, the
// body and the backward jump; the last head exits), and those of a stretch
// of code as if every op ran once (forward jumps of an `if` or a break only
// skip ahead).
uint64_t span(const std::vector<Op>& code, size_t from, size_t to);
uint64_t loop_span(const std::vector<Op>& code, size_t f) {
  const uint64_t per_iteration = 1 + span(code, f + 1, code[f].a);
  return std::min<uint64_t>(uint64_t{code[f].b} * per_iteration + 1, uint64_t{1} << 40);
}
uint64_t span(const std::vector<Op>& code, size_t from, size_t to) {
  uint64_t n = 0;
  for (size_t i = from; i < to && i < code.size();) {
    if (loop_head(code[i], i)) {
      n += loop_span(code, i);
      i = code[i].a;
    } else if (while_head(code[i], i)) {
      ++n;
      i = code[i].a;
    } else {
      ++n;
      ++i;
    }
  }
  return std::min<uint64_t>(n, uint64_t{1} << 40);
}

// The counter of the loop headed by `head` in frame `f`: its slots start
// at the head's depth (Op::depth) on the frame's stack.
uint64_t loop_counter(const Thread& th, const Op& head, const Frame& f) {
  const size_t at = size_t{f.aux} + head.depth + loop_slots(head) - 1;
  return at < th.stack.size() && th.stack[at].kind() == ValueKind::Int
             ? static_cast<uint64_t>(std::max(0, th.stack[at].integer()))
             : 0;
}

// A body's position as if its loops were unrolled: the ops before pc, each
// loop around pc counted by its iterations so far (its counter, on the
// body's operand stack, outer loops first). It grows as the body runs, also
// across a backward jump (the counter grows by one). A loop over a
// generator stops at its head between two runs of FOR_ITER only where
// next() pauses (Y7): there it stands at the end of the iteration before.
uint64_t unrolled_position(const std::vector<Op>& code, const Thread& th, const Frame& f) {
  uint64_t pos = 0;
  const size_t end = std::min<size_t>(f.pc, code.size());
  for (size_t i = 0; i < end;) {
    // a run of ops that head no loop, one position each (most code)
    size_t plain = i;
    while (plain < end && !loop_head(code[plain], plain) && !while_head(code[plain], plain))
      ++plain;
    pos += plain - i;
    i = plain;
    if (i == end) break;
    const Op& op = code[i];
    if (while_head(op, i)) {
      if (f.pc < op.a) return std::min<uint64_t>(pos, (uint64_t{1} << 40) - 2);  // inside it
      ++pos;
      i = op.a;
      continue;
    }
    if (loop_head(op, i)) {
      if (f.pc >= op.a) {  // a loop already left
        pos += loop_span(code, i);
        i = op.a;
        continue;
      }
      // inside it: the iterations started so far, all but the current one whole
      const uint64_t started = loop_counter(th, op, f);
      const uint64_t per_iteration = 1 + span(code, i + 1, op.a);
      pos += (started > 0 ? started - 1 : 0) * per_iteration + 1;
      ++i;
      continue;
    }
    ++pos;
    ++i;
  }
  if (f.pc < code.size() && code[f.pc].code == OpCode::ForIter && loop_head(code[f.pc], f.pc))
    pos += loop_counter(th, code[f.pc], f) * (1 + span(code, f.pc + 1, code[f.pc].a));
  return std::min<uint64_t>(pos, (uint64_t{1} << 40) - 2);
}

}  // namespace

std::vector<uint8_t> Model::loop_free_functions(const Program& program) {
  std::vector<uint8_t> out(program.funcs.size(), 1);
  for (size_t f = 0; f < program.funcs.size(); ++f) {
    const std::vector<Op>& code = program.funcs[f].code;
    for (size_t i = 0; i < code.size(); ++i)
      if (loop_head(code[i], i) || while_head(code[i], i)) out[f] = 0;
  }
  return out;
}

// Per thread: not started, then how far its body has got (its loops
// unrolled), then body done, then finished; main also counts its stages
// and final collections. Each part only grows.
uint64_t Model::progress_measure(const State& state) const {
  constexpr uint64_t kBodyDone = uint64_t{1} << 40;  // above any unrolled position + 1
  constexpr int kStageShift = 41;
  // With symmetry, the body frame of a thread of a symmetry class runs its
  // class's function in a decoded state (Symmetry.h: the first member's
  // body), and in a state whose threads were put in canonical order
  // (reorder_threads) any member's body: a frame counts as in the body of
  // the thread at its place when it runs a member's body of that thread's
  // class, and only the class's first place counts positions (as in a
  // decoded state). The measure of a kept state is then its decoded
  // form's, so a search that expands kept states keeps the transitions one
  // that expands decoded states keeps (checker/Bfs.h).
  const std::vector<FuncId>& rep = symmetry_.func_rep;
  auto counts_body = [&](FuncId f, FuncId body) {
    if (!symmetry_.any || body >= rep.size()) return f == body;
    return rep[body] == body && f < rep.size() && rep[f] == body;
  };
  uint64_t total = 0;
  for (size_t t = 0; t < state.threads.size(); ++t) {
    const Thread& th = state.threads[t];
    const ThreadInfo& info = program_.threads[t];
    FuncId body = info.body;
    uint64_t stage = 0;
    if (t == 0) {
      stage = static_cast<uint64_t>(state.main_stage);
      if (state.main_stage == MainStage::Body) body = info.main_body;
    }
    uint64_t at = 0;
    if (th.status == ThreadStatus::Finished) {
      at = kBodyDone + 1;
    } else if (th.status == ThreadStatus::Running) {
      if (stage <= static_cast<uint64_t>(MainStage::Body)) {
        const bool in_body = !th.frames.empty() && th.frames[0].kind == FrameKind::Body &&
                             counts_body(th.frames[0].func, body);
        const std::vector<Op>& code = program_.funcs[body].code;
        const uint64_t pos = !in_body           ? 0
                             : loop_free_[body] ? std::min<size_t>(th.frames[0].pc, code.size())
                                                : unrolled_position(code, th, th.frames[0]);
        at = in_body ? 1 + pos : kBodyDone;
      } else if (state.main_stage == MainStage::Final) {
        at = state.gc.final_rounds;
      }
    }
    total += (stage << kStageShift) + at;
  }
  return total;
}

std::optional<Model::Choice> Model::persistent_choice(const State& state,
                                                      const std::vector<Choice>& enabled) const {
  return private_step_choice(*this, state, enabled, nullptr);
}

std::optional<Model::Choice> Model::persistent_choice(
    const State& state, const std::vector<Choice>& enabled,
    checker::SteppedList<State, Choice>& stepped) const {
  return private_step_choice(*this, state, enabled, &stepped);
}

namespace {

// Whether the steps of `t` from `start` on went round a fair loop (IT10).
bool fair_loop(const Trace& t, const std::vector<std::vector<uint32_t>>& able, size_t start) {
  std::vector<uint32_t> throughout = able[start], both, moved;
  for (size_t k = start; k < t.steps.size(); ++k) {
    both.clear();
    std::set_intersection(throughout.begin(), throughout.end(), able[k].begin(), able[k].end(),
                          std::back_inserter(both));
    throughout.swap(both);
    moved.push_back(t.steps[k].thread);
  }
  std::sort(moved.begin(), moved.end());
  return std::includes(moved.begin(), moved.end(), throughout.begin(), throughout.end());
}

}  // namespace

Trace run_trace(const Model& model, checker::Scheduler& scheduler, size_t max_steps) {
  Trace t;
  State s = model.initial();
  std::vector<Model::Choice> enabled;
  // Encodings of the states met so far, to see the run come back to one.
  const char* cycle_property = model.cycle_property();
  std::unordered_map<std::string, size_t> seen;
  std::vector<std::vector<uint32_t>> able;  // per step: the threads that could move
  std::string bytes;
  StatementTracker statements;
  if (cycle_property) {
    model.encode(s, bytes);
    seen.emplace(bytes, 0);
  }
  for (;;) {
    model.enabled(s, enabled);
    if (enabled.empty()) {
      t.terminal = true;
      t.outcome = model.terminal(s);
      break;
    }
    if (t.steps.size() >= max_steps) {
      t.outcome.kind = checker::StepResult::Kind::Limit;
      t.outcome.message = "step limit (" + std::to_string(max_steps) + " steps)";
      break;
    }
    auto pick = scheduler.pick(enabled);
    if (!pick) {
      t.stopped_by_scheduler = true;
      break;
    }
    if (cycle_property) {
      able.emplace_back();
      for (Model::Choice c : enabled) able.back().push_back(Model::agent(c));
      std::sort(able.back().begin(), able.back().end());
    }
    TraceStep step;
    step.choice = enabled[*pick];
    step.thread = static_cast<ThreadId>(step.choice & 0xFF);
    const Thread& th = s.threads[step.thread];
    if (!th.frames.empty() && th.frames.back().kind == FrameKind::Body) {
      const Frame& f = th.frames.back();
      step.func = f.func;
      const auto& code = model.program().funcs[f.func].code;
      if (f.pc < code.size()) step.line = code[f.pc].line;
    }
    checker::StepResult r = model.step(s, step.choice, step.events, statements);
    t.steps.push_back(std::move(step));
    if (!r.ok()) {
      t.outcome = r;
      t.violation_at = statements.violation;
      break;
    }
    if (cycle_property) {
      model.encode(s, bytes);
      auto [it, fresh] = seen.emplace(bytes, t.steps.size());
      // A run back in a state it had repeats forever only if a fair
      // scheduler would keep to the loop (IT10): every thread that could
      // move at each of its states moved on it. Otherwise the run goes on.
      if (!fresh && !scheduler.more_planned() && fair_loop(t, able, it->second)) {
        t.loop_start = it->second;
        t.outcome = checker::endless_run(cycle_property, it->second, t.steps.size());
        break;
      }
    }
  }
  t.final_state = std::move(s);
  return t;
}

}  // namespace lifecheck::model
