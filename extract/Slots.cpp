// Translating a slot function into steps of the scenario language
// (docs/extension-types.md §2.3, §7). The cursor tree gives the statements;
// each statement is read from the tokens the user wrote, so that a macro
// (Py_CLEAR, Py_VISIT, Py_TRASHCAN_BEGIN...) is seen as written rather than
// as the header code it expands to. Calls into other functions of the file
// are followed; calls into code that is not in the file become an opaque
// `call` (other threads may run there).
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "extract/CApi.h"
#include "extract/Tokens.h"
#include "extract/Types.h"

namespace lifecheck::extract {

namespace {

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
    std::set<std::string> nonnull;             // fields tested non-NULL around this code
    std::set<std::string> refs;  // locals holding what a weakref lookup step returned (`ref`)
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
  void compound(CXCursor c) {
    for (CXCursor child : children(c)) {
      if (scope().returned) return;
      flush_markers(src_.begin(child));
      statement(child);
    }
  }

  // Marker macros (Py_TRASHCAN_BEGIN...) written before `offset` whose
  // step is not out yet: some expand to nothing, so no statement shows them.
  void flush_markers(unsigned offset) {
    for (const MacroUse& m : src_.macros()) {
      if (m.begin < scope().begin || m.begin >= offset || done_markers_.count(m.begin)) continue;
      auto it = marker_macros().find(m.name);
      if (it == marker_macros().end()) continue;
      done_markers_.insert(m.begin);
      step(it->second, m.line, m.name);
    }
  }

  const MacroUse* enclosing_macro(unsigned offset) const {
    for (const MacroUse& m : src_.macros())
      if (m.begin <= offset && offset < m.end) return &m;
    return nullptr;
  }

  void statement(CXCursor c) {
    const unsigned off = src_.begin(c);
    const MacroUse* m = enclosing_macro(off);
    if (m && marker_macros().count(m->name)) {
      // Code of a bracketing macro: its step, then the user's code that it
      // brackets (a do/while or block that runs past the macro).
      flush_markers(m->end);
      if (src_.end(c) > m->end)
        for (CXCursor inner : children(c)) {
          if (clang_getCursorKind(inner) == CXCursor_CompoundStmt)
            compound(inner);
          else if (src_.begin(inner) >= m->end)
            statement(inner);
        }
      return;
    }
    if (m && m->begin == off && is_statement_macro(m->name)) {
      Toks t = m->tokens;
      call(t[0].text, arguments(t, 1), t);
      return;
    }
    switch (clang_getCursorKind(c)) {
      case CXCursor_CompoundStmt:
        return compound(c);
      case CXCursor_IfStmt:
        return if_statement(c);
      case CXCursor_DeclStmt:
        for (CXCursor v : children(c))
          if (clang_getCursorKind(v) == CXCursor_VarDecl) declaration(v);
        return;
      case CXCursor_ReturnStmt: {
        Toks t = src_.tokens(c);
        if (t.size() > 1) expression(Toks(t.begin() + 1, t.end()));
        scope().returned = true;
        return;
      }
      case CXCursor_LabelStmt: {
        std::vector<CXCursor> kids = children(c);
        if (!kids.empty()) statement(kids.back());
        return;
      }
      case CXCursor_NullStmt:
        return;
      case CXCursor_GotoStmt:
        warn(src_.place(c), "a goto is not followed; the steps after it are taken in order");
        return;
      case CXCursor_DoStmt:
      case CXCursor_WhileStmt:
      case CXCursor_ForStmt:
        warn(src_.place(c),
             "a loop is not translated (a C type's fields are single PyObject* members)");
        return;
      case CXCursor_SwitchStmt:
        warn(src_.place(c), "a switch is not translated");
        return;
      default:
        if (m && m->begin == off && !is_statement_macro(m->name) && m->name != "Py_TYPE" &&
            m->end >= src_.end(c)) {
          warn(src_.place(c), "the macro " + m->name + " is not translated");
          return;
        }
        return expression(src_.tokens(c));
    }
  }

  void declaration(CXCursor var) {
    std::string name = spelling(var);
    Toks t = src_.tokens(var);
    size_t eq = find_top(t, "=");
    if (eq >= t.size()) return;
    Toks rhs(t.begin() + static_cast<long>(eq) + 1, t.end());
    bind(name, rhs);
  }

