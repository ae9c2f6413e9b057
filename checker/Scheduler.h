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
  // Steps are planned beyond this one (a replay): a run that comes back to
  // a state it had goes on to them (a fair loop may pass its first state
  // more than once, Fairness.h) and the loop closes where they end.
  virtual bool more_planned() const { return false; }
};

}  // namespace lifecheck::checker
