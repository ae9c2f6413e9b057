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
  if (p_.thread_local_type == kNoType) {
    if (p_.types.size() >= kNoType) fail(e.loc, "scenario too large: too many types");
    TypeInfo t;
    t.name = "_thread._local";  // Py_TPFLAGS_HAVE_GC, a weakref list, no __dict__ of its own
    t.kind = TypeKind::ThreadLocal;
    t.heap = false;
    t.has_dict = false;
    t.weakrefable = true;
    p_.types.push_back(t);
    p_.thread_local_type = static_cast<ClassId>(p_.types.size() - 1);
  }
  ExprNode n;
  n.op = ExprOp::New;
  n.slot = p_.thread_local_type;
  n.label = label_id(label.empty() ? "local@" + std::to_string(e.loc.line) : label);
  // each thread's dict of a local labelled L is labelled "L.__dict__"
  const LabelId dict_label = label_id(p_.labels[n.label] + ".__dict__");
  if (p_.ldict_label.size() <= n.label) p_.ldict_label.resize(n.label + 1u, kNoLabel);
  p_.ldict_label[n.label] = dict_label;
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