  // `name = rhs` for a local variable.
  void bind(const std::string& name, const Toks& rhs) {
    Ref r = classify(rhs);
    scope().holds.erase(name);
    scope().refs.erase(name);
    switch (r.kind) {
      case Ref::Self:
        scope().self.insert(name);
        return;
      case Ref::Type:
        scope().type.insert(name);
        return;
      case Ref::Field:
        scope().holds[name] = r.name;
        return;
      default:
        break;
    }
    size_t before = steps_.size();
    expression(rhs);
    // The result of an allocation is the object from here on.
    for (size_t i = before; i < steps_.size(); ++i) {
      if (steps_[i].words == "alloc" || steps_[i].words == "generic_alloc")
        scope().self.insert(name);
      if (steps_[i].words.rfind("weakref_getref ", 0) == 0 ||
          steps_[i].words.rfind("weakref_getobject ", 0) == 0)
        scope().refs.insert(name);
    }
  }

  // ----------------------------------------------------------- conditions
  void if_statement(CXCursor c) {
    std::vector<CXCursor> kids = children(c);
    if (kids.size() < 2) return;
    Toks cond = src_.tokens(kids[0]);
    const CXCursor then_branch = kids[1];
    const bool has_else = kids.size() > 2;
    auto branch = [&](CXCursor b, const std::string& nonnull = "") {
      Scope saved = scope();
      if (!nonnull.empty()) scope().nonnull.insert(nonnull);
      statement(b);
      bool returned = scope().returned;
      std::set<std::string> nulled = scope().nulled;
      scope() = saved;
      scope().nulled = nulled;
      if (returned)
        warn(src_.place(b),
             "an early return is not modelled; the steps after it are "
             "taken as if it did not return");
    };
    std::string text = c_text(cond);
    // if (PyObject_CallFinalizerFromDealloc(self) < 0) return;
    if (std::any_of(cond.begin(), cond.end(),
                    [](const Tok& t) { return t.text == "PyObject_CallFinalizerFromDealloc"; })) {
      step("finalizer_from_dealloc", cond);
      if (has_else) branch(kids[2]);
      return;
    }
    // if (PyWeakref_GetRef(self->wr, &ref) < 0) ...: the failure branch is
    // left out; `== 1` / `> 0` tests success: its branch is taken
    if (std::any_of(cond.begin(), cond.end(),
                    [](const Tok& t) { return t.text == "PyWeakref_GetRef"; })) {
      calls_in(cond);
      const bool failure =
          find_top(cond, "<") < cond.size() || text.find("-1") != std::string::npos;
      if (!failure)
        branch(then_branch);
      else if (has_else)
        branch(kids[2]);
      return;
    }
    // if (ref != NULL), if (ref == Py_None)...: use_ref and drop_ref skip
    // a NULL ref themselves; the branch where it is set is taken
    if (std::optional<bool> set = ref_test(unwrap(cond))) {
      if (*set)
        branch(then_branch);
      else if (has_else)
        branch(kids[2]);
      return;
    }
    // A call that is a step, tested for failure: the step; the model's
    // steps do not fail, so the error branch is left out.
    size_t before = steps_.size();
    calls_in(cond);
    if (steps_.size() > before) {
      if (has_else) branch(kids[2]);
      return;
    }
    if (static_condition(cond, then_branch, has_else ? kids[2] : clang_getNullCursor())) return;
    // if (!PyArg_ParseTuple(...)) return NULL;  if (self == NULL) return NULL;
    // The model's slots never fail: their error exits are left out.
    if (is_error_exit(then_branch) && !mentions_field(cond)) {
      if (has_else) branch(kids[2]);
      return;
    }
    // if (self->field) ..., if (self->field != NULL) ...
    Toks u = unwrap(cond);
    std::string field;
    bool negated = false;
    if (size_t op = find_top(u, "!="); op < u.size()) {
      Ref a = classify(Toks(u.begin(), u.begin() + static_cast<long>(op)));
      Ref b = classify(Toks(u.begin() + static_cast<long>(op) + 1, u.end()));
      if (b.kind == Ref::Null) std::swap(a, b);
      if (a.kind == Ref::Null && (b.kind == Ref::Field || b.kind == Ref::Weaklist)) field = b.name;
      if (b.kind == Ref::Weaklist) field = "<weaklist>";
    } else if (size_t eq = find_top(u, "=="); eq < u.size()) {
      Ref a = classify(Toks(u.begin(), u.begin() + static_cast<long>(eq)));
      Ref b = classify(Toks(u.begin() + static_cast<long>(eq) + 1, u.end()));
      if (b.kind == Ref::Null) std::swap(a, b);
      if (a.kind == Ref::Null && b.kind == Ref::Field) {
        field = b.name;
        negated = true;
      }
    } else {
      negated = !u.empty() && u[0].text == "!";
      Ref a = classify(negated ? Toks(u.begin() + 1, u.end()) : u);
      if (a.kind == Ref::Field) field = a.name;
      if (a.kind == Ref::Weaklist) field = "<weaklist>";
    }
    if (!field.empty()) {
      // The test matters only for Py_DECREF: under it, it is Py_XDECREF.
      if (!negated) {
        branch(then_branch, field);
        if (has_else)
          warn(src_.place(kids[2]),
               "the else branch of '" + text + "' is left out (the field is taken as set)");
      } else if (has_else) {
        branch(kids[2], field);
      }
      return;
    }
    if (text == "PyErr_Occurred()") {  // the steps check it themselves
      branch(then_branch);
      return;
    }
    warn(cond, "the condition '" + text + "' is not modelled: its then branch is taken");
    branch(then_branch);
    if (has_else) warn(src_.place(kids[2]), "the else branch of '" + text + "' is left out");
  }

