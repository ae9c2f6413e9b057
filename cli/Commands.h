// The lifecheck verbs. Exit codes: 0 every property holds (or the run had
// no violation), 1 a counterexample, 2 bad input, 3 a limit stopped the
// search before a verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/Schedule.h"
#include "checker/Search.h"
#include "lang/Compiler.h"
#include "model/Profile.h"

namespace lifecheck::cli {

enum ExitCode { kHolds = 0, kViolated = 1, kBadInput = 2, kLimit = 3 };

struct ScenarioOptions {
  std::string profile;                    // --profile, overrides the file's
  std::vector<std::string> runtime_bugs;  // --runtime-bug
  std::vector<std::string> ignores;       // --ignore: properties not checked
  uint64_t max_memory_mb = 0;             // --max-memory: loading stays within it; 0 none
};

// A profile named on the command line; prints the error when unknown.
std::optional<model::Profile> profile_option(const std::string& name);
// --profile and --runtime-bug as compile options; prints the error and
// returns nullopt when one of them, or a property of --ignore, is unknown.
// --profile all is left to the caller.
std::optional<lang::CompileOptions> compile_options(const ScenarioOptions& options);

// Reads, parses and compiles a scenario within `max_memory_mb` (0: none);
// prints the one-line error and returns nullopt on bad input.
std::optional<model::Program> load_program(const std::string& file,
                                           const lang::CompileOptions& options,
                                           uint64_t max_memory_mb);

// Decodes a replay token for `program` (format, checksum, fingerprint,
// every step enabled where it is taken); prints the error and returns
// nullopt when it is not a schedule of this scenario. `what_profile`: a
// hint added to the fingerprint error.
std::optional<std::vector<checker::ScheduleChoice>> decode_token_for(const model::Program& program,
                                                                     const std::string& token,
                                                                     const std::string& hint = "");

// A path for --dot/--out that can be written (its folder exists and is
// writable, and it is not a folder); prints the error otherwise. Checked
// before anything runs, so bad input writes nothing.
bool writable_path(const std::string& path, const char* what);

// The scenario files named by `paths`: files as given, folders searched
// for *.life (sorted within each). A folder that cannot be read is
// reported (one error line) and skipped; then it returns false.
bool scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& files);

struct OutputOptions {
  bool json = false;
  bool verbose = false;
  bool timing = false;     // timing fields in JSON (not deterministic)
  std::string dot_file;    // heap at the failing/final state as DOT
  std::string html_dir;    // one HTML report per counterexample or run
  std::string junit_file;  // JUnit XML: a test case per scenario and property
  std::string sarif_file;  // SARIF 2.1.0: a result per violation
};

struct CheckOptions {
  ScenarioOptions scenario;
  OutputOptions output;
  checker::SearchOrder order = checker::SearchOrder::BreadthFirst;
  unsigned jobs = 1;  // breadth-first workers; results do not depend on it
  checker::StoreKind store = checker::StoreKind::Exact;
  unsigned bitstate_log2_bits = 32;
  checker::Limits limits;
  bool use_visited_set = true;
  bool symmetry = true;  // merge states of interchangeable threads (model/Symmetry.h)
  bool partial_order = true;  // explore a private step alone (model/Independence.cpp)
  // sleep sets over step footprints (model/Footprint.cpp, checker/BfsSleepSets.inc)
  bool sleep_sets = false;
  bool quiet = false;    // no progress line even on a terminal
  bool all = false;      // --all: a shortest counterexample per violated property
  // --distributed / --swarm: the search runs on every MPI rank (cli/Mpi.h)
  bool distributed = false;
  bool swarm = false;
  unsigned ranks = 1;  // MPI ranks, for the summary line
};

int check_command(const std::vector<std::string>& files, const CheckOptions& options);
int suite_command(const std::vector<std::string>& paths, const CheckOptions& options);
int simulate_command(const std::string& file, uint64_t seed, size_t max_steps,
                     const ScenarioOptions& scenario, const OutputOptions& output);
int replay_command(const std::string& file, const std::string& token,
                   const ScenarioOptions& scenario, const OutputOptions& output);
int list_properties_command(bool json);
int list_profiles_command(bool json);

}  // namespace lifecheck::cli
