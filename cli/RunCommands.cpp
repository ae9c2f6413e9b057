// simulate and replay: one run of a scenario, chosen at random by a seed or
// given by a replay token.
#include <iostream>
#include <nlohmann/json.hpp>

#include "checker/RandomScheduler.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "checker/Search.h"
#include "cli/CommandSupport.h"
#include "cli/Commands.h"
#include "cli/Interrupt.h"
#include "cli/OutputFiles.h"
#include "model/Model.h"
#include "report/JsonReport.h"
#include "report/TextReport.h"

namespace lifecheck::cli {

using nlohmann::json;

namespace {

// A single run (simulate, replay) stops like a search: at an interrupt, or
// above --max-memory (its trace and the states it has met grow with every
// step). Looks at memory every 1024 steps.
class GuardedScheduler : public checker::Scheduler {
 public:
  GuardedScheduler(checker::Scheduler& inner, uint64_t max_memory_mb)
      : inner_(inner), max_memory_mb_(max_memory_mb) {}

  std::optional<size_t> pick(const std::vector<checker::ScheduleChoice>& enabled) override {
    if (stop_requested().load(std::memory_order_relaxed)) {
      stopped_ = interrupt_reason();
      return std::nullopt;
    }
    if (max_memory_mb_ && ++picks_ % 1024 == 0 &&
        checker::current_rss_bytes() > max_memory_mb_ * 1024 * 1024) {
      stopped_ = "memory limit (" + std::to_string(max_memory_mb_) + " MiB)";
      return std::nullopt;
    }
    return inner_.pick(enabled);
  }
  bool more_planned() const override { return inner_.more_planned(); }

  // Marks a run this guard stopped as ended by a limit.
  void mark(model::Trace& trace) const {
    if (stopped_.empty()) return;
    trace.outcome.kind = checker::StepResult::Kind::Limit;
    trace.outcome.message = stopped_;
  }

 private:
  checker::Scheduler& inner_;
  uint64_t max_memory_mb_;
  uint64_t picks_ = 0;
  std::string stopped_;
};

// simulate and replay: one run, printed as text or JSON, and written as
// DOT, HTML, JUnit or SARIF when asked. `result` holds what the command
// knows besides the run (file, profile, seed).
void report_single_run(const std::string& command, const model::Model& model,
                       const model::Trace& trace, const std::string& token,
                       const ScenarioOptions& scenario, const OutputOptions& output, json result,
                       ReportFiles& files, const std::string& page_name) {
  const model::Program& p = model.program();
  files.note_source(p);
  std::string ropts = replay_options(p, scenario, {});
  std::string rcmd = replay_command(p, token, ropts);
  write_dot(output.dot_file, p, trace.final_state);
  if (files.wants_html())
    files.add_html(result, report::run_json(model, trace, token, rcmd, {true, true}), p, page_name);
  result["run"] = report::run_json(model, trace, token, rcmd, {output.verbose, false});
  json report = report::report_envelope(command, json::array({std::move(result)}));
  files.finish(report);
  if (output.json) std::cout << report.dump(2) << "\n";
}

}  // namespace

int simulate_command(const std::string& file, uint64_t seed, size_t max_steps,
                     const ScenarioOptions& scenario, const OutputOptions& output) {
  if (!writable_path(output.dot_file, "DOT file")) return kBadInput;
  auto p = load(file, scenario);
  if (!p) return kBadInput;
  ReportFiles files(output);
  if (!files.open()) return kBadInput;
  model::Model model(*p);
  checker::RandomScheduler random(seed);
  GuardedScheduler sched(random, scenario.max_memory_mb);
  model::Trace trace = model::run_trace(model, sched, max_steps);
  sched.mark(trace);
  std::vector<uint16_t> path;
  for (const model::TraceStep& s : trace.steps) path.push_back(s.choice);
  std::string token = checker::encode_schedule(p->fingerprint, path);
  report::TraceOptions topts{output.verbose, replay_options(*p, scenario, {})};
  bool violated = trace.outcome.kind == checker::StepResult::Kind::Violation;
  report_single_run("simulate", model, trace, token, scenario, output,
                    json{{"file", p->file},
                         {"profile", p->profile.display_name()},
                         {"seed", seed},
                         {"ignored", ignored_json(*p)}},
                    files, "seed-" + std::to_string(seed));
  if (output.json) {
    // printed by report_single_run
  } else if (violated) {
    std::cout << p->file << ": simulation with seed " << seed << " found a counterexample\n";
    report::print_counterexample(std::cout, *p, trace, token, topts);
  } else {
    std::cout << p->file << ": simulation with seed " << seed << " under "
              << p->profile.display_name()
              << "\n  replay: " << replay_command(*p, token, topts.replay_options) << "\n\n";
    report::print_trace(std::cout, *p, trace, topts);
    std::cout << "\n"
              << (trace.outcome.kind == checker::StepResult::Kind::Limit
                      ? "run stopped: " + trace.outcome.message
                      : std::string("run completed without a violation"))
              << "\n";
    report::print_heap(std::cout, *p, trace.final_state);
  }
  if (violated) return kViolated;
  return trace.outcome.kind == checker::StepResult::Kind::Limit ? kLimit : kHolds;
}

int replay_command(const std::string& file, const std::string& token,
                   const ScenarioOptions& scenario, const OutputOptions& output) {
  if (!writable_path(output.dot_file, "DOT file")) return kBadInput;
  auto p = load(file, scenario);
  if (!p) return kBadInput;
  auto steps = decode_token_for(*p, token);
  if (!steps) return kBadInput;
  ReportFiles files(output);
  if (!files.open()) return kBadInput;
  model::Model model(*p);
  checker::ReplayScheduler replay(*steps);
  GuardedScheduler sched(replay, scenario.max_memory_mb);
  model::Trace trace = model::run_trace(model, sched, steps->size() + 1);
  sched.mark(trace);
  report::TraceOptions topts{output.verbose, replay_options(*p, scenario, {})};
  bool violated = trace.outcome.kind == checker::StepResult::Kind::Violation;
  bool limited = trace.outcome.kind == checker::StepResult::Kind::Limit;
  report_single_run(
      "replay", model, trace, token, scenario, output,
      json{
          {"file", p->file}, {"profile", p->profile.display_name()}, {"ignored", ignored_json(*p)}},
      files, "replay");
  if (output.json) {
    // printed by report_single_run
  } else if (violated) {
    report::print_counterexample(std::cout, *p, trace, token, topts);
  } else {
    report::print_trace(std::cout, *p, trace, topts);
    if (limited)
      std::cout << "\nreplay stopped after " << trace.steps.size()
                << " steps: " << trace.outcome.message << "\n";
    else
      std::cout << "\nreplayed " << trace.steps.size() << " steps: no violation\n";
    report::print_heap(std::cout, *p, trace.final_state);
  }
  return violated ? kViolated : limited ? kLimit : kHolds;
}

}  // namespace lifecheck::cli
