#include "cli/Conform.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string_view>

#include "checker/Explorer.h"
#include "cli/ConformC.h"
#include "cli/ConformSupport.h"
#include "cli/Interrupt.h"
#include "emit/PythonEmitter.h"

namespace lifecheck::cli {

using namespace conform;

namespace {

// A Python-level script the interpreter crashed in (a memory-safety bug of
// its own, gh-91636): its outcome is `crash`, with the trace so far that
// the harness appended to the side file (docs/conformance.md §2).
ScriptRun crash_as_outcome(ScriptRun r) {
  if (r.signal == 0) return r;
  r.ok = true;
  r.outcome = "crash";
  r.detail = fmt::format("killed by signal {}", r.signal);
  return r;
}

// A model run as the Python-level judge compares it: one that ended in a
// memory-safety violation is marked so, and an interpreter's trace need
// only extend it (model::trace_allowed).
ModelRun with_unsafe_end(ModelRun run) {
  if (!run.unsafe) return run;
  run.trace.push_back(model::kUnsafeEnd);
  run.outcome = "memory-safety";
  return run;
}

struct Judge {
  const ConformOptions& options;
  const Interpreter& interpreter;
  const TempDir& dir;
  model::Profile model_profile;

  Verdict scenario(const std::string& file) {
    lang::CompileOptions copts;
    copts.profile_override = model_profile;
    auto loaded = load_program(file, copts, options.max_memory_mb);
    if (!loaded) {
      std::cout << "ERROR " << file << ": bad input (see above)\n";
      return Verdict::Bad;
    }
    if (emit::python_level_problem(*loaded))  // C types: built as an extension module
      return judge_c_scenario(options, interpreter, dir, file, std::move(*loaded));
    model::Program program = judged(std::move(*loaded));
    std::string script = dir.file("scenario.py");
    try {
      std::ofstream(script) << emit::emit_python(program);
    } catch (const emit::EmitError& e) {
      std::cout << "SKIP  " << file << ": skipped (" << e.what() << ")\n";
      return Verdict::Skip;
    }
    model::TraceSet allowed = model::observable_traces(program);
    std::string allowed_text =
        allowed.complete
            ? fmt::format("the model allows {} trace{}", allowed.traces.size(),
                          allowed.traces.size() == 1 ? "" : "s")
            : fmt::format("the model allows at least {} traces (enumeration capped, incomplete)",
                          allowed.traces.size());

    // Free runs: the interpreter schedules the threads itself. Where the
    // model has a run that never ends, a script still running after a few
    // seconds agrees with it; two such runs are enough to show it.
    // Where a model limit stops the search first, the model cannot say
    // whether every run ends: a script that keeps running is not compared.
    const Ending ending = ending_of(program);
    const bool endless = ending == Ending::SomeRunNeverEnds;
    std::set<ObservedTrace> seen;
    int unended = 0, free_runs = 0;
    for (int i = 0; i < options.runs && unended < 2; ++i) {
      ++free_runs;
      ScriptRun r = crash_as_outcome(
          run_script(options, interpreter.executable, script, dir, "",
                     ending == Ending::EveryRunEnds ? kScriptSeconds : kEndlessScriptSeconds));
      if (ending == Ending::Unknown && r.timed_out) {
        std::cout << fmt::format(
            "SKIP  {}: skipped (the script did not finish within {:g} s, and the model stops "
            "at a limit before it can tell whether its runs end)\n",
            file, kEndlessScriptSeconds);
        return Verdict::Skip;
      }
      if (endless && r.timed_out) {
        ++unended;
        continue;
      }
      if (!r.ok) return fail(file, fmt::format("free run {}: {}", i + 1, r.problem));
      if (r.outcome == "diverged" || r.outcome == "schedule-exhausted")
        return fail(file, fmt::format("free run {}: outcome {}: {}", i + 1, r.outcome, r.detail));
      if (!model::trace_allowed(allowed.traces, r.trace)) {
        std::string msg = fmt::format(
            "free run {} (outcome {}{}) shows a trace the model does not "
            "allow{}\n",
            i + 1, r.outcome, r.detail.empty() ? "" : ": " + r.detail,
            allowed.complete ? "" : " (the model's set is incomplete)");
        msg += "      observed:\n" + show(r.trace);
        if (const ObservedTrace* near = closest(allowed, r.trace))
          msg += "      closest model trace, as a diff (- model only, + observed only):\n" +
                 diff(*near, r.trace) + count_only_hint(program, *near, r.trace);
        return fail(file, msg);
      }
      seen.insert(r.trace);
    }

    // Forced runs: schedules of seeded random model runs.
    // Distinct schedules of seeded random runs, as many as asked for when
    // the scenario has that many (a few seeds per schedule wanted).
    model::Model m(program);
    const auto runs = distinct_model_runs(m, options.forced);
    const bool forced_exactly = forced_exactly_under(model_profile);
    size_t unforceable = 0;
    for (const auto& [seed, model_run] : runs) {
      const ModelRun run = with_unsafe_end(model_run);
      const ModelRun* want = &run;
      ScriptRun r =
          crash_as_outcome(run_script(options, interpreter.executable, script, dir, want->token));
      // A set's release order (C1) is the interpreter's own, like the
      // free-threaded worklist's: the run is judged as a free one would be.
      const bool exactly = forced_exactly && !want->unforced_order;
      if (!r.ok) return fail(file, fmt::format("forced schedule {}: {}", want->token, r.problem));
      // Free-threaded: where the model defers a merge or a collection step
      // that the interpreter takes at once (main wakes from its join and
      // merges its queue, F6), the schedule cannot be forced.
      if (!exactly && r.outcome == "diverged") {
        ++unforceable;
        if (options.verbose)
          std::cout << "      not forceable: " << want->token << ": " << r.detail << "\n";
        continue;
      }
      bool outcome_ok = r.outcome == want->outcome ||
                        (want->outcome == "schedule-exhausted" && r.outcome == "deadlock") ||
                        want->outcome == "violation" || want->outcome == "memory-safety";
      // After a memory-safety violation CPython's behaviour is undefined: it
      // may crash there or later, so its trace need only extend the model's.
      // Free-threaded profiles: the collector's worklist order is the
      // heap's (F-G3), which no schedule can force, and a collection runs
      // on without statement boundaries where the model may stop it: a
      // forced run must show a trace the model allows, and end as the
      // model's run does.
      bool trace_ok = want->outcome == "memory-safety"
                          ? model::trace_allowed({want->trace}, r.trace)
                      : exactly ? r.trace == want->trace
                                : allowed.traces.count(r.trace) > 0;
      // Free-threaded: a thread waiting for its turn checks its eval
      // breaker and may merge its queue there (F6), which the schedule
      // cannot hold back: the run then ends as another model run does.
      // A run that went past the schedule's end (the model's ended at a
      // violation the interpreter did not reach) is run again to its own
      // end, freely after the schedule.
      if (!exactly && trace_ok && !outcome_ok) {
        ScriptRun end = r;
        if (r.outcome == "schedule-exhausted")
          end = crash_as_outcome(run_script(options, interpreter.executable, script, dir,
                                            want->token, kScriptSeconds, {}, true));
        if (end.ok && allowed.traces.count(end.trace) > 0 &&
            some_model_run_ends_so(m, end.outcome, end.trace, kOtherEndingSeeds)) {
          ++unforceable;
          if (options.verbose)
            std::cout << "      not forceable: " << want->token << ": ended " << end.outcome
                      << " as another model run does (a merge the script cannot hold)\n";
          continue;
        }
      }
      if (!trace_ok || !outcome_ok) {
        std::string msg = fmt::format(
            "forced schedule {} (seed {}): the interpreter's run differs from the model's\n"
            "      model outcome {}, interpreter outcome {}{}\n"
            "      trace, as a diff (- model only, + observed only):\n",
            want->token, seed, want->outcome, r.outcome, r.detail.empty() ? "" : ": " + r.detail);
        return fail(file, msg + diff(want->trace, r.trace) +
                              count_only_hint(program, want->trace, r.trace));
      }
    }

    std::string unended_text =
        unended ? fmt::format(", {} still running after {:g} s as the model's endless run", unended,
                              kEndlessScriptSeconds)
                : "";
    std::cout << fmt::format(
        "PASS  {}: {} free run{} ({} distinct trace{}{}), {} forced schedule{} "
        "reproduced; {}\n",
        file, free_runs, free_runs == 1 ? "" : "s", seen.size(), seen.size() == 1 ? "" : "s",
        unended_text, runs.size() - unforceable, runs.size() - unforceable == 1 ? "" : "s",
        allowed_text + (unforceable ? fmt::format(" ({} schedule{} not forceable without the GIL)",
                                                  unforceable, unforceable == 1 ? "" : "s")
                                    : std::string()));
    if (options.verbose)
      for (const ObservedTrace& t : seen) std::cout << "      observed:\n" << show(t);
    return Verdict::Pass;
  }