  // Whether `cond` tests a weakref lookup's result: true when its then branch
  // runs with the object (ref, ref != NULL, ref != Py_None), false when it
  // runs without (!ref, ref == NULL, ref == Py_None); nullopt otherwise.
  std::optional<bool> ref_test(const Toks& u) {
    auto is_ref = [&](const Toks& t) {
      Toks v = unwrap(t);
      return v.size() == 1 && scope().refs.count(v[0].text) != 0;
    };
    if (is_ref(u)) return true;
    if (!u.empty() && u[0].text == "!" && is_ref(Toks(u.begin() + 1, u.end()))) return false;
    for (const char* op : {"!=", "=="}) {
      size_t at = find_top(u, op);
      if (at >= u.size()) continue;
      Toks a(u.begin(), u.begin() + static_cast<long>(at));
      Toks b(u.begin() + static_cast<long>(at) + 1, u.end());
      if (!is_ref(a)) std::swap(a, b);
      Ref other = classify(b);
      if (is_ref(a) && (other.kind == Ref::Null || other.kind == Ref::PyNone))
        return std::string(op) == "!=";
    }
    return std::nullopt;
  }

  // A branch that only leaves the function (return, goto): an error exit.
  bool is_error_exit(CXCursor b) const {
    switch (clang_getCursorKind(b)) {
      case CXCursor_ReturnStmt:
      case CXCursor_GotoStmt:
        return true;
      case CXCursor_CompoundStmt: {
        std::vector<CXCursor> kids = children(b);
        return !kids.empty() && std::all_of(kids.begin(), kids.end(), [&](CXCursor k) {
          return clang_getCursorKind(k) == CXCursor_ReturnStmt ||
                 clang_getCursorKind(k) == CXCursor_GotoStmt;
        });
      }
      default:
        return false;
    }
  }

  bool mentions_field(const Toks& cond) {
    for (size_t i = 0; i + 1 < cond.size(); ++i)
      if ((cond[i].text == "->" || cond[i].text == ".") && i + 1 < cond.size()) {
        Ref r = classify(Toks(cond.begin(), cond.begin() + static_cast<long>(i) + 2));
        if (r.kind == Ref::Field || r.kind == Ref::Weaklist) return true;
      }
    return false;
  }

  // Conditions on the type itself, decided by its flags and slots.
  bool static_condition(const Toks& cond, CXCursor then_branch, CXCursor else_branch) {
    std::optional<bool> value;
    bool reads_type = false;
    for (size_t i = 0; i < cond.size(); ++i) {
      const std::string& s = cond[i].text;
      if (s == "Py_TPFLAGS_HAVE_GC" || s == "PyType_IS_GC" || s == "PyObject_IS_GC")
        value = type_.gc;
      else if (s == "Py_TPFLAGS_HEAPTYPE")
        value = type_.heap;
      else if (s == "tp_clear" || s == "tp_finalize" || s == "tp_del")
        value = type_.has(s);
      if (s == "tp_flags" || s == "Py_TYPE" || scope().type.count(s)) reads_type = true;
    }
    if (!value) return false;
    if (!cond.empty() && cond[0].text == "!") value = !*value;
    if (reads_type && emitted("decref_type")) step("read_type", cond);
    if (*value)
      statement(then_branch);
    else if (!clang_Cursor_isNull(else_branch))
      statement(else_branch);
    return true;
  }

