#include "cli/Conform.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "checker/Explorer.h"
#include "checker/RandomScheduler.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "cli/Interrupt.h"
#include "emit/PythonEmitter.h"
#include "lang/Compiler.h"
#include "model/Model.h"
#include "model/Observe.h"
#include "model/Properties.h"

namespace lifecheck::cli {

using model::ObservedTrace;
using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ------------------------------------------------------------ processes

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;
  int signal = 0;  // the signal that killed it, if one did
  std::string out, err;
};

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "lifecheck-conform-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs argv (argv[0] looked up on PATH) with extra environment variables
// (an empty value unsets one), stdout and stderr captured; kills it after
// `timeout` seconds.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          const TempDir& dir, double timeout) {
  ProcessResult r;
  std::string out_path = dir.file("stdout"), err_path = dir.file("stderr");
  pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    for (const auto& [k, v] : env) {
      if (v.empty())
        ::unsetenv(k.c_str());
      else
        ::setenv(k.c_str(), v.c_str(), 1);
    }
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  auto start = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return r;
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.signal = !r.timed_out && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.started = r.exit_code != 127;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

std::string last_lines(const std::string& text, size_t n) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  std::string out;
  for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += "        " + lines[i] + "\n";
  return out;
}

// ------------------------------------------------------------ the interpreter

struct Interpreter {
  std::string executable;  // sys.executable: runs skip wrappers such as pyenv shims
  std::string version;     // "3.11.7"
  model::Profile profile;
};

std::optional<Interpreter> probe(const std::string& python, const TempDir& dir) {
  ProcessResult r = run_process({python, "-c",
                                 "import sys, sysconfig\n"
                                 "print('%d.%d.%d' % sys.version_info[:3])\n"
                                 "print(sys.implementation.name)\n"
                                 "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)\n"
                                 "print(sys.executable)\n"},
                                {}, dir, 30);
  if (!r.started || r.timed_out || r.exit_code != 0) {
    std::cerr << "lifecheck: cannot run the interpreter '" << python << "'"
              << (r.err.empty() ? std::string() : ":\n" + last_lines(r.err, 5)) << "\n";
    return std::nullopt;
  }
  std::stringstream ss(r.out);
  std::string version, impl, nogil, executable;
  ss >> version >> impl >> nogil;
  std::getline(ss >> std::ws, executable);
  if (executable.empty() || ::access(executable.c_str(), X_OK) != 0) executable = python;
  if (impl != "cpython") {
    std::cerr << "lifecheck: '" << python << "' is " << impl
              << ", not CPython; the profiles describe CPython\n";
    return std::nullopt;
  }
  // A free-threaded build (Py_GIL_DISABLED) has its own profiles: 3.13.15t.
  if (nogil == "1") version += "t";
  auto profile = model::find_profile(version);
  if (!profile) {
    std::cerr << "lifecheck: no profile for Python " << version
              << " ('lifecheck list-profiles' lists them)\n";
    return std::nullopt;
  }
  return Interpreter{executable, version, *profile};
}

// ------------------------------------------------------------ traces

// The model program conform compares against: the scenario, with every
// property ignored that only observes (P7.x, expect lines, quiescence), so
// that no model run stops where the interpreter goes on. assert, uncaught
// exceptions and deadlocks stop the run in the script as well, a run that
// never ends (termination) never ends there either, and after a
// memory-safety violation the interpreter's behaviour is undefined (it
// may crash).
model::Program judged(model::Program p) {
  for (const model::PropertyInfo& prop : model::all_properties()) {
    std::string id = prop.id;
    if (id == "assert" || id == "uncaught-exception" || id == "deadlock" || id == "memory-safety" ||
        id == model::Model::kTermination || p.ignored(id))
      continue;
    p.ignores.push_back(model::Ignore{id, "conform: the interpreter does not stop here", 0});
  }
  return p;
}

