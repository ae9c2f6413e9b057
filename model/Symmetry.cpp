#include "model/Symmetry.h"

#include <cstring>

namespace lifecheck::model {

namespace {

bool same_code(const FuncInfo& a, const FuncInfo& b) {
  if (a.nlocals != b.nlocals || a.nparams != b.nparams || a.code.size() != b.code.size())
    return false;
  for (size_t i = 0; i < a.code.size(); ++i) {
    const Instr& x = a.code[i];
    const Instr& y = b.code[i];
    // expression ids differ between copies of the same text; compare what the
    // expressions are, not where they are stored
    if (x.op != y.op || x.slot != y.slot || x.target != y.target || x.dest != y.dest ||
        x.dest_slot != y.dest_slot || x.count != y.count || x.str != y.str ||
        x.allocates != y.allocates || !(x.key == y.key))
      return false;
  }
  return true;
}

bool same_expr(const Program& p, ExprId a, ExprId b) {
  if (a == kNoExpr || b == kNoExpr) return a == b;
  const ExprNode& x = p.exprs[a];
  const ExprNode& y = p.exprs[b];
  if (x.op != y.op || x.slot != y.slot || x.label != y.label || !(x.value == y.value) ||
      x.count != y.count)
    return false;
  for (uint16_t i = 0; i < x.count; ++i) {
    const LogArg& la = p.log_args[x.first + i];
    const LogArg& lb = p.log_args[y.first + i];
    if (la.is_text != lb.is_text || la.text != lb.text || !same_expr(p, la.expr, lb.expr))
      return false;
  }
  return same_expr(p, x.a, y.a) && same_expr(p, x.b, y.b);
}

bool same_body(const Program& p, FuncId fa, FuncId fb) {
  const FuncInfo& a = p.funcs[fa];
  const FuncInfo& b = p.funcs[fb];
  if (!same_code(a, b)) return false;
  for (size_t i = 0; i < a.code.size(); ++i) {
    const Instr& x = a.code[i];
    const Instr& y = b.code[i];
    if (!same_expr(p, x.a, y.a) || !same_expr(p, x.b, y.b)) return false;
    for (uint16_t k = 0; k < x.count && (x.op == InstrOp::Log || x.op == InstrOp::Construct); ++k) {
      const LogArg& la = p.log_args[x.first + k];
      const LogArg& lb = p.log_args[y.first + k];
      if (la.is_text != lb.is_text || la.text != lb.text || !same_expr(p, la.expr, lb.expr))
        return false;
    }
  }
  return true;
}

}  // namespace

ThreadSymmetry thread_symmetry(const Program& program) {
  ThreadSymmetry s;
  const size_t n = program.threads.size();
  s.class_of.resize(n);
  for (size_t t = 0; t < n; ++t) s.class_of[t] = static_cast<uint8_t>(t);
  s.func_rep.resize(program.funcs.size());
  for (size_t f = 0; f < program.funcs.size(); ++f) s.func_rep[f] = static_cast<FuncId>(f);
  // A runtime bug that picks a thread by its number breaks the premise.
  if (program.profile.has(RuntimeBug::OverlappingGcFinalizers)) return s;
  // Threads named by a join or by an expect line are distinguishable.
  std::vector<bool> named(n, false);
  named[0] = true;
  for (const FuncInfo& f : program.funcs)
    for (const Instr& in : f.code)
      if (in.op == InstrOp::Join && in.slot < n) named[in.slot] = true;
  for (const Expectation& x : program.expects)
    if (x.kind == ExpectKind::OnThread && x.thread < n) named[x.thread] = true;
  for (size_t t = 1; t < n; ++t) {
    if (named[t]) continue;
    for (size_t u = 1; u < t; ++u) {
      if (named[u] || s.class_of[u] != u) continue;
      if (same_body(program, program.threads[t].body, program.threads[u].body)) {
        s.class_of[t] = static_cast<uint8_t>(u);
        s.func_rep[program.threads[t].body] = program.threads[u].body;
        s.any = true;
        break;
      }
    }
  }
  for (size_t c = 1; c < n; ++c) {
    std::vector<ThreadId> members;
    for (size_t t = 1; t < n; ++t)
      if (s.class_of[t] == c) members.push_back(static_cast<ThreadId>(t));
    if (members.size() >= 2) s.classes.push_back(std::move(members));
  }
  return s;
}

}  // namespace lifecheck::model
