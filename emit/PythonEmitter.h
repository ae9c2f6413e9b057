// Lowers a compiled scenario back to a runnable Python 3 script, so that a
// real interpreter can judge the model: the script logs the same observable
// strings as model/Observe.h (observable_text) and can be forced to follow a
// model schedule (a replay token). docs/conformance.md describes the script.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

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

struct EmitOptions {
  // A replay token (lc2:...) the script follows unless LIFECHECK_REPLAY
  // overrides it; empty: the interpreter schedules freely. Must belong to
  // `program` (same fingerprint); emit_python does not check that.
  std::string replay;
};

// The script's text. Throws EmitError.
std::string emit_python(const model::Program& program, const EmitOptions& options = {});

}  // namespace lifecheck::emit
