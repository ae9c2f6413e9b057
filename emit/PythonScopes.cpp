// The `global` and `nonlocal` lines of an emitted body (PythonEmitter.h):
// Python makes every name a body assigns local unless one of them says
// otherwise.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "emit/PythonEmitter.h"

namespace lifecheck::emit {

using model::ExprId;
using model::ExprOp;
using model::FuncId;
using model::FuncInfo;
using model::Program;
using model::Statement;
using model::StatementId;
using model::StatementKind;

namespace {

// The free variables (FN9) the statements assign or delete.
void assigned_frees(const Program& p, const std::vector<std::vector<std::string>>& locals,
                    FuncId fn, const std::vector<StatementId>& body, std::set<std::string>& out) {
  const FuncInfo& f = p.funcs[fn];
  auto note = [&](ExprId t) {
    if (t == model::kNoExpr || p.exprs[t].op != ExprOp::CellLocal) return;
    for (uint8_t slot : f.free_slots)
      if (slot == p.exprs[t].slot) out.insert(locals[fn][slot]);
  };
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.kind == StatementKind::Assign || s.kind == StatementKind::Del ||
        s.kind == StatementKind::Def || s.kind == StatementKind::For ||
        s.kind == StatementKind::ForIn)
      note(s.target);
    assigned_frees(p, locals, fn, s.body, out);
    assigned_frees(p, locals, fn, s.orelse, out);
    for (const model::ExceptClause& c : s.handlers) {
      note(c.bind);
      assigned_frees(p, locals, fn, c.body, out);
    }
    assigned_frees(p, locals, fn, s.finalbody, out);
  }
}

// The globals the statements assign (or bind with `except E as NAME`).
void assigned_globals(const Program& p, const std::vector<StatementId>& body,
                      std::set<uint16_t>& out) {
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.target != model::kNoExpr && p.exprs[s.target].op == ExprOp::Global)
      out.insert(p.exprs[s.target].slot);
    assigned_globals(p, s.body, out);
    assigned_globals(p, s.orelse, out);
    for (const model::ExceptClause& c : s.handlers) {
      if (c.bind != model::kNoExpr && p.exprs[c.bind].op == ExprOp::Global)
        out.insert(p.exprs[c.bind].slot);
      assigned_globals(p, c.body, out);
    }
    assigned_globals(p, s.finalbody, out);
  }
}

}  // namespace

std::string nonlocal_line(const Program& program,
                          const std::vector<std::vector<std::string>>& locals, FuncId fn) {
  std::set<std::string> names;
  assigned_frees(program, locals, fn, program.funcs[fn].body, names);
  std::string text;
  for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
  return text.empty() ? "" : "nonlocal " + text;
}

std::string global_line(const Program& program, const std::vector<std::string>& globals,
                        FuncId fn) {
  std::set<uint16_t> assigned;
  assigned_globals(program, program.funcs[fn].body, assigned);
  std::string names;
  for (uint16_t g : assigned) names += (names.empty() ? "" : ", ") + globals[g];
  return names.empty() ? "" : "global " + names;
}

}  // namespace lifecheck::emit
