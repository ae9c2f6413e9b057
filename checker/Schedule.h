// Replay tokens: a schedule (the sequence of choices from the initial
// state) plus the fingerprint of the scenario and profile it belongs to,
// sealed by a checksum:
//   lc2:<fingerprint: 16 hex digits>:<steps>:<CRC-32: 8 hex digits>
// Steps are '.'-separated; each is a thread number (0-255), ":A" for
// alternative A (1-255) of that thread, and "xN" (N >= 2) for a run of N
// identical steps. The checksum is the CRC-32 (as zlib's crc32) of
// everything before its ':'. Parsing is strict: lowercase hex, no blanks,
// signs or leading zeros, runs merged (two neighbouring steps differ), so a
// schedule has exactly one token; a token cut short or altered fails the
// checksum instead of replaying another schedule.
//
// lc1 tokens (before the checksum) are refused with a message saying so:
// a cut-off lc1 token could not be told from a shorter schedule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifecheck::checker {

// A choice: low byte = thread, high byte = alternative (0 = the default).
using ScheduleChoice = uint16_t;

// The longest schedule a token may hold (simulate --max-steps is bounded by
// it, so every token lifecheck prints replays), and the longest token text.
inline constexpr size_t kMaxScheduleSteps = 100'000'000;
inline constexpr size_t kMaxTokenChars = 1 << 20;

std::string encode_schedule(uint64_t fingerprint, const std::vector<ScheduleChoice>& steps);

struct DecodedSchedule {
  uint64_t fingerprint = 0;
  std::vector<ScheduleChoice> steps;
};

// Returns nullopt and sets `error` for a malformed token. The token's length
// and its number of steps (at most `max_steps`) are checked before the
// steps are expanded.
std::optional<DecodedSchedule> decode_schedule(const std::string& token, std::string& error,
                                               size_t max_steps = kMaxScheduleSteps);

// CRC-32 (the polynomial and conventions of zlib's crc32), the checksum of
// lc2 tokens.
uint32_t token_checksum(const std::string& text);

}  // namespace lifecheck::checker
