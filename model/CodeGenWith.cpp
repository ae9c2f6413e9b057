// `with` on a user context manager (WT1-WT6, model/With.cpp), as CPython
// 3.11+ compiles it (compiler_with in Python/compile.c; codegen_with in
// Python/codegen.c from 3.14):
//   SUBJECT; WithEnter; CALL __enter__ [3.11-3.13: release the bound
//   __enter__]; store NAME or POP_TOP
//   body; __exit__(None, None, None); release what kept the subject
//   handler (the body raised): __exit__(exc_type, exc, tb); a true result
//   swallows the exception (POP_EXCEPT), else RERAISE
// The hidden local stands for the stack slot CPython keeps for the block;
// wherever the stack would lose it to an exception (a raise in __enter__
// or __exit__), a cleanup entry deletes it before the exception goes on.
#include "model/CodeGenImpl.h"

namespace lifecheck::model::codegen {

bool CodeGen::user_context_manager(const Statement& s) const {
  return p_.strings[s.str] == "__exit__";
}

// A table entry for [from, to) whose handler deletes the hidden local and
// re-raises; emitted out of line (jumped over).
void CodeGen::release_keeper_on_raise(const Statement& s, uint16_t from, uint16_t to) {
  const size_t over = code_.size();
  emit(OpCode::Jump, s);
  protect(from, to, here(), depth_, {});
  ++depth_;  // the exception
  emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
  emit(OpCode::Reraise, s);
  --depth_;
  code_[over].a = here();
}

// __exit__ and what CALL takes as self: 3.11-3.13 the bound method and no
// self (CALL takes the method apart, FN15); 3.14 the function and the
// subject, as LOAD_SPECIAL left them (looked up again here: a class's
// methods do not change).
void CodeGen::load_exit(const Statement& s) {
  emit(OpCode::LoadLocal, s).a = p_.exprs[s.target].slot;
  if (p_.profile.with_binds_methods) {
    emit(OpCode::LoadConst, s).value = Value::unset();
    return;
  }
  Op& op = emit(OpCode::LoadMethod, s);
  op.value = Value::str(s.str);
  op.a = kNoMethodField;  // the type's attribute only (_PyObject_LookupSpecialMethod)
  op.label = s.label;
}

// LK5a: a jump to the lock's code when `slot` (kWithSubjectOnStack: the
// subject on the stack) holds a lock; SIZE_MAX when the scenario makes no
// lock (its code is then as before).
size_t CodeGen::jump_if_lock(const Statement& s, uint16_t slot) {
  if (!p_.uses_locks()) return SIZE_MAX;
  const size_t at = code_.size();
  emit(OpCode::JumpIfLock, s).b = slot;
  return at;
}

// LK5a: a lock's __enter__ in a user with: LK5's acquire (a check after it
// under the profiles whose with checks there), its True bound to NAME.
void CodeGen::lock_enter(const Statement& s) {
  const uint16_t keeper = p_.exprs[s.target].slot;
  emit(OpCode::StoreLocal, s).a = keeper;
  if (s.args.empty()) return lock_call(s, p_.str_acquire, p_.profile.with_enter_checks);
  emit(OpCode::LoadLocal, s).a = keeper;
  Op& op = emit(OpCode::CallMethod, s);
  op.value = Value::str(p_.str_acquire);
  op.b = kNoAppendSite;
  op.str = p_.str_type_error;
  if (p_.profile.with_enter_checks) emit(OpCode::Check, s);
  store(s.args[0], s);
}

void CodeGen::user_with_ops(const Statement& s) {
  const uint16_t depth = depth_;
  const uint16_t keeper = p_.exprs[s.target].slot;
  expr(s.value);
  const size_t to_lock = jump_if_lock(s, kWithSubjectOnStack);
  Op& enter = emit(OpCode::WithEnter, s);
  enter.a = keeper;
  enter.value = Value::str(s.slot);
  enter.str = s.str;
  enter.label = s.label;
  enter.b = s.range_start;  // the bound __enter__'s label
  const uint16_t call_from = here();
  emit(OpCode::CallPyMethod, s);  // a = 0: self is on the stack
  if (p_.profile.with_binds_methods) {
    Op& pop = emit(OpCode::PopUnder, s);  // the bound __enter__, under the result
    pop.a = 1;
    pop.b = 1;
  }
  const uint16_t call_to = here();
  if (!s.args.empty())
    store(s.args[0], s);
  else
    emit(OpCode::PopTop, s);
  if (to_lock != SIZE_MAX) {
    const size_t to_body = code_.size();
    emit(OpCode::Jump, s);
    code_[to_lock].a = here();
    lock_enter(s);
    code_[to_body].a = here();
  }
  const size_t to_exit = with_body(s, depth);
  ++depth_;  // the exception (WT4, WITH_EXCEPT_START)
  const size_t lock_handler = jump_if_lock(s, keeper);
  const uint16_t exit_from = here();
  load_exit(s);
  emit(OpCode::WithExceptArgs, s);
  emit(OpCode::CallPyMethod, s).a = 3;
  const uint16_t exit_to = here();
  const size_t to_reraise = code_.size();
  emit(OpCode::PopJumpIfFalse, s);
  // WT5: swallowed: POP_EXCEPT, then the stack's slot for the block
  emit(OpCode::PopExcept, s);
  emit(OpCode::DelLocal, s).a = keeper;
  const size_t to_after = code_.size();
  emit(OpCode::Jump, s);
  code_[to_reraise].a = here();
  emit(OpCode::DelLocal, s).a = keeper;
  emit(OpCode::Reraise, s);
  release_keeper_on_raise(s, exit_from, exit_to);  // WT6: __exit__ raised
  --depth_;
  release_keeper_on_raise(s, call_from, call_to);  // WT2: __enter__ raised
  if (lock_handler != SIZE_MAX) {                  // LK5a: LK5's handler: release, re-raise
    code_[lock_handler].a = here();
    ++depth_;
    lock_call(s, p_.str_release, false);
    emit(OpCode::DelLocal, s).a = keeper;
    --depth_;
    emit(OpCode::Reraise, s);
  }
  code_[to_exit].a = here();
  user_with_exit(s);
  code_[to_after].a = here();
}

// WT3: __exit__(None, None, None) (CALL: a Python function, no check
// after it), then what kept the subject goes, then the result.
void CodeGen::user_with_exit(const Statement& s) {
  const size_t to_lock = jump_if_lock(s, p_.exprs[s.target].slot);
  const uint16_t from = here();
  load_exit(s);
  for (int i = 0; i < 3; ++i) emit(OpCode::LoadConst, s).value = Value::none();
  emit(OpCode::CallPyMethod, s).a = 3;
  const uint16_t to = here();
  emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
  emit(OpCode::PopTop, s);
  release_keeper_on_raise(s, from, to);
  if (to_lock == SIZE_MAX) return;
  const size_t to_end = code_.size();
  emit(OpCode::Jump, s);
  code_[to_lock].a = here();  // LK5a: LK5's normal exit
  lock_call(s, p_.str_release, true);
  emit(OpCode::DelLocal, s).a = p_.exprs[s.target].slot;
  code_[to_end].a = here();
}

}  // namespace lifecheck::model::codegen
