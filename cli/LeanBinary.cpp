// `lifecheck` built without libclang and MPI: hands the commands that
// need them to lifecheck-full (cli/HandOver.h).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "cli/Commands.h"
#include "cli/HandOver.h"

namespace lifecheck::cli {

bool hands_over_to_full() { return true; }

int hand_over_to_full(char** argv) {
  std::string self(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", self.data(), self.size() - 1);
  std::string full;
  if (n > 0) {
    self.resize(static_cast<size_t>(n));
    full = self.substr(0, self.rfind('/') + 1) + "lifecheck-full";
    execv(full.c_str(), argv);
  }
  std::cerr << "lifecheck: this command needs lifecheck-full (lifecheck with libclang and MPI), "
               "installed beside lifecheck; "
            << (full.empty() ? std::string("cannot find this executable's path")
                             : full + ": " + std::strerror(errno))
            << "\n";
  return kBadInput;
}

}  // namespace lifecheck::cli
