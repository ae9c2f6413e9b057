#include "checker/Schedule.h"

#include <boost/crc.hpp>
#include <cstdio>
#include <string_view>

namespace lifecheck::checker {

namespace {

constexpr std::string_view kPrefix = "lc2:";
constexpr size_t kFingerprintDigits = 16, kChecksumDigits = 8;

std::string hex(uint64_t value, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(value));
  return buf;
}

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

uint64_t parse_hex(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = v << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}

// A decimal number at s[i...] without sign, blanks or leading zeros, at
// most `max`; advances i. nullopt when there is none or it is too large.
std::optional<uint64_t> number(std::string_view s, size_t& i, uint64_t max) {
  size_t start = i;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
    if (v > max) return std::nullopt;
  }
  if (i == start || (s[start] == '0' && i - start > 1)) return std::nullopt;
  return v;
}

struct Run {
  ScheduleChoice choice;
  uint64_t count;
};

}  // namespace

uint32_t token_checksum(const std::string& text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return crc.checksum();
}

std::string encode_schedule(uint64_t fingerprint, const std::vector<ScheduleChoice>& steps) {
  std::string out = std::string(kPrefix) + hex(fingerprint, kFingerprintDigits) + ":";
  size_t i = 0;
  while (i < steps.size()) {
    size_t run = 1;
    while (i + run < steps.size() && steps[i + run] == steps[i]) ++run;
    if (i) out += '.';
    out += std::to_string(steps[i] & 0xFF);
    if (steps[i] >> 8) out += ":" + std::to_string(steps[i] >> 8);
    if (run > 1) out += "x" + std::to_string(run);
    i += run;
  }
  return out + ":" + hex(token_checksum(out), kChecksumDigits);
}

std::optional<DecodedSchedule> decode_schedule(const std::string& token, std::string& error,
                                               size_t max_steps) {
  auto bad = [&](std::string why) -> std::optional<DecodedSchedule> {
    error = std::move(why);
    return std::nullopt;
  };
  if (token.size() > kMaxTokenChars)
    return bad("the replay token is longer than " + std::to_string(kMaxTokenChars) +
               " characters; lifecheck never prints one that long");
  std::string_view t = token;
  if (t.substr(0, 4) == "lc1:")
    return bad(
        "an lc1 replay token, from an earlier lifecheck: lc1 tokens carry no checksum (a "
        "cut-off one replayed a shorter schedule) and are no longer accepted; run the command "
        "that printed it again for an lc2 token");
  const size_t fp_end = kPrefix.size() + kFingerprintDigits;
  if (t.substr(0, kPrefix.size()) != kPrefix || t.size() <= fp_end || t[fp_end] != ':' ||
      !lower_hex(t.substr(kPrefix.size(), kFingerprintDigits)))
    return bad("not a lifecheck replay token (expected lc2:<16 hex digits>:<steps>:<checksum>)");
  // The checksum first: a token cut short or altered is "not this schedule",
  // whatever its steps look like.
  size_t sum_at = t.rfind(':');
  if (sum_at == fp_end || t.size() - sum_at - 1 != kChecksumDigits ||
      !lower_hex(t.substr(sum_at + 1)))
    return bad(
        "the replay token is incomplete (it does not end in its 8-digit checksum): it is not "
        "the schedule that was printed; copy the whole token");
  if (parse_hex(t.substr(sum_at + 1)) != token_checksum(std::string(t.substr(0, sum_at))))
    return bad(
        "the replay token is incomplete or altered (its checksum does not match): it is not "
        "the schedule that was printed; copy the whole token");

  DecodedSchedule d;
  d.fingerprint = parse_hex(t.substr(kPrefix.size(), kFingerprintDigits));
  std::string_view steps = t.substr(fp_end + 1, sum_at - fp_end - 1);
  std::vector<Run> runs;  // at most one per two characters of a checked-size token
  uint64_t total = 0;
  size_t i = 0;
  while (i < steps.size()) {
    size_t start = i;
    auto step_error = [&](const char* what) {
      size_t end = steps.find('.', start);
      return bad(
          std::string(what) + " in step " + std::to_string(runs.size() + 1) + " ('" +
          std::string(steps.substr(start, end == std::string_view::npos ? end : end - start)) +
          "') of the replay token");
    };
    auto thread = number(steps, i, 255);
    if (!thread) return step_error("a bad thread number");
    uint64_t alt = 0, count = 1;
    if (i < steps.size() && steps[i] == ':') {
      auto a = number(steps, ++i, 255);
      if (!a || *a == 0) return step_error("a bad alternative");
      alt = *a;
    }
    if (i < steps.size() && steps[i] == 'x') {
      auto n = number(steps, ++i, max_steps);
      if (!n || *n < 2) return step_error("a bad repeat count");
      count = *n;
    }
    if (i < steps.size() && (steps[i] != '.' || i + 1 == steps.size()))
      return step_error("unexpected text");
    if (i < steps.size()) ++i;  // '.'
    auto choice = static_cast<ScheduleChoice>(*thread | alt << 8);
    if (!runs.empty() && runs.back().choice == choice)
      return step_error("a repeat of the step before (runs are written once, with xN)");
    total += count;
    if (total > max_steps)
      return bad("the replay token holds more than " + std::to_string(max_steps) + " steps");
    runs.push_back(Run{choice, count});
  }
  d.steps.reserve(static_cast<size_t>(total));
  for (const Run& r : runs) d.steps.insert(d.steps.end(), static_cast<size_t>(r.count), r.choice);
  return d;
}

}  // namespace lifecheck::checker
