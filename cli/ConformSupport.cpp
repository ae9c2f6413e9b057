// Helpers of the real-interpreter judge (cli/Conform.cpp, cli/ConformC.cpp):
// child processes, the interpreter probe, the judged program, traces,
// script runs and seeded model runs.
#include "cli/ConformSupport.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "checker/RandomScheduler.h"
#include "checker/Schedule.h"
#include "model/Machine.h"
#include "model/Properties.h"

namespace lifecheck::cli::conform {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ------------------------------------------------------------ processes

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
  if (WIFSIGNALED(status) && !r.timed_out) r.signal = WTERMSIG(status);
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

std::optional<Interpreter> probe(const std::string& python, const TempDir& dir) {
  ProcessResult r = run_process({python, "-c",
                                 "import sys, sysconfig\n"
                                 "print('%d.%d.%d' % sys.version_info[:3])\n"
                                 "print(sys.implementation.name)\n"
                                 "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0)\n"
                                 "print(sys.executable)\n"
                                 "print(sysconfig.get_paths()['include'])\n"
                                 "print(sysconfig.get_config_var('EXT_SUFFIX'))\n"
                                 "import os\n"
                                 "print(os.path.dirname(sysconfig.get_config_h_filename()))\n"},
                                {}, dir, 30);
  if (!r.started || r.timed_out || r.exit_code != 0) {
    std::cerr << "lifecheck: cannot run the interpreter '" << python << "'"
              << (r.err.empty() ? std::string() : ":\n" + last_lines(r.err, 5)) << "\n";
    return std::nullopt;
  }
  std::stringstream ss(r.out);
  std::string version, impl, nogil, executable, include, ext_suffix, config_include;
  ss >> version >> impl >> nogil;
  std::getline(ss >> std::ws, executable);
  std::getline(ss, include);
  std::getline(ss, ext_suffix);
  std::getline(ss, config_include);
  if (!std::filesystem::exists(std::filesystem::path(include) / "Python.h")) include.clear();
  if (config_include == include ||
      !std::filesystem::exists(std::filesystem::path(config_include) / "pyconfig.h"))
    config_include.clear();
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
  return Interpreter{executable, version, *profile, include, ext_suffix, config_include};
}

// ------------------------------------------------------------ traces

// The model program conform compares against: the scenario, with every
// property ignored that only observes (P7.x, expect lines, quiescence), so
// that no model run stops where the interpreter goes on. assert, uncaught
// exceptions and deadlocks stop the run in the script as well, a run that
// never ends (termination) never ends there either, and after a
// memory-safety violation the interpreter's behaviour is undefined (it
// may crash).
model::Program judged(model::Program p, bool c_types) {
  for (const model::PropertyInfo& prop : model::all_properties()) {
    std::string id = prop.id;
    if (id == "assert" || id == "uncaught-exception" || id == "deadlock" || id == "memory-safety" ||
        id == model::Model::kTermination || p.ignored(id) || (c_types && prop.undefined_after))
      continue;
    p.ignores.push_back(model::Ignore{id, "conform: the interpreter does not stop here", 0});
  }
  return p;
}

namespace {
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
}  // namespace

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

namespace {
// A line with every run of digits read as one token.
std::string without_numbers(const std::string& line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    const bool digit = line[i] >= '0' && line[i] <= '9';
    if (!digit) {
      out += line[i];
    } else if (i == 0 || line[i - 1] < '0' || line[i - 1] > '9') {
      out += '#';
    }
  }
  return out;
}
}  // namespace

std::string count_only_hint(const model::Program& program, const ObservedTrace& model,
                            const ObservedTrace& seen) {
  if (model.size() != seen.size() || model == seen) return {};
  for (size_t i = 0; i < model.size(); ++i)
    if (without_numbers(model[i]) != without_numbers(seen[i])) return {};
  bool collects = false;
  for (const model::FuncInfo& f : program.funcs)
    for (const model::Op& op : f.code) collects = collects || op.code == model::OpCode::Collect;
  if (!collects) return {};
  return "      note: the traces differ only in the numbers they show, and the scenario calls\n"
         "      gc.collect(): if a number shown is its result, the model and the interpreter\n"
         "      disagree on how many objects a collection found, not on the order of events\n"
         "      (docs/conformance.md, \"Limits of the judge\")\n";
}

std::string show(const ObservedTrace& t) {
  std::string out;
  for (const std::string& s : t) out += "          " + s + "\n";
  return out.empty() ? "          (nothing observable)\n" : out;
}

