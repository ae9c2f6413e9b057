// The search behind `check`: one exhaustive search, or with --all one per
// violated property. --all repeats the search breadth-first, each time
// ignoring the properties already found, so each counterexample is a
// shortest one for its property (among runs that do not stop at the
// properties ignored before it). It uses the engine only through
// checker::explore, so any back end serves.
#pragma once

#include <string>
#include <vector>

#include "checker/Search.h"
#include "cli/Commands.h"
#include "model/Model.h"

namespace lifecheck::cli {

struct FoundViolation {
  // The scenario as this search saw it: the caller's program plus the
  // properties found before, ignored (replaying the token needs them too).
  model::Program program;
  std::vector<std::string> ignored_before;
  checker::SearchResult<model::Model::Choice> result;
};

struct ScenarioSearch {
  checker::Verdict verdict = checker::Verdict::Holds;  // Violated when anything was found
  std::string limit;     // the limit that stopped the last search, if one did
  checker::Stats stats;  // summed over the searches
  int searches = 0;
  bool symmetry = false;  // thread symmetry was in use
  std::vector<FoundViolation> found;
  // A search that found nothing and was not cut short (in this process):
  // per expect line, the events it saw (model::Model::expect_events_seen);
  // empty otherwise
  std::vector<uint8_t> expect_seen;
};

ScenarioSearch search_scenario(const model::Program& program, const CheckOptions& options);

}  // namespace lifecheck::cli
