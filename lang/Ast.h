// The syntax tree of a scenario, exactly as written. Names are not resolved
// here; lang/Compiler.cpp checks the tree and lowers it to model::Program.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lang/Diagnostic.h"

namespace lifecheck::lang {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct FuncDef;  // a nested def or a lambda (functions as objects)

enum class ExprKind {
  None,
  True,
  False,
  Int,
  Str,
  Name,       // text = identifier
  Attr,       // base.text
  Call,       // base(args...)
  Subscript,  // base[rhs]
  Compare,    // base <op> rhs
  Not,        // not base
  List,       // [args...]
  Tuple,      // (args...)
  Dict,       // {args[0]: args[1], args[2]: args[3], ...}
  Set,        // {args...}
  Slice,      // base:rhs inside a subscript, either may be null (x[i:j])
  Lambda,     // lambda params: expr (def: its params, body one Expr statement)
};

enum class CompareOp { Is, IsNot, Eq, Ne };

struct Expr {
  ExprKind kind = ExprKind::None;
  Loc loc;
  std::string text;
  long value = 0;
  ExprPtr base;
  ExprPtr rhs;
  std::vector<ExprPtr> args;
  CompareOp op = CompareOp::Is;
  std::unique_ptr<FuncDef> def;  // Lambda
  // Call (FN12): the names of its last keywords.size() arguments, `f(a, b=x)`
  std::vector<std::string> keywords;
};

enum class StmtKind {
  Assign,
  Del,
  Expr,
  If,
  Pass,
  Global,
  Assert,
  Raise,
  For,
  Try,
  Yield,
  Def,
  // functions as objects, second part (FN7-FN10)
  Nonlocal,  // names: the variables of an enclosing function it rebinds
  Return,    // value: what it returns (null: None)
  Import,    // import NAME: target = the module's name (a Name)
  // for loops over values (issue 12, model/Iteration.cpp)
  Break,
  Continue,
  // while loops (IT7, CompilerStatements.cpp): value = the condition
  While,
  // with L: (LK5, CompilerLocks.cpp): value = the subject
  With,
};

struct Stmt;

// `except [NAME | (NAME, ...)] [as NAME]:` of a Try.
struct ExceptAst {
  Loc loc;
  std::vector<std::pair<std::string, Loc>> names;  // empty: a bare except
  std::string bind;                                // `as NAME`, or empty
  Loc bind_loc;
  std::vector<Stmt> body;
};

struct Stmt {
  StmtKind kind = StmtKind::Pass;
  Loc loc;
  ExprPtr target;                   // Assign, Del, For (the loop variable, a name), With: `as NAME`
  ExprPtr value;                    // Assign value, Expr, If/Assert condition, For: range's N,
                                    // Yield: the value (or null)
  std::vector<std::string> names;   // Global; Import: the names `from M import` takes
  std::string text;                 // Raise: exception name; Assert: message
  std::vector<Stmt> body;           // If, For
  std::vector<Stmt> orelse;         // If (an elif is a nested If here); Try: else
  std::vector<ExceptAst> handlers;  // Try
  std::vector<Stmt> finalbody;      // Try: finally
  bool bare = false;                // Raise: `raise` without a name
  std::unique_ptr<FuncDef> def;     // Def: a def inside a body (a function object)
  // For: `for x in EXPR` (value: EXPR) rather than range(); range(A, B): A
  bool iterates = false;
  ExprPtr range_start;
};

// Calls f on each block nested in s: an if's or loop's body and else, a
// try's body, else, except clauses and finally (in that, CPython's
// compile, order).
template <class F>
void each_block(const Stmt& s, F f) {
  if (s.kind != StmtKind::If && s.kind != StmtKind::For && s.kind != StmtKind::Try &&
      s.kind != StmtKind::While && s.kind != StmtKind::With)
    return;
  f(s.body);
  f(s.orelse);
  for (const ExceptAst& h : s.handlers) f(h.body);
  f(s.finalbody);
}

struct Param {
  std::string name;
  Loc loc;
};

struct FuncDef {
  std::string name;
  Loc loc;
  std::vector<Param> params;
  std::vector<Stmt> body;
  // The default values of the last params (`def f(a, b=Node())`), in order
  // (FN7: evaluated where the def or lambda runs).
  std::vector<ExprPtr> defaults;
};

// One "key: value; value; ..." line inside a C type block (issue #3 syntax):
// flags, fields, new, dealloc, clear, traverse, resource; or "key:" with
// its steps on indented lines below.
struct SlotLine {
  std::string key;
  Loc loc;
  std::vector<std::vector<std::pair<std::string, Loc>>> steps;  // ';'-separated, words
  std::vector<std::string> origins;  // per step: "FILE:LINE" from a comment, or ""
};

struct ClassDef {
  std::string name;
  Loc loc;
  bool is_ctype = false;  // "ctype Name:" instead of "class Name:"
  std::string base;       // "class Sub(Base):"
  Loc base_loc;
  std::vector<FuncDef> methods;
  std::vector<SlotLine> slots;  // C types only
  ExprPtr slot_names;           // `__slots__ = (...)`, classes only
  Loc slot_names_loc;
  // `NAME = EXPR` lines: class attributes (CA1), classes only
  struct Attribute {
    std::string name;
    Loc loc;
    ExprPtr value;
  };
  std::vector<Attribute> attributes;
};

struct ThreadDef {
  std::string name;
  Loc loc;
  std::vector<Stmt> body;
};

// A directive line after its keyword: the words and strings as written.
struct DirectiveWord {
  std::string text;
  bool quoted = false;
  Loc loc;
};

struct Directive {
  std::string keyword;  // profile, runtime-bug, expect, ignore, verdict
  Loc loc;
  std::vector<DirectiveWord> words;
  std::string source_text;  // the line, for messages
};

struct Scenario {
  std::string file;
  std::string source;
  std::vector<ClassDef> classes;
  std::vector<FuncDef> funcs;
  std::vector<ThreadDef> threads;
  std::vector<Stmt> setup;  // module-level statements, run first on thread main
  std::vector<Directive> directives;
};

}  // namespace lifecheck::lang
