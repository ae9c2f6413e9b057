#include "lang/Parser.h"

#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "lang/Lexer.h"
#include "lang/ParserBase.h"

namespace lifecheck::lang {

namespace {

class Parser : public detail::ParserBase {
 public:
  Parser(const std::string& file, const std::string& source, const FrontEndLimits& limits)
      : ParserBase(file, tokenize(file, source, limits)) {
    scenario_.file = file;
    scenario_.source = source;
  }

  Scenario run() {
    while (!at(TokenKind::End)) top_level();
    return std::move(scenario_);
  }

 private:
  // ':' NEWLINE INDENT ... DEDENT, or ':' simple-statement on the same line.
  template <class Item>
  void block(const char* owner, Item item) {
    if (!at_op(":")) {
      if (at_name("and") || at_name("or"))
        fail(peek().loc, "'" + peek().text + "' is not supported; nest 'if' statements instead");
      if (at_name("in")) fail(peek().loc, "'in' is not supported here (no membership tests)");
      fail(peek().loc, std::string("expected ':' after ") + owner + ", found " + describe(peek()));
    }
    advance();
    if (!at(TokenKind::Newline)) {
      // As in Python, only a simple statement may follow the colon.
      if (peek().kind == TokenKind::Name &&
          (peek().text == "if" || peek().text == "def" || peek().text == "class" ||
           peek().text == "thread" || peek().text == "ctype"))
        fail(peek().loc, "'" + peek().text + "' must start its own line");
      item(true);
      return;
    }
    advance();
    if (!at(TokenKind::Indent))
      fail(peek().loc, std::string("expected an indented block after ") + owner);
    advance();
    while (!at(TokenKind::Dedent) && !at(TokenKind::End)) item(false);
    if (at(TokenKind::Dedent)) advance();
  }

  // --- top level -------------------------------------------------------------
  void top_level() {
    const Token& t = peek();
    if (t.kind == TokenKind::Indent) fail(t.loc, "unexpected indent");
    if (t.kind == TokenKind::Word) return directive();
    if (t.kind == TokenKind::Name) {
      if (t.text == "class" || t.text == "ctype") return class_def();
      if (t.text == "def") {
        scenario_.funcs.push_back(func_def());
        return;
      }
      if (t.text == "thread") return thread_def();
    }
    statement(scenario_.setup);
  }

  void directive() {
    Directive d;
    d.keyword = peek().text;
    d.loc = peek().loc;
    advance();
    while (!at(TokenKind::Newline) && !at(TokenKind::End)) {
      const Token& w = advance();
      d.words.push_back(DirectiveWord{w.text, w.kind == TokenKind::String, w.loc});
      if (!d.source_text.empty()) d.source_text += ' ';
      d.source_text += w.kind == TokenKind::String ? "\"" + w.text + "\"" : w.text;
    }
    expect_newline();
    scenario_.directives.push_back(std::move(d));
  }

  void class_def() {
    ClassDef c;
    c.is_ctype = peek().text == "ctype";
    c.loc = peek().loc;
    advance();
    c.name = expect_identifier(c.is_ctype ? "a C type name" : "a class name");
    if (at_op("(")) {
      advance();
      c.base_loc = peek().loc;
      if (!at_op(")")) c.base = expect_identifier("a base class name");
      if (c.base == "object") c.base.clear();
      expect_op(")", "after the base class");
    }
    const char* owner = c.is_ctype ? "the C type header" : "the class header";
    block(owner, [&](bool same_line) {
      if (peek().kind == TokenKind::Word)
        fail(peek().loc, "'" + peek().text + "' lines belong at the top level, not inside a block");
      if (at_name("pass")) {
        advance();
        expect_newline();
        return;
      }
      if (at_name("def")) {
        if (same_line) fail(peek().loc, "a method needs its own line");
        c.methods.push_back(func_def());
        return;
      }
      if (at_name("__slots__")) {
        if (c.slot_names) fail(peek().loc, "a second '__slots__' line");
        c.slot_names_loc = peek().loc;
        advance();
        expect_op("=", "after '__slots__'");
        c.slot_names = condition();
        expect_newline();
        return;
      }
      if (!c.is_ctype && peek().kind == TokenKind::Name && peek(1).kind == TokenKind::Op &&
          peek(1).text == "=") {  // a class attribute (CA1)
        ClassDef::Attribute a;
        a.loc = peek().loc;
        a.name = advance().text;
        advance();  // '='
        a.value = condition();
        expect_newline();
        c.attributes.push_back(std::move(a));
        return;
      }
      if (c.is_ctype && peek().kind == TokenKind::Name && peek(1).kind == TokenKind::Op &&
          peek(1).text == ":") {
        c.slots.push_back(slot_line());
        return;
      }
      if (c.is_ctype)
        fail(peek().loc,
             "expected 'def', 'pass' or a slot line such as 'dealloc: ...' in a "
             "C type, found " +
                 describe(peek()));
      fail(peek().loc,
           "expected 'def', 'pass' or 'NAME = value' in a class body, found " + describe(peek()));
    });
    scenario_.classes.push_back(std::move(c));
  }

