// threading.Lock(), threading.RLock() and `with L:` (model/Locks.cpp, rules
// LK1-LK8). The lock types are declared when a scenario first creates a
// lock, so scenarios without locks keep their types and state counts. A
// lock's methods (acquire, release, locked) compile as container methods
// do: looked up on the receiver's type at run time.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

ExprId Compiler::lock_new(const Expr& e, const std::string& label) {
  const bool rlock = e.base->text == "RLock";
  if (!e.args.empty() || !e.keywords.empty())
    fail(e.args.empty() ? e.loc : e.args[0]->loc,
         std::string("threading.") + (rlock ? "RLock" : "Lock") + "() takes no arguments");
  ClassId& type = rlock ? p_.rlock_type : p_.lock_type;
  if (type == kNoType) {
    if (p_.types.size() >= kNoType) fail(e.loc, "scenario too large: too many types");
    // Py_TPFLAGS_HAVE_GC (lock_traverse visits only the type), a weakref
    // list, no __dict__
    type = add_static_type(rlock ? "_thread.RLock" : "_thread.lock", TypeKind::Lock, false, true);
    p_.str_acquire = intern("acquire");
    p_.str_release = intern("release");
    for (const char* raised : {"RuntimeError", "TypeError"}) intern(raised);
  }
  ExprNode n;
  n.op = ExprOp::New;
  n.slot = type;
  n.label = label_id(label.empty()
                         ? std::string(rlock ? "RLock" : "Lock") + "@" + std::to_string(e.loc.line)
                         : label);
  return add_expr(n, e.loc);
}

// with SUBJECT: body (LK5). The subject must be able to hold a lock (an
// instance as far as the compiler can tell); what it holds is checked at
// run time. A hidden local keeps it for the block, as the bound __exit__
// CPython keeps on the stack does.
void Compiler::with_stmt(const Stmt& s, std::vector<StatementId>& out) {
  if (!with_takes_lock(s)) return context_manager_with(s, out);  // CompilerWith.cpp
  const Expr& v = *s.value;
  check_with_subject(v);
  const ExprId subject = value(v, "");
  intern("RuntimeError");
  model::FuncInfo& fi = p_.funcs[cur_->func];
  if (fi.nlocals >= 0xFE) fail(s.loc, "scenario too large: too many locals in one body");
  const uint8_t slot = fi.nlocals++;
  fi.local_names.push_back("<with>");
  ExprNode hidden;
  hidden.op = ExprOp::Local;
  hidden.slot = slot;
  const ExprId target = add_expr(hidden, s.loc);
  std::vector<StatementId> body;
  for (const Stmt& b : s.body) stmt(b, body);
  model::Statement& st = add_stmt(model::StatementKind::With, s.loc, out);
  st.value = subject;
  st.target = target;
  st.body = std::move(body);
  st.str = intern("release");
  st.slot = intern("acquire");
  // BEFORE_WITH (3.14: LOAD_SPECIAL) on an object without __enter__ and
  // __exit__: TypeError (3.11+)
  p_.str_type_error = intern("TypeError");
}

}  // namespace lifecheck::lang::detail
