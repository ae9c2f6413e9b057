#include "model/CodeGen.h"

#include <algorithm>
#include <stdexcept>

#include "model/Limits.h"
#include "model/ProgramSummary.h"
#include "model/While.h"

namespace lifecheck::model {

namespace {

class CodeGen {
 public:
  CodeGen(const Program& p, FuncId f) : p_(p), f_(f) {}

  std::vector<Op> run() {
    const FuncInfo& fn = p_.funcs[f_];
    // RESUME: every body starts at a check (T1), reported at its first
    // statement's line.
    uint32_t line = fn.body.empty() ? static_cast<uint32_t>(fn.line) : p_.stmts[fn.body[0]].line;
    uint32_t col = fn.body.empty() ? 1 : p_.stmts[fn.body[0]].col;
    emit(OpCode::Check, line, col);
    if (entry_event(p_, f_) != EntryEvent::None) emit(OpCode::Enter, line, col);
    // MAKE_CELL of each captured local (CPython runs them before RESUME;
    // nothing observable happens in between).
    for (uint8_t slot : fn.cell_slots) emit(OpCode::MakeCell, line, col).a = slot;
    for (StatementId s : fn.body) stmt(s);
    emit(OpCode::Return, line, col);
    return std::move(code_);
  }
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

  // The arguments pushed, then one op that takes them: a = e.slot (the
  // function), b = how many, e's label.
  void call_with_args(OpCode code, const ExprNode& e) {
    for (ExprId a : e.args) expr(a);
    Op& op = emit(code, e);
    op.a = e.slot;
    op.b = static_cast<uint16_t>(e.args.size());
    op.label = e.label;
  }

