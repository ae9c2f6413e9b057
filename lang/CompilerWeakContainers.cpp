// weakref.WeakValueDictionary(), weakref.WeakKeyDictionary() and
// weakref.WeakSet() (model/WeakContainers.cpp, rules WC1-WC9). Their classes, weakref.KeyedRef and
// the type of the `remove` functions their __init__ makes are declared when a scenario first makes
// one, so scenarios without them keep their types and state counts. Their operations compile as
// those of a dict or set do (d[k], d.get(k), del d[k], len(d), s.add(x), s.discard(x)) and are
// looked up on the receiver's type at run time.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

void Compiler::declare_weak_containers() {
  if (p_.weak_remove_type != kNoType) return;
  if (p_.types.size() + 5 >= kNoType) fail(where_, "scenario too large: too many types");
  // Classes defined in Python (heap types, GC, a dict and a weakref list);
  // their four attributes are kept as the items of a class deriving from
  // list (model/WeakContainers.cpp).
  for (const char* name :
       {"weakref.WeakValueDictionary", "weakref.WeakSet", "weakref.WeakKeyDictionary"}) {
    TypeInfo t;
    t.name = name;
    t.base = kListType;
    p_.types.push_back(t);
  }
  p_.weak_value_dict_type = static_cast<ClassId>(p_.types.size() - 3);
  p_.weak_set_type = static_cast<ClassId>(p_.types.size() - 2);
  p_.weak_key_dict_type = static_cast<ClassId>(p_.types.size() - 1);
  // weakref.KeyedRef: a weakref.ref subclass with a `key` slot (its type's
  // reference is not modelled: a static type here)
  p_.keyed_ref_type = add_static_type("weakref.KeyedRef", TypeKind::Weakref, false, false);
  // The nested function `remove` / `_remove`: a GC object holding its
  // __defaults__ tuple (items[0]).
  p_.weak_remove_type = add_static_type("function", TypeKind::Tuple, false, true);
  p_.weak_data_label = label_id("weak container .data");
  p_.weak_remove_label = label_id("weak container ._remove");
  p_.weak_pending_label = label_id("weak container ._pending_removals");
  p_.weak_iterating_label = label_id("weak container ._iterating");
  for (const char* raised : {"KeyError", "TypeError", "AttributeError"}) intern(raised);
}

ExprId Compiler::weak_container_new(const Expr& e, const std::string& label) {
  const std::string& name = e.base->text;
  if (!e.args.empty() || !e.keywords.empty())
    fail(e.args.empty() ? e.loc : e.args[0]->loc,
         "weakref." + name + "() takes no arguments here; add the entries one by one");
  declare_weak_containers();
  ExprNode n;
  n.op = ExprOp::New;
  n.slot = name == "WeakSet"             ? p_.weak_set_type
           : name == "WeakKeyDictionary" ? p_.weak_key_dict_type
                                         : p_.weak_value_dict_type;
  n.label = label_id(label.empty() ? name + "@" + std::to_string(e.loc.line) : label);
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
