// Helpers shared by the real-interpreter judge of Python-level scenarios
// (cli/Conform.cpp) and of scenarios with C types (cli/ConformC.cpp).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/Conform.h"
#include "lang/Compiler.h"
#include "model/Model.h"
#include "model/Observe.h"

namespace lifecheck::cli::conform {

using model::ObservedTrace;

enum class Verdict { Pass, Fail, Skip, Bad };

std::string read_file(const std::string& path);

struct ProcessResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;
  int signal = 0;  // the signal that killed it (SIGSEGV, SIGABRT...), or 0
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
                          const TempDir& dir, double timeout);
// The last n lines of text, indented for a report.
std::string last_lines(const std::string& text, size_t n);

struct Interpreter {
  std::string executable;  // sys.executable: runs skip wrappers such as pyenv shims
  std::string version;     // "3.11.7"
  model::Profile profile;
  // For C types: where its Python.h is (empty: none installed) and the
  // file name suffix of its extension modules.
  std::string include;
  std::string ext_suffix;
  // Where its pyconfig.h is when that is elsewhere: an interpreter run from
  // its build tree (tools/build-cpython-ft.sh's out-of-tree builds).
  std::string config_include;
};

// Runs the interpreter once to learn its version, build and headers;
// prints why and returns nullopt when it cannot be judged.
std::optional<Interpreter> probe(const std::string& python, const TempDir& dir);

// The model program conform compares against: the scenario, with every
// property ignored that only observes (docs/conformance.md §2). A run
// still stops at a memory-safety violation (after it the interpreter's
// behaviour is undefined: it may crash), and with `c_types` at every
// property after which it is not defined (PropertyInfo::undefined_after:
// memory-safety, P7.14, P7.16, P7.27, P7.30).
model::Program judged(model::Program p, bool c_types = false);

// A line diff of two traces, a trace for a report, the allowed trace
// closest to `t` (edit distance).
std::string diff(const ObservedTrace& model, const ObservedTrace& seen);
std::string show(const ObservedTrace& t);
const ObservedTrace* closest(const model::TraceSet& allowed, const ObservedTrace& t);
// Where the two traces differ only in the numbers their lines show and the
// scenario calls gc.collect(): a note that the difference may be only a
// collection's count (docs/conformance.md §6); empty otherwise.
std::string count_only_hint(const model::Program& program, const ObservedTrace& model,
                            const ObservedTrace& seen);
// Prints a FAIL line.
Verdict fail(const std::string& file, const std::string& why);

struct ScriptRun {
  bool ok = false;  // the script ran and reported a result
  bool timed_out = false;
  int signal = 0;  // the process died of this signal (SIGSEGV, SIGABRT...);
                   // `trace` then holds the lines the harness wrote so far
  int exit_code = 0;
  std::string problem;  // when !ok
  std::string outcome, detail;
  ObservedTrace trace;
};

constexpr double kScriptSeconds = 120;
// Seeded model runs searched for one that ends as a free-threaded forced
// run did (some_model_run_ends_so).
constexpr int kOtherEndingSeeds = 400;
constexpr double kEndlessScriptSeconds = 5;

// One run of an emitted script; `token` forces a schedule when not empty,
// and with `then_free` the interpreter runs on freely after its last step
// instead of stopping there (schedule-exhausted).
ScriptRun run_script(const ConformOptions& options, const std::string& python,
                     const std::string& script, const TempDir& dir, const std::string& token,
                     double seconds = kScriptSeconds,
                     const std::vector<std::string>& python_flags = {}, bool then_free = false);

struct ModelRun {
  std::string token;
  ObservedTrace trace;
  std::string outcome;
  bool unsafe = false;  // it ended in a memory-safety violation
  // it passed an order no script can force: the members of a set released
  // in table order, by address (semantics.md C1)
  bool unforced_order = false;
};

// The model's run under the schedule of a seeded random run among threads
// (never an automatic collection); nullopt for a run that never ends or
// stops at a model limit.
// `as_script`: runs the script can follow (a thread stopped where the
// script cannot hold it runs on); otherwise any run among threads.
std::optional<ModelRun> model_run(const model::Model& m, uint64_t seed, bool as_script = true);

// Free-threaded profiles: whether one of `seeds` seeded random model runs
// ends with `outcome` and shows `trace` (a forced run whose interpreter
// merged a queue at a check the script cannot hold, F6, and so ended as
// another run of the model does).
bool some_model_run_ends_so(const model::Model& m, const std::string& outcome,
                            const ObservedTrace& trace, int seeds);

// Free-threaded profiles: the collector's heap order (F-G3) and the
// owner's merges (F6) cannot be forced, so a forced run is checked against
// the model's trace set, not the schedule's own trace.
bool forced_exactly_under(const model::Profile& p);

// Up to `wanted` model runs with distinct schedules, from seeds 1, 2, ...
// (at most 8 seeds per run wanted), with the seed of each.
std::vector<std::pair<uint64_t, ModelRun>> distinct_model_runs(const model::Model& m, int wanted);

}  // namespace lifecheck::cli::conform
