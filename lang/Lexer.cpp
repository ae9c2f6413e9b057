#include "lang/Lexer.h"

#include <cctype>
#include <string_view>

namespace lifecheck::lang {

bool is_directive_keyword(const std::string& word) {
  return word == "profile" || word == "runtime-bug" || word == "expect" || word == "ignore" ||
         word == "verdict" || word == "shutdown";
}

namespace {

class Lexer {
 public:
  Lexer(const std::string& file, const std::string& src, const FrontEndLimits& limits)
      : file_(file), src_(src), limits_(limits) {}

  std::vector<Token> run() {
    std::vector<int> indents{0};
    size_t pos = 0;
    int line = 0;
    while (pos < src_.size()) {
      size_t end = src_.find('\n', pos);
      if (end == std::string::npos) end = src_.size();
      ++line;
      std::string text = src_.substr(pos, end - pos);
      if (!text.empty() && text.back() == '\r') text.pop_back();
      pos = end + 1;
      lex_line(text, line, indents);
    }
    Loc eof{line + 1, 1};
    while (indents.size() > 1) {
      indents.pop_back();
      push(TokenKind::Dedent, "", eof);
    }
    push(TokenKind::End, "", eof);
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(Loc loc, const std::string& msg) { throw ScenarioError(file_, loc, msg); }

  void push(TokenKind kind, std::string text, Loc loc, long value = 0) {
    // --max-memory as a token budget (kFrontEndBytesPerToken), so that the
    // error is the same on every run and names the token that goes over.
    const uint64_t mb = limits_.max_memory_mb;
    if (mb && tokens_.size() >= mb * 1024 * 1024 / kFrontEndBytesPerToken)
      fail(loc, "the scenario is too large to load within the memory limit (" + std::to_string(mb) +
                    " MiB, --max-memory): more than " + std::to_string(tokens_.size()) + " tokens");
    tokens_.push_back(Token{kind, std::move(text), value, loc});
  }

  // Length of the well-formed UTF-8 sequence at text[i] (1 for ASCII), or 0.
  static size_t utf8_length(const std::string& text, size_t i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return 1;
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      cp = c & 0x07u;
    } else {
      return 0;
    }
    if (i + n > text.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0) != 0x80) return 0;
      cp = cp << 6 | (d & 0x3Fu);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    return overlong || surrogate || cp > 0x10FFFF ? 0 : n;
  }

  // Scenario files are UTF-8 text: control characters (other than tabs) and
  // malformed UTF-8 are rejected anywhere, comments and strings included,
  // since reports and JSON output quote the source.
  void check_bytes(const std::string& text, int line) {
    for (size_t i = 0; i < text.size();) {
      auto c = static_cast<unsigned char>(text[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        fail({line, static_cast<int>(i) + 1},
             "control character '" + escape_control(std::string(1, text[i])) +
                 "' in the source; scenario files are text (inside a string, write \\n or "
                 "\\t)");
      size_t n = utf8_length(text, i);
      if (n == 0) {
        static const char* hex = "0123456789abcdef";
        fail({line, static_cast<int>(i) + 1}, std::string("invalid UTF-8 (byte 0x") + hex[c >> 4] +
                                                  hex[c & 15] + "); scenario files are UTF-8 text");
      }
      i += n;
    }
  }

  void lex_line(const std::string& text, int line, std::vector<int>& indents) {
    check_bytes(text, line);
    size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size() || text[i] == '#') return;  // blank or comment line
    size_t tab = text.find('\t');
    if (tab < i) fail({line, static_cast<int>(tab) + 1}, "tab in indentation; indent with spaces");
    int indent = static_cast<int>(i);
    if (indent > indents.back()) {
      indents.push_back(indent);
      push(TokenKind::Indent, "", {line, indent + 1});
    } else {
      while (indent < indents.back()) {
        indents.pop_back();
        push(TokenKind::Dedent, "", {line, indent + 1});
      }
      if (indent != indents.back())
        fail({line, indent + 1}, "unindent does not match any outer indentation level");
    }
    if (starts_directive(text, i)) {
      lex_words(text, i, line);
    } else {
      lex_code(text, i, line);
    }
    push(TokenKind::Newline, "", {line, static_cast<int>(text.size()) + 1});
  }

  // A directive keyword followed by a blank and not by '=' (so that
  // `expect = 1` stays code). Recognised at any indentation, so that the
  // parser can say a directive does not belong inside a block.
  static bool starts_directive(const std::string& text, size_t i) {
    size_t end = i;
    while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                 text[end] == '_' || text[end] == '-'))
      ++end;
    if (!is_directive_keyword(text.substr(i, end - i))) return false;
    if (end == text.size()) return true;
    if (text[end] != ' ' && text[end] != '\t') return false;
    size_t next = text.find_first_not_of(" \t", end);
    return next == std::string::npos || text[next] != '=';
  }

