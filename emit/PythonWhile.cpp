// Loops, break and continue in the emitted script (IT7, IT9).
//
// while: Python's own `while COND:` tests at the top and checks the eval
// breaker before the test; CPython's bytecode (model/CodeGenBlocks.cpp)
// tests once before the loop and then after each iteration, and checks
// between a passing test and the body. The script spells that order out,
// so that its _turn() stands where the model's check is (the real backward
// jump of `while True` follows it at once):
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
// A plain continue is `_turn()`, then for a while loop the test (ELSE and
// break when it fails), then `continue`.
//
// A continue inside a try statement (any part of it) or a with statement
// within its loop leaves those blocks first: finally clauses and __exit__
// run, and an except or finally clause pops its exception, all before the
// backward jump's check (IT9, CodeGenBlocks.cpp leave_blocks). A _turn()
// written at the continue would come before them. Such a loop gets its
// body wrapped in a `while True` that runs once; each of the loop's own
// jumps stores what it is in a flag (1 continue, 2 break; 0 for the end of
// the body) and leaves the wrapper with a Python break, which runs the
// blocks in between as CPython's jump does. After the wrapper the flag
// picks the way on:
//
//   for X in ITER:                       while True:   (inside `if COND:`)
//       while True:                          while True:
//           BODY                                 BODY
//           FLAG = 0                             FLAG = 0
//           break                                break
//       if FLAG == 2:                        if FLAG == 2:
//           break                                break
//       _turn()                              if FLAG == 1:
//   else:                                        _turn()
//       ELSE                                 if not (COND):
//                                                ELSE
//                                                break
//                                            if FLAG == 0:
//                                                _turn()
//
// so a for loop checks before FOR_ITER however the body ended, and a while
// loop checks before the test after a continue and after the passing test
// at the end of the body, as the model does. The flag is a plain local
// (no allocation, no call); an exception that abandons a jump leaves it
// stale only until the next jump or the end of the body sets it again.
//
// A while loop's ELSE is written at each failing test, inside the
// script's `while True`, where a break or continue of an outer loop in it
// (also in the else clause of a for loop in it) would take that `while
// True` instead. Such an ELSE follows the loop instead, under a second
// flag: True before the first test and at each failing one, False at each
// of the loop's breaks:
//
//   ELSEFLAG = True
//   if COND:
//       while True:
//           BODY            (break: `ELSEFLAG = False; break`)
//           if not (COND):
//               ELSEFLAG = True
//               break
//           _turn()
//   if ELSEFLAG:
//       ELSE
#include "emit/PythonEmitterImpl.h"
#include "model/While.h"

namespace lifecheck::emit::detail {

namespace {

bool forever(const Program& p, const Statement& s) { return model::always_true(p, s.value); }

// Whether `body` has a break or continue of the loop around it (a nested
// loop's are its own, except in its else clause).
bool has_loop_jump(const Program& p, const std::vector<StatementId>& body) {
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.kind == StatementKind::Break || s.kind == StatementKind::Continue) return true;
    const bool loop = s.kind == StatementKind::For || s.kind == StatementKind::ForIn ||
                      s.kind == StatementKind::While;
    if ((!loop && has_loop_jump(p, s.body)) || has_loop_jump(p, s.orelse) ||
        has_loop_jump(p, s.finalbody))
      return true;
    for (const model::ExceptClause& c : s.handlers)
      if (has_loop_jump(p, c.body)) return true;
  }
  return false;
}

// Whether a continue of the loop whose body is `body` stands inside a try
// statement (any of its parts) or a with statement within the loop: its
// jump leaves blocks first (IT9), so the loop is written with its body in
// a one-pass `while True` (loop_body, below). A nested loop's continues are
// its own; its else clause is outside it, so a continue there is this
// loop's. (A try without a finally clause runs nothing on the way out, but
// a while loop's ELSE written at the continue would still be inside it.)
bool continue_in_block(const Program& p, const std::vector<StatementId>& body, bool in_block) {
  for (StatementId id : body) {
    const Statement& s = p.stmts[id];
    if (s.kind == StatementKind::Continue && in_block) return true;
    const bool loop = s.kind == StatementKind::For || s.kind == StatementKind::ForIn ||
                      s.kind == StatementKind::While;
    const bool inside = in_block || s.kind == StatementKind::Try || s.kind == StatementKind::With;
    if (!loop && continue_in_block(p, s.body, inside)) return true;
    if (continue_in_block(p, s.orelse, loop ? in_block : inside) ||
        continue_in_block(p, s.finalbody, inside))
      return true;
    for (const model::ExceptClause& h : s.handlers)
      if (continue_in_block(p, h.body, true)) return true;
  }
  return false;
}

}  // namespace

