// The translator of a slot function into scenario steps (Slots.cpp: the
// statements and conditions; SlotExpressions.cpp: expressions and calls).
// Internal to extract/: the interface is translate_slot (Types.h).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "extract/CApi.h"
#include "extract/Tokens.h"
#include "extract/Types.h"

namespace lifecheck::extract::slots {

// What an expression is, seen from a slot of the type.
struct Ref {
  enum Kind {
    Unknown,
    Self,
    Field,
    Weaklist,
    Dict,
    Type,
    Base,
    Null,
    PyNone,
    Local
  } kind = Unknown;
  std::string name;  // Field: the scenario field; Local: the variable; Base: the member
};

class Translator {
 public:
  Translator(const Source& src, const TypeDecl& type, SlotKind kind, std::vector<Warning>& warnings)
      : src_(src), type_(type), kind_(kind), warnings_(warnings) {
    for (CXCursor c : children(src_.root()))
      if (clang_getCursorKind(c) == CXCursor_FunctionDecl) {
        std::string n = spelling(c);
        if (clang_isCursorDefinition(c) && src_.in_main_file(c)) defined_[n] = c;
        if (!declared_.count(n)) declared_[n] = c;
      }
  }

  std::vector<Step> run(const SlotFunction& f) {
    if (f.defined()) function(f.definition, {});
    return steps_;
  }

 private:
  // One C function being translated: which names stand for what.
  struct Scope {
    unsigned begin = 0;                        // the body's first offset (for markers)
    std::set<std::string> self;                // names for the object
    std::set<std::string> type;                // names for its type
    std::string visit;                         // tp_traverse: the visitproc parameter
    std::map<std::string, std::string> holds;  // local -> the field whose reference it took
    std::set<std::string> nulled;              // fields NULLed while a local holds the reference
    std::set<std::string> noned;               // fields set to None while a local holds it
    std::set<std::string> nonnull;             // fields tested non-NULL around this code
    std::set<std::string> refs;  // locals holding what a weakref lookup step returned (`ref`)
    // new: a field stored while a local holds its old value (`tmp = self->f;
    // self->f = v; Py_XDECREF(tmp)`): the index of the store's step, which
    // becomes `xsetref f` when the local is released
    std::map<std::string, size_t> replaced;
    std::set<std::string> empty_tuples;  // locals bound to PyTuple_New(0)
    std::set<std::string> results;       // locals holding the result of a `call F`
    bool returned = false;
  };

  // ------------------------------------------------------------- helpers
  void warn(Place p, const std::string& msg) {
    warnings_.push_back(Warning{src_.path(), p.line, p.col, msg});
  }
  void warn(const Toks& toks, const std::string& msg) {
    warn(toks.empty() ? Place{} : Place{toks[0].line, toks[0].col}, msg);
  }
  void step(const std::string& words, const Toks& toks) {
    steps_.push_back(Step{words, toks.empty() ? 0 : toks[0].line, c_text(toks)});
  }
  void step(const std::string& words, unsigned line, const std::string& text) {
    steps_.push_back(Step{words, line, text});
  }
  bool emitted(const std::string& words) const {
    return std::any_of(steps_.begin(), steps_.end(),
                       [&](const Step& s) { return s.words == words; });
  }

