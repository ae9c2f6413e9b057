// Checks a parsed scenario (names, scopes, kinds, arities, directives) and
// lowers it to a model::Program. Every problem is a ScenarioError with the
// location of the offending token.
#pragma once

#include <optional>
#include <string>

#include "lang/Ast.h"
#include "model/Program.h"

namespace lifecheck::lang {

struct CompileOptions {
  // --profile on the command line: overrides the scenario's profile line.
  std::optional<model::Profile> profile_override;
  // --runtime-bug on the command line, added to the scenario's own.
  std::vector<model::RuntimeBug> extra_bugs;
};

model::Program compile(const Scenario& scenario, const CompileOptions& options = {});

// Reads, parses and compiles a file; throws ScenarioError (also for a file
// that cannot be read or is a directory, located at 0:0). lang/Load.h has
// the same with a memory budget.
model::Program load_scenario(const std::string& path, const CompileOptions& options = {});
model::Program load_scenario_text(const std::string& name, const std::string& text,
                                  const CompileOptions& options = {});

}  // namespace lifecheck::lang