  // "key: step; step; ..." on one line, or "key:" and an indented block of
  // step lines ("dealloc:" then "    untrack", "    clear data", ...). A
  // step's origin is the "# FILE:LINE" comment ending its line, as `lifecheck
  // extract` writes it; reports show it with the step.
  SlotLine slot_line() {
    SlotLine s;
    s.loc = peek().loc;
    s.key = advance().text;
    advance();  // ':'
    if (!at(TokenKind::Newline)) {
      step_line(s);
      return s;
    }
    advance();
    if (!at(TokenKind::Indent))
      fail(peek().loc,
           "expected the steps of '" + s.key + ":' on the same line or indented below it");
    advance();
    while (!at(TokenKind::Dedent) && !at(TokenKind::End)) step_line(s);
    if (at(TokenKind::Dedent)) advance();
    return s;
  }

  // The steps of one line, ';' or ',' between them.
  void step_line(SlotLine& s) {
    const std::string origin = origin_comment(peek().loc.line);
    std::vector<std::pair<std::string, Loc>> step;
    auto finish = [&]() {
      s.steps.push_back(std::move(step));
      s.origins.push_back(origin);
      step.clear();
    };
    while (!at(TokenKind::Newline) && !at(TokenKind::End)) {
      if (at_op(";") || at_op(",")) {
        if (step.empty()) fail(peek().loc, "empty step in '" + s.key + "'");
        finish();
        advance();
        continue;
      }
      const Token& t = advance();
      if (t.kind != TokenKind::Name && t.kind != TokenKind::Int)
        fail(t.loc, "expected a step word in '" + s.key + "', found " + describe(t));
      step.emplace_back(t.text, t.loc);
    }
    if (!step.empty()) finish();
    expect_newline();
  }

  // "FILE:LINE" when source line `line` ends with a comment "# FILE:LINE..."
  // (the rest of the comment is free text), else "".
  std::string origin_comment(int line) const {
    size_t start = 0;
    for (int i = 1; i < line && start != std::string::npos; ++i) {
      start = scenario_.source.find('\n', start);
      if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) return "";
    size_t end = scenario_.source.find('\n', start);
    std::string text = scenario_.source.substr(start, end == std::string::npos ? end : end - start);
    size_t hash = text.find('#');
    if (hash == std::string::npos) return "";
    size_t b = text.find_first_not_of(' ', hash + 1);
    if (b == std::string::npos) return "";
    size_t e = text.find_first_of(" \t\r", b);
    std::string word = text.substr(b, e == std::string::npos ? e : e - b);
    if (!word.empty() && word.back() == ':') word.pop_back();  // "# f.c:12: Py_CLEAR(...)"
    size_t colon = word.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == word.size()) return "";
    for (size_t i = colon + 1; i < word.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(word[i]))) return "";
    return word;
  }

  FuncDef func_def() {
    FuncDef f;
    f.loc = peek().loc;
    advance();  // def
    f.name = expect_identifier("a function name");
    expect_op("(", "after the function name");
    params(f, ")");
    advance();
    const int loops = std::exchange(loops_, 0);
    block("the function header", [&](bool) { statement(f.body); });
    loops_ = loops;
    return f;
  }

  // A def inside a body: it makes a function object each time it runs
  // (functions as objects); its body may use the enclosing body's names.
  Stmt nested_def() {
    Stmt s;
    s.kind = StmtKind::Def;
    s.loc = peek().loc;
    Nest nest(*this, s.loc, "'def'");
    s.def = std::make_unique<FuncDef>(func_def());
    return s;
  }

  void thread_def() {
    ThreadDef t;
    t.loc = peek().loc;
    advance();
    t.name = expect_identifier("a thread name");
    block("the thread header", [&](bool) { statement(t.body); });
    scenario_.threads.push_back(std::move(t));
  }

