// Class attributes (rules CA1-CA6 of docs/semantics.md; lang/CompilerClassAttrs.cpp).
// The entry NAME of class C's dict is a hidden global of the program
// (Program::class_attrs): a class lives as long as its module, so what its
// dict holds is reachable from the globals for the whole run, and at
// `shutdown modules` it goes with the module's dict (SD2-SD3). Reading
// C.NAME looks it up along C's bases (_PyType_Lookup over the MRO, CA2);
// an instance's read falls back to its class when the instance has no
// attribute of that name (CA3). Stores and deletes through the class are
// StoreGlobal and DelGlobal (CA5).
#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

// CA2: the first class along t's bases (single inheritance: the MRO)
// whose dict has NAME.
bool Machine::class_attr_lookup(ClassId t, FieldId field, Value& out) const {
  for (; t != kNoType; t = program_.types[t].py_base)
    for (const ClassAttr& a : program_.class_attrs)
      if (a.cls == t && a.field == field && state_.globals[a.global].kind() != ValueKind::Unset) {
        out = state_.globals[a.global];
        return true;
      }
  return false;
}

// CA2: LOAD_GLOBAL C, LOAD_ATTR NAME (type_getattro): a new reference to
// the value, AttributeError ("type object 'C' has no attribute 'NAME'").
void Machine::load_class_attr_op(const Op& op) {
  const ClassAttr& a = program_.class_attrs[op.a];
  Value v;
  if (!class_attr_lookup(a.cls, a.field, v)) raise("AttributeError");
  incref(v);
  push(v);
}

// CA3: PyObject_GenericGetAttr: the instance's own attribute first (a
// class attribute here is no data descriptor), then the class's. A
// function found in the class would be bound (func_descr_get makes a
// bound method), which the model does not do for class attributes.
Value Machine::load_attr_or_class(Value base, FieldId field) {
  try {
    return load_own_attr(base, field);
  } catch (const PyRaise& r) {
    const Value b = through_proxy(base);
    Value v;
    if (program_.strings[r.name] != "AttributeError" || !b.is_obj() || is_function_object(b) ||
        !class_attr_lookup(obj(b.obj()).type, field, v))
      throw;
    if (v.kind() == ValueKind::Func || is_function_object(v))
      throw ModelLimit{"reading the class attribute '" + program_.field_names[field] +
                       "', a function, through an instance: CPython binds it to the instance "
                       "(a bound method), which is not modelled for class attributes; read it "
                       "through the class (f = C.NAME) and call that"};
    return v;
  }
}

}  // namespace lifecheck::model
