// Finding the types of a C file: static PyTypeObject initialisers (designated
// or positional) and PyType_Spec / PyType_Slot arrays, with their flags,
// instance struct, weakref list and slot functions.
#include "extract/Types.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace lifecheck::extract {

namespace {

// Include/object.h: these bits are the same in every release from 3.11 on.
constexpr long long kHeapType = 1LL << 9;
constexpr long long kBaseType = 1LL << 10;
constexpr long long kHaveGc = 1LL << 14;

std::string type_spelling(CXType t) {
  CXString s = clang_getTypeSpelling(t);
  std::string out = clang_getCString(s);
  clang_disposeString(s);
  return out;
}

bool is_type_named(CXCursor var, const char* name, const char* canonical) {
  CXType t = clang_getCursorType(var);
  return type_spelling(t) == name || type_spelling(clang_getCanonicalType(t)) == canonical;
}

// The fields of a struct type, in declaration order.
std::vector<std::string> struct_fields(CXType t) {
  std::vector<std::string> out;
  clang_Type_visitFields(
      clang_getCanonicalType(t),
      [](CXCursor c, CXClientData data) {
        static_cast<std::vector<std::string>*>(data)->push_back(spelling(c));
        return CXVisit_Continue;
      },
      &out);
  return out;
}

// Is `t` a pointer to a Python object: PyObject, or a struct whose first
// member is a PyObject header (PyObject_HEAD, or another object struct)?
bool is_object_struct(CXType t, int depth = 0) {
  t = clang_getCanonicalType(t);
  if (t.kind != CXType_Record || depth > 4) return false;
  if (type_spelling(t) == "struct _object" || type_spelling(t) == "struct _typeobject") return true;
  struct First {
    CXType type;
    std::string name;
    bool found = false;
  } first{};
  clang_Type_visitFields(
      t,
      [](CXCursor c, CXClientData data) {
        auto* f = static_cast<First*>(data);
        f->type = clang_getCursorType(c);
        f->name = spelling(c);
        f->found = true;
        return CXVisit_Break;
      },
      &first);
  if (!first.found) return false;
  return first.name == "ob_base" || is_object_struct(first.type, depth + 1);
}

bool is_object_pointer(CXType t) {
  t = clang_getCanonicalType(t);
  return t.kind == CXType_Pointer && is_object_struct(clang_getPointeeType(t));
}

// "offsetof(Obj, member)" -> "member"
std::string offsetof_member(const std::vector<Tok>& toks) {
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (toks[i].text == "offsetof" && toks[i + 1].text == "(") {
      // the last identifier before the closing parenthesis
      int depth = 0;
      std::string last;
      for (size_t j = i + 1; j < toks.size(); ++j) {
        if (toks[j].text == "(") ++depth;
        if (toks[j].text == ")" && --depth == 0) return last;
        if (toks[j].kind == CXToken_Identifier) last = toks[j].text;
      }
    }
  return "";
}

bool mentions(const std::vector<Tok>& toks, const std::string& word) {
  return std::any_of(toks.begin(), toks.end(), [&](const Tok& t) { return t.text == word; });
}

std::string string_literal(const Source& src, CXCursor value) {
  for (const Tok& t : src.tokens(value))
    if (t.kind == CXToken_Literal && !t.text.empty() && t.text[0] == '"')
      return t.text.substr(1, t.text.size() - 2);
  return "";
}

long long evaluate(CXCursor value, bool& ok) {
  CXEvalResult r = clang_Cursor_Evaluate(value);
  ok = r && clang_EvalResult_getKind(r) == CXEval_Int;
  long long v = ok ? clang_EvalResult_getAsLongLong(r) : 0;
  if (r) clang_EvalResult_dispose(r);
  return v;
}

// The function (or API function) a slot value names.
SlotFunction function_of(CXCursor value) {
  CXCursor c = strip(value);
  SlotFunction f;
  CXCursor r = clang_getCursorReferenced(c);
  if (clang_Cursor_isNull(r)) return f;
  f.name = spelling(r);
  if (clang_getCursorKind(r) == CXCursor_FunctionDecl) f.definition = clang_getCursorDefinition(r);
  return f;
}

// "&Base_Type" -> "Base_Type"
std::string address_of(const Source& src, CXCursor value) {
  std::vector<Tok> toks = src.tokens(value);
  for (size_t i = 0; i + 1 < toks.size(); ++i)
    if (toks[i].text == "&" && toks[i + 1].kind == CXToken_Identifier) return toks[i + 1].text;
  if (toks.size() == 1 && toks[0].kind == CXToken_Identifier) return toks[0].text;
  return "";
}

// Each element of an initialiser list with the member it initialises:
// designated (".tp_name = ...") or by position.
std::vector<std::pair<std::string, CXCursor>> members_of(CXCursor init_list,
                                                         const std::vector<std::string>& fields) {
  std::vector<std::pair<std::string, CXCursor>> out;
  size_t position = 0;
  for (CXCursor e : children(init_list)) {
    std::vector<CXCursor> kids = children(e);
    if (clang_getCursorKind(e) == CXCursor_UnexposedExpr && !kids.empty() &&
        clang_getCursorKind(kids[0]) == CXCursor_MemberRef) {
      std::string member = spelling(kids[0]);
      auto it = std::find(fields.begin(), fields.end(), member);
      position = it == fields.end() ? position : static_cast<size_t>(it - fields.begin());
      out.emplace_back(member, kids.size() > 1 ? kids.back() : e);
    } else {
      out.emplace_back(position < fields.size() ? fields[position] : "", e);
    }
    ++position;
  }
  return out;
}

CXCursor init_list_of(CXCursor var) {
  for (CXCursor c : children(var))
    if (clang_getCursorKind(c) == CXCursor_InitListExpr) return c;
  return clang_getNullCursor();
}

class Finder {
 public:
  Finder(const Source& src, std::vector<Warning>& warnings) : src_(src), warnings_(warnings) {}

