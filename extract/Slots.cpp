// Translating a slot function into steps of the scenario language
// (docs/extension-types.md §2.3, §7). The cursor tree gives the statements;
// each statement is read from the tokens the user wrote, so that a macro
// (Py_CLEAR, Py_VISIT, Py_TRASHCAN_BEGIN...) is seen as written rather than
// as the header code it expands to. Calls into other functions of the file
// are followed; calls into code that is not in the file become an opaque
// `call` (other threads may run there).
#include "extract/SlotTranslator.h"

namespace lifecheck::extract {

namespace slots {

void Translator::compound(CXCursor c) {
  for (CXCursor child : children(c)) {
    if (scope().returned) return;
    flush_markers(src_.begin(child));
    statement(child);
  }
}

void Translator::flush_markers(unsigned offset) {
  for (const MacroUse& m : src_.macros()) {
    if (m.begin < scope().begin || m.begin >= offset || done_markers_.count(m.begin)) continue;
    auto it = marker_macros().find(m.name);
    if (it == marker_macros().end()) continue;
    done_markers_.insert(m.begin);
    step(it->second, m.line, m.name);
  }
}

const MacroUse* Translator::enclosing_macro(unsigned offset) const {
  for (const MacroUse& m : src_.macros())
    if (m.begin <= offset && offset < m.end) return &m;
  return nullptr;
}

void Translator::statement(CXCursor c) {
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
        if (m->name == "Py_SET_REFCNT") return refcount_guard(m->tokens);
        warn(src_.place(c), "the macro " + m->name + " is not translated");
        return;
      }
      return expression(src_.tokens(c));
  }
}

void Translator::declaration(CXCursor var) {
  std::string name = spelling(var);
  Toks t = src_.tokens(var);
  size_t eq = find_top(t, "=");
  if (eq >= t.size()) return;
  Toks rhs(t.begin() + static_cast<long>(eq) + 1, t.end());
  bind(name, rhs);
}

void Translator::bind(const std::string& name, const Toks& rhs) {
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
  scope().results.erase(name);
  scope().empty_tuples.erase(name);
  if (c_text(unwrap(rhs)) == "PyTuple_New(0)") {  // the empty tuple singleton: no step
    scope().empty_tuples.insert(name);
    return;
  }
  size_t before = steps_.size();
  expression(rhs);
  // r = PyObject_CallNoArgs(self->f): r is tested for the call's failure
  if (steps_.size() == before + 1 && steps_.back().words.rfind("call ", 0) == 0)
    scope().results.insert(name);
  // The result of an allocation is the object from here on.
  for (size_t i = before; i < steps_.size(); ++i) {
    if (steps_[i].words == "alloc" || steps_[i].words == "generic_alloc") scope().self.insert(name);
    if (steps_[i].words.rfind("weakref_getref ", 0) == 0 ||
        steps_[i].words.rfind("weakref_getobject ", 0) == 0)
      scope().refs.insert(name);
  }
}

