// Options, limits, statistics and results of a search. Generic over the
// model's Choice type.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/StepResult.h"

namespace lifecheck::checker {

struct Limits {
  uint64_t max_states = 0;     // 0 = no limit
  uint32_t max_depth = 0;      // transitions from the initial state
  uint64_t max_memory_mb = 0;  // resident memory of the process
  double max_seconds = 0;
  // Set (by a signal handler, say) to stop the search at its next step with
  // a partial result, like any other limit.
  const std::atomic<bool>* stop = nullptr;
};

enum class SearchOrder {
  DepthFirst,    // stateful DFS with a visited set
  BreadthFirst,  // level by level: the first counterexample is a shortest one
};

struct Stats {
  uint64_t states = 0;       // distinct states (tree nodes without a visited set)
  uint64_t transitions = 0;  // transitions applied
  uint32_t max_depth = 0;
  double seconds = 0;
  uint64_t store_bytes = 0;  // bytes held by the visited set
  uint64_t peak_rss_bytes = 0;
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Called about once a second; `pending` is the DFS stack or BFS frontier.
  virtual void progress(const Stats& stats, uint64_t pending) = 0;
};

struct SearchOptions {
  SearchOrder order = SearchOrder::DepthFirst;
  Limits limits;
  bool use_visited_set = true;  // false: plain tree search (for soundness tests)
  ProgressSink* progress = nullptr;
};

enum class Verdict { Holds, Violated, LimitReached };

template <class Choice>
struct SearchResult {
  Verdict verdict = Verdict::Holds;
  Stats stats;
  std::vector<Choice> path;  // Violated: transitions from the initial state
  StepResult failure;        // Violated: the broken properties
  std::string limit;         // LimitReached: which limit stopped the search
  // Violated by a run that never ends: the state after the whole path is the
  // state after its first `loop_start` choices; the rest repeats forever.
  std::optional<size_t> loop_start;
};

// Resident set size of this process, in bytes (0 where unknown).
uint64_t current_rss_bytes();
uint64_t peak_rss_bytes();
// Physical memory of the machine, in bytes (0 where unknown).
uint64_t physical_memory_bytes();

}  // namespace lifecheck::checker
