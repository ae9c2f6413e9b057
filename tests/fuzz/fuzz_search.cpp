// libFuzzer target: the front end, then a small bounded search, one seeded
// random run replayed through its own token, and the text and JSON reports
// of both. Limits keep each input cheap; a limit is a normal outcome.
#include <sstream>

#include "FuzzSupport.h"
#include "checker/Explorer.h"
#include "checker/RandomScheduler.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "model/Model.h"
#include "report/JsonReport.h"
#include "report/TextReport.h"

using namespace lifecheck;

namespace {

void print_reports(const model::Program& p, const model::Trace& t, const std::string& token) {
  std::ostringstream out;
  report::TraceOptions opts{true, {}};
  report::print_counterexample(out, p, t, token, opts);
  report::print_heap(out, p, t.final_state);
  // dump() throws on invalid UTF-8: every string from a scenario must be valid
  report::JsonOptions json_opts{true, true};
  out << report::trace_json(p, t, json_opts).dump() << report::heap_json(p, t.final_state).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto program = fuzz::load(data, size);
  if (!program) return 0;
  model::Model model(*program);
  checker::SearchOptions options;
  options.limits.max_states = 300;
  options.limits.max_depth = 300;
  auto result = checker::explore(model, options);
  if (result.verdict == checker::Verdict::Violated) {
    checker::ReplayScheduler sched(result.path);
    model::Trace t = model::run_trace(model, sched, result.path.size() + 1);
    print_reports(*program, t, checker::encode_schedule(program->fingerprint, result.path));
  }
  // One random run, then its token decoded and replayed: the same steps.
  checker::RandomScheduler random(size);
  model::Trace run = model::run_trace(model, random, 300);
  std::vector<checker::ScheduleChoice> path;
  for (const model::TraceStep& s : run.steps) path.push_back(s.choice);
  std::string token = checker::encode_schedule(program->fingerprint, path);
  std::string error;
  auto decoded = checker::decode_schedule(token, error);
  if (!decoded || decoded->steps != path) __builtin_trap();
  checker::ReplayScheduler replay(decoded->steps);
  model::Trace again = model::run_trace(model, replay, path.size() + 1);
  if (replay.mismatch() || again.steps.size() != run.steps.size()) __builtin_trap();
  print_reports(*program, again, token);
  return 0;
}