size_t edit_distance(const ObservedTrace& a, const ObservedTrace& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// A line diff (longest common subsequence): "  " both, "- " only in the
// model's trace, "+ " only in the observed one.
std::string diff(const ObservedTrace& model, const ObservedTrace& seen) {
  size_t n = model.size(), m = seen.size();
  std::vector<std::vector<size_t>> lcs(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] =
          model[i] == seen[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && model[i] == seen[j]) {
      out += "          " + model[i++] + "\n";
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "        + " + seen[j++] + "\n";
    } else {
      out += "        - " + model[i++] + "\n";
    }
  }
  return out.empty() ? "        (both empty)\n" : out;
}

std::string show(const ObservedTrace& t) {
  std::string out;
  for (const std::string& s : t) out += "          " + s + "\n";
  return out.empty() ? "          (nothing observable)\n" : out;
}

struct ScriptRun {
  bool ok = false;  // the script ran and reported a result
  bool timed_out = false;
  std::string problem;  // when !ok
  std::string outcome, detail;
  ObservedTrace trace;
};

// How long a script may run; one the model says may never end gets less,
// since running on is then the expected outcome.
constexpr double kScriptSeconds = 120;
constexpr double kEndlessScriptSeconds = 5;

ScriptRun run_script(const ConformOptions& options, const std::string& python,
                     const std::string& script, const TempDir& dir, const std::string& token,
                     double seconds = kScriptSeconds) {
  ScriptRun s;
  std::string result = dir.file("result.json");
  std::filesystem::remove(result);
  std::filesystem::remove(result + ".trace");
  // The caller's own LIFECHECK_* settings must not leak into the runs.
  std::vector<std::pair<std::string, std::string>> env = {
      {"LIFECHECK_RESULT", result},
      {"LIFECHECK_REPLAY", token},
      {"LIFECHECK_SWITCH_INTERVAL", token.empty() ? options.switch_interval : ""},
      {"LIFECHECK_TURN_TIMEOUT", ""}};
  // -I: no PYTHON* variables, no user site: only the script decides.
  ProcessResult r = run_process({python, "-I", script}, env, dir, seconds);
  if (r.timed_out) {
    s.timed_out = true;
    s.problem = fmt::format("the script did not finish within {:g} s", seconds);
    return s;
  }
  std::string text = read_file(result);
  if (text.empty() && r.signal != 0) {
    // The interpreter crashed (a memory-safety bug of its own): its trace
    // so far is in the side file the harness appends each line to.
    s.ok = true;
    s.outcome = "crash";
    s.detail = fmt::format("killed by signal {}", r.signal);
    std::stringstream lines(read_file(result + ".trace"));
    for (std::string l; std::getline(lines, l);) s.trace.push_back(l);
    return s;
  }
  if (text.empty()) {
    s.problem = fmt::format("the script failed (exit code {}) without a result:\n{}", r.exit_code,
                            last_lines(r.err, 12));
    return s;
  }
  try {
    json j = json::parse(text);
    s.outcome = j.at("outcome").get<std::string>();
    s.detail = j.at("detail").get<std::string>();
    s.trace = j.at("trace").get<ObservedTrace>();
  } catch (const json::exception& e) {
    s.problem = std::string("the script's result is not readable: ") + e.what();
    return s;
  }
  s.ok = true;
  return s;
}

// The model's run under one schedule: its token, observable trace and how
// it ended, as the script spells outcomes.
struct ModelRun {
  std::string token;
  ObservedTrace trace;
  std::string outcome;
};

// Random among the enabled threads, never an alternative: an alternative
// starts an automatic collection, which cannot be forced on an interpreter
// (its thresholds decide when one starts).
class ThreadScheduler : public checker::Scheduler {
 public:
  explicit ThreadScheduler(uint64_t seed) : random_(seed) {}
  std::optional<size_t> pick(const std::vector<checker::ScheduleChoice>& enabled) override {
    std::vector<checker::ScheduleChoice> threads;
    std::vector<size_t> index;
    for (size_t i = 0; i < enabled.size(); ++i)
      if ((enabled[i] >> 8) == 0) {
        threads.push_back(enabled[i]);
        index.push_back(i);
      }
    auto p = random_.pick(threads);
    if (!p) return std::nullopt;
    return index[*p];
  }

