// lifecheck fuzz: generated scenarios, checked and shrunk (include/lifecheck/fuzz.h).
#pragma once

#include <string>

#include "cli/Commands.h"
#include "lifecheck/fuzz.h"

namespace lifecheck::cli {

// Bad options (exit 2, one line on stderr) before anything runs; 0 when
// they are good.
int fuzz_options_error(const gen::FuzzOptions& options);

// Exit codes as for check: 0 no violation in `runs` scenarios, 1 a
// violation (the minimal scenario is written to `out_dir`), 2 bad options,
// 3 too many scenarios were set aside at the state limit. `spread` carries
// out the checks (gen::FuzzSpread; MPI ranks under --distributed, where
// every rank runs this in step and only the one with `writes` set prints
// the file).
int fuzz_command(const gen::FuzzOptions& options, const std::string& out_dir, bool json,
                 const gen::FuzzSpread& spread = {}, bool writes = true);

}  // namespace lifecheck::cli