  // --- statements ----------------------------------------------------------
  void statement(std::vector<Stmt>& out) {
    const Token& t = peek();
    if (t.kind == TokenKind::Indent) fail(t.loc, "unexpected indent");
    if (t.kind == TokenKind::Word)
      fail(t.loc, "'" + t.text + "' lines belong at the top level, not inside a block");
    if (t.kind == TokenKind::Name) {
      if (t.text == "if") {
        out.push_back(if_stmt());
        return;
      }
      if (t.text == "for") {
        out.push_back(for_stmt());
        return;
      }
      if (t.text == "while") {
        out.push_back(while_stmt());
        return;
      }
      if (t.text == "with") {
        out.push_back(with_stmt());
        return;
      }
      if (t.text == "try") {
        out.push_back(try_stmt());
        return;
      }
      if (t.text == "break") return out.push_back(loop_jump(StmtKind::Break));
      if (t.text == "continue") return out.push_back(loop_jump(StmtKind::Continue));
      if (t.text == "except" || t.text == "finally")
        fail(t.loc, "'" + t.text + "' without a matching 'try'");
      if (t.text == "def") {
        out.push_back(nested_def());
        return;
      }
      if (t.text == "class" || t.text == "ctype" || t.text == "thread")
        fail(t.loc, "'" + t.text + "' is only allowed at the top level");
      if (t.text == "elif" || t.text == "else")
        fail(t.loc, "'" + t.text + "' without a matching 'if'");
      if (t.text == "import" || t.text == "from") return out.push_back(import_stmt());
      for (const char* unsupported : {"async", "await"})
        if (t.text == unsupported)
          fail(t.loc, "'" + t.text + "' is not part of the scenario language");
    }
    out.push_back(simple_stmt());
  }

  // `import M [as A]` and `from M import N [as A], ...` (CompilerAtexit.cpp
  // checks M). An imported name is spelled out where it is used: from here
  // on, `A` parses as `M` and `N` as `M.N`, so the compiler sees only the
  // module forms it knows (and names what is not part of the language).
  Stmt import_stmt() {
    Stmt s;
    s.kind = StmtKind::Import;
    s.loc = peek().loc;
    bool from = peek().text == "from";
    advance();
    auto module = std::make_unique<Expr>();
    module->kind = ExprKind::Name;
    module->loc = peek().loc;
    module->text = expect_identifier("a module name");
    if (at_op(".") || at_op(","))
      fail(peek().loc, "only one module of the scenario language per import");
    auto bind = [&](const std::string& attr, Loc loc) {
      std::string alias = attr.empty() ? module->text : attr;
      if (at_name("as")) {
        advance();
        loc = peek().loc;
        alias = expect_identifier("a name after 'as'");
      }
      if (alias == module->text && attr.empty()) return;
      if (imported_.count(alias)) fail(loc, "'" + alias + "' is already imported");
      imported_[alias] = {module->text, attr};
      if (!attr.empty()) s.names.push_back(attr);  // checked by the compiler
    };
    if (!from) {
      bind("", module->loc);
    } else {
      if (!at_name("import")) fail(peek().loc, "expected 'import' after 'from MODULE'");
      advance();
      if (at_op("*")) fail(peek().loc, "'from ... import *' is not part of the scenario language");
      do {
        if (at_op(",")) advance();
        Loc loc = peek().loc;
        bind(expect_identifier("a name to import"), loc);
      } while (at_op(","));
    }
    s.target = std::move(module);
    expect_newline();
    return s;
  }

  void not_rebinding_an_import(const char* how) {
    if (!at(TokenKind::Name) || !imported_.count(peek().text)) return;
    const auto& [module, attr] = imported_.at(peek().text);
    fail(peek().loc, "'" + peek().text + "' names the imported " +
                         (attr.empty() ? "module " + module : module + "." + attr) +
                         " and cannot be " + how + " here");
  }

  Stmt if_stmt() {
    Stmt s;
    s.kind = StmtKind::If;
    s.loc = peek().loc;
    Nest nest(*this, s.loc, "'if'/'elif'");  // an elif is an If nested in the else
    advance();                               // if / elif
    s.value = condition();
    block("the 'if' condition", [&](bool) { statement(s.body); });
    if (at_name("elif")) {
      s.orelse.push_back(if_stmt());
    } else if (at_name("else")) {
      advance();
      block("'else'", [&](bool) { statement(s.orelse); });
    }
    return s;
  }

