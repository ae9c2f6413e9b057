// The real-interpreter judge for scenarios with C types (cli/ConformC.cpp).
#pragma once

#include <string>

#include "cli/ConformSupport.h"

namespace lifecheck::cli::conform {

// Builds the scenario's C types against the interpreter's headers, runs the
// driver free and under forced schedules, and prints one PASS, FAIL or SKIP
// line. `loaded` is compiled under the judging profile.
Verdict judge_c_scenario(const ConformOptions& options, const Interpreter& interpreter,
                         const TempDir& dir, const std::string& file, model::Program loaded);

}  // namespace lifecheck::cli::conform