  // The calls inside a condition, as steps (if any is a step).
  void calls_in(const Toks& cond) {
    for (size_t i = 0; i + 1 < cond.size(); ++i) {
      if (cond[i].kind != CXToken_Identifier || cond[i + 1].text != "(") continue;
      size_t close = closing(cond, i + 1);
      if (close >= cond.size()) continue;
      // a member call: include the object expression before it
      size_t start = i;
      if (i >= 2 && (cond[i - 1].text == "->" || cond[i - 1].text == ".")) {
        start = i - 2;
        while (start > 0 && (cond[start - 1].text == "->" || cond[start - 1].text == "." ||
                             cond[start - 1].kind == CXToken_Identifier))
          --start;
      }
      Toks call_toks(cond.begin() + static_cast<long>(start),
                     cond.begin() + static_cast<long>(close) + 1);
      if (is_quiet_api(cond[i].text) || cond[i].text == "Py_TYPE") continue;
      expression(call_toks);
      i = close;
    }
  }

  // ---------------------------------------------------------- expressions
  void expression(Toks t) {
    while (!t.empty() && t.back().text == ";") t.pop_back();
    if (t.empty()) return;
    if (t.size() > 3 && t[0].text == "(" && t[1].text == "void" && t[2].text == ")")
      t.erase(t.begin(), t.begin() + 3);
    if (size_t eq = find_top(t, "="); eq < t.size()) {
      assignment(Toks(t.begin(), t.begin() + static_cast<long>(eq)),
                 Toks(t.begin() + static_cast<long>(eq) + 1, t.end()), t);
      return;
    }
    Toks u = unwrap(t);
    if (u.empty()) return;
    if (u.back().text != ")") {
      if (u.size() == 1 || u.back().kind == CXToken_Literal) return;  // a value, no effect
      warn(t, "'" + c_text(t) + "' is not translated");
      return;
    }
    // find the "(" that opens the last argument list
    size_t open = u.size();
    for (size_t i = 0; i < u.size(); ++i)
      if (u[i].text == "(" && closing(u, i) == u.size() - 1) {
        open = i;
        break;
      }
    if (open == 0 || open >= u.size()) {
      warn(t, "'" + c_text(t) + "' is not translated");
      return;
    }
    std::vector<Toks> args = arguments(u, open);
    if (open == 1 && u[0].kind == CXToken_Identifier) return call(u[0].text, args, t);
    if (open >= 3 && (u[open - 2].text == "->" || u[open - 2].text == ".")) {
      Ref object = classify(Toks(u.begin(), u.begin() + static_cast<long>(open) - 2));
      return member_call(u[open - 1].text, object, args, t);
    }
    warn(t, "the call '" + c_text(t) + "' is not translated");
  }

  void assignment(const Toks& lhs, const Toks& rhs, const Toks& whole) {
    Ref target = classify(lhs);
    Ref value = classify(rhs);
    Toks l = unwrap(lhs);
    if (target.kind == Ref::Field) {
      if (value.kind == Ref::Null) {
        // a local took the reference first: `tmp = self->f; self->f = NULL;
        // Py_XDECREF(tmp)` is Py_CLEAR, written out when tmp is released
        for (const auto& [local, f] : scope().holds)
          if (f == target.name) {
            scope().nulled.insert(f);
            return;
          }
        step(kind_ == SlotKind::New ? "init " + target.name + " null" : "null " + target.name,
             whole);
        return;
      }
      if (kind_ == SlotKind::New) {
        expression_calls_only(rhs);
        step("init " + target.name, whole);
        return;
      }
      warn(whole, "storing a new value in a field is not translated ('" + c_text(whole) +
                      "'); write it as a step by hand");
      return;
    }
    if (l.size() == 1 && l[0].kind == CXToken_Identifier) {
      if (scope().self.count(l[0].text) && value.kind == Ref::Null) return;  // self = NULL
      if (scope().type.count(l[0].text) && value.kind == Ref::Null) return;  // tp = NULL
      bind(l[0].text, rhs);
      return;
    }
    // other stores (C members, globals): only their calls matter
    expression_calls_only(rhs);
  }

  void expression_calls_only(const Toks& rhs) {
    Toks u = unwrap(rhs);
    if (!u.empty() && u.back().text == ")") expression(u);
  }

