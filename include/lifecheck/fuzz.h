// Fuzzing: generate scenarios (generators.h), check each exhaustively
// within limits, and shrink the first violation to a minimal scenario whose
// shortest counterexample is the schedule to replay. Deterministic: the
// same options give the same result, byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lifecheck/generators.h"
#include "lifecheck/lifecheck.h"

namespace lifecheck::gen {

struct FuzzOptions {
  uint64_t seed = 1;
  int runs = 100;               // scenarios checked to the end (limited ones not counted)
  int max_size = 60;            // rapidcheck size of the last run; runs grow up to it
  uint64_t max_states = 20000;  // per check; a scenario past it is set aside
  std::string profile;          // empty: the default profile
  std::vector<std::string> runtime_bugs;
  GenConfig config;
  // Only violations of these properties count (empty: any property).
  std::vector<std::string> properties;
};

struct FuzzResult {
  int runs = 0;  // scenarios checked to a verdict
  // Scenarios set aside: past max_states, or endless by their own code (a
  // finalizer that re-creates its object forever loops in real CPython too,
  // so it says nothing of the runtime under test).
  int limited = 0;
  bool found = false;
  int found_at = 0;       // the run (1-based) that found it
  int shrink_steps = 0;   // successful shrinks
  int shrink_checks = 0;  // candidates checked while shrinking
  ScenarioSpec original;  // as generated
  ScenarioSpec minimal;   // after shrinking
  std::string text;       // minimal.to_life()
  CheckResult result;     // breadth-first check of `text`: a shortest counterexample
  std::string property;   // the property kept while shrinking
};

// How the fuzz loop's checks are carried out: up to `width` independent
// checks at a time are handed to `run`, which returns their codes in order
// (check(i) for i < count). The default runs them one by one in this
// process; `lifecheck fuzz --distributed` spreads each batch over the MPI
// ranks (cli/Mpi.h). Every width gives the same FuzzResult: the fuzzer
// takes the first run, and while shrinking the first candidate, that
// breaks a property in the order of the one-by-one loop.
struct FuzzSpread {
  size_t width = 1;
  std::function<std::vector<int>(size_t count, const std::function<int(size_t)>& check)> run;
};

// `progress` (optional) receives one line per event worth showing.
FuzzResult fuzz(const FuzzOptions& options,
                const std::function<void(const std::string&)>& progress = {},
                const FuzzSpread& spread = {});

}  // namespace lifecheck::gen
