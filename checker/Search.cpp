#include "checker/Search.h"

#include <fstream>
#include <string>

namespace lifecheck::checker {

namespace {
// Reads a "Key:   1234 kB" line of /proc/self/status.
uint64_t status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  return 0;
}
}  // namespace

uint64_t current_rss_bytes() { return status_kb("VmRSS"); }
uint64_t peak_rss_bytes() { return status_kb("VmHWM"); }

}  // namespace lifecheck::checker