  std::vector<TypeDecl> run() {
    std::vector<TypeDecl> types;
    for (CXCursor c : children(src_.root())) {
      if (clang_getCursorKind(c) != CXCursor_VarDecl || !src_.in_main_file(c)) continue;
      CXCursor init = init_list_of(c);
      if (clang_Cursor_isNull(init)) continue;
      if (is_type_named(c, "PyTypeObject", "struct _typeobject"))
        types.push_back(static_type(c, init));
      else if (is_type_named(c, "PyType_Spec", "PyType_Spec"))
        types.push_back(spec_type(c, init));
    }
    name_types(types);
    for (TypeDecl& t : types) {
      for (TypeDecl& b : types)
        if (!t.base_variable.empty() && b.variable == t.base_variable) t.base = &b;
      if (!t.base_variable.empty() && !t.base)
        warn(t.place, "the base type '" + t.base_variable + "' of " + t.name +
                          " is not defined in this file; the base is left out");
    }
    return types;
  }

 private:
  void warn(Place p, const std::string& msg) {
    warnings_.push_back(Warning{src_.path(), p.line, p.col, msg});
  }

  TypeDecl static_type(CXCursor var, CXCursor init) {
    TypeDecl t;
    t.variable = spelling(var);
    t.place = src_.place(var);
    for (auto& [member, value] : members_of(init, struct_fields(clang_getCursorType(var)))) {
      if (member == "tp_name")
        t.tp_name = string_literal(src_, value);
      else if (member == "tp_basicsize")
        instance_struct(t, value);
      else if (member == "tp_flags")
        flags(t, value);
      else if (member == "tp_weaklistoffset")
        t.weaklist_member = offsetof_member(src_.tokens(value));
      else if (member == "tp_dictoffset")
        t.dict_member = offsetof_member(src_.tokens(value));
      else if (member == "tp_base")
        t.base_variable = address_of(src_, value);
      else if (member.rfind("tp_", 0) == 0)
        slot(t, member, value);
    }
    finish(t);
    return t;
  }

