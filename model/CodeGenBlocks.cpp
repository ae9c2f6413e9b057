// The statements with blocks (try, with, for, while) and the jumps out of
// them (break, continue, return), as CPython 3.11+ compiles them.
#include <algorithm>

#include "model/CodeGenImpl.h"
#include "model/While.h"

namespace lifecheck::model::codegen {

// try/except/else/finally, as CPython 3.11+ compiles it (X2-X6):
//   body; else; JUMP fin
//   dispatch: per clause [JumpIfNoMatch next] [BindException; store NAME]
//             body [NAME = None; del NAME] PopExcept; JUMP fin
//             (with NAME, a handler: NAME = None; del NAME; Reraise)
//             next: ...; Reraise (no clause matched)
//   finally handler: finally; Reraise
//   fin: finally
// Table entries are added once the code they protect exists, so inner
// ones come first.
void CodeGen::try_ops(const Statement& s) {
  const uint16_t depth = depth_;
  const uint16_t start = here();
  const size_t holes = push_block(Block::Kind::Try, s).holes;  // until the finally clause
  for (StatementId b : s.body) stmt(b);
  const uint16_t body_end = here();
  for (StatementId b : s.orelse) stmt(b);
  std::vector<size_t> to_fin{code_.size()};
  emit(OpCode::Jump, s);
  if (!s.handlers.empty()) {
    protect(start, body_end, here(), depth, holes_[holes]);
    ++depth_;  // the handled exception
    for (const ExceptClause& c : s.handlers) {
      const Op at = op_at(c.line, c.col);
      size_t no_match = SIZE_MAX;
      if (c.match.kind() != ValueKind::None) {
        no_match = code_.size();
        emit(OpCode::JumpIfNoMatch, at.line, at.col).value = c.match;
      }
      if (c.bind != kNoExpr) {
        emit(OpCode::BindException, at.line, at.col);
        store_at(c.bind, at);
      }
      const uint16_t clause_start = here();
      Block& clause = push_block(Block::Kind::Handler, s);
      clause.clause = &c;
      const size_t clause_holes = clause.holes;
      handled_.push_back(static_cast<uint16_t>(depth_ - 1));
      for (StatementId b : c.body) stmt(b);
      handled_.pop_back();
      blocks_.pop_back();
      const uint16_t clause_end = here();
      leave_clause(c, at, 0);
      to_fin.push_back(code_.size());
      emit(OpCode::Jump, at.line, at.col);
      if (c.bind != kNoExpr) {
        protect(clause_start, clause_end, here(), depth_, holes_[clause_holes]);
        unbind(c.bind, at);
        emit(OpCode::Reraise, at.line, at.col);
      }
      if (no_match != SIZE_MAX) code_[no_match].a = here();
    }
    emit(OpCode::Reraise, s);
    --depth_;
  }
  blocks_.pop_back();
  if (!s.finalbody.empty()) {
    protect(start, here(), here(), depth, holes_[holes]);
    ++depth_;  // the exception, which a return in the clause drops (FN8b)
    push_block(Block::Kind::FinallyEnd, s);
    for (StatementId b : s.finalbody) stmt(b);
    blocks_.pop_back();
    --depth_;
    emit(OpCode::Reraise, s);
  }
  for (size_t j : to_fin) code_[j].a = here();
  for (StatementId b : s.finalbody) stmt(b);
}

// The end of an except clause, on its normal way out and on a return's
// (FN8a): NAME = None; del NAME (X4), then POP_EXCEPT, which drops the
// handled exception `above` values below the top of the stack.
void CodeGen::leave_clause(const ExceptClause& c, const Op& at, uint16_t above) {
  if (c.bind != kNoExpr) unbind(c.bind, at);
  emit(OpCode::PopExcept, at.line, at.col).b = above;
}

// with L: body (LK5), as CPython compiles it (compiler_with; codegen_with
// from 3.14): the subject, kept for the block (here in a hidden local, as
// the bound __exit__ on the stack keeps it), its __enter__ called (3.14:
// LOAD_SPECIAL and CALL, a check; 3.11-3.13: BEFORE_WITH, none), the
// body; then __exit__(None, None, None), a CALL with its check. An
// exception leaving the body goes to a handler that calls __exit__ with
// it (WITH_EXCEPT_START: no check) and re-raises it (a lock's __exit__
// returns None). A break, continue or return calls __exit__ on its way out
// as a normal exit does (compiler_unwind_fblock, IT9, FN8a).
void CodeGen::with_ops(const Statement& s) {
  if (user_context_manager(s)) return user_with_ops(s);  // CodeGenWith.cpp
  const uint16_t depth = depth_;
  expr(s.value);
  emit(OpCode::StoreLocal, s).a = p_.exprs[s.target].slot;
  lock_call(s, s.slot, p_.profile.with_enter_checks);
  const size_t to_exit = with_body(s, depth);
  ++depth_;  // the exception
  lock_call(s, s.str, false);
  emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
  --depth_;
  emit(OpCode::Reraise, s);
  code_[to_exit].a = here();
  with_exit(s);
}

// A with's body, protected at `depth` (the handler follows), then the
// jump to its normal exit: that jump's index, to be patched.
size_t CodeGen::with_body(const Statement& s, uint16_t depth) {
  const uint16_t start = here();
  const size_t holes = push_block(Block::Kind::With, s).holes;
  for (StatementId b : s.body) stmt(b);
  const uint16_t body_end = here();
  blocks_.pop_back();
  const size_t to_exit = code_.size();
  emit(OpCode::Jump, s);
  protect(start, body_end, here(), depth, holes_[holes]);
  return to_exit;
}

// The normal exit of a with: __exit__(None, None, None), then the
// subject's reference goes.
void CodeGen::with_exit(const Statement& s) {
  if (user_context_manager(s)) return user_with_exit(s);
  lock_call(s, s.str, true);
  emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
}

// subject.NAME() on the hidden local; its result dropped
void CodeGen::lock_call(const Statement& s, uint16_t name, bool check) {
  emit(OpCode::LoadLocal, s).a = p_.exprs[s.target].slot;
  Op& op = emit(OpCode::CallMethod, s);
  op.value = Value::str(name);
  op.b = kNoAppendSite;
  op.str = p_.str_type_error;  // what a subject that is no lock raises
  if (check) emit(OpCode::Check, s);
  emit(OpCode::PopTop, s);
}

// A table entry for [from, to) but the holes in it.
void CodeGen::protect(uint16_t from, uint16_t to, uint16_t target, uint16_t depth, Holes holes) {
  std::sort(holes.begin(), holes.end());
  for (const auto& [a, e] : holes) {
    if (a >= to) break;
    if (a > from) table_.push_back({from, a, target, depth});
    from = std::max(from, e);
  }
  if (from < to) table_.push_back({from, to, target, depth});
}

Block& CodeGen::push_block(Block::Kind kind, const Statement& s) {
  Block b;
  b.kind = kind;
  b.s = &s;
  b.holes = holes_.size();
  holes_.emplace_back();
  blocks_.push_back(b);
  return blocks_.back();
}

// IT9: a break or continue leaves the blocks between it and its loop,
// innermost first (below): try statements, with statements, except
// clauses and the finally clause run for an exception (these two pop the
// exception, so the depth is the loop's after them). What follows the jump
// in its block is still compiled at the block's depth.
void CodeGen::leave_trys(const Statement& at) {
  const uint16_t depth = depth_;
  leave_blocks(loops_.back().blocks, false, at);
  depth_ = depth;
}

// IT9, FN8a: a jump out of blocks_[from...] leaves them innermost first
// (compiler_unwind_fblock_stack): each one's protection ends there (3.11+:
// the exception table stops covering what follows; older compilers'
// POP_BLOCK) and its exit runs inline (compiler_unwind_fblock), covered
// only by the blocks outside it. `keep`: a return's value is on the stack,
// above what the exits pop (SWAP 2 in CPython).
void CodeGen::leave_blocks(size_t from, bool keep, const Statement& at) {
  const std::vector<Block> around = blocks_;
  std::vector<uint16_t> starts(around.size(), here());
  for (size_t i = around.size(); i-- > from;) {
    starts[i] = here();
    blocks_.resize(i);
    bool code_below = false;
    for (size_t j = from; j < i; ++j) code_below = code_below || unwinds_code(around[j]);
    unwind(around[i], keep, code_below, at);
  }
  blocks_ = around;  // the statements after the jump are still inside them
  for (size_t i = from; i < around.size(); ++i)
    if (starts[i] < here()) holes_[around[i].holes].emplace_back(starts[i], here());
}

// Whether leaving the block runs code.
bool CodeGen::unwinds_code(const Block& b) {
  switch (b.kind) {
    case Block::Kind::Loop:
      return b.slots != 0;
    case Block::Kind::Try:
      return !b.s->finalbody.empty();
    default:
      return true;
  }
}

// One block's exit on a jump out of it. A loop's iterator is popped here
// only when code of an outer block runs after it; otherwise RETURN_VALUE
// releases it with the rest of the frame's stack (FN8), at the same point.
void CodeGen::unwind(const Block& b, bool keep, bool code_below, const Statement& at) {
  const uint16_t above = keep ? 1 : 0;
  auto pop_under = [&](uint16_t slots) {  // [SWAP 2,] POP_TOP
    Op& op = emit(OpCode::PopUnder, at);
    op.a = slots;
    op.b = above;
    depth_ = static_cast<uint16_t>(depth_ - slots);
  };
  switch (b.kind) {
    case Block::Kind::Loop:  // FOR_LOOP: the iterator; WHILE_LOOP: nothing
      if (b.slots != 0 && code_below) pop_under(b.slots);
      return;
    case Block::Kind::Try:  // FINALLY_TRY: the finally body, inline
      if (keep) push_block(Block::Kind::PopValue, at);
      for (StatementId s : b.s->finalbody) stmt(s);
      if (keep) blocks_.pop_back();
      return;
    case Block::Kind::With:  // WITH: __exit__(None, None, None)
      return with_exit(*b.s);
    case Block::Kind::Handler:  // HANDLER_CLEANUP: POP_EXCEPT, NAME = None; del NAME
      leave_clause(*b.clause, op_at(at.line, at.col), above);
      --depth_;
      return;
    case Block::Kind::FinallyEnd:  // FINALLY_END: POP_TOP of the exception, POP_EXCEPT
      emit(OpCode::PopExcept, at).b = above;
      --depth_;
      return;
    case Block::Kind::PopValue:  // POP_VALUE: the pending return's value
      return pop_under(1);
  }
}

// FN8, FN8a: return [value] (compiler_return; codegen_return from 3.14).
// A value that is no constant is evaluated first and stays on the stack
// (a reference held) while the blocks the return leaves are unwound; a
// constant is loaded after them. Then RETURN_VALUE (no check).
void CodeGen::return_ops(const Statement& s) {
  const uint16_t depth = depth_;
  const bool keep = s.value != kNoExpr && p_.exprs[s.value].op != ExprOp::Const;
  if (keep) {
    expr(s.value);
    ++depth_;
  }
  leave_blocks(0, keep, s);
  if (!keep)
    emit(OpCode::LoadConst, s).value = s.value != kNoExpr ? p_.exprs[s.value].value : Value::none();
  emit(OpCode::ReturnValue, s);
  depth_ = depth;
}

// A loop's body after its head at `loop`, the iterator's `slots` on the
// stack; JUMP_BACKWARD's check; the exit target of the head and of each
// break.
void CodeGen::loop_body(const Statement& s, size_t loop, uint16_t slots) {
  depth_ += slots;
  push_block(Block::Kind::Loop, s).slots = slots;
  loops_.push_back({loop, slots, {}, blocks_.size()});
  for (StatementId b : s.body) stmt(b);
  blocks_.pop_back();
  depth_ -= slots;
  emit(OpCode::Check, s);
  emit(OpCode::Jump, s).a = static_cast<uint16_t>(loop);
  code_[loop].a = here();
  const std::vector<size_t> breaks = std::move(loops_.back().breaks);
  loops_.pop_back();                       // a break in the else clause leaves an outer loop
  for (StatementId b : s.orelse) stmt(b);  // for ... else: not after a break
  for (size_t at : breaks) code_[at].a = here();
}

// IT7: CPython's compiler_while (codegen_while from 3.14): the test, then
// the body, then the test again, whose backward jump to the body checks
// the eval breaker (3.11's POP_JUMP_BACKWARD_IF_TRUE, JUMP_BACKWARD from
// 3.12); a test that is a true constant is left out. `continue` jumps back
// to the first test (a check); the else runs when a test fails.
void CodeGen::while_loop(const Statement& s) {
  const size_t top = code_.size();
  emit(OpCode::WhileLoop, s);
  const bool forever = always_true(p_, s.value);
  std::vector<size_t> tests;
  if (!forever) {
    expr(s.value);
    tests.push_back(code_.size());
    emit(OpCode::PopJumpIfFalse, s);
  }
  const size_t body = code_.size();
  push_block(Block::Kind::Loop, s);
  loops_.push_back({top, 0, {}, blocks_.size()});
  for (StatementId b : s.body) stmt(b);
  blocks_.pop_back();
  if (!forever) {
    expr(s.value);
    tests.push_back(code_.size());
    emit(OpCode::PopJumpIfFalse, s);
  }
  emit(OpCode::Check, s).b = kWhileBackCheck;
  emit(OpCode::Jump, s).a = static_cast<uint16_t>(body);
  code_[top].a = here();
  for (size_t at : tests) code_[at].a = here();
  const std::vector<size_t> breaks = std::move(loops_.back().breaks);
  loops_.pop_back();                       // a break in the else clause leaves an outer loop
  for (StatementId b : s.orelse) stmt(b);  // while ... else: not after a break
  for (size_t at : breaks) code_[at].a = here();
}

}  // namespace lifecheck::model::codegen
