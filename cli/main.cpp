// lifecheck: command-line entry point (CLI11). The verbs live in Commands.cpp.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "checker/Schedule.h"
#include "cli/Commands.h"
#include "cli/Conform.h"
#include "cli/Extract.h"
#include "cli/Fuzz.h"
#include "cli/HandOver.h"
#include "cli/Interrupt.h"
#include "cli/Mpi.h"
#include "lang/Diagnostic.h"

using namespace lifecheck::cli;

namespace {

// Limits and counts are plain decimal numbers: CLI11 reads "-1" into an
// unsigned as 2^64 - 1, which would silently mean "no limit".
const CLI::Validator kWholeNumber(
    [](std::string& s) -> std::string {
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos &&
          ec == std::errc() && end == s.data() + s.size())
        return {};
      return "expected a whole number of 0 or more, got '" + lifecheck::lang::escape_control(s) +
             "'";
    },
    "");

// Seconds: a finite number of 0 or more (NaN and inf are not limits).
const CLI::Validator kSeconds(
    [](std::string& s) -> std::string {
      char* end = nullptr;
      double v = s.empty() ? -1 : std::strtod(s.c_str(), &end);
      if (end && *end == '\0' && std::isfinite(v) && v >= 0 &&
          s.find_first_of("xXpP") == std::string::npos)
        return {};
      return "expected a number of seconds (0 or more), got '" +
             lifecheck::lang::escape_control(s) + "'";
    },
    "");

// --max-memory: loading a scenario stays within it too (lang/Load.h).
void add_memory_option(CLI::App* cmd, uint64_t& mb) {
  cmd->add_option("--max-memory", mb, "stop above this RSS (MiB); 0: no limit")
      ->check(kWholeNumber)
      ->capture_default_str();
}

void add_scenario_options(CLI::App* cmd, ScenarioOptions& o) {
  cmd->add_option("--profile", o.profile,
                  "CPython profile (P311 ... P314g, or 3.11, 3.13.5, ...); overrides the file");
  cmd->add_option("--runtime-bug", o.runtime_bugs,
                  "inject a runtime mutation (see list-properties); repeatable");
  cmd->add_option("--ignore", o.ignores,
                  "do not check this property (as an 'ignore' line would); repeatable");
}

// Prints a command-line error on one line, with control characters escaped
// (the message may quote what was typed); --help and --version as usual.
int parse_error(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return app.exit(e);
  std::cerr << "lifecheck: " << lifecheck::lang::escape_control(e.what())
            << " (--help lists the options)\n";
  return kBadInput;
}

void add_output_options(CLI::App* cmd, OutputOptions& o) {
  cmd->add_flag("--json", o.json,
                "machine-readable output (format: docs/output-formats.md, version 1)");
  cmd->add_flag("--verbose", o.verbose, "also show refcount, tracking and GC-phase events");
  cmd->add_option("--dot", o.dot_file,
                  "write the heap as DOT: at the failing state, or at the end of the first "
                  "run when there is no counterexample");
  cmd->add_option("--html", o.html_dir,
                  "write an HTML report per counterexample or run (and index.html) into DIR");
  cmd->add_option("--junit", o.junit_file,
                  "write JUnit XML: a test case per scenario and property");
  cmd->add_option("--sarif", o.sarif_file,
                  "write SARIF 2.1.0: a result per violation, at the failing step's line");
}

int bad_option(const std::string& why) {
  std::cerr << "lifecheck: " << why << " (--help lists the options)\n";
  return kBadInput;
}

int needs_mpi(const std::string& flag) {
  if (mpi_built()) return 0;
  return bad_option(flag +
                    " needs a lifecheck built with MPI (CMake option LIFECHECK_MPI, on when MPI "
                    "is found; Debian: libopenmpi-dev)");
}