  // A function called by name (a macro written like one included).
  void call(const std::string& name, const std::vector<Toks>& args, const Toks& whole) {
    auto arg = [&](size_t i) { return i < args.size() ? classify(args[i]) : Ref{}; };
    if (!scope().visit.empty() && name == scope().visit) return visit(arg(0), whole);
    if (name == "Py_VISIT") return visit(arg(0), whole);
    if (name == "PyWeakref_GetRef" || name == "PyWeakref_GetObject" ||
        name == "PyWeakref_GET_OBJECT")
      return weakref_lookup(name, args, whole);
    auto ref_arg = [&](const Toks& a) {
      Toks u = unwrap(a);
      return u.size() == 1 && scope().refs.count(u[0].text) != 0;
    };
    if (!args.empty() && ref_arg(args[0])) {
      if (name == "Py_CLEAR" || name == "Py_XDECREF" || name == "Py_DECREF") {
        scope().refs.erase(unwrap(args[0])[0].text);
        return step("drop_ref", whole);
      }
      if (name == "Py_INCREF" || name == "Py_XINCREF") return strong_ref(whole);
    }
    if ((name == "Py_NewRef" || name == "Py_XNewRef") && args.size() == 1) {
      // Py_NewRef(PyWeakref_GetObject(...)): a strong reference at once
      size_t before = steps_.size();
      expression(args[0]);
      if (steps_.size() > before) strong_ref(whole);
      return;
    }
    if (std::any_of(args.begin(), args.end(), ref_arg)) step("use_ref", whole);
    if (name == "Py_CLEAR" || name == "Py_XDECREF" || name == "Py_DECREF")
      return release(name, arg(0), whole);
    if (name == "Py_XSETREF" || name == "Py_SETREF") return setref(name, arg(0), arg(1), whole);
    if (name == "Py_INCREF" || name == "Py_XINCREF") {
      Ref r = arg(0);
      if (kind_ == SlotKind::Traverse && r.kind == Ref::Field)
        return step("incref " + r.name, whole);
      if (r.kind == Ref::Self && kind_ != SlotKind::New)
        warn(whole,
             "a new reference to self is not translated (resurrection outside "
             "tp_finalize; see store_self)");
      return;
    }
    if (defined_.count(name)) return file_function(name, args, whole);
    api_function(name, whole);
  }

  // PyWeakref_GetRef(self->F, &ref), ref = PyWeakref_GetObject(self->F).
  void weakref_lookup(const std::string& name, const std::vector<Toks>& args, const Toks& whole) {
    Ref wr = args.empty() ? Ref{} : classify(args[0]);
    if (wr.kind != Ref::Field) {
      warn(whole, "'" + c_text(whole) + "' reads a weakref that is not a field of self");
      return;
    }
    const bool strong = name == "PyWeakref_GetRef";
    step((strong ? "weakref_getref " : "weakref_getobject ") + wr.name, whole);
    Toks out = args.size() == 2 ? unwrap(args[1]) : Toks{};
    if (strong && out.size() == 2 && out[0].text == "&") scope().refs.insert(out[1].text);
  }

  // A new reference taken to a borrowed ref at once (Py_INCREF right after
  // PyWeakref_GetObject, Py_NewRef around it): the step is weakref_getref.
  void strong_ref(const Toks& whole) {
    const std::string borrowed = "weakref_getobject ";
    if (!steps_.empty() && steps_.back().words.rfind(borrowed, 0) == 0) {
      steps_.back().words = "weakref_getref " + steps_.back().words.substr(borrowed.size());
      return;
    }
    warn(whole, "'" + c_text(whole) +
                    "' takes a reference to what PyWeakref_GetObject returned after other "
                    "code ran; it is not translated (ref stays borrowed)");
  }

  void visit(Ref r, const Toks& whole) {
    switch (r.kind) {
      case Ref::Field:
        return step("visit " + r.name, whole);
      case Ref::Type:
        return step("visit type", whole);
      case Ref::Weaklist:
        return step("visit weakrefs", whole);
      default:
        warn(whole, "'" + c_text(whole) + "' visits something that is not a field of self");
    }
  }

