// Lowers a scenario's `ctype` blocks to a real C extension module, so that
// a real interpreter can judge the model's C types: each step word becomes
// the C it stands for (docs/extension-types.md §2.3), the Python slots
// (`def tp_finalize`, `def tp_del`, methods) and `call FUNC` call back into
// the Python driver that emit_python writes with EmitOptions::c_module, and
// every switch point of a step list (`call`, `release_gil`) is a `_turn()`
// of the driver, so forced schedules work as for Python code.
// docs/conformance.md §10 describes the module.
#pragma once

#include <string>

#include "emit/PythonEmitter.h"
#include "model/Program.h"

namespace lifecheck::emit {

// A module name for the scenario file: "_lc_" and the file's stem made an
// identifier ("P7.10-bug.life" -> "_lc_P7_10_bug").
std::string c_module_name(const std::string& scenario_file);

// The module's C source. Throws EmitError (NotPythonLevel for a runtime-bug
// line; NotExpressible for a step it cannot lower).
std::string emit_c(const model::Program& program, const std::string& module_name);

}  // namespace lifecheck::emit