  Ref classify(const Toks& in) {
    Toks t = unwrap(in);
    Ref r;
    if (t.empty()) return r;
    if (t.size() == 1) {
      const std::string& s = t[0].text;
      if (s == "NULL" || s == "0")
        r.kind = Ref::Null;
      else if (s == "Py_None")
        r.kind = Ref::PyNone;
      else if (scope().self.count(s))
        r.kind = Ref::Self;
      else if (scope().type.count(s))
        r.kind = Ref::Type;
      else if (s == type_.base_variable)
        r.kind = Ref::Base;
      else if (scope().holds.count(s)) {
        r.kind = Ref::Local;
        r.name = s;
      }
      return r;
    }
    if (t.size() >= 2 && t[1].text == "(" && closing(t, 1) == t.size() - 1) {
      std::vector<Toks> args = arguments(t, 1);
      if ((t[0].text == "Py_TYPE" || t[0].text == "_PyObject_CAST_TYPE") && args.size() == 1 &&
          classify(args[0]).kind == Ref::Self)
        r.kind = Ref::Type;
      else if ((t[0].text == "Py_NewRef" || t[0].text == "Py_XNewRef") && args.size() == 1)
        return classify(args[0]);
      return r;
    }
    // X->member, X.member
    if (t.size() >= 3 && (t[t.size() - 2].text == "->" || t[t.size() - 2].text == ".") &&
        t.back().kind == CXToken_Identifier) {
      Ref base = classify(Toks(t.begin(), t.end() - 2));
      const std::string& member = t.back().text;
      if (base.kind == Ref::Self) {
        if (member == type_.weaklist_member)
          r.kind = Ref::Weaklist;
        else if (member == type_.dict_member)
          r.kind = Ref::Dict;
        else if (std::string f = type_.field_name(member); !f.empty()) {
          r.kind = Ref::Field;
          r.name = f;
        } else if (type_.base && !type_.base->field_name(member).empty()) {
          r.kind = Ref::Field;
          r.name = type_.base->field_name(member);
        }
      } else if (base.kind == Ref::Type && member == "tp_base") {
        r.kind = Ref::Base;
      }
      return r;
    }
    if (t.size() == 2 && t[0].text == "&" && t[1].text == type_.base_variable) r.kind = Ref::Base;
    return r;
  }

  Scope& scope() { return scopes_.back(); }

  // ------------------------------------------------------------ functions
  // Translates `fn`; `args` binds its parameters (self, type, visit).
  void function(CXCursor fn, const std::vector<Ref>& args) {
    std::string name = spelling(fn);
    if (std::count(stack_.begin(), stack_.end(), name)) {
      warn(src_.place(fn), "recursive call of " + name + " is not followed");
      return;
    }
    CXCursor body = clang_getNullCursor();
    std::vector<CXCursor> params;
    for (CXCursor c : children(fn)) {
      if (clang_getCursorKind(c) == CXCursor_ParmDecl) params.push_back(c);
      if (clang_getCursorKind(c) == CXCursor_CompoundStmt) body = c;
    }
    Scope s;
    s.begin = src_.begin(body);
    for (size_t i = 0; i < params.size(); ++i) {
      std::string p = spelling(params[i]);
      if (stack_.empty()) {
        // The slot itself: self first; tp_new gets the type instead;
        // tp_traverse's visitproc comes second.
        if (i == 0 && kind_ == SlotKind::New && is_type_parameter(params[i]))
          s.type.insert(p);
        else if (i == 0)
          s.self.insert(p);
        else if (i == 1 && kind_ == SlotKind::Traverse)
          s.visit = p;
      } else if (i < args.size()) {
        if (args[i].kind == Ref::Self) s.self.insert(p);
        if (args[i].kind == Ref::Type) s.type.insert(p);
        if (args[i].kind == Ref::Local && args[i].name == "<visit>") s.visit = p;
      }
    }
    if (clang_Cursor_isNull(body)) return;
    stack_.push_back(name);
    scopes_.push_back(s);
    compound(body);
    flush_markers(src_.end(body));
    for (const std::string& f : scope().noned)
      warn(src_.place(body), "field '" + f +
                                 "' is set to Py_None while a local holds its old value, which is "
                                 "never released; not translated");
    scopes_.pop_back();
    stack_.pop_back();
  }

  static bool is_type_parameter(CXCursor param) {
    CXString s = clang_getTypeSpelling(clang_getCanonicalType(clang_getCursorType(param)));
    std::string t = clang_getCString(s);
    clang_disposeString(s);
    return t == "struct _typeobject *";
  }