void Translator::if_statement(CXCursor c) {
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
    std::set<std::string> nulled = scope().nulled, noned = scope().noned;
    scope() = saved;
    scope().nulled = nulled;
    scope().noned = noned;
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
    const bool failure = find_top(cond, "<") < cond.size() || text.find("-1") != std::string::npos;
    if (!failure)
      branch(then_branch);
    else if (has_else)
      branch(kids[2]);
    return;
  }
  // if (ref != NULL), if (ref == Py_None)...: use_ref and drop_ref skip
  // a NULL ref themselves; the branch where it is set is taken
  if (std::optional<bool> set = local_test(unwrap(cond), scope().refs, true)) {
    if (*set)
      branch(then_branch);
    else if (has_else)
      branch(kids[2]);
    return;
  }
  // if (r == NULL) ...: a test of a stored callable's result. Both branches
  // are taken: the steps that handle an exception (write_unraisable,
  // clear_error) act only when one is set, that is, on the failure path.
  if (local_test(unwrap(cond), scope().results, false)) {
    branch(then_branch);
    if (has_else) branch(kids[2]);
    return;
  }
  // A call that is a step, tested for failure: the step; the model's
  // steps do not fail, so the error branch is left out. A stored
  // callable's call can: both branches, as above.
  size_t before = steps_.size();
  calls_in(cond);
  if (steps_.size() == before + 1 && steps_.back().words.rfind("call ", 0) == 0) {
    branch(then_branch);
    if (has_else) branch(kids[2]);
    return;
  }
  if (steps_.size() > before) {
    if (has_else) branch(kids[2]);
    return;
  }
  if (static_condition(cond, then_branch, has_else ? kids[2] : clang_getNullCursor())) return;
  // if (numfree < MAXFREE) { free_list[numfree++] = self; return; }: a free
  // list, which the model does not have; the path that frees is translated
  if (std::string store = self_store_then_return(then_branch); !store.empty()) {
    warn(cond, "a free list is not modelled: the branch under '" + text +
                   "' stores self outside "
                   "the object ('" +
                   store +
                   "') and returns; it is left out, and the object "
                   "is taken as freed by the code after it");
    if (has_else) branch(kids[2]);
    return;
  }
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
  if (field == "<weaklist>" && !type_.weakrefable) {
    // without tp_weaklistoffset nothing ever sets the member: it stays NULL
    if (negated)
      branch(then_branch);
    else if (has_else)
      branch(kids[2]);
    return;
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

std::optional<bool> Translator::local_test(const Toks& u, const std::set<std::string>& locals,
                                           bool none_too) {
  auto is_local = [&](const Toks& t) {
    Toks v = unwrap(t);
    return v.size() == 1 && locals.count(v[0].text) != 0;
  };
  if (is_local(u)) return true;
  if (!u.empty() && u[0].text == "!" && is_local(Toks(u.begin() + 1, u.end()))) return false;
  for (const char* op : {"!=", "=="}) {
    size_t at = find_top(u, op);
    if (at >= u.size()) continue;
    Toks a(u.begin(), u.begin() + static_cast<long>(at));
    Toks b(u.begin() + static_cast<long>(at) + 1, u.end());
    if (!is_local(a)) std::swap(a, b);
    Ref other = classify(b);
    if (is_local(a) && (other.kind == Ref::Null || (none_too && other.kind == Ref::PyNone)))
      return std::string(op) == "!=";
  }
  return std::nullopt;
}

bool Translator::is_error_exit(CXCursor b) const {
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

void Translator::refcount_guard(const Toks& t) {
  // Cython around __dealloc__: Py_SET_REFCNT(o, Py_REFCNT(o) + 1); ...; - 1
  if (std::any_of(t.begin(), t.end(), [](const Tok& k) { return k.text == "-"; })) return;
  warn(t, "'" + c_text(t) +
              "' (a temporary reference around code in tp_dealloc, as Cython writes around "
              "__dealloc__) is not translated: the refcount stays 0 in the scenario; an "
              "opaque 'call' runs nothing, but a 'call FUNC self' written there by hand "
              "would start tp_dealloc again");
}

std::string Translator::self_store_then_return(CXCursor b) {
  std::vector<CXCursor> kids =
      clang_getCursorKind(b) == CXCursor_CompoundStmt ? children(b) : std::vector<CXCursor>{b};
  if (kids.empty() || clang_getCursorKind(kids.back()) != CXCursor_ReturnStmt) return "";
  for (CXCursor k : kids) {
    if (std::string s = self_store_outside(src_.tokens(k)); !s.empty()) return s;
  }
  return "";
}

std::string Translator::self_store_outside(Toks t) {
  while (!t.empty() && t.back().text == ";") t.pop_back();
  size_t eq = find_top(t, "=");
  if (eq == 0 || eq >= t.size()) return "";
  Toks lhs(t.begin(), t.begin() + static_cast<long>(eq));
  Toks rhs(t.begin() + static_cast<long>(eq) + 1, t.end());
  // a single name is a local (an alias of self); a field of self is no store outside
  if (unwrap(lhs).size() < 2 || classify(lhs).kind != Ref::Unknown) return "";
  return classify(rhs).kind == Ref::Self ? c_text(t) : "";
}

bool Translator::mentions_field(const Toks& cond) {
  for (size_t i = 0; i + 1 < cond.size(); ++i)
    if ((cond[i].text == "->" || cond[i].text == ".") && i + 1 < cond.size()) {
      Ref r = classify(Toks(cond.begin(), cond.begin() + static_cast<long>(i) + 2));
      if (r.kind == Ref::Field || r.kind == Ref::Weaklist) return true;
    }
  return false;
}

bool Translator::static_condition(const Toks& cond, CXCursor then_branch, CXCursor else_branch) {
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

void Translator::calls_in(const Toks& cond) {
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

}  // namespace slots

std::vector<Step> translate_slot(const Source& source, const TypeDecl& type, SlotKind kind,
                                 const SlotFunction& function, std::vector<Warning>& warnings) {
  return slots::Translator(source, type, kind, warnings).run(function);
}

}  // namespace lifecheck::extract