  void expr(ExprId id) {
    const ExprNode& e = p_.exprs[id];
    switch (e.op) {
      case ExprOp::Const:
        emit(OpCode::LoadConst, e).value = e.value;
        break;
      case ExprOp::Local:
        emit(OpCode::LoadLocal, e).a = e.slot;
        break;
      case ExprOp::Global:
        emit(OpCode::LoadGlobal, e).a = e.slot;
        break;
      case ExprOp::CellLocal:  // LOAD_DEREF
        emit(OpCode::LoadDeref, e).a = e.slot;
        break;
      case ExprOp::FuncNew:  // LOAD_CLOSURE of each cell, MAKE_FUNCTION
        call_with_args(OpCode::MakeFunction, e);
        break;
      case ExprOp::AtexitRegister:  // func, the args tuple (Atexit.cpp)
        expr(e.a);
        expr(e.args[0]);
        emit(OpCode::AtexitRegister, e);
        break;
      case ExprOp::AtexitUnregister:
        expr(e.a);
        emit(OpCode::AtexitUnregister, e);
        break;
      case ExprOp::Attr:
        expr(e.a);
        emit(OpCode::LoadAttr, e).a = e.slot;
        break;
      case ExprOp::New: {
        // FN13: a class with __init__ gets its arguments first (tp_new
        // allocates after they are evaluated), then NewInit
        const bool init = p_.types[e.slot].init != kNoFunc;
        for (ExprId a : e.args) expr(a);
        Op& op = emit(init ? OpCode::NewInit : OpCode::New, e);
        op.a = e.slot;
        op.b = static_cast<uint16_t>(e.args.size());
        op.label = e.label;
        op.keywords = e.keywords;
        op.site = e.site;
        break;
      }
      case ExprOp::Deref:
        expr(e.a);
        emit(OpCode::Deref, e);
        break;
      case ExprOp::WeakrefNew: {
        expr(e.a);
        if (e.b != kNoExpr) expr(e.b);
        Op& op = emit(OpCode::WeakrefNew, e);
        op.a = e.b != kNoExpr ? 1 : 0;
        op.b = e.slot;  // 1: weakref.proxy
        op.label = e.label;
        break;
      }
      case ExprOp::FinalizeNew: {
        expr(e.a);
        expr(e.b);
        expr(e.args[0]);
        emit(OpCode::FinalizeNew, e).label = e.label;
        break;
      }
      case ExprOp::BoundMethod: {
        expr(e.a);
        Op& op = emit(OpCode::BoundMethod, e);
        op.value = e.value;
        op.label = e.label;
        break;
      }
      case ExprOp::IsFinalized:
      case ExprOp::IsTracked:
        expr(e.a);
        emit(e.op == ExprOp::IsFinalized ? OpCode::IsFinalized : OpCode::IsTracked, e);
        break;
      case ExprOp::RefCount: {  // GcModule.cpp: the IsTracked op's refcount variant
        expr(e.a);
        Op& op = emit(OpCode::IsTracked, e);
        op.a = 1;
        op.b = p_.exprs[e.a].op == ExprOp::Local ? 1 : 0;
        break;
      }
      case ExprOp::Compare:
        expr(e.a);
        expr(e.b);
        emit(OpCode::Compare, e).a = e.slot;
        break;
      case ExprOp::Not:
        expr(e.a);
        emit(OpCode::Not, e);
        break;
      case ExprOp::Truth:  // the consumer (a jump, assert, not) tests truth
        expr(e.a);
        break;
      case ExprOp::ListNew:
      case ExprOp::TupleNew:
      case ExprOp::DictNew: {
        for (ExprId a : e.args) expr(a);
        Op& op = emit(e.op == ExprOp::ListNew    ? OpCode::BuildList
                      : e.op == ExprOp::TupleNew ? OpCode::BuildTuple
                                                 : OpCode::BuildDict,
                      e);
        op.a = static_cast<uint16_t>(e.op == ExprOp::DictNew ? e.args.size() / 2 : e.args.size());
        op.label = e.label;
        break;
      }
      case ExprOp::ItemGet:
        expr(e.a);
        expr(e.b);
        emit(OpCode::ItemGet, e);
        break;
      case ExprOp::Vars:
        expr(e.a);
        emit(OpCode::Vars, e).label = e.label;
        break;
      case ExprOp::Len:
        expr(e.a);
        emit(OpCode::Len, e).b = e.slot;
        break;
      case ExprOp::GcGarbageLen: {  // LOAD_ATTR garbage, CALL len
        Op& op = emit(OpCode::Len, e);
        op.a = 1;
        op.b = e.slot;
        break;
      }
      case ExprOp::GcGarbageItem:  // LOAD_ATTR garbage, BINARY_SUBSCR
        expr(e.b);
        emit(OpCode::ItemGet, e).a = 1;
        break;
      case ExprOp::SetNew: {
        for (ExprId a : e.args) expr(a);
        Op& op = emit(OpCode::BuildSet, e);
        op.a = static_cast<uint16_t>(e.args.size());
        op.label = e.label;
        break;
      }
      case ExprOp::DequeNew: {
        if (e.a != kNoExpr) expr(e.a);
        Op& op = emit(OpCode::NewDeque, e);
        op.a = e.a != kNoExpr ? 1 : 0;
        op.label = e.label;
        break;
      }
      case ExprOp::MethodCall: {
        expr(e.a);
        for (ExprId a : e.args) expr(a);
        Op& op = emit(OpCode::CallMethod, e);
        op.a = static_cast<uint16_t>(e.args.size());
        op.value = e.value;
        op.b = e.slot;  // the list.append site, or kNoAppendSite
        break;
      }
      case ExprOp::Slice:
        throw std::logic_error("a slice is only a del target");
      case ExprOp::GenNew:  // Y1
        call_with_args(OpCode::GenNew, e);
        break;
      case ExprOp::GenNext:  // Y2: the frame runs between the two ops
        expr(e.a);
        emit(OpCode::GenNext, e);
        emit(OpCode::GenNextEnd, e);
        break;
      case ExprOp::GenClose:  // Y4
        expr(e.a);
        emit(OpCode::GenClose, e);
        emit(OpCode::GenCloseEnd, e);
        break;
      case ExprOp::Call: {  // CALL of a function (FN8): the callee's RESUME checks, no
                            // check after it returns
        expr(e.a);
        for (ExprId a : e.args) expr(a);
        Op& call = emit(OpCode::CallFunction, e);
        call.a = static_cast<uint16_t>(e.args.size());
        call.b = e.slot;  // FN12: keyword names, or 0
        break;
      }
    }
    if (checks_after(e)) emit(OpCode::Check, e);
  }