  void release(const std::string& macro, Ref r, const Toks& whole) {
    if (r.kind == Ref::Type) {
      if (macro == "Py_CLEAR" || macro == "Py_DECREF" || macro == "Py_XDECREF")
        return step("decref_type", whole);
    }
    std::string field = r.name;
    bool through_local = false;
    if (r.kind == Ref::Local) {
      field = scope().holds[r.name];
      through_local = true;
    } else if (r.kind != Ref::Field) {
      // a local the function made (a call's result): not an object of the
      // model; anything else is worth a look
      Toks u = unwrap(whole.size() > 2 ? arguments(whole, 1).front() : Toks{});
      if (!(u.size() == 1 && u[0].kind == CXToken_Identifier))
        warn(whole, "'" + c_text(whole) + "' releases something that is not a field of self");
      return;
    }
    if (macro == "Py_CLEAR") {
      if (through_local) scope().holds.erase(r.name);
      return step("clear " + field, whole);
    }
    if (through_local) {
      // the field was NULLed before its reference is released: Py_CLEAR
      bool nulled = scope().nulled.count(field) != 0;
      scope().holds.erase(r.name);
      scope().nulled.erase(field);
      if (nulled) {
        if (macro == "Py_DECREF" && !scope().nonnull.count(field))
          return step("setref " + field + " null", whole);
        return step("clear " + field, whole);
      }
    }
    bool checked = macro == "Py_XDECREF" || scope().nonnull.count(field);
    step((checked ? "xdecref " : "decref ") + field, whole);
  }

  void setref(const std::string& macro, Ref target, Ref value, const Toks& whole) {
    if (target.kind != Ref::Field) {
      warn(whole, "'" + c_text(whole) + "' does not store into a field of self");
      return;
    }
    std::string word = macro == "Py_XSETREF" ? "xsetref " : "setref ";
    if (kind_ == SlotKind::New) return step("init " + target.name, whole);
    if (value.kind == Ref::Null) return step(word + target.name + " null", whole);
    if (value.kind == Ref::PyNone) return step(word + target.name + " none", whole);
    warn(whole, "'" + c_text(whole) +
                    "' stores something other than NULL or Py_None; written "
                    "as storing None");
    step(word + target.name + " none", whole);
  }

  // obj->member(...) / obj.member(...)
  void member_call(const std::string& member, Ref object, const std::vector<Toks>& args,
                   const Toks& whole) {
    const bool own = object.kind == Ref::Type;
    const bool base = object.kind == Ref::Base;
    if (member == "tp_free") return step("free", whole);  // the type's own deallocator
    if (own && member == "tp_clear") return step("clear", whole);
    if (own && member == "tp_finalize") return step("tp_finalize", whole);
    if (own && (member == "tp_alloc")) return step("generic_alloc", whole);
    if (base && member == "tp_dealloc") return step("base_dealloc", whole);
    if (base && member == "tp_clear") return step("base_clear", whole);
    if (base && member == "tp_traverse") return step("base_traverse", whole);
    if (base && member == "tp_finalize") return step("tp_finalize", whole);
    (void)args;
    step("call", whole);
  }

  // A function defined in this file: a slot of the type or of its base, or
  // a helper whose body is followed.
  void file_function(const std::string& name, const std::vector<Toks>& args, const Toks& whole) {
    auto is_slot = [&](const TypeDecl* t, const char* slot) {
      return t && t->slot(slot) && t->slot(slot)->name == name;
    };
    if (kind_ == SlotKind::Dealloc && is_slot(&type_, "tp_clear")) return step("clear", whole);
    if (is_slot(&type_, "tp_finalize")) return step("tp_finalize", whole);
    if (is_slot(type_.base, "tp_dealloc")) return step("base_dealloc", whole);
    if (is_slot(type_.base, "tp_clear")) return step("base_clear", whole);
    if (is_slot(type_.base, "tp_traverse")) return step("base_traverse", whole);
    std::vector<Ref> bound;
    for (const Toks& a : args) {
      Ref r = classify(a);
      Toks u = unwrap(a);
      if (u.size() == 1 && u[0].text == scope().visit && !scope().visit.empty()) {
        r.kind = Ref::Local;
        r.name = "<visit>";
      }
      bound.push_back(r);
    }
    function(defined_.at(name), bound);
  }

  // A function of the C API (or of another file).
  void api_function(const std::string& name, const Toks& whole) {
    if (std::string words = api_step(name, type_.gc); !words.empty()) return step(words, whole);
    if (is_quiet_api(name)) return;
    if (!is_python_api(name)) {
      // a function of the C library (in a system header) runs no Python
      auto it = declared_.find(name);
      if (it != declared_.end() &&
          clang_Location_isInSystemHeader(clang_getCursorLocation(it->second)))
        return;
    }
    step("call", whole);  // opaque: it may run Python code, other threads may run
  }

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

}  // namespace

std::vector<Step> translate_slot(const Source& source, const TypeDecl& type, SlotKind kind,
                                 const SlotFunction& function, std::vector<Warning>& warnings) {
  return Translator(source, type, kind, warnings).run(function);
}

}  // namespace lifecheck::extract