  TypeDecl spec_type(CXCursor var, CXCursor init) {
    TypeDecl t;
    t.variable = spelling(var);
    t.place = src_.place(var);
    t.spec = t.heap = true;  // PyType_FromSpec sets Py_TPFLAGS_HEAPTYPE
    for (auto& [member, value] : members_of(init, struct_fields(clang_getCursorType(var)))) {
      if (member == "name")
        t.tp_name = string_literal(src_, value);
      else if (member == "basicsize")
        instance_struct(t, value);
      else if (member == "flags")
        flags(t, value);
      else if (member == "slots")
        slot_array(t, value);
    }
    t.heap = true;
    finish(t);
    return t;
  }

  // The weakref list and the instance dict are not fields: the runtime owns
  // what they hold. Field names become scenario names.
  void finish(TypeDecl& t) {
    t.weakrefable = t.weakrefable || !t.weaklist_member.empty();
    if (!t.weakrefable) weaklist_without_offset(t);
    std::erase_if(t.c_fields, [&](const std::string& f) {
      return f == t.weaklist_member || f == t.dict_member;
    });
    // Python keywords, and words that mean something else after a step verb.
    static const std::set<std::string> reserved = {
        "False",   "None",      "True",     "and",    "as",       "assert", "async",  "await",
        "break",   "class",     "continue", "def",    "del",      "elif",   "else",   "except",
        "finally", "for",       "from",     "global", "if",       "import", "in",     "is",
        "lambda",  "nonlocal",  "not",      "or",     "pass",     "raise",  "return", "try",
        "while",   "with",      "yield",    "type",   "weakrefs", "wrong",  "self",   "null",
        "none",    "unchecked", "if_held",  "gc",     "weakref",  "log",    "object", "main",
        "ctype",   "thread",    "print"};
    for (const std::string& f : t.c_fields) {
      std::string n = f;
      while (reserved.count(n) || std::find(t.fields.begin(), t.fields.end(), n) != t.fields.end())
        n += "_";
      t.fields.push_back(n);
    }
  }

  // A member named as a weakref list (weakreflist, weaklist) in a type
  // that gives no offset for it: CPython never writes it, so it stays NULL
  // and the type is not weakrefable. It is no field either.
  void weaklist_without_offset(TypeDecl& t) {
    for (const std::string& f : t.c_fields) {
      std::string lower;
      for (char ch : f) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower.find("weaklist") == std::string::npos &&
          lower.find("weakreflist") == std::string::npos)
        continue;
      t.weaklist_member = f;
      warn(t.place, "the member '" + f + "' looks like a weakref list, but " + t.variable +
                        " gives no offset for it (" +
                        (t.spec ? "no \"__weaklistoffset__\" member in Py_tp_members"
                                : "no tp_weaklistoffset") +
                        "): the type is not weakrefable (weakref.ref() of an instance raises "
                        "TypeError) and the member stays NULL");
      return;
    }
  }

  void flags(TypeDecl& t, CXCursor value) {
    bool ok = false;
    long long v = evaluate(value, ok);
    std::vector<Tok> toks = src_.tokens(value);
    if (!ok) {
      warn(src_.place(value), "cannot evaluate the type flags; no flags assumed");
      return;
    }
    t.gc = (v & kHaveGc) != 0;
    t.heap = t.heap || (v & kHeapType) != 0;
    t.basetype = (v & kBaseType) != 0;
    if (mentions(toks, "Py_TPFLAGS_MANAGED_WEAKREF")) t.weakrefable = true;
    t.managed_dict = mentions(toks, "Py_TPFLAGS_MANAGED_DICT");
    if (t.managed_dict)
      warn(src_.place(value),
           "Py_TPFLAGS_MANAGED_DICT is not modelled: a ctype has no instance dict, so the "
           "dict and what it holds are left out (no reference the dict holds is "
           "checked), and PyObject_VisitManagedDict / PyObject_ClearManagedDict are no step");
  }

  void instance_struct(TypeDecl& t, CXCursor value) {
    for (CXCursor c : children(strip(value))) {
      if (clang_getCursorKind(c) != CXCursor_TypeRef) continue;
      CXType type = clang_getCursorType(c);
      t.instance_struct = type_spelling(type);
      collect_fields(t, type);
      return;
    }
  }