  // The value to store is on the stack.
  void store(ExprId target, const Statement& s) {
    const ExprNode& t = p_.exprs[target];
    switch (t.op) {
      case ExprOp::Local:
        emit(OpCode::StoreLocal, s).a = t.slot;
        return;
      case ExprOp::Global:
        emit(OpCode::StoreGlobal, s).a = t.slot;
        return;
      case ExprOp::CellLocal:
        emit(OpCode::StoreDeref, s).a = t.slot;
        return;
      case ExprOp::Attr: {  // STORE_ATTR: value, then the owner
        expr(t.a);
        Op& op = emit(OpCode::StoreAttr, s);
        op.a = t.slot;
        op.label = t.label;  // a function's __dict__, made by this store (FN10)
        return;
      }
      case ExprOp::ItemGet:  // STORE_SUBSCR: value, container, key
        expr(t.a);
        expr(t.b);
        emit(OpCode::StoreItem, s);
        return;
      default:
        throw std::logic_error("not an assignment target");
    }
  }

  void del(ExprId target, const Statement& s) {
    const ExprNode& t = p_.exprs[target];
    switch (t.op) {
      case ExprOp::Local:
        emit(OpCode::DelLocal, s).a = t.slot;
        return;
      case ExprOp::Global:
        emit(OpCode::DelGlobal, s).a = t.slot;
        return;
      case ExprOp::CellLocal:
        emit(OpCode::DelDeref, s).a = t.slot;
        return;
      case ExprOp::Attr:
        expr(t.a);
        emit(OpCode::DelAttr, s).a = t.slot;
        return;
      case ExprOp::ItemGet:
        expr(t.a);
        expr(t.b);
        emit(OpCode::DelItem, s);
        return;
      case ExprOp::Slice: {
        expr(t.a);
        uint16_t bounds = 0;
        for (size_t i = 0; i < 2; ++i)
          if (t.args[i] != kNoExpr) {
            expr(t.args[i]);
            bounds = static_cast<uint16_t>(bounds | (1u << i));
          }
        emit(OpCode::DelSlice, s).a = bounds;
        return;
      }
      default:
        throw std::logic_error("not a del target");
    }
  }

  void result(const Statement& s) {
    if (s.target != kNoExpr)
      store(s.target, s);
    else
      emit(OpCode::PopTop, s);
  }

  void stmt(StatementId id) {
    const size_t start = code_.size();
    stmt_ops(id);
    // (right after a check it would be the same scheduling point again)
    if (code_.size() > start && !(start > 0 && code_[start - 1].code == OpCode::Check))
      code_[start].stmt_start = true;
  }

