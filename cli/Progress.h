// The progress line of a long search on a terminal (never in a pipe):
//   0:12  1,234,567 states  95,120/s  depth 57  frontier 3,210  est. ~2.1M states
// Fields are described in docs/output-formats.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "checker/Search.h"
#include "model/Model.h"

namespace lifecheck::cli {

// An estimate of the size of the state space from random runs (each a
// seeded random schedule to its end), depth by depth: a run gives one sample
// of the states at each depth it reaches, and Chao's estimator (bias
// corrected) adds to the states seen at a depth those not seen yet,
// f1 (f1 - 1) / (2 (f2 + 1)), where f1 and f2 count the states met exactly
// once and exactly twice there. Random runs favour likely states, so it errs
// low and rises as runs are added (on 3 threads of bench/b1.sh without
// reductions: 37% of the 26,710 states after 100 runs, 56% after 1,000,
// 82% after 5,000, as docs/output-formats.md has it); where
// the runs meet every state more than once it is exact (2,030 runs of
// 2 threads: 508 for 474 states). With `partial_order` the runs take the
// choices the search explores (a thread's step alone where the model's
// persistent sets allow), so they sample the reduced space the search
// walks, not the whole one.
class StateSpaceEstimate {
 public:
  explicit StateSpaceEstimate(const model::Model& model, bool partial_order = false,
                              uint64_t seed = 1)
      : model_(model), partial_order_(partial_order), rng_(seed) {}
  // More random runs: `runs` of them, or for about `seconds`.
  void sample_runs(uint64_t runs);
  void sample(double seconds);
  // None until 20 runs were made.
  std::optional<double> estimate() const;
  uint64_t runs() const { return runs_; }

 private:
  void one_run();
  // Memory stays small: the sample stops growing at a million states.
  static constexpr size_t kMaxSampled = 1000000;

  const model::Model& model_;
  bool partial_order_;
  uint64_t rng_;
  uint64_t runs_ = 0;
  std::vector<uint64_t> runs_at_depth_;  // runs that reached each depth
  // (state hash, depth) -> times met
  std::unordered_map<uint64_t, uint32_t> seen_;
  std::unordered_map<uint64_t, uint32_t> depth_of_;
};

// `label` prefixes the line ("search 2: " under --all).
class TerminalProgress : public checker::ProgressSink {
 public:
  TerminalProgress(const model::Model& model, bool partial_order, std::string label = "")
      : estimate_(model, partial_order), label_(std::move(label)) {}
  void progress(const checker::Stats& s, uint64_t pending) override;
  void clear();

 private:
  StateSpaceEstimate estimate_;
  std::string label_;
  bool shown_ = false;
};

// 1234567 -> "1,234,567"; 2100000 -> "2.1M" when `short_form`.
std::string count_text(double n, bool short_form = false);

}  // namespace lifecheck::cli