// Starts MPI; ranks other than 0 print nothing (every rank runs the same
// command in lock-step, cli/Mpi.h). Returns this rank, -1 when the output
// cannot be silenced.
int start_ranks(int* argc, char*** argv) {
  const int rank = mpi_start(argc, argv);
  if (rank != 0 &&
      (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)))
    return -1;
  return rank;
}

// --distributed and --swarm: their conflicts are bad input (exit 2, before
// MPI starts); then MPI starts, and ranks other than 0 print nothing and
// write no files.
int start_mpi_run(CheckOptions& check, bool dfs, bool no_visited, bool store_given, int* argc,
                  char*** argv) {
  const std::string flag = check.distributed ? "--distributed" : "--swarm";
  if (int bad = needs_mpi(flag)) return bad;
  if (no_visited) return bad_option(flag + " needs a visited set: drop --no-visited-set");
  if (check.distributed && dfs)
    return bad_option("--distributed searches breadth-first: drop --dfs");
  if (check.distributed && check.store == lifecheck::checker::StoreKind::Bitstate)
    return bad_option(
        "--distributed keeps an exact or fingerprint store per rank; for bitstate "
        "searches use --swarm");
  if (check.swarm && store_given)
    return bad_option(
        "--swarm gives each rank its own bitstate store: drop --store "
        "(--bitstate-bits sets the largest table)");
  if (check.swarm && check.all)
    return bad_option("--swarm cannot promise a counterexample per property: drop --all");
  const int rank = start_ranks(argc, argv);
  if (rank < 0) return kBadInput;
  check.ranks = static_cast<unsigned>(mpi_ranks());
  if (rank != 0) {
    check.quiet = true;
    check.output.dot_file.clear();
    check.output.html_dir.clear();
    check.output.junit_file.clear();
    check.output.sarif_file.clear();
  }
  return 0;
}

