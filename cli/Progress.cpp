#include "cli/Progress.h"

#include <fmt/format.h>

#include <iostream>

#include "checker/Engine.h"
#include "checker/Hash.h"

namespace lifecheck::cli {

void StateSpaceEstimate::one_run() {
  model::State s = model_.initial();
  std::vector<model::Model::Choice> enabled;
  std::string bytes;
  // A run that loops (a termination violation) is cut off.
  for (uint32_t depth = 0; depth < 100000; ++depth) {
    model_.encode(s, bytes);
    uint64_t key = checker::mix64(checker::hash_bytes(bytes) + depth);
    if (++seen_[key] == 1) depth_of_[key] = depth;
    if (runs_at_depth_.size() <= depth) runs_at_depth_.resize(depth + 1);
    ++runs_at_depth_[depth];
    // The search chooses a persistent set on the decoded state (its thread
    // numbering): a run chooses on the same one to walk the same space.
    if (partial_order_) s = model_.decode(bytes);
    model_.enabled(s, enabled);
    if (enabled.empty()) break;
    checker::reduce_choices(model_, s, enabled, partial_order_);
    rng_ += 0x9e3779b97f4a7c15ull;
    if (!model_.step(s, enabled[checker::mix64(rng_) % enabled.size()]).ok()) break;
  }
  ++runs_;
}

void StateSpaceEstimate::sample_runs(uint64_t runs) {
  for (uint64_t i = 0; i < runs && seen_.size() < kMaxSampled; ++i) one_run();
}

void StateSpaceEstimate::sample(double seconds) {
  auto start = std::chrono::steady_clock::now();
  while (seen_.size() < kMaxSampled) {
    one_run();
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds)
      break;
  }
}

std::optional<double> StateSpaceEstimate::estimate() const {
  if (runs_ < 20) return std::nullopt;
  std::vector<double> distinct(runs_at_depth_.size()), f1(runs_at_depth_.size()),
      f2(runs_at_depth_.size());
  for (const auto& [key, times] : seen_) {
    uint32_t d = depth_of_.at(key);
    distinct[d] += 1;
    if (times == 1) f1[d] += 1;
    if (times == 2) f2[d] += 1;
  }
  double total = 0;
  for (size_t d = 0; d < runs_at_depth_.size(); ++d)
    total += distinct[d] + f1[d] * (f1[d] > 0 ? f1[d] - 1 : 0) / (2 * (f2[d] + 1));
  return total;
}

std::string count_text(double n, bool short_form) {
  if (short_form && n >= 1e9) return fmt::format("{:.1f}G", n / 1e9);
  if (short_form && n >= 1e6) return fmt::format("{:.1f}M", n / 1e6);
  if (short_form && n >= 1e4) return fmt::format("{:.0f}k", n / 1e3);
  std::string digits = fmt::format("{:.0f}", n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void TerminalProgress::progress(const checker::Stats& s, uint64_t pending) {
  // About 5% of the search's time goes to the estimate's random runs.
  estimate_.sample(0.05);
  std::string est;
  if (auto e = estimate_.estimate())
    est = "  est. ~" + count_text(std::max(*e, static_cast<double>(s.states + pending)), true) +
          " states";
  int secs = static_cast<int>(s.seconds);
  std::string elapsed = secs >= 3600
                            ? fmt::format("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
                            : fmt::format("{}:{:02}", secs / 60, secs % 60);
  double rate = s.seconds > 0 ? s.states / s.seconds : 0;
  std::cerr << fmt::format("\r\033[K  {}{}  {} states  {}/s  depth {}  frontier {}{}", label_,
                           elapsed, count_text(static_cast<double>(s.states)), count_text(rate),
                           s.max_depth, count_text(static_cast<double>(pending)), est)
            << std::flush;
  shown_ = true;
}

void TerminalProgress::clear() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace lifecheck::cli
