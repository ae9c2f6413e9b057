// The built-in properties: SEMANTICS.md §7 (P7.x) plus the checks every
// model checker owes its users (memory safety, deadlock, quiescence...).
#pragma once

#include <string>
#include <vector>

namespace lifecheck::model {

struct PropertyInfo {
  const char* id;  // "P7.5", "quiescence"
  const char* title;
  const char* source;     // where it is documented
  const char* mechanism;  // SEMANTICS.md rules that make it hold
  // A real interpreter's behaviour after a violation is not defined: memory
  // corruption, a fatal error, an exception left for whatever code checks
  // next. conform stops the model's run there (docs/conformance.md §10).
  bool undefined_after = false;
};

const std::vector<PropertyInfo>& all_properties();
const PropertyInfo* find_property(const std::string& id);

// A violation found while applying a transition or at the end of a run.
struct Violation {
  std::vector<std::string> properties;  // the ids violated by this step
  std::string message;
};

// Thrown by the runtime when a property fails; caught by Model::step.
struct ViolationFound {
  Violation violation;
};

}  // namespace lifecheck::model