 private:
  checker::RandomScheduler random_;
};

bool has_property(const checker::StepResult& r, const char* id) {
  return std::find(r.properties.begin(), r.properties.end(), id) != r.properties.end();
}

std::optional<ModelRun> model_run(const model::Model& m, uint64_t seed) {
  ThreadScheduler sched(seed);
  model::Trace t = model::run_trace(m, sched, 100000);
  ModelRun run;
  std::vector<uint16_t> path;
  // The script is forced thread by thread at statement boundaries; a step
  // that only picks the free-threaded collector's heap order is none.
  model::State state = m.initial();
  for (const model::TraceStep& s : t.steps) {
    const bool heap_order =
        model::Machine::heap_order_choices(m.program(), state,
                                           static_cast<model::ThreadId>(s.choice & 0xFF)) > 0;
    m.step(state, s.choice);
    if (!heap_order) path.push_back(s.choice);
    for (const model::Event& e : s.events)
      if (auto text = model::observable_text(m.program(), e)) run.trace.push_back(*text);
  }
  if (has_property(t.outcome, "memory-safety")) run.trace.push_back(model::kUnsafeEnd);
  run.token = checker::encode_schedule(m.program().fingerprint, path);
  const auto& props = t.outcome.properties;
  auto has = [&](const char* id) {
    return std::find(props.begin(), props.end(), id) != props.end();
  };
  // A run that never ends cannot be forced to its end, nor can one stopped
  // by a model limit.
  if (t.loop_start) return std::nullopt;
  switch (t.outcome.kind) {
    case checker::StepResult::Kind::Limit:
      return std::nullopt;
    case checker::StepResult::Kind::Ok:
      run.outcome = "completed";
      break;
    case checker::StepResult::Kind::Violation:
      run.outcome = has("memory-safety")        ? "memory-safety"
                    : has("assert")             ? "assert"
                    : has("uncaught-exception") ? "exception"
                    : has("deadlock")           ? "schedule-exhausted"
                                                : "violation";
      break;
  }
  return run;
}

// ------------------------------------------------------------ one scenario

