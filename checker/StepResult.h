// What applying one transition (or checking a terminal state) reports to
// the engine. Generic: property ids are opaque strings to the checker.
#pragma once

#include <string>
#include <vector>

namespace lifecheck::checker {

struct StepResult {
  enum class Kind { Ok, Violation, Limit };
  Kind kind = Kind::Ok;
  std::vector<std::string> properties;  // Violation: the properties broken
  std::string message;                  // Violation or Limit: what happened

  bool ok() const { return kind == Kind::Ok; }
};

}  // namespace lifecheck::checker
