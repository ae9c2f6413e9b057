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

// A rough size of the state space from random runs (each one a seeded
// random schedule to its end), by Chao's species-richness estimator over
// the canonical states they visit: seen + f1^2 / (2 f2), where f1 and f2
// count the states met exactly once and exactly twice. Random runs favour
// the states near the initial one, so it errs low; it only grows as more
// runs are added.
class StateSpaceEstimate {
 public:
  explicit StateSpaceEstimate(const model::Model& model, uint64_t seed = 1)
      : model_(model), rng_(seed) {}
  // More random runs, for about `seconds`.
  void sample(double seconds);
  // None until enough states were met twice to make one.
  std::optional<double> estimate() const;
  uint64_t runs() const { return runs_; }

 private:
  void one_run();

  const model::Model& model_;
  uint64_t rng_;
  uint64_t runs_ = 0;
  std::unordered_map<uint64_t, uint32_t> seen_;  // state hash -> times met
};

// `label` prefixes the line ("search 2: " under --all).
class TerminalProgress : public checker::ProgressSink {
 public:
  explicit TerminalProgress(const model::Model& model, std::string label = "")
      : estimate_(model), label_(std::move(label)) {}
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
