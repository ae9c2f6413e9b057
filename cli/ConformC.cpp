// Judging a scenario with C types on a real interpreter (docs/conformance.md
// §10): its ctype blocks are built as an extension module against the
// interpreter's own headers (emit-c), and the driver script runs as for a
// Python-level scenario. A run of the model that reaches a violation after
// which CPython's behaviour is not defined (PropertyInfo::undefined_after:
// memory-safety, a leaked exception, a fatal error) stops there; the
// interpreter may then die (a crash agrees with the model), end without a
// result, or go on (its trace must begin with the model's run up to the
// violation).
#include "cli/ConformC.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>

#include "checker/Explorer.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "emit/CEmitter.h"
#include "emit/PythonEmitter.h"
#include "model/Properties.h"

namespace lifecheck::cli::conform {

namespace {

// Python's development mode: the debug hooks on the memory allocators fill
// freed memory and check each free and the GIL, so that undefined behaviour
// in C code shows as a crash (a fatal error) far more often than it does
// with the plain allocators.
const std::vector<std::string> kDevMode = {"-X", "dev"};

bool starts_with(const ObservedTrace& t, const ObservedTrace& prefix) {
  return prefix.size() < t.size() && std::equal(prefix.begin(), prefix.end(), t.begin());
}

// The traces with the memory-safety mark (model::kUnsafeEnd) dropped: here
// every property after which CPython's behaviour is undefined ends a run
// the same way, and a run that goes on past one is compared by its prefix.
model::TraceSet without_unsafe_ends(model::TraceSet set) {
  std::set<ObservedTrace> plain;
  for (ObservedTrace t : set.traces) {
    if (!t.empty() && t.back() == model::kUnsafeEnd) t.pop_back();
    plain.insert(std::move(t));
  }
  set.traces = std::move(plain);
  return set;
}

bool undefined(const std::vector<std::string>& properties) {
  return std::any_of(properties.begin(), properties.end(), [](const std::string& id) {
    const model::PropertyInfo* p = model::find_property(id);
    return p && p->undefined_after;
  });
}

// The model's run to a violation after which the interpreter's behaviour
// is not defined (memory-safety, a leaked exception, a fatal error), if it
// has one.
struct UnsafeRun {
  std::string token;
  ObservedTrace trace;  // up to the violation
  std::string message;
  std::string properties;
};

std::optional<UnsafeRun> unsafe_run(const model::Program& judged_program) {
  // only those violations may stop this search (assert and the others end
  // a run in the script too, but they are not what is looked for here)
  model::Program p = judged_program;
  for (const char* id : {"assert", "uncaught-exception", "deadlock"})
    p.ignores.push_back(model::Ignore{id, "conform: looking for undefined behaviour", 0});
  model::Model m(p);
  checker::SearchOptions o;
  o.limits.max_states = 200000;
  auto r = checker::explore(m, o);
  if (r.verdict != checker::Verdict::Violated || !undefined(r.failure.properties))
    return std::nullopt;
  for (uint16_t c : r.path)
    if (c >> 8) return std::nullopt;  // an automatic collection cannot be forced
  UnsafeRun u;
  u.token = checker::encode_schedule(p.fingerprint, r.path);
  u.message = r.failure.message;
  for (const std::string& id : r.failure.properties)
    u.properties += (u.properties.empty() ? "" : ", ") + id;
  checker::ReplayScheduler sched(r.path);
  model::Trace t = model::run_trace(model::Model(judged_program), sched, r.path.size() + 1);
  for (const model::TraceStep& s : t.steps)
    for (const model::Event& e : s.events)
      if (auto text = model::observable_text(judged_program, e)) u.trace.push_back(*text);
  return u;
}

}  // namespace

Verdict judge_c_scenario(const ConformOptions& options, const Interpreter& interpreter,
                         const TempDir& dir, const std::string& file, model::Program loaded) {
  if (auto why = emit::interpreter_problem(loaded)) {
    std::cout << "SKIP  " << file << ": skipped (" << *why << ")\n";
    return Verdict::Skip;
  }
  if (interpreter.include.empty()) {
    std::cout << "SKIP  " << file
              << ": skipped (C types, and this interpreter has no Python.h to build them "
                 "against; Debian: python3-dev)\n";
    return Verdict::Skip;
  }
  model::Program program = judged(std::move(loaded), true);
  const std::string module = emit::c_module_name(file);
  const std::string c_file = dir.file(module + ".c");
  const std::string script = dir.file("scenario.py");
  try {
    std::ofstream(c_file) << emit::emit_c(program, module);
    emit::EmitOptions eo;
    eo.c_module = module;
    std::ofstream(script) << emit::emit_python(program, eo);
  } catch (const emit::EmitError& e) {
    std::cout << "SKIP  " << file << ": skipped (" << e.what() << ")\n";
    return Verdict::Skip;
  }
  std::vector<std::string> cc = {"cc", "-shared", "-fPIC", "-O1", "-w", "-I" + interpreter.include};
  if (!interpreter.config_include.empty()) cc.push_back("-I" + interpreter.config_include);
  cc.insert(cc.end(), {"-o", dir.file(module + interpreter.ext_suffix), c_file});
  ProcessResult built = run_process(cc, {}, dir, 300);
  if (!built.started || built.exit_code != 0)
    return fail(file, "the emitted extension module does not build:\n" +
                          last_lines(built.err.empty() ? built.out : built.err, 12));

  model::TraceSet allowed = without_unsafe_ends(model::observable_traces(program));
  std::optional<UnsafeRun> unsafe = unsafe_run(program);
  std::string allowed_text = fmt::format(
      "the model allows {} trace{}{}", allowed.traces.size(), allowed.traces.size() == 1 ? "" : "s",
      allowed.complete ? "" : " (enumeration capped, incomplete)");
  // A run that goes on past the model's violation: only the part before it
  // is compared.
  auto past_violation = [&](const ObservedTrace& t) {
    if (!unsafe) return false;
    return std::any_of(allowed.traces.begin(), allowed.traces.end(),
                       [&](const ObservedTrace& a) { return starts_with(t, a); });
  };

  std::set<ObservedTrace> seen;
  int crashes = 0, undefined = 0;
  bool inconclusive = false;
  auto judge_run = [&](const ScriptRun& r, const std::string& what) -> std::optional<std::string> {
    if (r.signal != 0) {
      if (!unsafe)
        return what + ": " + r.problem +
               "      but the model has no violation after which CPython's behaviour is "
               "undefined on this scenario\n";
      ++crashes;
      return std::nullopt;
    }
    if (!r.ok && unsafe && !r.timed_out) {  // e.g. a leaked exception escaped the driver
      ++undefined;
      return std::nullopt;
    }
    if (!r.ok) return what + ": " + r.problem;
    if (allowed.traces.count(r.trace)) {
      seen.insert(r.trace);
      return std::nullopt;
    }
    if (past_violation(r.trace)) {
      ++undefined;
      return std::nullopt;
    }
    if (!allowed.complete) {  // not in a partial set: nothing can be said
      inconclusive = true;
      return std::nullopt;
    }
    std::string msg = what + fmt::format(" (outcome {}{}) shows a trace the model does not allow\n",
                                         r.outcome, r.detail.empty() ? "" : ": " + r.detail);
    msg += "      observed:\n" + show(r.trace);
    if (const ObservedTrace* near = closest(allowed, r.trace))
      msg += "      closest model trace, as a diff (- model only, + observed only):\n" +
             diff(*near, r.trace);
    return msg;
  };

  for (int i = 0; i < options.runs; ++i) {
    ScriptRun r =
        run_script(options, interpreter.executable, script, dir, "", kScriptSeconds, kDevMode);
    if (auto problem = judge_run(r, fmt::format("free run {}", i + 1))) return fail(file, *problem);
  }
  if (inconclusive) {
    std::cout << "SKIP  " << file << ": skipped (the interpreter shows a trace outside the "
              << "model's partial trace set: " << allowed.stopped << ")\n";
    return Verdict::Skip;
  }

  // The model's counterexample, forced: the interpreter dies, ends without
  // a result, or goes on from the same trace.
  std::string unsafe_text;
  if (unsafe) {
    // forced up to the violation, then free: the model's step may end at a
    // check before the interpreter reaches the damage (a gc.collect() that
    // corrupts the heap returns first)
    ScriptRun r = run_script(options, interpreter.executable, script, dir, unsafe->token,
                             kScriptSeconds, kDevMode, true);
    if (r.signal != 0) {
      unsafe_text = fmt::format(
          "; on the model's {} counterexample the interpreter dies of "
          "signal {} ({})",
          unsafe->properties, r.signal, ::strsignal(r.signal));
    } else if (r.ok && (r.trace == unsafe->trace || starts_with(r.trace, unsafe->trace))) {
      unsafe_text = fmt::format(
          "; on the model's {} counterexample the interpreter goes on, with the model's trace up "
          "to it",
          unsafe->properties);
    } else if (!r.ok && !r.timed_out) {
      unsafe_text = fmt::format(
          "; on the model's {} counterexample the interpreter ends without a result (exit code "
          "{})",
          unsafe->properties, r.exit_code);
    } else {
      return fail(file, fmt::format("forced counterexample {} ({}: {}): {}\n", unsafe->token,
                                    unsafe->properties, unsafe->message,
                                    r.ok ? "the trace differs:\n" + diff(unsafe->trace, r.trace)
                                         : r.problem));
    }
  }

  model::Model m(program);
  const auto runs = distinct_model_runs(m, options.forced);
  size_t unforceable = 0;
  for (const auto& [seed, run] : runs) {
    const ModelRun* want = &run;
    ScriptRun r = run_script(options, interpreter.executable, script, dir, want->token,
                             kScriptSeconds, kDevMode);
    // Free-threaded: as for Python-level scenarios (Conform.cpp), a
    // schedule the interpreter cannot follow is not forceable.
    if (!forced_exactly_under(program.profile) && r.ok && r.outcome == "diverged") {
      ++unforceable;
      if (options.verbose)
        std::cout << "      not forceable: " << want->token << ": " << r.detail << "\n";
      continue;
    }
    // the model stops at undefined behaviour; the interpreter does what it does
    const bool violation = want->outcome == "violation";
    if (violation &&
        (r.signal != 0 || (!r.ok && !r.timed_out) || (r.ok && starts_with(r.trace, want->trace))))
      continue;
    if (!r.ok) return fail(file, fmt::format("forced schedule {}: {}", want->token, r.problem));
    bool outcome_ok = r.outcome == want->outcome || violation ||
                      (want->outcome == "schedule-exhausted" && r.outcome == "deadlock");
    const bool trace_ok = forced_exactly_under(program.profile)
                              ? r.trace == want->trace
                              : allowed.traces.count(r.trace) > 0;  // F-G3: heap order
    if (!trace_ok || !outcome_ok)
      return fail(file, fmt::format("forced schedule {} (seed {}): the interpreter's run differs "
                                    "from the model's\n      model outcome {}, interpreter "
                                    "outcome {}{}\n      trace, as a diff (- model only, + "
                                    "observed only):\n",
                                    want->token, seed, want->outcome, r.outcome,
                                    r.detail.empty() ? "" : ": " + r.detail) +
                            diff(want->trace, r.trace));
  }

  std::string extra;
  if (crashes) extra += fmt::format(", {} died", crashes);
  if (undefined) extra += fmt::format(", {} went on past the model's violation", undefined);
  const std::string not_forceable =
      unforceable ? fmt::format(" ({} not forceable without the GIL)", unforceable) : "";
  std::cout << fmt::format(
      "PASS  {}: C types built for Python {}; {} free run{} ({} distinct trace{}{}), {} forced "
      "schedule{} reproduced{}{}; {}\n",
      file, interpreter.version, options.runs, options.runs == 1 ? "" : "s", seen.size(),
      seen.size() == 1 ? "" : "s", extra, runs.size() - unforceable,
      runs.size() - unforceable == 1 ? "" : "s", not_forceable, unsafe_text, allowed_text);
  if (options.verbose)
    for (const ObservedTrace& t : seen) std::cout << "      observed:\n" << show(t);
  return Verdict::Pass;
}

}  // namespace lifecheck::cli::conform