  std::string lex_string(const std::string& text, size_t& i, int line) {
    char quote = text[i];
    Loc start{line, static_cast<int>(i) + 1};
    ++i;
    std::string value;
    while (i < text.size() && text[i] != quote) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        char c = text[i + 1];
        value += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        i += 2;
        continue;
      }
      value += text[i++];
    }
    if (i >= text.size()) fail(start, "unterminated string literal");
    ++i;
    return value;
  }

  void lex_words(const std::string& text, size_t i, int line) {
    while (i < text.size()) {
      char c = text[i];
      if (c == ' ' || c == '\t') {
        ++i;
        continue;
      }
      if (c == '#') break;
      Loc loc{line, static_cast<int>(i) + 1};
      if (c == '"' || c == '\'') {
        std::string value = lex_string(text, i, line);
        push(TokenKind::String, value, loc);
        continue;
      }
      size_t start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '"' &&
             text[i] != '\'' && text[i] != '#')
        ++i;
      push(TokenKind::Word, text.substr(start, i - start), loc);
    }
  }

  // What an operator the language lacks gets: what it is, and what to
  // write instead (scenario-language.md: values are names, None, booleans,
  // small integers and strings, compared with ==, != and is).
  static std::string unsupported_operator(const std::string& text, size_t i) {
    const char c = text[i];
    const bool assigns = i + 1 < text.size() && text[i + 1] == '=' && c != '<' && c != '>';
    const std::string op = assigns ? std::string{c, '='} : std::string(1, c);
    if (assigns)
      return "augmented assignment '" + op +
             "' is not supported: the scenario language has no arithmetic";
    if (c == '<' || c == '>')
      return "'" + op + "' is not supported: values compare with ==, != and is only";
    if (std::string_view("+-*/%@&|^~").find(c) != std::string_view::npos)
      return "'" + op +
             "' is not supported: the scenario language has no arithmetic (a negative "
             "number is written -N)";
    return "unexpected character '" + op + "'";
  }

  void lex_code(const std::string& text, size_t i, int line) {
    int depth = 0;
    Loc open_loc;
    while (i < text.size()) {
      char c = text[i];
      Loc loc{line, static_cast<int>(i) + 1};
      if (c == ' ' || c == '\t') {  // between tokens, as in Python
        ++i;
      } else if (c == '#') {
        break;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = i;
        while (i < text.size() &&
               (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
          ++i;
        if (i < text.size() && (text[i] == '"' || text[i] == '\'') && i - start <= 2)
          fail(loc, "a string prefix ('" + text.substr(start, i - start) +
                        "') is not supported: for an f-string, give log() the parts as "
                        "arguments, log(\"x =\", x)");
        push(TokenKind::Name, text.substr(start, i - start), loc);
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '-' && i + 1 < text.size() &&
                  std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
        // an integer literal; `-` before digits makes it negative (there is
        // no arithmetic, so no binary minus to tell it from)
        const bool negative = c == '-';
        if (negative) ++i;
        size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i < text.size() &&
            (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_'))
          fail(loc, "invalid number literal");
        std::string digits = text.substr(start, i - start);
        if (digits.size() > 1 && digits[0] == '0')
          fail(loc, "leading zeros in integer literals are not permitted (as in Python)");
        if (digits.size() > 6) fail(loc, "integer literal too large (at most 6 digits)");
        push(TokenKind::Int, (negative ? "-" : "") + digits, loc,
             negative ? -std::stol(digits) : std::stol(digits));
      } else if (c == '"' || c == '\'') {
        std::string value = lex_string(text, i, line);
        push(TokenKind::String, value, loc);
      } else if ((c == '=' || c == '!') && i + 1 < text.size() && text[i + 1] == '=') {
        push(TokenKind::Op, std::string{c, '='}, loc);
        i += 2;
      } else if (c == '(' || c == '[' || c == '{') {
        if (depth == 0) open_loc = loc;
        ++depth;
        push(TokenKind::Op, std::string(1, c), loc);
        ++i;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) fail(loc, std::string("unmatched '") + c + "'");
        --depth;
        push(TokenKind::Op, std::string(1, c), loc);
        ++i;
      } else if (c == ',' || c == ':' || c == '.' || c == '=' || c == ';') {
        push(TokenKind::Op, std::string(1, c), loc);
        ++i;
      } else if (static_cast<unsigned char>(c) >= 0x80) {
        fail(loc, "non-ASCII character; names and operators are ASCII (strings may hold UTF-8)");
      } else {
        fail(loc, unsupported_operator(text, i));
      }
    }
    if (depth != 0) fail(open_loc, "unclosed bracket on this line");
  }

  const std::string& file_;
  const std::string& src_;
  FrontEndLimits limits_;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& file, const std::string& source,
                            const FrontEndLimits& limits) {
  return Lexer(file, source, limits).run();
}

}  // namespace lifecheck::lang
