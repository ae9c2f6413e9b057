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
