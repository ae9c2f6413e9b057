// A scheduler picks one of the enabled choices at each step of a single run
// (shuttle-style). Strategies: RandomScheduler (seeded), ReplayScheduler
// (a recorded schedule). The exhaustive Explorer does not use them.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "checker/Schedule.h"

namespace lifecheck::checker {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Index into `enabled`, or nullopt to stop the run (a replay that ended,
  // or a choice that is not enabled).
  virtual std::optional<size_t> pick(const std::vector<ScheduleChoice>& enabled) = 0;
};

}  // namespace lifecheck::checker
