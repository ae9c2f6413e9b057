// while loops in the emitted script (IT7). Python's own `while COND:` tests
// at the top and checks the eval breaker before the test; CPython's bytecode
// (model/CodeGen.cpp) tests once before the loop and then after each
// iteration, and checks between a passing test and the body. The script
// spells that order out, so that its _turn() stands where the model's check
// is (the real backward jump of `while True` follows it at once):
//
//   if COND:                 while True:
//       while True:              BODY
//           BODY                 _turn()
//           if not (COND):
//               ELSE         (a test that is a true constant)
//               break
//           _turn()
//   else:
//       ELSE
//
// `continue` is `_turn()`, the test (ELSE and break when it fails), then
// `continue`. A break or continue inside ELSE would be taken by the inner
// `while True` here: refused; so is a continue inside a try with a finally
// clause or inside an except or finally clause (the finally runs, and the
// clause pops its exception, before the check in CPython, after the
// script's _turn()). A break inside a try or a clause is Python's own: the
// blocks are left, then the jump, as in CPython (IT9).
#include "emit/PythonEmitterImpl.h"
#include "model/While.h"

namespace lifecheck::emit::detail {

namespace {

bool forever(const Program& p, const Statement& s) { return model::always_true(p, s.value); }

bool has_loop_jump(const Program& p, const std::vector<StatementId>& body) {
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.kind == StatementKind::Break || s.kind == StatementKind::Continue) return true;
    if (s.kind == StatementKind::For || s.kind == StatementKind::ForIn ||
        s.kind == StatementKind::While)
      continue;  // its own jumps
    if (has_loop_jump(p, s.body) || has_loop_jump(p, s.orelse) || has_loop_jump(p, s.finalbody))
      return true;
    for (const model::ExceptClause& c : s.handlers)
      if (has_loop_jump(p, c.body)) return true;
  }
  return false;
}

// A continue that leaves code to run before its loop's check (IT9): inside
// a try with a finally clause or a with within its loop (the finally, the
// __exit__), or inside an except or finally clause (POP_EXCEPT, which
// drops the exception). The script cannot order these as CPython does.
const Statement* continue_through_exit(const Program& p, const std::vector<StatementId>& body,
                                       bool through_exit) {
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.kind == StatementKind::Continue && through_exit) return &s;
    const bool loop = s.kind == StatementKind::For || s.kind == StatementKind::ForIn ||
                      s.kind == StatementKind::While;
    const bool in_body = loop ? false
                              : through_exit ||
                                    (s.kind == StatementKind::Try && !s.finalbody.empty()) ||
                                    s.kind == StatementKind::With;  // its exit is a finally (LK5)
    if (const Statement* c = continue_through_exit(p, s.body, in_body)) return c;
    // a loop's else is outside the loop: its continue is the outer loop's
    if (const Statement* c = continue_through_exit(p, s.orelse, loop ? through_exit : in_body))
      return c;
    for (const model::ExceptClause& h : s.handlers)
      if (const Statement* c = continue_through_exit(p, h.body, true)) return c;
    if (const Statement* c = continue_through_exit(p, s.finalbody, true)) return c;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> loop_problem(const Program& program) {
  for (const model::FuncInfo& f : program.funcs)
    if (const Statement* c = continue_through_exit(program, f.body, false))
      return "line " + std::to_string(c->line) +
             ": a continue inside a try with a finally clause or inside an except or finally "
             "clause (the script's check would come before the clause is left)";
  return std::nullopt;
}

// The failing test's way out: the else clause, then out of `while True`.
void Emitter::while_exit(const Statement& loop, FuncId fn, int indent, std::string& out) const {
  line(out, indent, "if not (" + expr(loop.value, fn) + "):", loop.line);
  for (StatementId b : loop.orelse) statement(p_.stmts[b], fn, indent + 1, out);
  line(out, indent + 1, "break");
}

void Emitter::while_loop(const Statement& s, FuncId fn, int indent, std::string& out) const {
  if (has_loop_jump(p_, s.orelse))
    unsupported("break or continue in the else clause of a while loop", s.line);
  const bool endless = forever(p_, s);
  int at = indent;
  if (!endless) {
    line(out, indent, "if " + expr(s.value, fn) + ":", s.line);
    ++at;
  }
  line(out, at, "while True:", s.line);
  loops_.push_back(&s);
  block(fn, s.body, at + 1, out);
  loops_.pop_back();
  if (!endless) while_exit(s, fn, at + 1, out);
  line(out, at + 1, "_turn()  # the backward jump's check, after the test");
  if (!endless && !s.orelse.empty()) {
    line(out, indent, "else:");
    block(fn, s.orelse, indent + 1, out);
  }
}

// continue: JUMP_BACKWARD (a check), then a while loop's first test.
void Emitter::loop_continue(const Statement& s, FuncId fn, int indent, std::string& out) const {
  size_t at = loops_.size();
  while (
      at > 0 && loops_[at - 1] &&
      (loops_[at - 1]->kind == StatementKind::Try || loops_[at - 1]->kind == StatementKind::With)) {
    // the script's _turn() would run before the finally clause (a with's
    // __exit__), CPython's check after it
    if (!loops_[at - 1]->finalbody.empty() || loops_[at - 1]->kind == StatementKind::With)
      unsupported("continue inside a try with a finally clause", s.line);
    --at;
  }
  const Statement* loop = at == 0 ? nullptr : loops_[at - 1];
  if (!loop) return line(out, indent, "_turn(); continue", s.line);  // a for loop's FOR_ITER
  line(out, indent, "_turn()", s.line);
  if (!forever(p_, *loop)) while_exit(*loop, fn, indent, out);
  line(out, indent, "continue", s.line);
}

}  // namespace lifecheck::emit::detail
