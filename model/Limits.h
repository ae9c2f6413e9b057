// A bound of the model itself (object slots, stack depth) was exceeded: the
// search reports a partial result instead of a verdict.
#pragma once

#include <string>

namespace lifecheck::model {

struct ModelLimit {
  std::string message;
};

inline constexpr size_t kMaxFrames = 1000;  // per thread: deep dealloc chains
// Runtime operations in one step (between two scheduling points). Only a
// runtime that loops without end reaches it, such as a mutated collector
// whose broken property a scenario ignores.
inline constexpr size_t kMaxOpsPerStep = 1000000;
inline constexpr uint8_t kTrashcanDepth = 50;  // TC1: PyTrash_UNWIND_LEVEL
// IT6 (Iteration.cpp): a `for x in v` loop takes at most 64 items (a list
// its body keeps growing ends in a limit, not an endless search), so its
// FOR_ITER runs at most 65 times; its iterator is three operand stack slots.
inline constexpr uint16_t kMaxLoopNexts = 65;
inline constexpr uint16_t kIteratorSlots = 3;

}  // namespace lifecheck::model
