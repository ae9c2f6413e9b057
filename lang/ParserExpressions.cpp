// Expressions of the scenario language: conditions, comparisons, postfix
// chains (attributes, calls with keyword arguments, subscripts and slices),
// atoms, lambdas and the parameter lists of defs and lambdas.
#include <memory>
#include <set>
#include <string>

#include "lang/ParserBase.h"

namespace lifecheck::lang::detail {

const std::set<std::string>& keywords() {
  static const std::set<std::string> k = {
      "class", "ctype",    "def",    "thread", "if",    "elif",     "else",   "pass",    "global",
      "del",   "assert",   "raise",  "not",    "is",    "None",     "True",   "False",   "return",
      "while", "for",      "lambda", "import", "with",  "try",      "and",    "or",      "in",
      "break", "continue", "yield",  "async",  "await", "nonlocal", "except", "finally", "from"};
  return k;
}

// A def's or lambda's parameter names, up to `closer` (not consumed);
// `NAME=value` gives a default (FN7), to the last parameters only.
void ParserBase::params(FuncDef& f, const char* closer) {
  while (!at_op(closer)) {
    Loc loc = peek().loc;
    std::string p = expect_identifier("a parameter name");
    for (const Param& q : f.params)
      if (q.name == p) fail(loc, "duplicate parameter '" + p + "'");
    f.params.push_back(Param{p, loc});
    if (at_op("=")) {
      advance();
      f.defaults.push_back(condition());
    } else if (!f.defaults.empty()) {
      fail(loc, "parameter '" + p + "' without a default follows one with a default");
    }
    if (!at_op(closer)) expect_op(",", "between parameters");
  }
}

// lambda [params]: condition -- a function whose body is one expression.
ExprPtr ParserBase::lambda() {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::Lambda;
  e->loc = peek().loc;
  advance();  // lambda
  auto f = std::make_unique<FuncDef>();
  f->name = "<lambda>";
  f->loc = e->loc;
  params(*f, ":");
  advance();
  Stmt body;
  body.kind = StmtKind::Expr;
  body.loc = peek().loc;
  body.value = condition();
  f->body.push_back(std::move(body));
  e->def = std::move(f);
  return e;
}

ExprPtr ParserBase::condition() {
  Nest nest(*this, peek().loc, "expression");
  if (at_name("lambda")) return lambda();
  if (at_name("not")) {
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::Not;
    e->loc = peek().loc;
    advance();
    e->base = condition();
    return e;
  }
  ExprPtr lhs = postfix();
  CompareOp op;
  if (at_name("is")) {
    advance();
    op = CompareOp::Is;
    if (at_name("not")) {
      advance();
      op = CompareOp::IsNot;
    }
  } else if (at_op("==")) {
    advance();
    op = CompareOp::Eq;
  } else if (at_op("!=")) {
    advance();
    op = CompareOp::Ne;
  } else {
    return lhs;
  }
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::Compare;
  e->loc = lhs->loc;
  e->op = op;
  e->base = std::move(lhs);
  e->rhs = postfix();
  return e;
}

// Each link of a chain (x.a(b)[c]) holds the chain so far as its base:
// one more level of the tree, and of the calls that later walk it.
ExprPtr ParserBase::postfix() {
  ExprPtr e = atom();
  Nest chain(*this);
  for (;;) {
    if (at_op(".") || at_op("(") || at_op("[")) chain.grow(peek().loc, "expression");
    if (at_op(".")) {
      advance();
      auto a = std::make_unique<Expr>();
      a->kind = ExprKind::Attr;
      a->loc = peek().loc;
      a->text = expect_identifier("an attribute name");
      a->base = std::move(e);
      e = std::move(a);
    } else if (at_op("(")) {
      auto c = std::make_unique<Expr>();
      c->kind = ExprKind::Call;
      c->loc = e->loc;
      advance();
      while (!at_op(")")) {
        keyword_name(*c);  // FN12: NAME=value
        c->args.push_back(condition());
        if (!at_op(")")) expect_op(",", "between call arguments");
      }
      advance();
      c->base = std::move(e);
      e = std::move(c);
    } else if (at_op("[")) {
      auto s = std::make_unique<Expr>();
      s->kind = ExprKind::Subscript;
      s->loc = e->loc;
      advance();
      ExprPtr lower;
      Loc colon = peek().loc;
      if (!at_op(":")) lower = condition();
      if (at_op(":")) {
        // a slice: x[i:j], x[:j], x[i:], x[:]
        auto sl = std::make_unique<Expr>();
        sl->kind = ExprKind::Slice;
        sl->loc = lower ? lower->loc : colon;
        advance();
        sl->base = std::move(lower);
        if (!at_op("]")) sl->rhs = condition();
        s->rhs = std::move(sl);
      } else {
        s->rhs = std::move(lower);
      }
      expect_op("]", "after the subscript");
      s->base = std::move(e);
      e = std::move(s);
    } else {
      return e;
    }
  }
}

ExprPtr ParserBase::atom() {
  const Token& t = peek();
  auto e = std::make_unique<Expr>();
  e->loc = t.loc;
  if (t.kind == TokenKind::Int) {
    e->kind = ExprKind::Int;
    e->value = t.value;
    advance();
  } else if (t.kind == TokenKind::String) {
    e->kind = ExprKind::Str;
    e->text = t.text;
    advance();
  } else if (t.kind == TokenKind::Op && t.text == "(") {
    // (e) is grouping; (), (e,) and (e, f) are tuples.
    advance();
    if (at_op(")")) {
      advance();
      e->kind = ExprKind::Tuple;
      return e;
    }
    ExprPtr first = condition();
    if (!at_op(",")) {
      expect_op(")", "to close the parenthesis");
      return first;
    }
    e->kind = ExprKind::Tuple;
    e->args.push_back(std::move(first));
    while (at_op(",")) {
      advance();
      if (at_op(")")) break;
      e->args.push_back(condition());
    }
    expect_op(")", "to close the tuple");
  } else if (t.kind == TokenKind::Op && t.text == "[") {
    advance();
    e->kind = ExprKind::List;
    while (!at_op("]")) {
      e->args.push_back(condition());
      if (!at_op("]")) expect_op(",", "between list items");
    }
    advance();
  } else if (t.kind == TokenKind::Op && t.text == "{") {
    // {} and {k: v, ...} are dicts; {a, b} is a set
    advance();
    e->kind = ExprKind::Dict;
    bool first = true;
    while (!at_op("}")) {
      e->args.push_back(condition());
      if (first && !at_op(":")) e->kind = ExprKind::Set;
      first = false;
      if (e->kind == ExprKind::Dict) {
        expect_op(":", "after a dict key");
        e->args.push_back(condition());
      }
      if (!at_op("}"))
        expect_op(",", e->kind == ExprKind::Dict ? "between dict items" : "between set items");
    }
    advance();
  } else if (t.kind == TokenKind::Name && t.text == "None") {
    e->kind = ExprKind::None;
    advance();
  } else if (t.kind == TokenKind::Name && t.text == "True") {
    e->kind = ExprKind::True;
    advance();
  } else if (t.kind == TokenKind::Name && t.text == "False") {
    e->kind = ExprKind::False;
    advance();
  } else if (t.kind == TokenKind::Name && !keywords().count(t.text)) {
    e->kind = ExprKind::Name;
    e->text = t.text;
    advance();
    if (auto i = imported_.find(e->text); i != imported_.end()) {  // see import_stmt
      e->text = i->second.first;
      if (!i->second.second.empty()) {
        auto module = std::move(e);
        e = std::make_unique<Expr>();
        e->kind = ExprKind::Attr;
        e->loc = module->loc;
        e->text = i->second.second;
        e->base = std::move(module);
      }
    }
  } else if (t.kind == TokenKind::Name && (t.text == "and" || t.text == "or" || t.text == "in")) {
    fail(t.loc, "'" + t.text + "' is not supported in scenario expressions");
  } else {
    fail(t.loc, "expected an expression, found " + describe(t));
  }
  return e;
}

}  // namespace lifecheck::lang::detail