  void stmt_ops(StatementId id) {
    const Statement& s = p_.stmts[id];
    switch (s.kind) {
      case StatementKind::Expr:
        expr(s.value);
        emit(OpCode::PopTop, s);
        return;
      case StatementKind::Assign:
        expr(s.value);
        store(s.target, s);
        return;
      case StatementKind::Del:
        del(s.target, s);
        return;
      case StatementKind::Def:  // MAKE_FUNCTION, then STORE of its name
        expr(s.value);
        store(s.target, s);
        return;
      case StatementKind::Pass:
        return;  // NOP
      case StatementKind::If: {
        expr(s.value);
        size_t jif = code_.size();
        emit(OpCode::PopJumpIfFalse, s);
        for (StatementId b : s.body) stmt(b);
        if (s.orelse.empty()) {
          code_[jif].a = here();
          return;
        }
        size_t jmp = code_.size();
        emit(OpCode::Jump, s);
        code_[jif].a = here();
        for (StatementId b : s.orelse) stmt(b);
        code_[jmp].a = here();
        return;
      }
      case StatementKind::For: {
        // for x in range(N): CALL range (a C call: a check after it),
        // GET_ITER; FOR_ITER (the iterator's next index on the stack), STORE
        // x, the body, JUMP_BACKWARD (a check, T1/G3). A range iterator and
        // small ints are no GC objects: nothing is allocated.
        emit(OpCode::LoadConst, s).value = Value::integer(s.range_start);
        emit(OpCode::Check, s);
        const size_t loop = code_.size();
        emit(OpCode::ForRange, s).b = s.slot;
        store(s.target, s);
        loop_body(s, loop, 1);
        return;
      }
      case StatementKind::ForIn: {
        // for x in v (IT1-IT5, Iteration.cpp): v, GET_ITER (no check),
        // FOR_ITER (a generator: a call into its frame; ForIterEnd takes
        // what it yielded), STORE x, the body, JUMP_BACKWARD (a check).
        expr(s.value);
        emit(OpCode::GetIter, s);
        const size_t loop = code_.size();
        emit(OpCode::ForIter, s).b = kMaxLoopNexts;
        emit(OpCode::ForIterEnd, s).b = kMaxLoopNexts;
        store(s.target, s);
        loop_body(s, loop, kIteratorSlots);
        code_[loop + 1].a = code_[loop].a;
        return;
      }
      case StatementKind::While:
        return while_loop(s);
      case StatementKind::Break:  // POP_TOP of the iterator, JUMP_FORWARD: no check
        leave_trys();
        loops_.back().breaks.push_back(code_.size());
        if (loops_.back().slots == 0)  // a while loop has no iterator (IT7)
          emit(OpCode::Jump, s);
        else
          emit(OpCode::PopLoop, s).b = loops_.back().slots;
        return;
      case StatementKind::Continue:  // JUMP_BACKWARD to FOR_ITER or the while's test: a check
        leave_trys();
        emit(OpCode::Check, s).b = loops_.back().slots == 0 ? kWhileBackCheck : 0;
        emit(OpCode::Jump, s).a = static_cast<uint16_t>(loops_.back().head);
        return;
      case StatementKind::Log:
        for (ExprId a : s.args) expr(a);
        // log(...) stands for a call of Python code: a check on entry,
        // before the line is logged, and CALL's own check after it returns
        emit(OpCode::Check, s);
        emit(OpCode::Log, s).a = static_cast<uint16_t>(s.args.size());
        emit(OpCode::Check, s);
        return;
      case StatementKind::Assert:
        expr(s.value);
        emit(OpCode::Assert, s).str = s.str;
        return;
      case StatementKind::Raise:
        emit(OpCode::Raise, s).str = s.str;
        return;
      case StatementKind::Yield:
        // YIELD_VALUE, then the RESUME the frame continues at, an
        // eval-breaker check (Y2)
        if (s.value != kNoExpr)
          expr(s.value);
        else
          emit(OpCode::LoadConst, s).value = Value::none();
        emit(OpCode::Yield, s);
        emit(OpCode::Check, s);
        return;
      case StatementKind::Reraise:
        emit(OpCode::ReraiseHandled, s).a = handled_.back();
        return;
      case StatementKind::Try:
        return try_ops(s);
      case StatementKind::With:
        return with_ops(s);
      case StatementKind::Collect:
        emit(OpCode::Collect, s).a = s.slot;
        emit(OpCode::Check, s);
        result(s);
        return;
      case StatementKind::Join:
        emit(OpCode::Join, s).a = s.slot;
        return;
      case StatementKind::GcEnable:
      case StatementKind::GcDisable:
        emit(s.kind == StatementKind::GcEnable ? OpCode::GcEnable : OpCode::GcDisable, s);
        emit(OpCode::Check, s);
        return;
      case StatementKind::GcSetDebug: {  // the gc-state opcodes' variants (GcModule.cpp)
        Op& op = emit(OpCode::GcEnable, s);
        op.a = 1;
        op.b = s.slot;
        emit(OpCode::Check, s);
        return;
      }
      case StatementKind::GcGarbageClear:
        emit(OpCode::GcDisable, s).a = 1;
        emit(OpCode::Check, s);
        return;
      case StatementKind::GcFreeze:
        emit(OpCode::GcEnable, s).a = s.slot ? 3 : 2;
        emit(OpCode::Check, s);
        return;
      case StatementKind::Return:  // RETURN_VALUE (FN8): no check
        if (s.value != kNoExpr)
          expr(s.value);
        else
          emit(OpCode::LoadConst, s).value = Value::none();
        emit(OpCode::ReturnValue, s);
        return;
      case StatementKind::ClassDel: {  // STORE_ATTR / DELETE_ATTR on the class: no check
        Op& op = emit(OpCode::SetClassDel, s);
        op.a = s.slot;
        op.b = s.value == kNoExpr ? kNoFunc : p_.exprs[s.value].value.func();
        return;
      }
      case StatementKind::GcCallbacksAppend:
      case StatementKind::GcCallbacksRemove: {
        // G6a: with function objects in gc.callbacks, the value is computed
        // and the op pops it (a == 1).
        const bool values = p_.gc_callbacks_objects();
        if (values) expr(s.value);
        Op& op = emit(s.kind == StatementKind::GcCallbacksAppend ? OpCode::GcCallbacksAppend
                                                                 : OpCode::GcCallbacksRemove,
                      s);
        if (values)
          op.a = 1;
        else
          op.value = p_.exprs[s.value].value;
        op.b = s.kind == StatementKind::GcCallbacksAppend ? s.slot : kNoAppendSite;
        emit(OpCode::Check, s);
        return;
      }
      case StatementKind::Construct: {
        for (ExprId a : s.args) expr(a);
        Op& op = emit(OpCode::Construct, s);
        op.a = s.slot;
        op.b = static_cast<uint16_t>(s.args.size());
        op.label = s.label;
        emit(OpCode::Check, s);
        result(s);
        return;
      }
    }
  }

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
  void try_ops(const Statement& s) {
    const uint16_t depth = depth_;
    const uint16_t start = here();
    trys_.push_back({&s, {}});
    for (StatementId b : s.body) stmt(b);
    const uint16_t body_end = here();
    for (StatementId b : s.orelse) stmt(b);
    const std::vector<std::pair<uint16_t, uint16_t>> holes = std::move(trys_.back().holes);
    trys_.pop_back();
    std::vector<size_t> to_fin{code_.size()};
    emit(OpCode::Jump, s);
    if (!s.handlers.empty()) {
      protect(start, body_end, here(), depth, holes);
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
        handled_.push_back(static_cast<uint16_t>(depth_ - 1));
        for (StatementId b : c.body) stmt(b);
        handled_.pop_back();
        const uint16_t clause_end = here();
        if (c.bind != kNoExpr) unbind(c.bind, at);
        emit(OpCode::PopExcept, at.line, at.col);
        to_fin.push_back(code_.size());
        emit(OpCode::Jump, at.line, at.col);
        if (c.bind != kNoExpr) {
          table_.push_back({clause_start, clause_end, here(), depth_});
          unbind(c.bind, at);
          emit(OpCode::Reraise, at.line, at.col);
        }
        if (no_match != SIZE_MAX) code_[no_match].a = here();
      }
      emit(OpCode::Reraise, s);
      --depth_;
    }
    if (!s.finalbody.empty()) {
      protect(start, here(), here(), depth, holes);
      ++depth_;
      for (StatementId b : s.finalbody) stmt(b);
      --depth_;
      emit(OpCode::Reraise, s);
    }
    for (size_t j : to_fin) code_[j].a = here();
    for (StatementId b : s.finalbody) stmt(b);
  }