  // for NAME in range(N) / range(A, B): a bounded loop, N, A and B small
  // literals (issue 12); for NAME in EXPR: iterates a value
  // (CompilerStatements.cpp, model/Iteration.cpp).
  Stmt for_stmt() {
    Stmt s;
    s.kind = StmtKind::For;
    s.loc = peek().loc;
    Nest nest(*this, s.loc, "'for'");
    advance();
    auto var = std::make_unique<Expr>();
    var->kind = ExprKind::Name;
    var->loc = peek().loc;
    var->text = expect_identifier("a loop variable after 'for'");
    s.target = std::move(var);
    if (!at_name("in"))
      fail(peek().loc, "expected 'in' after the loop variable, found " + describe(peek()));
    advance();
    if (at_name("range")) {
      advance();
      expect_op("(", "after 'range'");
      s.value = loop_bound();
      if (at_op(",")) {
        advance();
        s.range_start = std::move(s.value);
        s.value = loop_bound();
      }
      expect_op(")", "after range()'s bound");
    } else {
      s.iterates = true;
      s.value = condition();
    }
    loop_blocks(s, "the 'for' header");
    return s;
  }

  // A statement of `kind` that starts at the keyword in front.
  Stmt at_keyword(StmtKind kind) {
    Stmt s;
    s.kind = kind;
    s.loc = peek().loc;
    return s;
  }

  // while COND: (IT7): the condition is tested before each iteration.
  Stmt while_stmt() {
    Stmt s = at_keyword(StmtKind::While);
    Nest nest(*this, s.loc, "'while'");
    advance();
    s.value = condition();
    loop_blocks(s, "the 'while' header");
    return s;
  }

  // with SUBJECT [as NAME] [, SUBJECT [as NAME]]...: (LK5, WT1-WT6). A
  // statement of several items is the nested statements CPython compiles
  // it to (compiler_with recurses on the next item inside the block).
  Stmt with_stmt() {
    Stmt s = at_keyword(StmtKind::With);
    Nest nest(*this, s.loc, "'with'");
    advance();
    with_item(s);
    Stmt* innermost = &s;
    while (!innermost->body.empty()) innermost = &innermost->body.back();
    block("the 'with' header", [&](bool) { statement(innermost->body); });
    return s;
  }

  // One item of a with header into s; the items after it become a with
  // nested in s's body, which the header's block then fills.
  void with_item(Stmt& s) {
    s.value = condition();
    if (at_name("as")) {
      advance();
      auto var = std::make_unique<Expr>();
      var->kind = ExprKind::Name;
      var->loc = peek().loc;
      var->text = expect_identifier("a name after 'as' (the scenario language binds a name only)");
      s.target = std::move(var);
    }
    if (!at_op(",")) return;
    advance();
    Stmt inner;
    inner.kind = StmtKind::With;
    inner.loc = peek().loc;
    with_item(inner);
    s.body.push_back(std::move(inner));
  }

  // A loop's body (where break and continue belong to it) and its else.
  void loop_blocks(Stmt& s, const char* header) {
    ++loops_;
    block(header, [&](bool) { statement(s.body); });
    --loops_;
    if (at_name("else")) {  // runs when the loop ends without a break
      advance();
      block("'else'", [&](bool) { statement(s.orelse); });
    }
  }

  // A bound of range(): a whole number from 0 to kMaxLoopCount, written out.
  ExprPtr loop_bound() {
    const Token& n = peek();
    if (n.kind != TokenKind::Int)
      fail(n.loc, "range() takes whole numbers here (the loop's bounds), found " + describe(n));
    if (n.value < 0 || n.value > kMaxLoopCount)
      fail(n.loc, "a loop runs at most " + std::to_string(kMaxLoopCount) + " times, not " +
                      std::to_string(n.value));
    auto count = std::make_unique<Expr>();
    count->kind = ExprKind::Int;
    count->loc = n.loc;
    count->value = n.value;
    advance();
    return count;
  }

  // break / continue: only in a loop of the same body. Anywhere inside it
  // (a try's body, else, except or finally clause, a with) they leave the
  // blocks in between first (model/CodeGenBlocks.cpp, IT9).
  Stmt loop_jump(StmtKind kind) {
    Stmt s;
    s.kind = kind;
    s.loc = peek().loc;
    if (loops_ == 0) fail(s.loc, "'" + peek().text + "' outside a loop");
    advance();
    expect_newline();
    return s;
  }

