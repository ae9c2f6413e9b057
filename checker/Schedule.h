// Replay tokens: a schedule (the sequence of choices from the initial
// state) plus the fingerprint of the scenario and profile it belongs to.
//   lc1:<fingerprint, 16 hex digits>:<steps>
// Steps are '.'-separated; each is a thread number, with ":alt" for a
// non-default choice of that thread, and "xN" for N repetitions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifecheck::checker {

// A choice: low byte = thread, high byte = alternative (0 = the default).
using ScheduleChoice = uint16_t;

std::string encode_schedule(uint64_t fingerprint, const std::vector<ScheduleChoice>& steps);

struct DecodedSchedule {
  uint64_t fingerprint = 0;
  std::vector<ScheduleChoice> steps;
};

// Returns nullopt and sets `error` for a malformed token.
std::optional<DecodedSchedule> decode_schedule(const std::string& token, std::string& error);

}  // namespace lifecheck::checker