  // with L: body (LK5), as CPython compiles it (compiler_with; codegen_with
  // from 3.14): the subject, kept for the block (here in a hidden local, as
  // the bound __exit__ on the stack keeps it), its __enter__ called (3.14:
  // LOAD_SPECIAL and CALL, a check; 3.11-3.13: BEFORE_WITH, none), the
  // body; then __exit__(None, None, None), a CALL with its check. An
  // exception leaving the body goes to a handler that calls __exit__ with
  // it (WITH_EXCEPT_START: no check) and re-raises it (a lock's __exit__
  // returns None). A break or continue calls __exit__ on its way out as a
  // normal exit does (compiler_unwind_fblock).
  void with_ops(const Statement& s) {
    const uint16_t depth = depth_;
    expr(s.value);
    emit(OpCode::StoreLocal, s).a = p_.exprs[s.target].slot;
    lock_call(s, s.slot, p_.profile.with_enter_checks);
    const uint16_t start = here();
    trys_.push_back({&s, {}});
    for (StatementId b : s.body) stmt(b);
    const uint16_t body_end = here();
    const std::vector<std::pair<uint16_t, uint16_t>> holes = std::move(trys_.back().holes);
    trys_.pop_back();
    const size_t to_exit = code_.size();
    emit(OpCode::Jump, s);
    protect(start, body_end, here(), depth, holes);
    ++depth_;  // the exception
    lock_call(s, s.str, false);
    emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
    --depth_;
    emit(OpCode::Reraise, s);
    code_[to_exit].a = here();
    with_exit(s);
  }
  // The normal exit of a with: __exit__(None, None, None), then the
  // subject's reference goes.
  void with_exit(const Statement& s) {
    lock_call(s, s.str, true);
    emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
  }
  // subject.NAME() on the hidden local; its result dropped
  void lock_call(const Statement& s, uint16_t name, bool check) {
    emit(OpCode::LoadLocal, s).a = p_.exprs[s.target].slot;
    Op& op = emit(OpCode::CallMethod, s);
    op.value = Value::str(name);
    op.b = kNoAppendSite;
    op.str = p_.str_type_error;  // what a subject that is no lock raises
    if (check) emit(OpCode::Check, s);
    emit(OpCode::PopTop, s);
  }

