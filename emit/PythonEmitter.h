// Lowers a compiled scenario back to a runnable Python 3 script, so that a
// real interpreter can judge the model: the script logs the same observable
// strings as model/Observe.h (observable_text) and can be forced to follow a
// model schedule (a replay token). docs/conformance.md describes the script.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/Program.h"

namespace lifecheck::emit {

class EmitError : public std::runtime_error {
 public:
  enum class Kind {
    NotPythonLevel,  // C types, runtime bugs: nothing for an interpreter to run
    NotExpressible,  // an instruction or expression the emitter cannot lower yet
  };
  EmitError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// Why `program` is not a plain Python program (a C type, a class deriving
// from one, a runtime-bug line), or nullopt when it is.
std::optional<std::string> python_level_problem(const model::Program& program);

// Why `program` cannot run on a real interpreter even with its C types
// built as an extension module (a runtime-bug line), or nullopt.
std::optional<std::string> interpreter_problem(const model::Program& program);

struct EmitOptions {
  // A replay token (lc2:...) the script follows unless LIFECHECK_REPLAY
  // overrides it; empty: the interpreter schedules freely. Must belong to
  // `program` (same fingerprint); emit_python does not check that.
  std::string replay;
  // The extension module that emit_c writes for the scenario's C types
  // (emit/CEmitter.h): the script imports it from its own folder. Empty:
  // a Python-level scenario only.
  std::string c_module;
};

// The script's spelling of each scenario name: Python keywords, builtins
// and harness names get a suffix or prefix (docs/conformance.md §3).
// Shared with the C emitter, whose members and globals Python code names.
struct PythonNames {
  std::vector<std::string> globals, types, fields, funcs;
  std::vector<std::vector<std::string>> locals;  // per function
};
PythonNames python_names(const model::Program& program);

// A body's `global` line (the globals it assigns; Python makes them local
// otherwise) and its `nonlocal` line (the free variables it assigns or
// deletes, FN9); "" when there are none (PythonScopes.cpp).
std::string global_line(const model::Program& program, const std::vector<std::string>& globals,
                        model::FuncId fn);
std::string nonlocal_line(const model::Program& program,
                          const std::vector<std::vector<std::string>>& locals, model::FuncId fn);

// The script's text. Throws EmitError.
std::string emit_python(const model::Program& program, const EmitOptions& options = {});

}  // namespace lifecheck::emit
