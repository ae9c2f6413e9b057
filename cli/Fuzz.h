// lifecheck fuzz: generated scenarios, checked and shrunk (include/lifecheck/fuzz.h).
#pragma once

#include <string>

#include "cli/Commands.h"
#include "lifecheck/fuzz.h"

namespace lifecheck::cli {

// Exit codes as for check: 0 no violation in `runs` scenarios, 1 a
// violation (the minimal scenario is written to `out_dir`), 2 bad options,
// 3 too many scenarios were set aside at the state limit.
int fuzz_command(const gen::FuzzOptions& options, const std::string& out_dir, bool json);

}  // namespace lifecheck::cli
