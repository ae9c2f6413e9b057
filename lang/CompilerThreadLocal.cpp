// threading.local() (model/ThreadLocal.cpp, rules TL1-TL6). The local type
// (_thread._local) is declared when a scenario first creates one, so
// scenarios without thread locals keep their types and state counts. Its
// attributes (`tl.x`, `tl.x = v`, `del tl.x`) compile as any object's; the
// model sends them to the calling thread's dict.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

ExprId Compiler::thread_local_new(const Expr& e, const std::string& label) {
  if (!e.args.empty())
    fail(e.args[0]->loc,
         "threading.local() takes no arguments (a subclass of threading.local with "
         "__init__ is not modelled)");
  // the local's label L; each thread's dict of it is labelled "L.__dict__"
  const LabelId site = label_id(label.empty() ? "local@" + std::to_string(e.loc.line) : label);
  if (p_.ldict_label.size() <= site) p_.ldict_label.resize(site + 1u, kNoLabel);
  p_.ldict_label[site] = label_id(p_.labels[site] + ".__dict__");
  ExprNode n;
  n.op = ExprOp::New;
  n.label = site;
  if (p_.thread_local_type == kNoType) {
    if (p_.types.size() >= kNoType) fail(e.loc, "scenario too large: too many types");
    // Py_TPFLAGS_HAVE_GC, a weakref list, no __dict__ of its own
    p_.thread_local_type = add_static_type("_thread._local", TypeKind::ThreadLocal, false, true);
  }
  n.slot = p_.thread_local_type;
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
