// Tokens of the scenario language: Python's line and indentation rules
// (INDENT/DEDENT from leading spaces), plus "directive" lines (profile,
// runtime-bug, expect, ignore, verdict) whose words may contain '-' and '.'.
#pragma once

#include <string>
#include <vector>

#include "lang/Diagnostic.h"

namespace lifecheck::lang {

enum class TokenKind {
  Name,     // identifier or keyword
  Int,      // decimal integer literal
  String,   // "..." or '...', text holds the unescaped value
  Op,       // punctuation: ( ) , : . = == != [ ]
  Word,     // a whitespace-separated word on a directive line
  Newline,  // end of a logical line
  Indent,
  Dedent,
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;
  long value = 0;
  Loc loc;
};

// Directive keywords: at the start of an unindented line, they switch the
// rest of the line to word mode.
bool is_directive_keyword(const std::string& word);

// Splits `source` into tokens; throws ScenarioError on a bad character,
// bad indentation, a tab, an unterminated string or an unclosed bracket.
std::vector<Token> tokenize(const std::string& file, const std::string& source);

}  // namespace lifecheck::lang
