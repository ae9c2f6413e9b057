#include "checker/Search.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
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

// From /proc/self/statm (its second number, in pages): one short read,
// where /proc/self/status is some fifty lines the kernel formats.
uint64_t current_rss_bytes() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return status_kb("VmRSS");
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return status_kb("VmRSS");
  buf[n] = 0;
  char* end = nullptr;
  std::strtoull(buf, &end, 10);  // the size; the resident pages follow
  const unsigned long long pages = std::strtoull(end, nullptr, 10);
  const long page = sysconf(_SC_PAGE_SIZE);
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page > 0 ? page : 4096);
}
uint64_t peak_rss_bytes() { return status_kb("VmHWM"); }

uint64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

}  // namespace lifecheck::checker