  // ----------------------------------------------------------- statements
  void compound(CXCursor c);

  // Marker macros (Py_TRASHCAN_BEGIN...) written before `offset` whose
  // step is not out yet: some expand to nothing, so no statement shows them.
  void flush_markers(unsigned offset);
  const MacroUse* enclosing_macro(unsigned offset) const;
  void statement(CXCursor c);
  void declaration(CXCursor var);

  // `name = rhs` for a local variable.
  void bind(const std::string& name, const Toks& rhs);

  // ----------------------------------------------------------- conditions
  void if_statement(CXCursor c);

  // Whether `cond` tests one of `locals` (a weakref lookup's result, with
  // none_too: Py_None counts as not found; a stored callable's call result):
  // true when its then branch runs with the value (x, x != NULL), false when
  // without (!x, x == NULL); nullopt when it tests something else.
  std::optional<bool> local_test(const Toks& u, const std::set<std::string>& locals, bool none_too);

  // A branch that only leaves the function (return, goto): an error exit.
  bool is_error_exit(CXCursor b) const;
  bool mentions_field(const Toks& cond);

  // A branch that stores self outside the object (`free_list[n++] = self`)
  // and returns: a free list. The store's C text, or "".
  std::string self_store_then_return(CXCursor b);
  std::string self_store_outside(Toks statement);

  // Py_SET_REFCNT(self, Py_REFCNT(self) +/- 1): one warning for the pair.
  void refcount_guard(const Toks& t);

  // Conditions on the type itself, decided by its flags and slots.
  bool static_condition(const Toks& cond, CXCursor then_branch, CXCursor else_branch);

  // The calls inside a condition, as steps (if any is a step).
  void calls_in(const Toks& cond);

  // ---------------------------------------------------------- expressions
  void expression(Toks t);
  void assignment(const Toks& lhs, const Toks& rhs, const Toks& whole);
  void expression_calls_only(const Toks& rhs);

  // A function called by name (a macro written like one included).
  void call(const std::string& name, const std::vector<Toks>& args, const Toks& whole);

  // PyWeakref_GetRef(self->F, &ref), ref = PyWeakref_GetObject(self->F).
  void weakref_lookup(const std::string& name, const std::vector<Toks>& args, const Toks& whole);

  // A new reference taken to a borrowed ref at once (Py_INCREF right after
  // PyWeakref_GetObject, Py_NewRef around it): the step is weakref_getref.
  void strong_ref(const Toks& whole);
  void visit(Ref r, const Toks& whole);
  void release(const std::string& macro, Ref r, const Toks& whole);
  void setref(const std::string& macro, Ref target, Ref value, const Toks& whole);

  // obj->member(...) / obj.member(...)
  void member_call(const std::string& member, Ref object, const std::vector<Toks>& args,
                   const Toks& whole);

  // A function defined in this file: a slot of the type or of its base, or
  // a helper whose body is followed.
  void file_function(const std::string& name, const std::vector<Toks>& args, const Toks& whole);

  // PyObject_CallNoArgs(self->F) and its relatives: `call F` (CB1, CB2);
  // false when the call is not one of them (an opaque call then).
  bool field_call(const std::string& name, const std::vector<Toks>& args, const Toks& whole);

  // A function of the C API (or of another file).
  void api_function(const std::string& name, const Toks& whole);

  // A call that may run Python code: `call` (left out, with a warning, in
  // tp_traverse, which has no such step).
  void opaque_call(const Toks& whole);

  const Source& src_;
  const TypeDecl& type_;
  SlotKind kind_;
  std::vector<Warning>& warnings_;
  std::map<std::string, CXCursor> defined_, declared_;
  std::vector<Scope> scopes_;
  std::vector<std::string> stack_;
  std::set<unsigned> done_markers_;
  std::vector<Step> steps_;
};

}  // namespace lifecheck::extract::slots
