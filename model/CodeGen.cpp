#include "model/CodeGen.h"

#include <algorithm>
#include <stdexcept>

#include "model/CodeGenImpl.h"
#include "model/Limits.h"
#include "model/ProgramSummary.h"
#include "model/While.h"

namespace lifecheck::model::codegen {

std::vector<Op> CodeGen::run() {
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

// The arguments pushed, then one op that takes them: a = e.slot (the
// function), b = how many, e's label.
void CodeGen::call_with_args(OpCode code, const ExprNode& e) {
  for (ExprId a : e.args) expr(a);
  Op& op = emit(code, e);
  op.a = e.slot;
  op.b = static_cast<uint16_t>(e.args.size());
  op.label = e.label;
}

void CodeGen::expr(ExprId id) {
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
    case ExprOp::FuncNew: {  // the defaults tuple, the closure tuple, MAKE_FUNCTION (FN2a, FN7a)
      uint16_t operands = 0;
      for (ExprId t : {e.a, e.b})
        if (t != kNoExpr) {
          expr(t);
          ++operands;
        }
      Op& op = emit(OpCode::MakeFunction, e);
      op.a = e.slot;
      op.b = operands;
      op.label = e.label;
      break;
    }
    case ExprOp::AtexitRegister:  // func, the args tuple (Atexit.cpp)
      expr(e.a);
      expr(e.args[0]);
      emit(OpCode::AtexitRegister, e);
      break;
    case ExprOp::AtexitUnregister:
      expr(e.a);
      emit(OpCode::AtexitUnregister, e);
      break;
    case ExprOp::PartialNew: {  // PT1, PT2 (Partial.cpp): func, the arguments
      expr(e.a);
      for (ExprId a : e.args) expr(a);
      Op& op = emit(OpCode::PartialNew, e);
      op.a = static_cast<uint16_t>(e.args.size());
      op.value = e.value;  // the empty tuple
      op.label = e.label;
      break;
    }
    case ExprOp::Attr: {
      expr(e.a);
      Op& op = emit(OpCode::LoadAttr, e);
      op.a = e.slot;
      // CA3: the name of some class attribute: the lookup may read a class's dict
      op.b = p_.class_attr_field(static_cast<FieldId>(e.slot)) ? 1 : 0;
      break;
    }
    case ExprOp::ClassAttr:  // CA2: LOAD_GLOBAL C, LOAD_ATTR NAME, one op here
      emit(OpCode::LoadClassAttr, e).a = e.slot;
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
      op.a = method_field(p_, e.value.str());  // FN15: the instance dict first
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
    case ExprOp::Vars: {
      expr(e.a);
      Op& op = emit(OpCode::Vars, e);
      op.label = e.label;
      op.a = e.slot == kVarsAttribute ? 1 : 0;  // DA2: LOAD_ATTR __dict__
      break;
    }
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
      // PT4: the callee may be a functools.partial, a call of C code: the
      // check after it (skipped at run time after a Python function's call)
      if (partial_check_after(p_, e)) {
        call.value = Value::boolean(true);
        emit(OpCode::Check, e);
      }
      break;
    }
    case ExprOp::PyMethodCall: {  // FN14, FN15: LOAD_ATTR (method), the arguments, CALL;
                                  // no check after it, as for a function (FN8)
      expr(e.a);
      method_lookup_and_call(OpCode::LoadMethod, e, method_field(p_, e.value.str()), 0, e.slot);
      break;
    }
    case ExprOp::SuperMethodCall: {  // SU1-SU4 (Super.cpp): then as FN14, FN15
      if (e.a != kNoExpr) expr(e.a);
      if (e.slot == kNoType || p_.profile.super_call == SuperCall::SuperObject) {
        Op& su = emit(OpCode::SuperNew, e);  // a CALL of `super`
        su.a = e.slot;
        su.label = p_.super_label;
        if (e.slot != kNoType) emit(OpCode::Check, e);  // SU1: the check after that CALL
      }
      // SU5: object.__init__ is C code, CALL's check follows it
      const bool object_init =
          e.slot != kNoType && super_finds_object_init(p_, e.slot, e.value.str());
      method_lookup_and_call(OpCode::LoadSuperMethod, e, e.slot, e.site, e.keywords,
                             object_init ? OpCode::CallObjectInit : OpCode::CallPyMethod);
      if (object_init) emit(OpCode::Check, e);
      break;
    }
    case ExprOp::CInitCall: {  // TI4: None stands for the slot wrapper (LOAD_METHOD)
      emit(OpCode::LoadConst, e).value = Value::none();
      expr(e.a);
      for (ExprId arg : e.args) expr(arg);
      Op& call = emit(OpCode::CallObjectInit, e);
      call.a = static_cast<uint16_t>(e.args.size());
      call.value = Value::integer(e.slot == kNoType ? -1 : e.slot);
      emit(OpCode::Check, e);  // C code: CALL's check after it
      break;
    }
  }
  if (checks_after(e)) emit(OpCode::Check, e);
}

