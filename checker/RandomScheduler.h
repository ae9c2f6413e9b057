// Uniformly random choices from a seeded generator. splitmix64 keeps the
// sequence identical across platforms and standard libraries.
#pragma once

#include <cstdint>

#include "checker/Hash.h"
#include "checker/Scheduler.h"

namespace lifecheck::checker {

class RandomScheduler : public Scheduler {
 public:
  explicit RandomScheduler(uint64_t seed) : state_(seed) {}

  std::optional<size_t> pick(const std::vector<ScheduleChoice>& enabled) override {
    if (enabled.empty()) return std::nullopt;
    state_ += 0x9e3779b97f4a7c15ull;
    return static_cast<size_t>(mix64(state_) % enabled.size());
  }

 private:
  uint64_t state_;
};

}  // namespace lifecheck::checker