bool Emitter::one_pass(const Statement& loop) const {
  return continue_in_block(p_, loop.body, false);
}

std::string Emitter::jump_name(const Statement& loop) const {
  return "_lc_jump" + std::to_string(&loop - p_.stmts.data());
}

// The body of `loop`. Written as it is, or, when one_pass(loop), inside a
// `while True` that every way out of the body leaves with a break (the
// loop's own break and continue set jump_name(loop) first, so that the
// code after it knows which it was).
void Emitter::loop_body(const Statement& loop, FuncId fn, int indent, std::string& out) const {
  const bool once = one_pass(loop);
  if (once) line(out, indent++, "while True:  # the body, once: break and continue leave it");
  loops_.push_back(&loop);
  block(fn, loop.body, indent, out);
  loops_.pop_back();
  if (!once) return;
  line(out, indent, jump_name(loop) + " = 0");
  line(out, indent, "break");
  line(out, indent - 1, "if " + jump_name(loop) + " == 2:  # the loop's break");
  line(out, indent, "break");
}

// The failing test's way out: the else clause, then out of `while True`;
// or, when the else clause is written after the loop (else_after), the
// flag that lets it run.
void Emitter::while_exit(const Statement& loop, FuncId fn, int indent, std::string& out) const {
  line(out, indent, "if not (" + expr(loop.value, fn) + "):", loop.line);
  if (else_after(loop))
    line(out, indent + 1, else_name(loop) + " = True");
  else
    for (StatementId b : loop.orelse) statement(p_.stmts[b], fn, indent + 1, out);
  line(out, indent + 1, "break");
}

// A while loop's else clause with a break or continue of an outer loop in
// it cannot stand inside the script's `while True`: it is written after
// the loop, under a flag that the failing test sets and a break clears.
bool Emitter::else_after(const Statement& loop) const {
  return loop.kind == StatementKind::While && !forever(p_, loop) && has_loop_jump(p_, loop.orelse);
}

std::string Emitter::else_name(const Statement& loop) const {
  return "_lc_else" + std::to_string(&loop - p_.stmts.data());
}

void Emitter::while_loop(const Statement& s, FuncId fn, int indent, std::string& out) const {
  const bool endless = forever(p_, s);
  int at = indent;
  if (!endless) {
    if (else_after(s)) line(out, indent, else_name(s) + " = True  # until a break");
    line(out, indent, "if " + expr(s.value, fn) + ":", s.line);
    ++at;
  }
  line(out, at, "while True:", s.line);
  loop_body(s, fn, at + 1, out);
  if (endless) {
    line(out, at + 1, "_turn()  # the backward jump's check");
  } else if (!one_pass(s)) {
    while_exit(s, fn, at + 1, out);
    line(out, at + 1, "_turn()  # the backward jump's check, after the test");
  } else {  // a continue's check comes before the test, the end of the body's after it
    line(out, at + 1, "if " + jump_name(s) + " == 1:");
    line(out, at + 2, "_turn()  # the continue's backward jump");
    while_exit(s, fn, at + 1, out);
    line(out, at + 1, "if " + jump_name(s) + " == 0:");
    line(out, at + 2, "_turn()  # the backward jump's check, after the test");
  }
  if (endless || s.orelse.empty()) return;
  line(out, indent, else_after(s) ? "if " + else_name(s) + ":" : "else:");
  block(fn, s.orelse, indent + 1, out);
}

// break: no check. In a one-pass body, out of it, then out of the loop.
// A while loop's else clause written after it (else_after) is skipped.
void Emitter::loop_break(const Statement& s, int indent, std::string& out) const {
  const Statement& loop = *loops_.back();
  const std::string skip_else = else_after(loop) ? else_name(loop) + " = False; " : "";
  if (!one_pass(loop)) return line(out, indent, skip_else + "break", s.line);
  line(out, indent, skip_else + jump_name(loop) + " = 2; break", s.line);
}

// continue: JUMP_BACKWARD (a check), then a for loop's FOR_ITER or a while
// loop's first test. In a one-pass body: out of it, the blocks it leaves
// on the way running first as in CPython, to the check after it.
void Emitter::loop_continue(const Statement& s, FuncId fn, int indent, std::string& out) const {
  const Statement& loop = *loops_.back();
  if (one_pass(loop)) return line(out, indent, jump_name(loop) + " = 1; break", s.line);
  if (loop.kind != StatementKind::While) return line(out, indent, "_turn(); continue", s.line);
  line(out, indent, "_turn()", s.line);
  if (!forever(p_, loop)) while_exit(loop, fn, indent, out);
  line(out, indent, "continue", s.line);
}

}  // namespace lifecheck::emit::detail
