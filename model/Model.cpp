#include "model/Model.h"

#include <string>
#include <unordered_map>

#include "model/Limits.h"

namespace lifecheck::model {

void Model::enabled(const State& state, std::vector<Choice>& out) const {
  Machine::enabled_choices(program_, state, out);
}

checker::StepResult Model::step(State& state, Choice choice, std::vector<Event>* trace) const {
  checker::StepResult r;
  try {
    Machine m(program_, state, trace);
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

// Per thread: not started, then the statement its body is at, then body
// done, then finished; main also counts its stages and final collections.
// Bodies only jump forward (an `if`), so each part only grows.
uint64_t Model::progress_measure(const State& state) const {
  constexpr uint64_t kBodyDone = uint64_t{1} << 17;  // above any pc + 1
  constexpr int kStageShift = 18;
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
        const bool in_body =
            !th.frames.empty() && th.frames[0].kind == FrameKind::Body && th.frames[0].func == body;
        at = in_body ? 1 + uint64_t{th.frames[0].pc} : kBodyDone;
      } else if (state.main_stage == MainStage::Final) {
        at = state.gc.final_rounds;
      }
    }
    total += (stage << kStageShift) + at;
  }
  return total;
}

Trace run_trace(const Model& model, checker::Scheduler& scheduler, size_t max_steps) {
  Trace t;
  State s = model.initial();
  std::vector<Model::Choice> enabled;
  // Encodings of the states met so far, to see the run come back to one.
  const char* cycle_property = model.cycle_property();
  std::unordered_map<std::string, size_t> seen;
  std::string bytes;
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
    checker::StepResult r = model.step(s, step.choice, &step.events);
    t.steps.push_back(std::move(step));
    if (!r.ok()) {
      t.outcome = r;
      break;
    }
    if (cycle_property) {
      model.encode(s, bytes);
      auto [it, fresh] = seen.emplace(bytes, t.steps.size());
      if (!fresh) {
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
