// The real interpreter as the judge (docs/conformance.md):
//   emit-python  lowers a scenario to a runnable Python script that logs the
//                model's observable strings, optionally forced to follow a
//                model schedule;
//   conform      runs that script on a given interpreter and checks every
//                trace it shows against the model's trace set, and forced
//                schedules against the model's trace for each.
#pragma once

#include <string>
#include <vector>

#include "cli/Commands.h"

namespace lifecheck::cli {

// Exit codes: 0 written; 2 bad input, a scenario that is not Python-level,
// something not expressible yet, or a bad replay token.
int emit_python_command(const std::string& file, const std::string& replay, const std::string& out,
                        const ScenarioOptions& scenario);

// emit-c: writes DIR/<module>.c, the scenario's C types as an extension
// module, and DIR/<stem>.py, the Python driver that imports it. Exit codes
// as emit-python.
int emit_c_command(const std::string& file, const std::string& replay, const std::string& out_dir,
                   const ScenarioOptions& scenario);

struct ConformOptions {
  std::string python;    // the interpreter to judge (a path or a name on PATH)
  int runs = 10;         // free runs: the interpreter schedules the threads
  int forced = 5;        // model schedules forced on the interpreter
  bool verbose = false;  // print every distinct observed trace
  // Free runs: sys.setswitchinterval(S); a tiny one makes threads switch
  // inside statements, which the model does not do (docs/conformance.md).
  std::string switch_interval;
  // The model's profile; by default the one matching the interpreter's
  // version. Another one shows how two releases differ on a scenario.
  std::string profile;
  uint64_t max_memory_mb = 0;  // --max-memory while loading scenarios; 0: none
};

// Exit codes: 0 every scenario conforms (or is skipped); 1 a mismatch;
// 2 bad input, or the interpreter cannot be run or has no profile.
int conform_command(const std::vector<std::string>& paths, const ConformOptions& options);

}  // namespace lifecheck::cli
