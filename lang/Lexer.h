// Tokens of the scenario language: Python's line and indentation rules
// (INDENT/DEDENT from leading spaces), plus "directive" lines (profile,
// runtime-bug, expect, ignore, verdict) whose words may contain '-' and '.'.
#pragma once

#include <cstdint>
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

// What loading a scenario may use. The front end's memory grows with the
// number of tokens (each becomes a token, then syntax-tree and program
// entries), so a budget in bytes becomes a token budget.
struct FrontEndLimits {
  uint64_t max_memory_mb = 0;  // 0: no limit
};

// Measured upper bound of the front end's memory per token (token, syntax
// tree, lowering): 130-170 bytes on dense inputs, rounded up.
inline constexpr uint64_t kFrontEndBytesPerToken = 256;

// Splits `source` into tokens; throws ScenarioError on a bad character (a
// control character, invalid UTF-8, non-ASCII outside strings and
// comments), bad indentation, a tab, an unterminated string, an unclosed
// bracket, or more tokens than `limits` allow.
std::vector<Token> tokenize(const std::string& file, const std::string& source,
                            const FrontEndLimits& limits = {});

}  // namespace lifecheck::lang
