// Recursive-descent parser: tokens -> lang::Scenario. Syntax only; meaning
// (names, kinds, scopes) is checked by lang/Compiler.cpp.
#pragma once

#include <string>

#include "lang/Ast.h"

namespace lifecheck::lang {

// Parses a whole scenario file; throws ScenarioError at the first problem.
Scenario parse_scenario(const std::string& file, const std::string& source);

}  // namespace lifecheck::lang
