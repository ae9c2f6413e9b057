// Recursive-descent parser: tokens -> lang::Scenario. Syntax only; meaning
// (names, kinds, scopes) is checked by lang/Compiler.cpp.
#pragma once

#include <string>

#include "lang/Ast.h"
#include "lang/Lexer.h"

namespace lifecheck::lang {

// Nesting the front end accepts: 'if'/'elif' blocks and expressions (brackets,
// 'not', comparisons, attribute, call and subscript chains) together. Every
// later pass walks the syntax tree recursively, so this bound is what keeps
// them all within the stack; deeper input is an error at the token that
// goes past it.
inline constexpr int kMaxNesting = 200;
// The most iterations of `for NAME in range(N)`: loops build chains and
// rings of objects, which the model's object table bounds anyway.
inline constexpr long kMaxLoopCount = 64;

// Parses a whole scenario file; throws ScenarioError at the first problem.
Scenario parse_scenario(const std::string& file, const std::string& source,
                        const FrontEndLimits& limits = {});

}  // namespace lifecheck::lang
