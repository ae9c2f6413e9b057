#include "lang/Load.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lang/Parser.h"

namespace lifecheck::lang {

namespace {

std::string mib(uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }

// Closes a file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_scenario_file(const std::string& path, const FrontEndLimits& limits) {
  auto fail = [&](const std::string& msg) -> std::string {
    throw ScenarioError(path, Loc{0, 0}, msg);
  };
  uint64_t max_bytes = kMaxScenarioBytes;
  std::string why_max = "scenario files are at most " + mib(kMaxScenarioBytes);
  if (limits.max_memory_mb) {
    uint64_t budget = (limits.max_memory_mb << 20) / kSourceCopies;
    if (budget < max_bytes) {
      max_bytes = budget;
      why_max = "too large to load within the memory limit (" +
                std::to_string(limits.max_memory_mb) + " MiB, --max-memory)";
    }
  }
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return fail(std::string("cannot read the file (") + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(file.fd, &st) != 0)
    return fail(std::string("cannot read the file (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode))
    return fail("is a directory, not a scenario file ('lifecheck suite DIR' checks a folder)");
  // A regular file's size is known before reading; anything else (a pipe,
  // a device) is read up to the bound and no further.
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes)
    return fail("the file (" + mib(static_cast<uint64_t>(st.st_size)) + ") is " + why_max);
  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::string("cannot read the file (") + std::strerror(errno) + ")");
    if (n == 0) break;
    if (text.size() + static_cast<uint64_t>(n) > max_bytes)
      return fail("the file is larger than " + mib(max_bytes) + ": " + why_max);
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

model::Program load_scenario_source(const std::string& name, const std::string& text,
                                    const CompileOptions& options, const FrontEndLimits& limits) {
  Scenario sc = parse_scenario(name, text, limits);
  return compile(sc, options);
}

model::Program load_scenario_file(const std::string& path, const CompileOptions& options,
                                  const FrontEndLimits& limits) {
  return load_scenario_source(path, read_scenario_file(path, limits), options, limits);
}

}  // namespace lifecheck::lang