  void collect_fields(TypeDecl& t, CXType type) {
    struct Data {
      std::vector<std::pair<std::string, CXType>> fields;
    } data;
    clang_Type_visitFields(
        clang_getCanonicalType(type),
        [](CXCursor c, CXClientData d) {
          static_cast<Data*>(d)->fields.emplace_back(spelling(c), clang_getCursorType(c));
          return CXVisit_Continue;
        },
        &data);
    for (auto& [name, ftype] : data.fields)
      if (is_object_pointer(ftype)) t.c_fields.push_back(name);
  }

  void slot(TypeDecl& t, const std::string& member, CXCursor value) {
    SlotFunction f = function_of(value);
    if (!f.name.empty()) t.slots[member] = f;
  }

  // PyType_Slot Foo_slots[] = {{Py_tp_dealloc, Foo_dealloc}, ..., {0, NULL}}
  void slot_array(TypeDecl& t, CXCursor value) {
    CXCursor ref = clang_getCursorReferenced(strip(value));
    if (clang_Cursor_isNull(ref)) return;
    CXCursor def = clang_getCursorDefinition(ref);
    CXCursor init = init_list_of(clang_Cursor_isNull(def) ? ref : def);
    if (clang_Cursor_isNull(init)) {
      warn(src_.place(value), "cannot find the PyType_Slot array's initialiser");
      return;
    }
    for (CXCursor entry : children(init)) {
      std::vector<CXCursor> kids = children(entry);
      if (kids.size() < 2) continue;
      std::vector<Tok> id = src_.tokens(kids[0]);
      if (id.empty()) continue;
      std::string name = id[0].text;  // "Py_tp_dealloc"
      if (name.rfind("Py_", 0) != 0) continue;
      std::string member = name.substr(3);  // "tp_dealloc"
      if (member == "tp_base") {
        t.base_variable = address_of(src_, kids[1]);
      } else if (member == "tp_members") {
        member_array(t, kids[1]);
      } else if (member == "tp_flags") {
        continue;
      } else {
        slot(t, member, kids[1]);
      }
    }
  }

  // PyMemberDef entries "__weaklistoffset__" / "__dictoffset__" (3.9+).
  void member_array(TypeDecl& t, CXCursor value) {
    CXCursor ref = clang_getCursorReferenced(strip(value));
    if (clang_Cursor_isNull(ref)) return;
    CXCursor init = init_list_of(ref);
    if (clang_Cursor_isNull(init)) return;
    for (CXCursor entry : children(init)) {
      std::vector<Tok> toks = src_.tokens(entry);
      if (mentions(toks, "\"__weaklistoffset__\"")) t.weaklist_member = offsetof_member(toks);
      if (mentions(toks, "\"__dictoffset__\"")) t.dict_member = offsetof_member(toks);
    }
  }

  // Scenario names: the last part of tp_name, made a unique identifier.
  void name_types(std::vector<TypeDecl>& types) {
    static const std::set<std::string> reserved = {"gc",   "weakref", "log",
                                                   "self", "object",  "main"};
    std::set<std::string> used;
    for (TypeDecl& t : types) {
      std::string base = t.tp_name.substr(t.tp_name.rfind('.') + 1);
      if (base.empty()) base = t.variable;
      std::string n;
      for (char ch : base) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) n = "T" + n;
      while (reserved.count(n) || used.count(n)) n += "_";
      used.insert(n);
      t.name = n;
    }
  }

  const Source& src_;
  std::vector<Warning>& warnings_;
};

}  // namespace

std::string TypeDecl::field_name(const std::string& c_member) const {
  for (size_t i = 0; i < c_fields.size(); ++i)
    if (c_fields[i] == c_member) return fields[i];
  return "";
}

std::vector<TypeDecl> find_types(const Source& source, std::vector<Warning>& warnings) {
  return Finder(source, warnings).run();
}

}  // namespace lifecheck::extract