  // try: ... except [E | (E1, E2)] [as NAME]: ... else: ... finally: ... (X3)
  Stmt try_stmt() {
    Stmt s;
    s.kind = StmtKind::Try;
    s.loc = peek().loc;
    Nest nest(*this, s.loc, "'try'");
    advance();
    block("'try'", [&](bool) { statement(s.body); });
    while (at_name("except")) {
      ExceptAst h;
      h.loc = peek().loc;
      if (!s.handlers.empty() && s.handlers.back().names.empty())
        fail(h.loc, "a bare 'except:' must be the last except clause");
      advance();
      auto name = [&]() {
        Loc loc = peek().loc;
        h.names.emplace_back(expect_identifier("an exception name after 'except'"), loc);
      };
      if (at_name("as")) fail(peek().loc, "a bare 'except' cannot bind a name with 'as'");
      if (at_op("(")) {
        advance();
        name();
        while (at_op(",")) {
          advance();
          if (at_op(")")) break;
          name();
        }
        expect_op(")", "after the exception names");
      } else if (!at_op(":")) {
        name();
      }
      if (at_name("as")) {
        advance();
        h.bind_loc = peek().loc;
        h.bind = expect_identifier("a name after 'as'");
      }
      block("the 'except' clause", [&](bool) { statement(h.body); });
      s.handlers.push_back(std::move(h));
    }
    if (at_name("else")) {
      if (s.handlers.empty()) fail(peek().loc, "'else' after 'try' needs an 'except' clause");
      advance();
      block("'else'", [&](bool) { statement(s.orelse); });
    }
    if (at_name("finally")) {
      advance();
      block("'finally'", [&](bool) { statement(s.finalbody); });
    } else if (s.handlers.empty()) {
      fail(peek().loc,
           "expected 'except' or 'finally' after the 'try' block, found " + describe(peek()));
    }
    return s;
  }

  Stmt simple_stmt() {
    Stmt s;
    s.loc = peek().loc;
    if (at_name("pass")) {
      advance();
      s.kind = StmtKind::Pass;
    } else if (at_name("global") || at_name("nonlocal")) {  // nonlocal: FN9
      const bool global = at_name("global");
      advance();
      s.kind = global ? StmtKind::Global : StmtKind::Nonlocal;
      const char* what = global ? "a global name" : "a name after 'nonlocal'";
      s.names.push_back(expect_identifier(what));
      while (at_op(",")) {
        advance();
        s.names.push_back(expect_identifier(what));
      }
    } else if (at_name("return")) {  // FN8
      advance();
      s.kind = StmtKind::Return;
      if (!at(TokenKind::Newline) && !at_op(";")) s.value = condition();
    } else if (at_name("del")) {
      advance();
      s.kind = StmtKind::Del;
      not_rebinding_an_import("deleted");
      s.target = postfix();
    } else if (at_name("assert")) {
      advance();
      s.kind = StmtKind::Assert;
      s.value = condition();
      if (at_op(",")) {
        advance();
        if (!at(TokenKind::String))
          fail(peek().loc, "expected a message string after 'assert ...,'");
        s.text = advance().text;
      }
    } else if (at_name("raise")) {
      advance();
      s.kind = StmtKind::Raise;
      s.text = "Exception";
      s.bare = at(TokenKind::Newline);
      if (!s.bare) {
        s.text = expect_identifier("an exception name");
        if (at_op("(")) {
          advance();
          if (at(TokenKind::String)) advance();
          expect_op(")", "after the exception arguments");
        }
      }
    } else if (at_name("yield")) {
      // `yield` / `yield EXPR`, a statement only (the sent value is not
      // modelled: next() and close() send None)
      advance();
      s.kind = StmtKind::Yield;
      if (!at(TokenKind::Newline) && !at_op(";")) s.value = condition();
    } else {
      if (peek(1).kind == TokenKind::Op && peek(1).text == "=") not_rebinding_an_import("assigned");
      ExprPtr e = condition();
      if (at_op("=")) {
        Loc eq = peek().loc;
        advance();
        if (e->kind != ExprKind::Name && e->kind != ExprKind::Attr &&
            e->kind != ExprKind::Subscript)
          fail(eq, "cannot assign to this expression; assign to a name, an attribute or an item");
        s.kind = StmtKind::Assign;
        s.target = std::move(e);
        s.value = condition();
        if (at_op("=")) fail(peek().loc, "chained assignment is not supported");
      } else {
        s.kind = StmtKind::Expr;
        s.value = std::move(e);
      }
    }
    expect_newline();
    return s;
  }

  Scenario scenario_;
};

}  // namespace

Scenario parse_scenario(const std::string& file, const std::string& source,
                        const FrontEndLimits& limits) {
  return Parser(file, source, limits).run();
}

}  // namespace lifecheck::lang
