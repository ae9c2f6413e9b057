#include "checker/Schedule.h"

#include <cctype>
#include <cstdio>
#include <sstream>

namespace lifecheck::checker {

std::string encode_schedule(uint64_t fingerprint, const std::vector<ScheduleChoice>& steps) {
  char fp[17];
  std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(fingerprint));
  std::string out = std::string("lc1:") + fp + ":";
  size_t i = 0;
  bool first = true;
  while (i < steps.size()) {
    size_t run = 1;
    while (i + run < steps.size() && steps[i + run] == steps[i]) ++run;
    if (!first) out += '.';
    first = false;
    out += std::to_string(steps[i] & 0xFF);
    if (steps[i] >> 8) {
      out += ':';
      out += std::to_string(steps[i] >> 8);
    }
    if (run > 1) {
      out += 'x';
      out += std::to_string(run);
    }
    i += run;
  }
  return out;
}

std::optional<DecodedSchedule> decode_schedule(const std::string& token, std::string& error) {
  DecodedSchedule d;
  if (token.rfind("lc1:", 0) != 0 || token.size() < 21 || token[20] != ':') {
    error = "not a lifecheck replay token (expected lc1:<16 hex digits>:<steps>)";
    return std::nullopt;
  }
  std::string fp = token.substr(4, 16);
  for (char c : fp)
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      error = "bad fingerprint in replay token";
      return std::nullopt;
    }
  d.fingerprint = std::stoull(fp, nullptr, 16);
  std::string rest = token.substr(21);
  std::stringstream ss(rest);
  std::string item;
  while (!rest.empty() && std::getline(ss, item, '.')) {
    unsigned thread = 0, alt = 0, count = 1;
    int consumed = 0;
    if (std::sscanf(item.c_str(), "%u%n", &thread, &consumed) != 1) {
      error = "bad step '" + item + "' in replay token";
      return std::nullopt;
    }
    const char* p = item.c_str() + consumed;
    if (*p == ':') {
      int n = 0;
      if (std::sscanf(p + 1, "%u%n", &alt, &n) != 1) {
        error = "bad step '" + item + "' in replay token";
        return std::nullopt;
      }
      p += 1 + n;
    }
    if (*p == 'x') {
      int n = 0;
      if (std::sscanf(p + 1, "%u%n", &count, &n) != 1 || count == 0) {
        error = "bad repeat count in step '" + item + "'";
        return std::nullopt;
      }
      p += 1 + n;
    }
    if (*p != '\0' || thread > 255 || alt > 255 || count > 1000000) {
      error = "bad step '" + item + "' in replay token";
      return std::nullopt;
    }
    for (unsigned k = 0; k < count; ++k)
      d.steps.push_back(static_cast<ScheduleChoice>(thread | (alt << 8)));
  }
  return d;
}

}  // namespace lifecheck::checker
