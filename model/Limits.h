// A bound of the model itself (object slots, stack depth) was exceeded: the
// search reports a partial result instead of a verdict.
#pragma once

#include <string>

namespace lifecheck::model {

struct ModelLimit {
  std::string message;
};

inline constexpr size_t kMaxFrames = 400;  // per thread: deep dealloc chains

}  // namespace lifecheck::model
