// The token cursor and the expression parser under lang/Parser.cpp's
// statement parser: token helpers and nesting here, expressions (and the
// parameter lists of defs and lambdas) in lang/ParserExpressions.cpp.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lang/Ast.h"
#include "lang/Lexer.h"
#include "lang/Parser.h"

namespace lifecheck::lang::detail {

const std::set<std::string>& keywords();

class ParserBase {
 protected:
  ParserBase(const std::string& file, std::vector<Token> tokens)
      : file_(file), tokens_(std::move(tokens)) {}

  // --- token helpers -------------------------------------------------------
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  bool at(TokenKind kind) const { return peek().kind == kind; }
  bool at_op(const char* op) const { return peek().kind == TokenKind::Op && peek().text == op; }
  bool at_name(const char* name) const {
    return peek().kind == TokenKind::Name && peek().text == name;
  }
  const Token& advance() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  [[noreturn]] void fail(Loc loc, const std::string& msg) { throw ScenarioError(file_, loc, msg); }

  // Levels of nesting (kMaxNesting) held until the guard goes out of scope;
  // `what` names the construct for the error.
  class Nest {
   public:
    explicit Nest(ParserBase& p) : p_(p) {}
    Nest(ParserBase& p, Loc loc, const char* what) : p_(p) { grow(loc, what); }
    ~Nest() { p_.depth_ -= levels_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

    void grow(Loc loc, const char* what) {
      ++levels_;
      if (++p_.depth_ > kMaxNesting)
        p_.fail(loc, std::string(what) + " nested too deeply (at most " +
                         std::to_string(kMaxNesting) +
                         " levels of blocks, brackets, 'not', calls, attributes and subscripts)");
    }

   private:
    ParserBase& p_;
    int levels_ = 0;
  };

  std::string describe(const Token& t) const {
    switch (t.kind) {
      case TokenKind::Name:
        return "'" + t.text + "'";
      case TokenKind::Int:
        return "number " + t.text;
      case TokenKind::String:
        return "string \"" + t.text + "\"";
      case TokenKind::Op:
        return "'" + t.text + "'";
      case TokenKind::Word:
        return "'" + t.text + "'";
      case TokenKind::Newline:
        return "end of line";
      case TokenKind::Indent:
        return "an indented block";
      case TokenKind::Dedent:
        return "end of block";
      case TokenKind::End:
        return "end of file";
    }
    return "token";
  }

  void expect_op(const char* op, const char* context) {
    if (!at_op(op))
      fail(peek().loc,
           std::string("expected '") + op + "' " + context + ", found " + describe(peek()));
    advance();
  }

  // FN12: `NAME=` before a call argument makes it a keyword argument; a
  // positional one after a keyword one, or a name given twice, is CPython's
  // SyntaxError.
  void keyword_name(Expr& call) {
    const bool keyword =
        peek().kind == TokenKind::Name && peek(1).kind == TokenKind::Op && peek(1).text == "=";
    if (!keyword) {
      if (!call.keywords.empty()) fail(peek().loc, "positional argument follows keyword argument");
      return;
    }
    const Loc loc = peek().loc;
    std::string name = expect_identifier("a keyword argument's name");
    for (const std::string& k : call.keywords)
      if (k == name) fail(loc, "keyword argument repeated: " + name);
    advance();  // '='
    call.keywords.push_back(name);
  }

  std::string expect_identifier(const char* what) {
    const Token& t = peek();
    if (t.kind != TokenKind::Name)
      fail(t.loc, std::string("expected ") + what + ", found " + describe(t));
    if (keywords().count(t.text))
      fail(t.loc, std::string("expected ") + what + ", found keyword '" + t.text + "'");
    advance();
    return t.text;
  }

  void expect_newline() {
    if (at_op(";"))
      fail(peek().loc, "one statement a line: ';' between statements is not supported");
    if (at_name("in")) fail(peek().loc, "'in' is not supported here (no membership tests)");
    if (!at(TokenKind::Newline))
      fail(peek().loc, "expected end of line, found " + describe(peek()));
    advance();
  }

  // --- expressions (lang/ParserExpressions.cpp) ------------------------------
  void params(FuncDef& f, const char* closer);
  ExprPtr lambda();
  ExprPtr condition();
  ExprPtr postfix();
  ExprPtr atom();

  const std::string& file_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;  // current nesting (kMaxNesting)
  // Imported names: alias -> (module, attribute or "" for the module itself).
  std::map<std::string, std::pair<std::string, std::string>> imported_;
  // loops around the statement being parsed, in the current function body
  // (break/continue, Parser.cpp)
  int loops_ = 0;
};

}  // namespace lifecheck::lang::detail