  // A table entry for [from, to) but the holes in it (sorted).
  void protect(uint16_t from, uint16_t to, uint16_t target, uint16_t depth,
               const std::vector<std::pair<uint16_t, uint16_t>>& holes) {
    for (const auto& [a, e] : holes) {
      if (a >= to) break;
      if (a > from) table_.push_back({from, a, target, depth});
      from = std::max(from, e);
    }
    if (from < to) table_.push_back({from, to, target, depth});
  }

  // IT9: a break or continue in a try's body or else leaves the try
  // statements between it and its loop, innermost first: each one's
  // protection ends (3.11+: the exception table stops covering it; older
  // compilers' POP_BLOCK) and its finally clause runs inline, covered only
  // by the try statements outside it (compiler_unwind_fblock, FINALLY_TRY).
  void leave_trys() {
    const size_t from = loops_.back().trys;
    for (size_t i = trys_.size(); i-- > from;) {
      const Statement& t = *trys_[i].s;
      if (t.kind != StatementKind::With && t.finalbody.empty()) continue;
      const uint16_t a = here();
      std::vector<Try> inner(trys_.begin() + static_cast<std::ptrdiff_t>(i), trys_.end());
      trys_.resize(i);
      if (t.kind == StatementKind::With)
        with_exit(t);
      else
        for (StatementId b : t.finalbody) stmt(b);
      trys_.insert(trys_.end(), inner.begin(), inner.end());
      for (size_t j = i; j < trys_.size(); ++j) trys_[j].holes.emplace_back(a, here());
    }
  }

  static Op op_at(uint32_t line, uint32_t col) {
    Op o;
    o.line = line;
    o.col = col;
    return o;
  }
  // A loop's body after its head at `loop`, the iterator's `slots` on the
  // stack; JUMP_BACKWARD's check; the exit target of the head and of each
  // break.
  void loop_body(const Statement& s, size_t loop, uint16_t slots) {
    depth_ += slots;
    loops_.push_back({loop, slots, {}, trys_.size()});
    for (StatementId b : s.body) stmt(b);
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
  void while_loop(const Statement& s) {
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
    loops_.push_back({top, 0, {}, trys_.size()});
    for (StatementId b : s.body) stmt(b);
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

  void store_at(ExprId target, const Op& at) {
    const ExprNode& t = p_.exprs[target];
    emit(t.op == ExprOp::Local       ? OpCode::StoreLocal
         : t.op == ExprOp::CellLocal ? OpCode::StoreDeref
                                     : OpCode::StoreGlobal,
         at.line, at.col)
        .a = t.slot;
  }
  // the end of `except E as NAME`: NAME = None; del NAME
  void unbind(ExprId target, const Op& at) {
    const ExprNode& t = p_.exprs[target];
    emit(OpCode::LoadConst, at.line, at.col).value = Value::none();
    store_at(target, at);
    emit(t.op == ExprOp::Local       ? OpCode::DelLocal
         : t.op == ExprOp::CellLocal ? OpCode::DelDeref
                                     : OpCode::DelGlobal,
         at.line, at.col)
        .a = t.slot;
  }

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
    size_t trys;  // trys_ entries outside the loop
  };
  std::vector<Loop> loops_;  // the loops around the statement being compiled
  // The try statements around it, and the code a break or continue inlined
  // out of each one's protection (its finally clauses: IT9).
  struct Try {
    const Statement* s;
    std::vector<std::pair<uint16_t, uint16_t>> holes;
  };
  std::vector<Try> trys_;
};

}  // namespace

void generate_code(Program& program) {
  for (FuncId f = 0; f < program.funcs.size(); ++f) {
    CodeGen gen(program, f);
    program.funcs[f].code = gen.run();
    program.funcs[f].handlers = gen.table();
  }
  program.has_while_loop = program.has_refcount_query = false;
  for (const FuncInfo& fn : program.funcs)
    for (const Op& op : fn.code) {
      program.has_while_loop = program.has_while_loop || op.code == OpCode::WhileLoop;
      program.has_refcount_query =
          program.has_refcount_query || (op.code == OpCode::IsTracked && op.a == 1);
    }
  summarize_program(program);
}

}  // namespace lifecheck::model
