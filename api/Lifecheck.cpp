// The public API (include/lifecheck/lifecheck.h) over the front end, the
// model and the checker.
#include "lifecheck/lifecheck.h"

#include <algorithm>
#include <sstream>

#include "checker/Explorer.h"
#include "checker/RandomScheduler.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "lang/Compiler.h"
#include "model/Model.h"
#include "model/Properties.h"
#include "report/TextReport.h"

namespace lifecheck {

struct Scenario::Impl {
  model::Program program;
};

namespace {

lang::CompileOptions compile_options(const LoadOptions& options, const std::string& file) {
  lang::CompileOptions copts;
  if (!options.profile.empty()) {
    auto p = model::find_profile(options.profile);
    if (!p) throw ScenarioError("unknown profile '" + options.profile + "'", file, 0, 0);
    copts.profile_override = *p;
  }
  for (const std::string& b : options.runtime_bugs) {
    auto bug = model::find_runtime_bug(b);
    if (!bug) throw ScenarioError("unknown runtime bug '" + b + "'", file, 0, 0);
    copts.extra_bugs.push_back(*bug);
  }
  return copts;
}

ScenarioError public_error(const lang::ScenarioError& e) {
  return ScenarioError(e.format(), e.file(), e.loc().line, e.loc().col);
}

// A run's trace as a result: its outcome, and the report the CLI prints.
CheckResult result_of(const model::Program& program, const model::Trace& trace,
                      const std::vector<uint16_t>& path) {
  CheckResult r;
  r.schedule = path;
  r.replay_token = checker::encode_schedule(program.fingerprint, path);
  r.transitions = trace.steps.size();
  std::ostringstream out;
  report::TraceOptions topts;
  if (trace.outcome.kind == checker::StepResult::Kind::Violation) {
    r.verdict = Verdict::Violated;
    r.properties = trace.outcome.properties;
    r.message = trace.outcome.message;
    r.loop_start = trace.loop_start;
    report::print_counterexample(out, program, trace, r.replay_token, topts);
  } else {
    r.verdict = trace.outcome.kind == checker::StepResult::Kind::Limit ? Verdict::LimitReached
                                                                       : Verdict::Holds;
    r.message = trace.outcome.message;
    report::print_trace(out, program, trace, topts);
  }
  r.report = out.str();
  return r;
}

}  // namespace

Scenario::Scenario(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scenario::Scenario(const Scenario& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Scenario& Scenario::operator=(const Scenario& other) {
  impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Scenario::Scenario(Scenario&&) noexcept = default;
Scenario& Scenario::operator=(Scenario&&) noexcept = default;
Scenario::~Scenario() = default;

Scenario Scenario::parse(const std::string& text, const std::string& name,
                         const LoadOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->program = lang::load_scenario_text(name, text, compile_options(options, name));
    return Scenario(std::move(impl));
  } catch (const lang::ScenarioError& e) {
    throw public_error(e);
  }
}

Scenario Scenario::load(const std::string& path, const LoadOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->program = lang::load_scenario(path, compile_options(options, path));
    return Scenario(std::move(impl));
  } catch (const lang::ScenarioError& e) {
    throw public_error(e);
  }
}

const std::string& Scenario::name() const { return impl_->program.file; }
const std::string& Scenario::text() const { return impl_->program.source; }
std::string Scenario::profile() const { return impl_->program.profile.display_name(); }
size_t Scenario::threads() const { return impl_->program.threads.size(); }

bool CheckResult::violates(const std::string& property) const {
  return verdict == Verdict::Violated &&
         std::find(properties.begin(), properties.end(), property) != properties.end();
}

CheckResult check(const Scenario& scenario, const CheckOptions& options) {
  const model::Program& program = scenario.impl().program;
  model::Model model(program, options.symmetry);
  checker::SearchOptions so;
  so.order =
      options.breadth_first ? checker::SearchOrder::BreadthFirst : checker::SearchOrder::DepthFirst;
  so.use_visited_set = options.visited_set;
  so.jobs = options.jobs;
  so.store = options.fingerprints ? checker::StoreKind::Fingerprint : checker::StoreKind::Exact;
  so.limits.max_states = options.max_states;
  so.limits.max_seconds = options.max_seconds;
  so.limits.max_memory_mb = options.max_memory_mb;
  auto found = checker::explore(model, so);
  CheckResult r;
  if (found.verdict == checker::Verdict::Violated) {
    checker::ReplayScheduler sched(found.path);
    model::Trace trace = model::run_trace(model, sched, found.path.size() + 1);
    if (trace.outcome.kind != checker::StepResult::Kind::Violation) {
      trace.outcome = found.failure;
      trace.loop_start = found.loop_start;
    }
    r = result_of(program, trace, found.path);
  } else {
    r.verdict = found.verdict == checker::Verdict::Holds ? Verdict::Holds : Verdict::LimitReached;
    r.message = found.limit;
  }
  r.states = found.stats.states;
  r.transitions = found.stats.transitions;
  return r;
}

CheckResult replay(const Scenario& scenario, const std::string& token) {
  const model::Program& program = scenario.impl().program;
  std::string error;
  auto decoded = checker::decode_schedule(token, error);
  if (!decoded) throw std::invalid_argument(error);
  if (decoded->fingerprint != program.fingerprint)
    throw std::invalid_argument("the replay token was recorded for another scenario or profile");
  model::Model model(program);
  checker::ReplayScheduler sched(decoded->steps);
  model::Trace trace = model::run_trace(model, sched, decoded->steps.size() + 1);
  if (sched.mismatch())
    throw std::invalid_argument("step " + std::to_string(sched.position() + 1) +
                                " of the replay token names a thread that cannot run there");
  return result_of(program, trace, decoded->steps);
}

CheckResult simulate(const Scenario& scenario, uint64_t seed) {
  const model::Program& program = scenario.impl().program;
  model::Model model(program);
  checker::RandomScheduler sched(seed);
  model::Trace trace = model::run_trace(model, sched, 100000);
  std::vector<uint16_t> path;
  for (const model::TraceStep& s : trace.steps) path.push_back(s.choice);
  return result_of(program, trace, path);
}

std::vector<std::string> profiles() {
  std::vector<std::string> out;
  for (const model::Profile& p : model::all_profiles()) out.push_back(p.name);
  return out;
}

std::string default_profile() { return model::default_profile().name; }

std::vector<std::string> release_bugs(const std::string& profile) {
  auto p = profile.empty() ? std::optional(model::default_profile()) : model::find_profile(profile);
  if (!p) throw std::invalid_argument("unknown profile '" + profile + "'");
  std::vector<std::string> out;
  for (const auto& [id, why] : p->release_bugs()) out.push_back(id);
  return out;
}

std::vector<std::string> properties() {
  std::vector<std::string> out;
  for (const model::PropertyInfo& p : model::all_properties()) out.push_back(p.id);
  return out;
}

std::string runtime_bug_profile(const std::string& bug) {
  auto b = model::find_runtime_bug(bug);
  if (!b) return "";
  const char* p = model::runtime_bug_info(*b).profile;
  return p ? p : "";
}

std::vector<std::string> runtime_bugs() {
  std::vector<std::string> out;
  for (const model::RuntimeBugInfo& b : model::runtime_bugs()) out.push_back(b.name);
  return out;
}

}  // namespace lifecheck
