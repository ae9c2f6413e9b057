// Method calls, `obj.NAME(args)` where NAME is a method of some class
// (model/MethodCalls.cpp, rules FN14-FN15 of docs/semantics.md). Which
// class the object has is known only when the call runs: the lookup, the
// argument count and the keyword names are checked there, raising
// AttributeError and TypeError as CPython does.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

// FN14: LOAD_ATTR with the method flag on the receiver, the arguments in
// the order written, then CALL.
ExprId Compiler::py_method_call(const Expr& e) {
  const Expr& callee = *e.base;
  if (e.args.size() > 60) fail(e.args[60]->loc, "at most 60 arguments in a call");
  ExprNode n;
  n.op = ExprOp::PyMethodCall;
  n.a = object_expr(*callee.base, callee.text);
  n.value = Value::str(intern(callee.text));
  // the bound method a lookup through a weakref.proxy makes (FN15), named
  // as one that `obj.NAME` makes
  n.label = label_id("method " + callee.text);
  if (!e.keywords.empty()) n.slot = keyword_names(e, kNoFunc);  // FN12, checked by the call
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  return add_expr(n, e.loc);
}

// An attribute of a method's name is an entry of the instance dict that
// shadows the method (FN15); a __slots__ member cannot have that name
// (type_new: "'NAME' in __slots__ conflicts with class variable").
void Compiler::check_slots_against_methods() {
  for (const ClassDef& c : sc_.classes) {
    if (!c.slot_names) continue;
    const TypeInfo& t = p_.types[classes_.at(c.name)];
    for (FieldId f : t.slots)
      for (const auto& m : t.methods)
        if (m.first == p_.field_names[f])
          fail(c.slot_names_loc, "'" + m.first + "' in __slots__ conflicts with class variable");
  }
}

// FN15: `obj.NAME()` calls what an attribute of a method's name holds
// without self; a weakref, weakref.proxy or weakref.finalize there would be
// a call of C code, which the model does not make for that case: refused
// where it is stored.
void Compiler::check_method_attribute_store(const Stmt& s) {
  const Expr& t = *s.target;
  if (t.kind != ExprKind::Attr || !method_names_.count(t.text)) return;
  const uint16_t k = syntactic_kind(*s.value, *cur_);
  if (k != KAny && (k & (KWeakref | KFinalize | KProxy)) != 0)
    fail(s.value->loc, "storing " + kind_phrase(k) + " as the attribute '" + t.text +
                           "', a method's name too, is not modelled (obj." + t.text +
                           "() would call it as C code)");
}

}  // namespace lifecheck::lang::detail