// How long a script may run; one the model says may never end gets less,
// since running on is then the expected outcome.

ScriptRun run_script(const ConformOptions& options, const std::string& python,
                     const std::string& script, const TempDir& dir, const std::string& token,
                     double seconds, const std::vector<std::string>& python_flags, bool then_free) {
  ScriptRun s;
  std::string result = dir.file("result.json");
  std::filesystem::remove(result);
  std::filesystem::remove(result + ".trace");
  // The caller's own LIFECHECK_* settings must not leak into the runs.
  std::vector<std::pair<std::string, std::string>> env = {
      {"LIFECHECK_RESULT", result},
      {"LIFECHECK_REPLAY", token},
      {"LIFECHECK_SWITCH_INTERVAL", token.empty() ? options.switch_interval : ""},
      {"LIFECHECK_TURN_TIMEOUT", ""},
      {"LIFECHECK_THEN_FREE", then_free ? "1" : ""}};
  // -I: no PYTHON* variables, no user site: only the script decides.
  std::vector<std::string> argv = {python, "-I"};
  argv.insert(argv.end(), python_flags.begin(), python_flags.end());
  argv.push_back(script);
  ProcessResult r = run_process(argv, env, dir, seconds);
  if (r.timed_out) {
    s.timed_out = true;
    s.problem = fmt::format("the script did not finish within {:g} s", seconds);
    return s;
  }
  std::string text = read_file(result);
  s.exit_code = r.exit_code;
  if (r.signal != 0) {
    s.signal = r.signal;
    s.problem = fmt::format("the interpreter died of signal {} ({}):\n{}", r.signal,
                            ::strsignal(r.signal), last_lines(r.err, 6));
    // its trace so far: the side file the harness appends each line to (a
    // pre-sized shared mapping: the lines end at the first NUL byte)
    std::string side = read_file(result + ".trace");
    side.resize(std::min(side.size(), side.find('\0')));
    std::stringstream lines(side);
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

// Random among the enabled threads, never an alternative: an alternative
// starts an automatic collection, which cannot be forced on an interpreter
// (its thresholds decide when one starts).
namespace {

// Without the GIL the model also stops before ops on shared state (F14,
// model/SwitchPoints.cpp) and between C slot steps, where the script has
// no _turn(): only the eval-breaker checks (and joins) and the points where
// runtime work yields are places it can hold a thread.
bool stops_where_the_script_cannot(const model::Program& p, const model::State& s,
                                   model::ThreadId t) {
  if (p.profile.gil) return false;
  const model::Thread& th = s.threads[t];
  // main's check before it blocks in join: the script's main goes on from
  // starting the threads into its wait (checking its eval breaker there).
  if (th.frames.empty()) return t == 0 && s.main_stage == model::MainStage::PreJoin;
  const model::Frame& f = th.frames.back();
  // A decref of a shared local, or the next step of a C slot: the script
  // holds a thread only where it yields (a call, release_gil), as with the GIL.
  if (f.kind != model::FrameKind::Body) return !f.has(model::kYielded);
  const model::OpCode code = p.funcs[f.func].code[f.pc].code;
  return code != model::OpCode::Check && code != model::OpCode::Join;
}

// F6 (D10): main, waiting for the others, merges its queue as each one
// ends (and once more when the last has). The script's main waits in its own loop (no _turn()),
// woken by every thread's end, and merges there at once: such a step is taken as soon as it is
// enabled and is not part of the token.
bool main_merges_while_waiting(const model::State& s, model::ThreadId t) {
  return t == 0 && s.threads[0].frames.empty() && s.main_stage == model::MainStage::JoinAll &&
         !s.threads[0].merge_queue.empty();
}

class ThreadScheduler : public checker::Scheduler {
 public:
  ThreadScheduler(const model::Model& m, uint64_t seed, bool as_script)
      : model_(m), state_(m.initial()), random_(seed), as_script_(as_script) {}
  std::optional<size_t> pick(const std::vector<checker::ScheduleChoice>& enabled) override {
    std::vector<checker::ScheduleChoice> threads;
    std::vector<size_t> index;
    // C1: a set's release order is the interpreter's (by address), which
    // no script forces: a run takes any of the orders, so that runs ending
    // as the interpreter's did can be found among the model's.
    if (!enabled.empty() &&
        model::set_order_choices(model_.program(), state_, enabled[0] & 0xFF) > 0) {
      std::optional<size_t> p = random_.pick(enabled);
      if (p) model_.step(state_, enabled[*p]);
      return p;
    }
    for (size_t i = 0; i < enabled.size(); ++i)
      if ((enabled[i] >> 8) == 0) {
        threads.push_back(enabled[i]);
        index.push_back(i);
      }
    std::optional<size_t> p;
    // A thread stopped where the script cannot hold it runs on: forced
    // runs are the model's runs that switch only where the script can.
    for (size_t i = 0; i < threads.size() && last_ && as_script_; ++i)
      if (threads[i] == *last_ &&
          stops_where_the_script_cannot(model_.program(), state_,
                                        static_cast<model::ThreadId>(*last_)))
        p = i;
    for (size_t i = 0; i < threads.size() && !p && as_script_; ++i)
      if (main_merges_while_waiting(state_, static_cast<model::ThreadId>(threads[i]))) p = i;
    if (!p) p = random_.pick(threads);
    if (!p) return std::nullopt;
    last_ = threads[*p];
    model_.step(state_, threads[*p]);  // mirror the run to see where it stops
    return index[*p];
  }

 private:
  const model::Model& model_;
  model::State state_;
  std::optional<checker::ScheduleChoice> last_;
  checker::RandomScheduler random_;
  bool as_script_;
};

}  // namespace

std::optional<ModelRun> model_run(const model::Model& m, uint64_t seed, bool as_script) {
  ThreadScheduler sched(m, seed, as_script);
  model::Trace t = model::run_trace(m, sched, 100000);
  ModelRun run;
  std::vector<uint16_t> path;
  // The script is forced thread by thread at its _turn() points; a step
  // that only picks the free-threaded collector's heap order is none, nor
  // is one that goes on from an F14 switch point, nor main's merge while it
  // waits for the others. Nor is a step that picks which member of a set
  // goes next (C1): the interpreter's order is its table's.
  model::State state = m.initial();
  for (const model::TraceStep& s : t.steps) {
    const auto thread = static_cast<model::ThreadId>(s.choice & 0xFF);
    const bool heap_order = model::order_choices(m.program(), state, thread) > 0;
    run.unforced_order =
        run.unforced_order || model::set_order_choices(m.program(), state, thread) > 0;
    const bool goes_on = stops_where_the_script_cannot(m.program(), state, thread) ||
                         main_merges_while_waiting(state, thread);
    m.step(state, s.choice);
    if (!heap_order && !goes_on) path.push_back(s.choice);
    for (const model::Event& e : s.events)
      if (auto text = model::observable_text(m.program(), e)) run.trace.push_back(*text);
  }
  run.token = checker::encode_schedule(m.program().fingerprint, path);
  const auto& props = t.outcome.properties;
  auto has = [&](const char* id) {
    return std::find(props.begin(), props.end(), id) != props.end();
  };
  run.unsafe = has("memory-safety");
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
      run.outcome = has("assert")               ? "assert"
                    : has("uncaught-exception") ? "exception"
                    : has("deadlock")           ? "schedule-exhausted"
                                                : "violation";
      break;
  }
  return run;
}

// ------------------------------------------------------------ one scenario

std::vector<std::pair<uint64_t, ModelRun>> distinct_model_runs(const model::Model& m, int wanted) {
  std::vector<std::pair<uint64_t, ModelRun>> out;
  std::set<std::string> tokens;
  for (uint64_t seed = 1;
       static_cast<int>(out.size()) < wanted && seed <= static_cast<uint64_t>(wanted) * 8; ++seed) {
    auto run = model_run(m, seed);
    if (run && tokens.insert(run->token).second) out.emplace_back(seed, std::move(*run));
  }
  return out;
}

bool some_model_run_ends_so(const model::Model& m, const std::string& outcome,
                            const ObservedTrace& trace, int seeds) {
  for (uint64_t seed = 1; seed <= static_cast<uint64_t>(seeds); ++seed) {
    auto run = model_run(m, seed, false);
    if (run && run->outcome == outcome && run->trace == trace) return true;
  }
  return false;
}

const ObservedTrace* closest(const model::TraceSet& allowed, const ObservedTrace& t) {
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

bool forced_exactly_under(const model::Profile& p) {
  return p.gc_algorithm != model::GcAlgorithm::FreeThreaded;
}

Verdict fail(const std::string& file, const std::string& why) {
  std::cout << "FAIL  " << file << ": " << why;
  if (why.empty() || why.back() != '\n') std::cout << "\n";
  return Verdict::Fail;
}

}  // namespace lifecheck::cli::conform