  enum class Ending { EveryRunEnds, SomeRunNeverEnds, Unknown };

  // Whether some run of the (judged) model never ends: a bounded search
  // that finds a violation of termination, or stops at a limit first.
  static Ending ending_of(const model::Program& program) {
    model::Model m(program);
    checker::SearchOptions o;
    o.limits.max_states = 200000;
    auto r = checker::explore(m, o);
    if (r.verdict == checker::Verdict::LimitReached) return Ending::Unknown;
    return r.loop_start ? Ending::SomeRunNeverEnds : Ending::EveryRunEnds;
  }
};

}  // namespace

int conform_command(const std::vector<std::string>& paths, const ConformOptions& options) {
  std::vector<std::string> files;
  const bool folders_read = scenario_files(paths, files);  // errors printed
  if (!folders_read && files.empty()) return kBadInput;
  if (files.empty()) {
    std::cerr << "lifecheck: no .life files found\n";
    return kBadInput;
  }
  if (options.runs < 0 || options.forced < 0) {
    std::cerr << "lifecheck: --runs and --forced must not be negative\n";
    return kBadInput;
  }
  TempDir dir;
  auto interpreter = probe(options.python, dir);
  if (!interpreter) return kBadInput;
  model::Profile model_profile = interpreter->profile;
  if (!options.profile.empty()) {
    auto p = profile_option(options.profile);
    if (!p) return kBadInput;
    model_profile = *p;
  }
  std::cout << fmt::format("judge: {} ({}, Python {}, profile {})\n", options.python,
                           interpreter->executable, interpreter->version,
                           interpreter->profile.name);
  if (std::string_view(model_profile.name) != interpreter->profile.name)
    std::cout << fmt::format("model: profile {}, not the interpreter's\n", model_profile.name);
  Judge judge{options, *interpreter, dir, model_profile};
  int count[4] = {0, 0, 0, 0};  // by Verdict
  bool interrupted = false;
  for (const std::string& f : files) {
    Verdict v = judge.scenario(f);
    // An interrupt also reaches the interpreter (same process group): the
    // scenario it cut short is not counted.
    if (stop_requested()) {
      std::cout << "interrupted: " << f << " and the scenarios after it were not judged\n";
      interrupted = true;
      break;
    }
    ++count[static_cast<int>(v)];
    std::cout << std::flush;
  }
  const int passed = count[static_cast<int>(Verdict::Pass)];
  const int failed = count[static_cast<int>(Verdict::Fail)];
  const int skipped = count[static_cast<int>(Verdict::Skip)];
  const int bad = count[static_cast<int>(Verdict::Bad)] + (folders_read ? 0 : 1);
  std::cout << fmt::format("{} scenarios: {} conform, {} differ, {} skipped, {} with bad input\n",
                           files.size(), passed, failed, skipped, bad);
  return bad ? kBadInput : failed ? kViolated : interrupted ? kLimit : kHolds;
}

}  // namespace lifecheck::cli
