// The code generator of model/CodeGen.h: expressions and simple statements
// in model/CodeGen.cpp; the statements with blocks (try, with, loops) and
// the jumps out of them (break, continue, return) in CodeGenBlocks.cpp.
#pragma once

#include <stdexcept>
#include <utility>
#include <vector>

#include "model/Program.h"

namespace lifecheck::model::codegen {

// Ranges of code a block's table entries leave out: code that a break,
// continue or return inlined after the block's protection ended (IT9,
// FN8a).
using Holes = std::vector<std::pair<uint16_t, uint16_t>>;

// A block around the statement being compiled, innermost last: what a jump
// out of it has to undo (CPython's frame blocks, `fblockinfo` in
// Python/compile.c, Python/codegen.c from 3.14).
struct Block {
  enum class Kind : uint8_t {
    Loop,        // a loop's body (FOR_LOOP, WHILE_LOOP): `slots` iterator values
    Try,         // a try's body, else and except clauses (TRY_EXCEPT, FINALLY_TRY)
    With,        // a with's body (WITH)
    Handler,     // an except clause's body (HANDLER_CLEANUP)
    FinallyEnd,  // the finally clause run for an exception (FINALLY_END)
    PopValue,    // a finally clause a return inlined, its value below (POP_VALUE)
  };
  Kind kind = Kind::Try;
  const Statement* s = nullptr;
  const ExceptClause* clause = nullptr;  // Handler
  uint16_t slots = 0;                    // Loop: the iterator's stack values
  size_t holes = 0;                      // its entry in CodeGen::holes_
};

class CodeGen {
 public:
  CodeGen(const Program& p, FuncId f) : p_(p), f_(f) {}

  std::vector<Op> run();
  std::vector<ExceptionHandler> table() { return std::move(table_); }

 private:
  Op& emit(OpCode code, uint32_t line, uint32_t col) {
    if (code_.size() >= 0xFFF0) throw std::length_error("function too large");
    Op op;
    op.code = code;
    op.line = line;
    op.col = col;
    code_.push_back(op);
    return code_.back();
  }
  Op& emit(OpCode code, const ExprNode& at) { return emit(code, at.line, at.col); }
  Op& emit(OpCode code, const Statement& at) { return emit(code, at.line, at.col); }
  uint16_t here() const { return static_cast<uint16_t>(code_.size()); }
  static Op op_at(uint32_t line, uint32_t col) {
    Op o;
    o.line = line;
    o.col = col;
    return o;
  }

  // CodeGen.cpp
  void call_with_args(OpCode code, const ExprNode& e);
  void expr(ExprId id);
  // FN14, FN15, SU1-SU3: the method lookup `load` (its a and b), the
  // arguments, then `call` (CallPyMethod; SU5: CallObjectInit) with
  // keyword names `keywords`
  void method_lookup_and_call(OpCode load, const ExprNode& e, uint16_t a, uint16_t b,
                              uint16_t keywords, OpCode call = OpCode::CallPyMethod);
  void store(ExprId target, const Statement& s);
  void del(ExprId target, const Statement& s);
  void result(const Statement& s);
  void stmt(StatementId id);
  void stmt_ops(StatementId id);
  void store_at(ExprId target, const Op& at);
  void unbind(ExprId target, const Op& at);

  // CodeGenBlocks.cpp
  void try_ops(const Statement& s);
  void leave_clause(const ExceptClause& c, const Op& at, uint16_t above);
  void with_ops(const Statement& s);
  void with_exit(const Statement& s);
  size_t with_body(const Statement& s, uint16_t depth);
  void lock_call(const Statement& s, uint16_t name, bool check);
  // CodeGenWith.cpp (WT1-WT6)
  bool user_context_manager(const Statement& s) const;
  void user_with_ops(const Statement& s);
  void user_with_exit(const Statement& s);
  size_t jump_if_lock(const Statement& s, uint16_t slot);
  void lock_enter(const Statement& s);
  void load_exit(const Statement& s);
  void release_keeper_on_raise(const Statement& s, uint16_t from, uint16_t to);
  void protect(uint16_t from, uint16_t to, uint16_t target, uint16_t depth, Holes holes);
  Block& push_block(Block::Kind kind, const Statement& s);
  void leave_trys(const Statement& at);
  void leave_blocks(size_t from, bool keep, const Statement& at);
  static bool unwinds_code(const Block& b);
  void unwind(const Block& b, bool keep, bool code_below, const Statement& at);
  void return_ops(const Statement& s);
  void loop_body(const Statement& s, size_t loop, uint16_t slots);
  void while_loop(const Statement& s);

  const Program& p_;
  FuncId f_;
  std::vector<Op> code_;
  uint16_t depth_ = 0;             // operand stack depth at a statement boundary
  std::vector<uint16_t> handled_;  // where each enclosing clause's exception sits
  std::vector<ExceptionHandler> table_;
  struct Loop {
    size_t head;
    uint16_t slots;
    std::vector<size_t> breaks;
    size_t blocks;  // blocks_ entries outside the loop's body
  };
  std::vector<Loop> loops_;    // the loops around the statement being compiled
  std::vector<Block> blocks_;  // the blocks around it
  std::vector<Holes> holes_;   // each block's holes, kept when a jump unwinds it
};

}  // namespace lifecheck::model::codegen
