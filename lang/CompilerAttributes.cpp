// Attribute names of the form __x__ (rules DA1-DA4 of docs/semantics.md).
// In CPython these are not entries of the instance's dict but descriptors
// of the type (__dict__, __weakref__, __class__) or special methods: taking
// them for plain attributes would be silently wrong, so the front end
// lowers the two it models and refuses the others with a clear error.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {

bool is_dunder(const std::string& name) {
  return name.size() > 4 && name.starts_with("__") && name.ends_with("__");
}

}  // namespace

// An attribute name the scenario uses on an object, read (`for_store`
// false) or stored/deleted. __weakref__ is a plain name here: the model
// decides at run time whether the type has the read-only descriptor (DA3).
FieldId Compiler::attribute_id(const std::string& name, Loc loc, bool for_store, bool for_del) {
  if (is_dunder(name) && name != "__weakref__") {
    const std::string doing = for_del ? "deleting" : for_store ? "assigning" : "reading";
    if (name == "__dict__")  // DA2 (reads are lowered in dunder_attr_value)
      fail(loc, doing +
                    " an object's __dict__ is not modelled; store and delete its "
                    "attributes one by one (obj.x = v, del obj.x)");
    if (name == "__class__")  // DA4
      fail(loc, doing +
                    " obj.__class__ is not modelled: a class is not a value in the scenario "
                    "language (it can only be called)");
    fail(loc, doing + " the attribute '" + name +
                  "' is not modelled; of the special attributes only __dict__ (read) and "
                  "__weakref__ are, and the methods a class defines");
  }
  const FieldId f = field_id(name, loc);
  if (name == "__weakref__") p_.weakref_attr_field = f;  // DA3
  return f;
}

// DA1, DA2: `obj.__dict__` read: the object's own dict, the one vars(obj)
// gives, made the same way (R1.15d) but read by LOAD_ATTR: no check after
// it, and AttributeError where vars() raises TypeError. kNoExpr for any
// other name.
ExprId Compiler::dunder_attr_value(const Expr& e, ExprId obj, const std::string& label) {
  if (e.text != "__dict__") return kNoExpr;
  ExprNode n;
  n.op = ExprOp::Vars;
  n.a = obj;
  n.slot = kVarsAttribute;
  // R1.15d: the instance keeps the dict it makes under this member
  p_.instance_dict_field = field_id("__dict__", e.loc);
  n.label = label_id(label.empty() ? "dict@" + std::to_string(e.loc.line) : label);
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
