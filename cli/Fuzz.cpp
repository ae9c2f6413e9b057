#include "cli/Fuzz.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

namespace lifecheck::cli {

namespace {

// The command that reproduces a fuzz run, for the file's header.
std::string command_line(const gen::FuzzOptions& o) {
  std::string c = fmt::format("lifecheck fuzz --seed {} --runs {} --max-states {}", o.seed, o.runs,
                              o.max_states);
  if (!o.profile.empty()) c += " --profile " + o.profile;
  for (const std::string& b : o.runtime_bugs) c += " --runtime-bug " + b;
  if (o.config.broken_ctypes) c += " --broken-ctypes";
  if (o.config.max_ctypes == 0) c += " --no-ctypes";
  for (const std::string& p : o.properties) c += " --property " + p;
  return c;
}

}  // namespace

int fuzz_options_error(const gen::FuzzOptions& options) {
  if (options.runs < 1 || options.max_size < 1) {
    std::cerr << "lifecheck: --runs and --max-size must be at least 1\n";
    return kBadInput;
  }
  // Unknown names are bad input before anything runs.
  try {
    Scenario::parse("pass\n", "options", LoadOptions{options.profile, options.runtime_bugs});
  } catch (const ScenarioError& e) {
    std::cerr << "lifecheck: " << e.what() << "\n";
    return kBadInput;
  }
  const std::vector<std::string> known = lifecheck::properties();
  for (const std::string& p : options.properties)
    if (std::find(known.begin(), known.end(), p) == known.end()) {
      std::cerr << "lifecheck: unknown property '" << p
                << "'; 'lifecheck list-properties' lists them\n";
      return kBadInput;
    }
  return 0;
}

int fuzz_command(const gen::FuzzOptions& options, const std::string& out_dir, bool as_json,
                 const gen::FuzzSpread& spread, bool writes) {
  if (int bad = fuzz_options_error(options)) return bad;
  auto say = [&](const std::string& line) {
    if (!as_json) std::cout << line << "\n" << std::flush;
  };
  gen::FuzzResult r = gen::fuzz(options, say, spread);
  nlohmann::json j{
      {"seed", options.seed}, {"runs", r.runs}, {"set_aside", r.limited}, {"found", r.found}};
  if (!r.found) {
    const bool gave_up = r.runs < options.runs;
    if (as_json) {
      j["complete"] = !gave_up;
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << fmt::format("no violation in {} scenarios ({} set aside at {} states){}\n",
                               r.runs, r.limited, options.max_states,
                               gave_up ? "; stopped early: too many set aside" : "");
    }
    return gave_up ? kLimit : kHolds;
  }
  if (!writes) return kViolated;

  // The minimal scenario, with its verdict line and how to reproduce it.
  std::string body = "verdict violates " + r.property + "\n\n" + r.text;
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const std::string path = (std::filesystem::path(out_dir) /
                            fmt::format("fuzz-seed{}-run{}.life", options.seed, r.found_at))
                               .string();
  // The token comes from the file as written: comment lines do not change
  // a scenario's fingerprint, so the header can carry it.
  lifecheck::CheckOptions bfs;
  bfs.breadth_first = true;
  bfs.max_states = options.max_states;
  CheckResult shown = lifecheck::check(Scenario::parse(body, path), bfs);
  std::string header =
      fmt::format("# Found by: {}\n# run {}, shrunk in {} steps ({} candidates checked)\n",
                  command_line(options), r.found_at, r.shrink_steps, r.shrink_checks);
  header +=
      "# " +
      std::string(shown.violated() ? "replay: lifecheck replay " + path + " " + shown.replay_token
                                   : "no counterexample within the limit") +
      "\n";
  std::ofstream file(path);
  file << header << body;
  if (!file) {
    std::cerr << "lifecheck: cannot write " << path << "\n";
    return kBadInput;
  }
  if (as_json) {
    j["found_at"] = r.found_at;
    j["property"] = r.property;
    j["file"] = path;
    j["shrink_steps"] = r.shrink_steps;
    j["shrink_checks"] = r.shrink_checks;
    j["statements"] = r.minimal.statements();
    j["message"] = shown.message;
    j["replay"] = shown.replay_token;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("minimal scenario ({} statements): {}\n", r.minimal.statements(),
                             path);
    std::cout << "  " << shown.message << "\n";
    std::cout << "  replay: lifecheck replay " << path << " " << shown.replay_token << "\n";
  }
  return kViolated;
}

}  // namespace lifecheck::cli
