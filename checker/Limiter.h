// Limits and progress for a search: the state limit and an outside stop
// request at every call; time, memory and the progress line every 1024
// calls (reading the clock and /proc costs more than a transition), and the
// resident memory at most every kMemoryPeriod however often the searches
// ask (a breadth-first search asks every 64 states). A stop
// for time, memory or an interrupt is urgent: the search then reports at
// once, without looking for a cycle among what it saw.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "checker/Search.h"

namespace lifecheck::checker {

class Limiter {
 public:
  explicit Limiter(const SearchOptions& options)
      : options_(options), start_(std::chrono::steady_clock::now()), last_report_(start_) {}

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // A non-empty reason when a limit is reached. `store_bytes()` is called
  // only for the progress line.
  template <class StoreBytes>
  std::string check(const Stats& stats, uint64_t pending, StoreBytes store_bytes) {
    const Limits& l = options_.limits;
    if (l.max_states && stats.states >= l.max_states)
      return "state limit (" + std::to_string(l.max_states) + " states)";
    if (l.stop && l.stop->load(std::memory_order_relaxed)) return stop("interrupted");
    if ((++calls_ & 1023) != 0) return {};
    return slow_checks(stats, pending, store_bytes);
  }

  // The time, memory and stop checks alone, now.
  template <class StoreBytes>
  std::string slow_checks(const Stats& stats, uint64_t pending, StoreBytes store_bytes) {
    const Limits& l = options_.limits;
    if (l.stop && l.stop->load(std::memory_order_relaxed)) return stop("interrupted");
    auto now = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(now - start_).count();
    if (l.max_seconds > 0 && secs > l.max_seconds)
      return stop(fmt::format("time limit ({:g} s)", l.max_seconds));
    if (l.max_memory_mb && (memory_read_ == std::chrono::steady_clock::time_point{} ||
                            now - memory_read_ >= kMemoryPeriod)) {
      memory_read_ = now;
      if (current_rss_bytes() > l.max_memory_mb * 1024 * 1024)
        return stop("memory limit (" + std::to_string(l.max_memory_mb) + " MiB)");
    }
    if (options_.progress && std::chrono::duration<double>(now - last_report_).count() >= 1.0) {
      last_report_ = now;
      Stats s = stats;
      s.seconds = secs;
      s.store_bytes = store_bytes();
      options_.progress->progress(s, pending);
    }
    return {};
  }

  bool urgent() const { return urgent_; }

 private:
  std::string stop(std::string why) {
    urgent_ = true;
    return why;
  }
  static constexpr std::chrono::milliseconds kMemoryPeriod{10};
  const SearchOptions& options_;
  std::chrono::steady_clock::time_point start_, last_report_;
  std::chrono::steady_clock::time_point memory_read_{};  // the epoch: not read yet
  uint64_t calls_ = 0;
  bool urgent_ = false;
};

}  // namespace lifecheck::checker
