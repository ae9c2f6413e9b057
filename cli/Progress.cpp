#include "cli/Progress.h"

#include <fmt/format.h>

#include <iostream>

#include "checker/Hash.h"

namespace lifecheck::cli {

void StateSpaceEstimate::one_run() {
  model::State s = model_.initial();
  std::vector<model::Model::Choice> enabled;
  std::string bytes;
  // A run that loops (a termination violation) is cut off.
  for (int steps = 0; steps < 100000; ++steps) {
    model_.encode(s, bytes);
    ++seen_[checker::hash_bytes(bytes)];
    model_.enabled(s, enabled);
    if (enabled.empty()) break;
    rng_ += 0x9e3779b97f4a7c15ull;
    if (!model_.step(s, enabled[checker::mix64(rng_) % enabled.size()]).ok()) break;
  }
  ++runs_;
}

void StateSpaceEstimate::sample(double seconds) {
  auto start = std::chrono::steady_clock::now();
  // Memory stays small: the sample stops growing at a million states.
  while (seen_.size() < 1000000) {
    one_run();
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > seconds)
      break;
  }
}

std::optional<double> StateSpaceEstimate::estimate() const {
  double f1 = 0, f2 = 0;
  for (const auto& [hash, times] : seen_) {
    if (times == 1) ++f1;
    if (times == 2) ++f2;
  }
  if (runs_ < 20 || f2 < 10) return std::nullopt;
  return static_cast<double>(seen_.size()) + f1 * f1 / (2 * f2);
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
