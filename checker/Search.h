// Options, limits, statistics and results of a search. Generic over the
// model's Choice type. One SearchOptions object carries every choice a
// search makes (back end, store, reductions, workers, limits).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/StepResult.h"
#include "checker/Store.h"

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
  BreadthFirst,  // level by level, on `jobs` workers (Bfs.h)
  DepthFirst,    // a stack per worker: less memory for a frontier (Dfs.h,
                 // ParallelDfs.h)
};

struct Stats {
  uint64_t states = 0;       // distinct states (tree nodes without a visited set)
  uint64_t transitions = 0;  // transitions of the explored graph
  uint32_t max_depth = 0;
  // max_depth is the deepest stack of a depth-first search: on several
  // workers it depends on their timing, so reports show it only beside
  // the timings (for every number of workers, to keep their bytes equal).
  bool depth_from_stack = false;
  double seconds = 0;
  uint64_t store_bytes = 0;  // bytes held by the visited set
  uint64_t peak_rss_bytes = 0;
  // Partial-order reduction: states expanded with fewer choices than were
  // enabled, and the transitions that saved.
  uint64_t reduced_states = 0;
  uint64_t pruned_transitions = 0;
  // Reduced states whose one transition explored does not raise the
  // model's progress measure (all of them without one). The persistent
  // sets' cycle proviso then rests on the reduced graph having no cycle:
  // where it has one among the transitions kept for the cycle check
  // (`kept_cycle`, fair or not), explore() searches again without the
  // reduction and sets `por_restarted` (Explorer.h).
  uint64_t reduced_keeping = 0;
  bool kept_cycle = false;
  bool por_restarted = false;
  // The model's progress measure (Engine.h) went down on some transition:
  // the cycles found without the transitions that raise it are not to be
  // trusted, and explore() searches again keeping every transition.
  bool progress_decreased = false;
  // Fingerprint store: the probability that two distinct states were merged
  // (TLC's optimistic estimate n(m-n)/2^64 and the birthday bound n^2/2^65).
  // Bitstate store: the chance per new state of being taken for a seen one.
  double omission_optimistic = 0;
  double omission_bound = 0;
  double bitstate_false_positive = 0;
  double hash_factor = 0;  // bitstate: bits per stored state
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Called about once a second; `pending` is the DFS stack or BFS frontier.
  virtual void progress(const Stats& stats, uint64_t pending) = 0;
};

struct SearchOptions {
  SearchOrder order = SearchOrder::BreadthFirst;
  // Workers; the verdict, counts and counterexample do not depend on their
  // number (nor, breadth-first, the depth).
  unsigned jobs = 1;
  StoreKind store = StoreKind::Exact;
  unsigned bitstate_log2_bits = 32;  // 2^32 bits: 512 MiB
  unsigned bitstate_hashes = 3;
  // Partial-order reduction, where the model offers it (persistent_choice).
  bool partial_order = true;
  // Sleep sets over the model's footprints (Engine.h, SleepModel), in the
  // breadth-first search with a store that gives bytes back; they prune
  // transitions only, never states. Off by default (Bfs.h).
  bool sleep_sets = false;
  // Look for cycles only among the transitions that keep the model's
  // progress measure, where it has one (false: among all; for comparisons).
  bool use_progress_measure = true;
  Limits limits;
  bool use_visited_set = true;  // false: plain tree search (for soundness tests)
  // Breadth-first: the frontier states expanded per slice of a level (0: the
  // default, 2^17). Only memory depends on it; tests use tiny slices.
  size_t bfs_slice = 0;
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