void CodeGen::method_lookup_and_call(OpCode load_code, const ExprNode& e, uint16_t a, uint16_t b,
                                     uint16_t keywords, OpCode call_code) {
  Op& load = emit(load_code, e);
  load.value = e.value;
  load.a = a;
  load.b = b;
  load.label = e.label;
  for (ExprId arg : e.args) expr(arg);
  Op& call = emit(call_code, e);
  call.a = static_cast<uint16_t>(e.args.size());
  call.b = keywords;
}

// The value to store is on the stack.
void CodeGen::store(ExprId target, const Statement& s) {
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
    case ExprOp::ClassAttr:  // CA5: STORE_ATTR on the class: its dict's entry
      emit(OpCode::StoreGlobal, s).a = p_.class_attrs[t.slot].global;
      return;
    default:
      throw std::logic_error("not an assignment target");
  }
}

void CodeGen::del(ExprId target, const Statement& s) {
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
    case ExprOp::ClassAttr: {  // CA5: DELETE_ATTR on the class: AttributeError if unset
      Op& op = emit(OpCode::DelGlobal, s);
      op.a = p_.class_attrs[t.slot].global;
      op.b = 1;
      return;
    }
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

void CodeGen::result(const Statement& s) {
  if (s.target != kNoExpr)
    store(s.target, s);
  else
    emit(OpCode::PopTop, s);
}

void CodeGen::stmt(StatementId id) {
  const size_t start = code_.size();
  stmt_ops(id);
  // (right after a check it would be the same scheduling point again)
  if (code_.size() > start && !(start > 0 && code_[start - 1].code == OpCode::Check))
    code_[start].stmt_start = true;
}

void CodeGen::stmt_ops(StatementId id) {
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
      Op& head = emit(OpCode::ForRange, s);
      head.b = s.slot;
      head.depth = depth_;
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
      Op& head = emit(OpCode::ForIter, s);
      head.b = kMaxLoopNexts;
      head.depth = depth_;
      emit(OpCode::ForIterEnd, s).b = kMaxLoopNexts;
      store(s.target, s);
      loop_body(s, loop, kIteratorSlots);
      code_[loop + 1].a = code_[loop].a;
      return;
    }
    case StatementKind::While:
      return while_loop(s);
    case StatementKind::Break:  // POP_TOP of the iterator, JUMP_FORWARD: no check
      leave_trys(s);
      loops_.back().breaks.push_back(code_.size());
      if (loops_.back().slots == 0)  // a while loop has no iterator (IT7)
        emit(OpCode::Jump, s);
      else
        emit(OpCode::PopLoop, s).b = loops_.back().slots;
      return;
    case StatementKind::Continue:  // JUMP_BACKWARD to FOR_ITER or the while's test: a check
      leave_trys(s);
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
    case StatementKind::Return:  // RETURN_VALUE (FN8, FN8a): no check
      return return_ops(s);
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

void CodeGen::store_at(ExprId target, const Op& at) {
  const ExprNode& t = p_.exprs[target];
  emit(t.op == ExprOp::Local       ? OpCode::StoreLocal
       : t.op == ExprOp::CellLocal ? OpCode::StoreDeref
                                   : OpCode::StoreGlobal,
       at.line, at.col)
      .a = t.slot;
}

// the end of `except E as NAME`: NAME = None; del NAME
void CodeGen::unbind(ExprId target, const Op& at) {
  const ExprNode& t = p_.exprs[target];
  emit(OpCode::LoadConst, at.line, at.col).value = Value::none();
  store_at(target, at);
  emit(t.op == ExprOp::Local       ? OpCode::DelLocal
       : t.op == ExprOp::CellLocal ? OpCode::DelDeref
                                   : OpCode::DelGlobal,
       at.line, at.col)
      .a = t.slot;
}

}  // namespace lifecheck::model::codegen

namespace lifecheck::model {

void generate_code(Program& program) {
  using codegen::CodeGen;
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