enum class Verdict { Pass, Fail, Skip, Bad };

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
    if (auto why = emit::python_level_problem(*loaded)) {
      std::cout << "SKIP  " << file << ": skipped (not Python-level: " << *why << ")\n";
      return Verdict::Skip;
    }
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
      ScriptRun r =
          run_script(options, interpreter.executable, script, dir, "",
                     ending == Ending::EveryRunEnds ? kScriptSeconds : kEndlessScriptSeconds);
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
                 diff(*near, r.trace);
        return fail(file, msg);
      }
      seen.insert(r.trace);
    }

    // Forced runs: schedules of seeded random model runs.
    // Distinct schedules of seeded random runs, as many as asked for when
    // the scenario has that many (a few seeds per schedule wanted).
    model::Model m(program);
    std::set<std::string> tokens;
    int unforceable = 0;
    for (uint64_t seed = 1; static_cast<int>(tokens.size()) < options.forced &&
                            seed <= static_cast<uint64_t>(options.forced) * 8;
         ++seed) {
      auto want = model_run(m, seed);
      if (!want || !tokens.insert(want->token).second) continue;
      ScriptRun r = run_script(options, interpreter.executable, script, dir, want->token);
      if (!r.ok) return fail(file, fmt::format("forced schedule {}: {}", want->token, r.problem));
      // Free-threaded: where the model defers a merge or a collection step
      // that the interpreter takes at once (main wakes from its join and
      // merges its queue, F6), the schedule cannot be forced.
      if (!forced_exactly_under(model_profile) && r.outcome == "diverged") {
        ++unforceable;
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
      const bool forced_exactly = forced_exactly_under(model_profile);
      bool trace_ok = want->outcome == "memory-safety"
                          ? model::trace_allowed({want->trace}, r.trace)
                      : forced_exactly ? r.trace == want->trace
                                       : allowed.traces.count(r.trace) > 0;
      if (!trace_ok || !outcome_ok) {
        std::string msg = fmt::format(
            "forced schedule {} (seed {}): the interpreter's run differs from the model's\n"
            "      model outcome {}, interpreter outcome {}{}\n"
            "      trace, as a diff (- model only, + observed only):\n",
            want->token, seed, want->outcome, r.outcome, r.detail.empty() ? "" : ": " + r.detail);
        return fail(file, msg + diff(want->trace, r.trace));
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
        unended_text, tokens.size() - static_cast<size_t>(unforceable),
        tokens.size() - static_cast<size_t>(unforceable) == 1 ? "" : "s",
        allowed_text + (unforceable ? fmt::format(" ({} schedule{} not forceable without the GIL)",
                                                  unforceable, unforceable == 1 ? "" : "s")
                                    : std::string()));
    if (options.verbose)
      for (const ObservedTrace& t : seen) std::cout << "      observed:\n" << show(t);
    return Verdict::Pass;
  }

  // Free-threaded profiles: the collector's heap order (F-G3) and the
  // owner's merges (F6) cannot be forced, so a forced run is checked
  // against the model's trace set, not the schedule's own trace.
  static bool forced_exactly_under(const model::Profile& p) {
    return p.gc_algorithm != model::GcAlgorithm::FreeThreaded;
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

  static const ObservedTrace* closest(const model::TraceSet& allowed, const ObservedTrace& t) {
    const ObservedTrace* best = nullptr;
    size_t best_d = 0;
    for (const ObservedTrace& c : allowed.traces) {
      size_t d = edit_distance(c, t);
      if (!best || d < best_d) {
        best = &c;
        best_d = d;
      }
    }
    return best;
  }

  static Verdict fail(const std::string& file, const std::string& why) {
    std::cout << "FAIL  " << file << ": " << why;
    if (why.empty() || why.back() != '\n') std::cout << "\n";
    return Verdict::Fail;
  }
};

}  // namespace

int emit_python_command(const std::string& file, const std::string& replay, const std::string& out,
                        const ScenarioOptions& scenario) {
  auto copts = compile_options(scenario);
  if (!copts) return kBadInput;
  auto program = load_program(file, *copts, scenario.max_memory_mb);
  if (!program) return kBadInput;
  if (auto why = emit::python_level_problem(*program)) {
    std::cerr << "lifecheck: " << file << " is not a Python-level scenario: " << *why
              << "; emit-python needs one that uses only Python code\n";
    return kBadInput;
  }
  if (!writable_path(out, "script")) return kBadInput;
  if (!replay.empty()) {
    auto steps = decode_token_for(*program, replay, "; pass the same --profile");
    if (!steps) return kBadInput;
    for (size_t i = 0; i < steps->size(); ++i)
      if ((*steps)[i] >> 8) {
        std::cerr << "lifecheck: step " << i + 1
                  << " of the replay token starts an automatic collection; the interpreter's "
                     "thresholds decide when one starts, so it cannot be forced\n";
        return kBadInput;
      }
  }
  std::string script;
  try {
    emit::EmitOptions eo;
    eo.replay = replay;
    script = emit::emit_python(*program, eo);
  } catch (const emit::EmitError& e) {
    std::cerr << "lifecheck: " << e.what() << "\n";
    return kBadInput;
  }
  if (out.empty()) {
    std::cout << script;
    return kHolds;
  }
  std::ofstream f(out);
  f << script;
  if (!f) {
    std::cerr << "lifecheck: cannot write " << out << "\n";
    return kBadInput;
  }
  return kHolds;
}

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