// lifecheck fuzz, on MPI ranks under --distributed: bad options are bad
// input before MPI starts; rank 0 alone prints and writes the file.
int run_fuzz(const lifecheck::gen::FuzzOptions& options, const std::string& out_dir, bool json,
             bool distributed, int* argc, char*** argv) {
  if (!distributed) return fuzz_command(options, out_dir, json);
  if (int bad = needs_mpi("--distributed")) return bad;
  if (int bad = fuzz_options_error(options)) return bad;
  const int rank = start_ranks(argc, argv);
  if (rank < 0) return kBadInput;
  const int code = fuzz_command(options, out_dir, json, fuzz_spread(), rank == 0);
  print_fuzz_figures();
  mpi_stop();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lifecheck: a model checker for CPython object lifecycle and GC interleavings"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lifecheck 0.1.0");

  CheckOptions check;
  // A search that outgrows the machine ends with a partial result rather
  // than being killed: by default it stops at three quarters of memory.
  const uint64_t default_memory_mb =
      lifecheck::checker::physical_memory_bytes() / (1024 * 1024) * 3 / 4;
  check.limits.max_memory_mb = default_memory_mb;
  check.limits.stop = &stop_requested();
  std::vector<std::string> files;
  bool bfs = false, dfs = false, no_visited = false, no_symmetry = false, no_por = false;
  bool sleep_sets = false;
  check.jobs = std::max(1u, std::thread::hardware_concurrency());
  const std::map<std::string, lifecheck::checker::StoreKind> store_kinds{
      {"exact", lifecheck::checker::StoreKind::Exact},
      {"fingerprint", lifecheck::checker::StoreKind::Fingerprint},
      {"bitstate", lifecheck::checker::StoreKind::Bitstate}};
  auto add_check_options = [&](CLI::App* cmd) {
    add_scenario_options(cmd, check.scenario);
    auto* bfs_flag = cmd->add_flag(
        "--bfs", bfs, "breadth-first search, level by level on --jobs workers (the default)");
    cmd->add_flag("--dfs", dfs,
                  "depth-first search, on --jobs workers sharing the visited set (less memory for "
                  "a frontier)")
        ->excludes(bfs_flag);
    cmd->add_option("-j,--jobs", check.jobs,
                    "workers (default: every core); verdicts, counts and counterexamples do not "
                    "depend on it")
        ->check(CLI::Range(1u, 256u));
    cmd->add_option("--store", check.store,
                    "visited set: exact (default), fingerprint (64-bit hashes, a small chance "
                    "of a missed state, reported) or bitstate (a bit array, depth-first)")
        ->transform(CLI::CheckedTransformer(store_kinds, CLI::ignore_case));
    cmd->add_option("--bitstate-bits", check.bitstate_log2_bits,
                    "bitstate store: 2^N bits (default 32: 512 MiB; at most 36)")
        ->check(CLI::Range(10u, 36u));
    cmd->add_flag("--no-visited-set", no_visited,
                  "explore without a visited set (tree search; for comparisons)");
    cmd->add_flag("--no-symmetry", no_symmetry,
                  "do not merge states that differ by a permutation of identical threads");
    cmd->add_flag("--no-por", no_por,
                  "no partial-order reduction (every interleaving of threads' private steps)");
    cmd->add_flag("--sleep-sets", sleep_sets,
                  "sleep sets over the model's step footprints, together with the persistent "
                  "sets (with --no-por: sleep sets alone, every state kept; breadth-first, "
                  "exact store; experimental; with thread symmetry too)");
    cmd->add_option("--max-states", check.limits.max_states,
                    "stop after this many states; 0: no limit")
        ->check(kWholeNumber);
    cmd->add_option("--max-depth", check.limits.max_depth,
                    "do not go deeper than this; 0: no limit")
        ->check(kWholeNumber);
    add_memory_option(cmd, check.limits.max_memory_mb);
    cmd->add_option("--max-seconds", check.limits.max_seconds,
                    "stop after this many seconds; 0: no limit")
        ->check(kSeconds);
    auto* distributed_flag = cmd->add_flag(
        "--distributed", check.distributed,
        "under mpirun: one exhaustive breadth-first search with its states split over the "
        "ranks (same results as one process; docs/distributed.md)");
    cmd->add_flag("--swarm", check.swarm,
                  "under mpirun: one randomized depth-first bitstate search per rank, the "
                  "first counterexample stops all (bug hunting; never 'holds')")
        ->excludes(distributed_flag);
    cmd->add_flag("--quiet", check.quiet, "no progress line on a terminal");
    cmd->add_flag("--timing", check.output.timing, "include timings in --json output");
  };

  CLI::App* check_cmd = app.add_subcommand("check", "explore every interleaving of scenarios");
  check_cmd->add_option("files", files, "scenario files (.life)")->required();
  add_check_options(check_cmd);
  add_output_options(check_cmd, check.output);
  check_cmd->add_flag("--all", check.all,
                      "after a violation, search on: a shortest counterexample per violated "
                      "property (breadth-first; implies --bfs)");

  CLI::App* suite_cmd =
      app.add_subcommand("suite", "check scenarios against their 'verdict' lines");
  suite_cmd->add_option("paths", files, "scenario files or directories")->required();
  add_check_options(suite_cmd);

  std::string file, token;
  uint64_t seed = 0;
  size_t steps = 10000;
  ScenarioOptions scenario;
  scenario.max_memory_mb = default_memory_mb;
  OutputOptions output;
  CLI::App* sim = app.add_subcommand("simulate", "one seeded random run, printed as a trace");
  sim->add_option("file", file, "scenario file")->required();
  sim->add_option("--seed", seed, "random seed")->required()->check(kWholeNumber);
  sim->add_option("--max-steps", steps, "stop after this many steps (at most 100000000)")
      ->check(kWholeNumber & CLI::Range(size_t{0}, lifecheck::checker::kMaxScheduleSteps));
  add_scenario_options(sim, scenario);
  add_memory_option(sim, scenario.max_memory_mb);
  add_output_options(sim, output);

  CLI::App* rep = app.add_subcommand("replay", "replay a counterexample token step by step");
  rep->add_option("file", file, "scenario file")->required();
  rep->add_option("token", token, "replay token (lc2:...)")->required();
  add_scenario_options(rep, scenario);
  add_memory_option(rep, scenario.max_memory_mb);
  add_output_options(rep, output);

  std::string emit_replay, emit_out;
  CLI::App* emit_cmd = app.add_subcommand(
      "emit-python", "write a Python script that runs a scenario on a real interpreter");
  emit_cmd->add_option("file", file, "scenario file")->required();
  emit_cmd->add_option("--replay", emit_replay, "force this model schedule (a replay token)");
  emit_cmd->add_option("--out", emit_out, "write the script here instead of to stdout");
  add_scenario_options(emit_cmd, scenario);
  add_memory_option(emit_cmd, scenario.max_memory_mb);

  std::string emit_c_dir = ".";
  CLI::App* emit_c_cmd = app.add_subcommand(
      "emit-c", "write a scenario's C types as an extension module, with its Python driver");
  emit_c_cmd->add_option("file", file, "scenario file")->required();
  emit_c_cmd->add_option("--replay", emit_replay, "force this model schedule (a replay token)");
  emit_c_cmd->add_option("--out-dir", emit_c_dir, "write the two files here (default .)");
  add_scenario_options(emit_c_cmd, scenario);
  add_memory_option(emit_c_cmd, scenario.max_memory_mb);

  ConformOptions conform;
  CLI::App* conform_cmd = app.add_subcommand(
      "conform", "run scenarios on a real interpreter and check its traces against the model");
  conform_cmd->add_option("paths", files, "scenario files or directories")->required();
  conform_cmd->add_option("--python", conform.python, "the interpreter to judge")->required();
  conform_cmd->add_option("--runs", conform.runs, "free runs per scenario (default 10)")
      ->check(kWholeNumber);
  conform_cmd
      ->add_option("--forced", conform.forced,
                   "model schedules forced on the interpreter per scenario (default 5)")
      ->check(kWholeNumber);
  conform_cmd->add_flag("--verbose", conform.verbose, "print every distinct observed trace");
  conform_cmd->add_option("--switch-interval", conform.switch_interval,
                          "free runs: sys.setswitchinterval(S) (e.g. 1e-6)");
  conform_cmd->add_option("--profile", conform.profile,
                          "model profile (default: the interpreter's version)");
  conform.max_memory_mb = default_memory_mb;
  add_memory_option(conform_cmd, conform.max_memory_mb);

  std::string extract_file, extract_out;
  std::vector<std::string> extract_flags;
  CLI::App* extract_cmd = app.add_subcommand(
      "extract", "write a scenario skeleton from a C extension source (ctype blocks)");
  extract_cmd->add_option("file", extract_file, "C source file")->required();
  extract_cmd->add_option("flags", extract_flags, "compiler flags after '--' (-I, -D, -std=...)");
  extract_cmd->add_option("--out", extract_out, "write the scenario here instead of to stdout");

  lifecheck::gen::FuzzOptions fuzz;
  std::string fuzz_out = "fuzz-out";
  bool fuzz_json = false, broken_ctypes = false, no_ctypes = false;
  CLI::App* fuzz_cmd = app.add_subcommand(
      "fuzz", "generate scenarios, check each, and shrink the first violation to a .life file");
  fuzz_cmd->add_option("--seed", fuzz.seed, "random seed (default 1)")->check(kWholeNumber);
  fuzz_cmd->add_option("--runs", fuzz.runs, "scenarios to check (default 100)")
      ->check(kWholeNumber);
  fuzz_cmd
      ->add_option("--max-states", fuzz.max_states,
                   "state limit per scenario; larger ones are set aside (default 20000)")
      ->check(kWholeNumber);
  fuzz_cmd->add_option("--max-size", fuzz.max_size, "size of the last scenarios (default 60)")
      ->check(kWholeNumber);
  fuzz_cmd->add_option("--profile", fuzz.profile, "CPython profile of every scenario");
  fuzz_cmd->add_option("--runtime-bug", fuzz.runtime_bugs, "inject a runtime mutation; repeatable");
  fuzz_cmd->add_option("--property", fuzz.properties,
                       "only violations of this property count; repeatable");
  fuzz_cmd->add_flag("--broken-ctypes", broken_ctypes,
                     "C types may get a broken tp_dealloc (a dropped or swapped step)");
  fuzz_cmd->add_flag("--no-ctypes", no_ctypes, "Python classes only");
  fuzz_cmd->add_option("--out", fuzz_out, "folder for the minimal scenario (default fuzz-out)");
  fuzz_cmd->add_flag("--json", fuzz_json, "machine-readable output");
  bool fuzz_distributed = false;
  fuzz_cmd->add_flag("--distributed", fuzz_distributed,
                     "under mpirun: the checks dealt round the ranks (same output as one "
                     "process; docs/distributed.md)");

  bool json = false;
  CLI::App* lp = app.add_subcommand("list-properties", "the built-in properties and runtime bugs");
  lp->add_flag("--json", json, "machine-readable output");
  CLI::App* lprof = app.add_subcommand("list-profiles", "the CPython version profiles");
  lprof->add_flag("--json", json, "machine-readable output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e);
  }
  check.scenario.max_memory_mb = check.limits.max_memory_mb;
  check.order = dfs ? lifecheck::checker::SearchOrder::DepthFirst
                    : lifecheck::checker::SearchOrder::BreadthFirst;
  check.use_visited_set = !no_visited;
  check.symmetry = !no_symmetry;
  check.partial_order = !no_por;
  check.sleep_sets = sleep_sets;
  // Checked options first (bad input is told the same by both programs),
  // then the commands that need libclang or MPI go to lifecheck-full.
  if (hands_over_to_full() && (extract_cmd->parsed() || check.distributed || check.swarm ||
                               (fuzz_cmd->parsed() && fuzz_distributed)))
    return hand_over_to_full(argv);
  if (check.distributed || check.swarm) {
    const CLI::App* cmd = check_cmd->parsed() ? check_cmd : suite_cmd;
    if (int bad = start_mpi_run(check, dfs, no_visited, cmd->get_option("--store")->count() > 0,
                                &argc, &argv))
      return bad;
  }
  // The commands that stop at an interrupt and report it; the others keep
  // the default (Ctrl-C ends them at once).
  for (CLI::App* cmd : {check_cmd, suite_cmd, sim, rep, conform_cmd})
    if (cmd->parsed()) install_interrupt_handlers();

  if (check_cmd->parsed() || suite_cmd->parsed()) {
    const int code =
        check_cmd->parsed() ? check_command(files, check) : suite_command(files, check);
    mpi_stop();
    return code;
  }
  if (sim->parsed()) return simulate_command(file, seed, steps, scenario, output);
  if (rep->parsed()) return replay_command(file, token, scenario, output);
  if (emit_cmd->parsed()) return emit_python_command(file, emit_replay, emit_out, scenario);
  if (emit_c_cmd->parsed()) return emit_c_command(file, emit_replay, emit_c_dir, scenario);
  if (conform_cmd->parsed()) return conform_command(files, conform);
  if (extract_cmd->parsed()) return extract_command(extract_file, extract_flags, extract_out);
  if (fuzz_cmd->parsed()) {
    fuzz.config.broken_ctypes = broken_ctypes;
    if (no_ctypes) fuzz.config.max_ctypes = 0;
    return run_fuzz(fuzz, fuzz_out, fuzz_json, fuzz_distributed, &argc, &argv);
  }
  if (lp->parsed()) return list_properties_command(json);
  if (lprof->parsed()) return list_profiles_command(json);
  return kBadInput;
}
