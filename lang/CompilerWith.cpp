// `with` on a user context manager: a class defining __enter__ and __exit__
// (model/With.cpp, rules WT1-WT6 of docs/semantics.md). A scenario whose
// classes define neither keeps the lock statement of LK5 (CompilerLocks.cpp)
// unchanged, so the lock scenarios keep their code and state counts.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {
bool is_lock_constructor(const Expr& v) {
  return v.kind == ExprKind::Call && v.base && v.base->kind == ExprKind::Attr && v.base->base &&
         v.base->base->kind == ExprKind::Name && v.base->base->text == "threading" &&
         (v.base->text == "Lock" || v.base->text == "RLock");
}
}  // namespace

// WT1: the parameters CPython passes: __enter__(self) and
// __exit__(self, exc_type, exc, tb). Other counts would raise TypeError at
// the call; the language asks for the usual ones.
void Compiler::check_context_manager_method(const FuncDef& f) {
  const bool enter = f.name == "__enter__";
  const size_t want = enter ? 1 : 4;
  if (f.params.size() != want || !f.defaults.empty())
    fail(f.params.size() > want ? f.params[want].loc : f.loc,
         enter ? "__enter__ takes exactly one parameter, 'self'"
               : "__exit__ takes exactly four parameters (self, exc_type, exc, tb)");
}

bool Compiler::defines_context_manager() const {
  for (const TypeInfo& t : p_.types)
    for (const auto& m : t.methods)
      if (m.first == "__enter__" || m.first == "__exit__") return true;
  return false;
}

// A subject that can be an instance (a lock or a context manager) as far
// as the compiler can tell; what it is, is checked at run time.
void Compiler::check_with_subject(const Expr& v) {
  const uint16_t k =
      v.kind == ExprKind::Name ? kind_of_name(v.text, *cur_) : syntactic_kind(v, *cur_);
  if ((k & KObj) == 0)
    fail(v.loc,
         "'with' takes a context manager (an instance of a class defining __enter__ and "
         "__exit__, or a threading.Lock/RLock), not " +
             kind_phrase(k));
}

// Which `with` a statement is: the lock's of LK5 unless it binds a name or
// a class of the scenario is a context manager and the subject is no
// threading.Lock()/RLock() call.
bool Compiler::with_takes_lock(const Stmt& s) const {
  if (s.target) return false;
  return !defines_context_manager() || is_lock_constructor(*s.value);
}

// with SUBJECT [as NAME]: body (WT1-WT6). The subject's class is known only
// at run time (WithEnter raises TypeError without __enter__ or __exit__),
// but a call of one of the scenario's classes that lacks them is refused
// here. A hidden local holds what CPython keeps on the stack for the block:
// 3.11-3.13 the bound __exit__, 3.14 the subject itself.
void Compiler::context_manager_with(const Stmt& s, std::vector<StatementId>& out) {
  const Expr& v = *s.value;
  check_with_subject(v);
  if (!defines_context_manager())
    fail(s.target->loc,
         "'with ... as' needs a class defining __enter__ and __exit__ (a lock's __enter__ "
         "returns True; write 'with L:')");
  if (v.kind == ExprKind::Call && v.base && v.base->kind == ExprKind::Name &&
      classes_.count(v.base->text)) {
    const TypeInfo& t = p_.types[classes_.at(v.base->text)];
    bool enter = false, exit = false;
    for (const auto& m : t.methods) {
      enter = enter || m.first == "__enter__";
      exit = exit || m.first == "__exit__";
    }
    if (!enter || !exit)
      fail(v.loc, "'" + v.base->text + "' object does not support the context manager protocol" +
                      (enter ? " (missed __exit__ method)" : ""));
  }
  const ExprId subject = value(v, "");
  p_.str_type_error = intern("TypeError");
  model::FuncInfo& fi = p_.funcs[cur_->func];
  if (fi.nlocals >= 0xFD) fail(s.loc, "scenario too large: too many locals in one body");
  const uint8_t slot = fi.nlocals++;
  fi.local_names.push_back("<with>");
  // the exception __exit__ receives is an object (WT4), made as
  // `except ... as` makes it: the body's frame object goes in its traceback
  if (fi.frame_slot == model::kNoFrameSlot) {
    fi.frame_slot = fi.nlocals++;
    fi.local_names.push_back("<frame>");
  }
  ExprNode hidden;
  hidden.op = ExprOp::Local;
  hidden.slot = slot;
  const ExprId target = add_expr(hidden, s.loc);
  const ExprId bound = s.target ? target_expr(*s.target, false) : kNoExpr;
  std::vector<StatementId> body;
  for (const Stmt& b : s.body) stmt(b, body);
  model::Statement& st = add_stmt(model::StatementKind::With, s.loc, out);
  st.value = subject;
  st.target = target;
  if (bound != kNoExpr) st.args.push_back(bound);
  st.body = std::move(body);
  st.str = intern("__exit__");
  st.slot = intern("__enter__");
  st.label = label_id("method __exit__");         // 3.11-3.13: the bound methods (WT1)
  st.range_start = label_id("method __enter__");  // (a For's field; free in a With)
}

}  // namespace lifecheck::lang::detail
