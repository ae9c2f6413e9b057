// Translating a slot's expressions and calls into steps: assignments to
// fields, reference-counting macros, weakref lookups, calls followed into
// the file's own functions and opaque calls into others (SlotTranslator.h).
#include "extract/SlotTranslator.h"

namespace lifecheck::extract::slots {

void Translator::expression(Toks t) {
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
  if (is_constant_initializer(u)) return;  // {"first", "last", NULL}: no object of the model
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
  // (*f)(args), a call through a function pointer as Cython writes it
  // ((*v)(p->f, a) in tp_traverse, (*Py_TYPE(o)->tp_free)(o)): as f(args)
  if (u[0].text == "(" && open >= 4 && u[1].text == "*" && closing(u, 0) == open - 1) {
    Toks direct(u.begin() + 2, u.begin() + static_cast<long>(open) - 1);        // f
    direct.insert(direct.end(), u.begin() + static_cast<long>(open), u.end());  // (args)
    open -= 3;
    u = direct;
  }
  std::vector<Toks> args = arguments(u, open);
  if (open == 1 && u[0].kind == CXToken_Identifier) return call(u[0].text, args, t);
  if (open >= 3 && (u[open - 2].text == "->" || u[open - 2].text == ".")) {
    Ref object = classify(Toks(u.begin(), u.begin() + static_cast<long>(open) - 2));
    return member_call(u[open - 1].text, object, args, t);
  }
  warn(t, "the call '" + c_text(t) + "' is not translated");
}

void Translator::assignment(const Toks& lhs, const Toks& rhs, const Toks& whole) {
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
      step(kind_ == SlotKind::New ? "init " + target.name + " null" : "null " + target.name, whole);
      return;
    }
    if (value.kind == Ref::PyNone && kind_ != SlotKind::New) {
      // Cython's tp_clear: `tmp = p->f; p->f = Py_None; Py_INCREF(Py_None);
      // Py_XDECREF(tmp)` is Py_XSETREF(p->f, Py_None), written out when tmp
      // is released
      for (const auto& [local, f] : scope().holds)
        if (f == target.name) {
          scope().noned.insert(f);
          return;
        }
    }
    if (kind_ == SlotKind::New) {
      expression_calls_only(rhs);
      step("init " + target.name, whole);
      // the old value is in a local: its release makes this store Py_XSETREF
      for (const auto& [local, f] : scope().holds)
        if (f == target.name) scope().replaced[f] = steps_.size() - 1;
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
  if (std::string store = self_store_outside(whole); !store.empty() && kind_ != SlotKind::New)
    warn(whole, "storing self outside the object ('" + store +
                    "') is not translated: a free list or cache of instances in C is not "
                    "modelled (store_self G models a cache in a global)");
  expression_calls_only(rhs);
}

void Translator::expression_calls_only(const Toks& rhs) {
  Toks u = unwrap(rhs);
  if (!u.empty() && u.back().text == ")") expression(u);
}

void Translator::call(const std::string& name, const std::vector<Toks>& args, const Toks& whole) {
  auto arg = [&](size_t i) { return i < args.size() ? classify(args[i]) : Ref{}; };
  if (!scope().visit.empty() && name == scope().visit) return visit(arg(0), whole);
  if (name == "Py_VISIT") return visit(arg(0), whole);
  if (name == "PyWeakref_GetRef" || name == "PyWeakref_GetObject" || name == "PyWeakref_GET_OBJECT")
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
  if (name == "Py_CLEAR" || name == "Py_XDECREF" || name == "Py_DECREF") {
    // Py_XDECREF(PyObject_CallNoArgs(self->f)): the call, its result dropped
    Toks a = args.empty() ? Toks{} : unwrap(args[0]);
    if (name != "Py_CLEAR" && a.size() > 2 && a.back().text == ")" && a[1].text == "(" &&
        a[0].kind == CXToken_Identifier && arg(0).kind == Ref::Unknown)
      return expression(a);
    return release(name, arg(0), whole);
  }
  if (name == "Py_XSETREF" || name == "Py_SETREF") {
    if (kind_ == SlotKind::New && args.size() == 2) expression_calls_only(args[1]);
    return setref(name, arg(0), arg(1), whole);
  }
  if (name == "Py_INCREF" || name == "Py_XINCREF") {
    Ref r = arg(0);
    if (kind_ == SlotKind::Traverse && r.kind == Ref::Field) return step("incref " + r.name, whole);
    if (r.kind == Ref::Self && kind_ != SlotKind::New)
      warn(whole,
           "a new reference to self is not translated (resurrection outside "
           "tp_finalize; see store_self)");
    return;
  }
  if (defined_.count(name)) return file_function(name, args, whole);
  if (field_call(name, args, whole)) return;
  api_function(name, whole);
}

bool Translator::field_call(const std::string& name, const std::vector<Toks>& args,
                            const Toks& whole) {
  static const std::set<std::string> apis = {"PyObject_CallNoArgs",          "_PyObject_CallNoArg",
                                             "_PyObject_CallNoArgs",         "PyObject_CallObject",
                                             "PyObject_CallOneArg",          "PyObject_Call",
                                             "PyObject_CallFunctionObjArgs", "PyEval_CallObject"};
  if (!apis.count(name) || args.empty() || kind_ == SlotKind::Traverse) return false;
  Ref callable = classify(args[0]);
  if (callable.kind == Ref::Local) {  // PyObject *cb = self->f; ...(cb)
    callable.kind = Ref::Field;
    callable.name = scope().holds[callable.name];
  }
  if (callable.kind != Ref::Field) return false;
  auto is = [&](size_t i, Ref::Kind k) { return i < args.size() && classify(args[i]).kind == k; };
  auto empty_tuple = [&](size_t i) {
    if (i >= args.size()) return false;
    Toks u = unwrap(args[i]);
    if (u.size() == 1) return scope().empty_tuples.count(u[0].text) != 0;
    return c_text(u) == "PyTuple_New(0)";
  };
  bool with_self = false, objargs = false;
  if (name == "PyObject_CallOneArg") {
    if (!(args.size() == 2 && is(1, Ref::Self))) return false;
    with_self = true;
  } else if (name == "PyObject_CallObject" || name == "PyEval_CallObject") {
    if (!(args.size() == 2 && is(1, Ref::Null))) return false;
  } else if (name == "PyObject_CallFunctionObjArgs") {
    objargs = true;
    if (args.size() == 3 && is(1, Ref::Self) && is(2, Ref::Null))
      with_self = true;
    else if (!(args.size() == 2 && is(1, Ref::Null)))
      return false;
  } else if (name == "PyObject_Call") {
    // only an empty argument tuple and no keywords are simple
    if (!(args.size() == 3 && empty_tuple(1) && is(2, Ref::Null))) {
      warn(whole, "'" + c_text(whole) +
                      "' passes arguments the model does not see (only an empty tuple, "
                      "PyTuple_New(0), and NULL keywords are translated); an opaque call");
      return false;
    }
  } else if (args.size() != 1) {
    return false;
  }
  if (kind_ != SlotKind::Dealloc && kind_ != SlotKind::Finalize) {
    warn(whole, "'" + c_text(whole) +
                    "' calls a stored callable outside tp_dealloc and tp_finalize; 'call " +
                    callable.name + "' is a step of 'dealloc:' only: an opaque call");
    return false;
  }
  std::string words = "call " + callable.name + (with_self ? " self" : "");
  if (scope().nonnull.count(callable.name))
    words += " if_set";
  else if (objargs)
    words += " objargs";
  step(words, whole);
  return true;
}

void Translator::weakref_lookup(const std::string& name, const std::vector<Toks>& args,
                                const Toks& whole) {
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

void Translator::strong_ref(const Toks& whole) {
  const std::string borrowed = "weakref_getobject ";
  if (!steps_.empty() && steps_.back().words.rfind(borrowed, 0) == 0) {
    steps_.back().words = "weakref_getref " + steps_.back().words.substr(borrowed.size());
    return;
  }
  warn(whole, "'" + c_text(whole) +
                  "' takes a reference to what PyWeakref_GetObject returned after other "
                  "code ran; it is not translated (ref stays borrowed)");
}

void Translator::visit(Ref r, const Toks& whole) {
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

void Translator::release(const std::string& macro, Ref r, const Toks& whole) {
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
  if (through_local && scope().replaced.count(field)) {
    // tmp = self->f; self->f = v; Py_XDECREF(tmp): Py_XSETREF(self->f, v)
    Step& store = steps_[scope().replaced[field]];
    bool checked = macro == "Py_XDECREF" || scope().nonnull.count(field);
    store.words = (checked ? "xsetref " : "setref ") + field;
    store.c_text += "; " + c_text(whole);
    scope().replaced.erase(field);
    scope().holds.erase(r.name);
    return;
  }
  if (through_local && scope().noned.count(field)) {
    // tmp = self->f; self->f = Py_None; Py_XDECREF(tmp): Py_XSETREF(self->f, Py_None)
    bool checked = macro == "Py_XDECREF" || scope().nonnull.count(field);
    scope().holds.erase(r.name);
    scope().noned.erase(field);
    return step((checked ? "xsetref " : "setref ") + field + " none", whole);
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

void Translator::setref(const std::string& macro, Ref target, Ref value, const Toks& whole) {
  if (target.kind != Ref::Field) {
    warn(whole, "'" + c_text(whole) + "' does not store into a field of self");
    return;
  }
  std::string word = macro == "Py_XSETREF" ? "xsetref " : "setref ";
  if (value.kind == Ref::Null) return step(word + target.name + " null", whole);
  if (value.kind == Ref::PyNone) return step(word + target.name + " none", whole);
  // tp_new/tp_init: the new value is the constructor argument, as for init
  if (kind_ == SlotKind::New) return step(word + target.name, whole);
  warn(whole, "'" + c_text(whole) +
                  "' stores something other than NULL or Py_None; written "
                  "as storing None");
  step(word + target.name + " none", whole);
}

void Translator::member_call(const std::string& member, Ref object, const std::vector<Toks>& args,
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
  opaque_call(whole);
}

void Translator::file_function(const std::string& name, const std::vector<Toks>& args,
                               const Toks& whole) {
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

void Translator::api_function(const std::string& name, const Toks& whole) {
  if (is_managed_dict_api(name)) {
    // the flag's own warning says so when the type sets it
    if (!type_.managed_dict)
      warn(whole, "'" + c_text(whole) + "' on " + type_.name +
                      ", which has no Py_TPFLAGS_MANAGED_DICT: no step (the managed dict is "
                      "not modelled)");
    return;
  }
  if (name == "PyErr_Clear" && (kind_ == SlotKind::Dealloc || kind_ == SlotKind::Finalize))
    return step("clear_error", whole);  // CB3
  std::string words = api_step(name, type_.gc);
  if (words.rfind("clear_weakrefs", 0) == 0 && !type_.weakrefable) {
    // Objects/weakrefobject.c: on a type without weakref support
    // PyObject_ClearWeakRefs fails (PyErr_BadInternalCall: SystemError set);
    // the NoCallbacks variant does nothing
    const bool raises = words == "clear_weakrefs" && kind_ == SlotKind::Dealloc;
    warn(whole, "'" + c_text(whole) + "' on " + type_.name +
                    ", which is not weakrefable (no tp_weaklistoffset): " +
                    (words == "clear_weakrefs"
                         ? std::string("CPython sets SystemError (a bad internal call); ") +
                               (raises ? "translated as raise_error" : "left out")
                         : "CPython does nothing; left out"));
    if (raises) step("raise_error", whole);
    return;
  }
  if (!words.empty()) return step(words, whole);
  if (is_quiet_api(name)) return;
  if (!is_python_api(name)) {
    // a function of the C library (in a system header) runs no Python
    auto it = declared_.find(name);
    if (it != declared_.end() &&
        clang_Location_isInSystemHeader(clang_getCursorLocation(it->second)))
      return;
  }
  opaque_call(whole);
}

void Translator::opaque_call(const Toks& whole) {
  if (kind_ == SlotKind::Traverse) {
    // tp_traverse runs no Python code, and 'call' is no step of traverse:
    warn(whole, "the call '" + c_text(whole) +
                    "' in tp_traverse is not translated (a traverse step visits a field, the "
                    "type or the weakref list); left out");
    return;
  }
  step("call", whole);  // opaque: it may run Python code, other threads may run
}

}  // namespace lifecheck::extract::slots
