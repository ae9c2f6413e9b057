// Class attributes (rules CA1-CA6 of docs/semantics.md, model/ClassAttrs.cpp):
// `NAME = VALUE` lines of a class body, `C.NAME` read, assigned and
// deleted anywhere, and an instance's read falling back to its class. Each
// (class, name) the scenario uses is an entry of Program::class_attrs,
// whose value lives in a hidden global: the class lives as long as the
// module (its dict is reachable from a global for the whole run), and at
// `shutdown modules` its entries go with the module's dict (SD2-SD3).
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {

// What a class body may assign (CA1): the body runs where the class
// statement is, before any other module code in the emitted script, so
// only values that run no code and name nothing: constants and
// containers of them.
bool class_body_value(const Expr& e) {
  switch (e.kind) {
    case ExprKind::None:
    case ExprKind::True:
    case ExprKind::False:
    case ExprKind::Int:
    case ExprKind::Str:
      return true;
    case ExprKind::List:
    case ExprKind::Tuple:
    case ExprKind::Dict:
    case ExprKind::Set:
      for (const ExprPtr& a : e.args)
        if (!class_body_value(*a)) return false;
      return true;
    default:
      return false;
  }
}

}  // namespace

// `C.NAME` on a class of the scenario, for a NAME that is not one of its
// methods (those are R1.16's calls and ClassDel's __del__).
bool Compiler::names_class_attr(const Expr& e) const {
  if (e.kind != ExprKind::Attr || e.base->kind != ExprKind::Name) return false;
  auto it = classes_.find(e.base->text);
  if (it == classes_.end() || resolve(e.base->text, *cur_).kind != NameKind::Class) return false;
  // __del__, __init__ (ClassDel.cpp, R1.16) and other special names
  if (e.text.starts_with("__") && e.text.ends_with("__")) return false;
  for (ClassId t = it->second; t != kNoType; t = p_.types[t].py_base)
    for (const auto& m : p_.types[t].methods)
      if (m.first == e.text) return false;
  return true;
}

// The entry of (c, name) in Program::class_attrs, made at its first use.
uint16_t Compiler::class_attr_entry(ClassId c, const std::string& name, Loc loc) {
  const TypeInfo& t = p_.types[c];
  if (t.kind != TypeKind::PyClass)
    fail(loc, "'" + t.name + "' is a C type: attributes of the type itself are not modelled");
  if (name.size() > 4 && name.starts_with("__") && name.ends_with("__"))
    fail(loc, "the class attribute '" + name + "' is not modelled (DA4)");
  if (name.starts_with("__"))
    fail(loc, "private names ('" + name + "') are not supported: Python mangles them");
  if (method_names_.count(name))
    fail(loc, "a class attribute cannot have a method's name ('" + name +
                  "'): a method of that name is looked up through every instance (FN15)");
  const FieldId field = field_id(name, loc);
  for (FieldId s : t.slots)
    if (s == field) fail(loc, "'" + name + "' in __slots__ conflicts with class variable");
  for (size_t i = 0; i < p_.class_attrs.size(); ++i)
    if (p_.class_attrs[i].cls == c && p_.class_attrs[i].field == field)
      return static_cast<uint16_t>(i);
  room(p_.globals.size(), 1, "globals");
  model::ClassAttr a;
  a.cls = c;
  a.field = field;
  a.global = static_cast<uint16_t>(p_.globals.size());
  p_.globals.push_back(t.name + "." + name);
  p_.class_attrs.push_back(a);
  return static_cast<uint16_t>(p_.class_attrs.size() - 1);
}

// C.NAME as a value or a target (CA2, CA5).
ExprId Compiler::class_attr_expr(const Expr& e) {
  ExprNode n;
  n.op = ExprOp::ClassAttr;
  n.slot = class_attr_entry(classes_.at(e.base->text), e.text, e.loc);
  return add_expr(n, e.loc);
}

// CA1: the class bodies' `NAME = VALUE` lines, in the file's order,
// declared before the bodies are compiled.
void Compiler::declare_class_attrs() {
  for (const ClassDef& c : sc_.classes) {
    if (c.attributes.empty()) continue;
    if (c.is_ctype) fail(c.attributes[0].loc, "a C type has no class attributes here");
    for (size_t i = 0; i < c.attributes.size(); ++i) {
      const ClassDef::Attribute& a = c.attributes[i];
      for (size_t j = 0; j < i; ++j)
        if (c.attributes[j].name == a.name)
          fail(a.loc, "class attribute '" + a.name + "' assigned twice in the class body");
      if (!class_body_value(*a.value))
        fail(a.value->loc,
             "a class body assigns only constants and lists, tuples, dicts and sets of them "
             "(None, 0, 'x', [], {}, ...); assign other values with " +
                 c.name + "." + a.name + " = ... in the module code");
      class_attr_entry(classes_.at(c.name), a.name, a.loc);
    }
  }
}

// CA1: the module code starts with the class bodies' assignments (the
// emitted script runs them there too, before any other module code).
void Compiler::class_attr_stmts(std::vector<StatementId>& out) {
  for (const ClassDef& c : sc_.classes)
    for (const ClassDef::Attribute& a : c.attributes) {
      const ClassId cls = classes_.at(c.name);
      ExprNode target;
      target.op = ExprOp::ClassAttr;
      target.slot = class_attr_entry(cls, a.name, a.loc);
      const ExprId t = add_expr(target, a.loc);
      const ExprId v = value(*a.value, c.name + "." + a.name);
      p_.class_attrs[target.slot].init = v;
      model::Statement& st = add_stmt(model::StatementKind::Assign, a.loc, out);
      st.target = t;
      st.value = v;
    }
}

}  // namespace lifecheck::lang::detail
