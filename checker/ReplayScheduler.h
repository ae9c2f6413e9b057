// Replays a recorded schedule; stops at its end or at a choice that is not
// enabled (the caller reports the mismatch).
#pragma once

#include <algorithm>

#include "checker/Scheduler.h"

namespace lifecheck::checker {

class ReplayScheduler : public Scheduler {
 public:
  explicit ReplayScheduler(std::vector<ScheduleChoice> steps) : steps_(std::move(steps)) {}

  std::optional<size_t> pick(const std::vector<ScheduleChoice>& enabled) override {
    if (next_ >= steps_.size()) return std::nullopt;
    auto it = std::find(enabled.begin(), enabled.end(), steps_[next_]);
    if (it == enabled.end()) {
      mismatch_ = true;
      return std::nullopt;
    }
    ++next_;
    return static_cast<size_t>(it - enabled.begin());
  }

  bool more_planned() const override { return next_ < steps_.size(); }
  bool finished() const { return next_ == steps_.size(); }
  bool mismatch() const { return mismatch_; }
  size_t position() const { return next_; }

 private:
  std::vector<ScheduleChoice> steps_;
  size_t next_ = 0;
  bool mismatch_ = false;
};

}  // namespace lifecheck::checker
