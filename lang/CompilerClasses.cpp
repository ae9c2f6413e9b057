// Declarations: the built-in types, classes and their methods, functions
// and threads; C types' flags, fields and slot step lists.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

void Compiler::declare_types_functions_threads() {
  TypeInfo wr;
  wr.name = "weakref";
  wr.kind = TypeKind::Weakref;
  wr.weakrefable = false;
  wr.heap = false;
  p_.types.push_back(wr);
  TypeInfo m;
  m.name = "method";
  m.kind = TypeKind::Method;
  m.weakrefable = true;  // PyMethod_Type has im_weakreflist
  m.heap = false;
  p_.types.push_back(m);
  for (auto [name, kind] : {std::pair{"list", TypeKind::List}, std::pair{"tuple", TypeKind::Tuple},
                            std::pair{"dict", TypeKind::Dict}, std::pair{"set", TypeKind::Set},
                            std::pair{"deque", TypeKind::Deque}}) {
    TypeInfo c;
    c.name = name;
    c.kind = kind;
    // sets and deques have a weakref list (set_dealloc, deque_dealloc clear it)
    c.weakrefable = kind == TypeKind::Set || kind == TypeKind::Deque;
    c.heap = false;
    c.has_clear = kind != TypeKind::Tuple;  // tuples have no tp_clear (G16)
    p_.types.push_back(c);
  }

  // the module function comes first: FuncId 0
  FuncInfo module;
  module.name = "<module>";
  module.kind = FuncKind::Module;
  p_.funcs.push_back(module);

  for (const ClassDef& c : sc_.classes) {
    check_new_name(c.name, c.loc);
    if (c.is_ctype && !c.base.empty())
      fail(c.base_loc, "a C type cannot have a base here; derive a class from it instead");
    if (p_.types.size() >= 250) fail(c.loc, "too many classes (at most 248)");
    ClassId id = static_cast<ClassId>(p_.types.size());
    classes_[c.name] = id;
    TypeInfo t;
    t.name = c.name;
    t.line = c.loc.line;
    if (c.is_ctype) {
      // A C type has exactly the flags its `flags:` line gives.
      t.kind = TypeKind::CType;
      t.gc = t.heap = t.weakrefable = false;
    }
    p_.types.push_back(t);
  }
  for (const ClassDef& c : sc_.classes) {
    ClassId id = classes_.at(c.name);
    std::set<std::string> seen;
    for (const FuncDef& f : c.methods) {
      if (!seen.insert(f.name).second)
        fail(f.loc, "method '" + f.name + "' defined twice in class '" + c.name + "'");
      if (f.params.empty())
        fail(f.loc, "method '" + f.name + "' needs 'self' as its first parameter");
      if (f.params[0].name != "self")
        fail(f.params[0].loc, "the first parameter of method '" + f.name + "' must be 'self'");
      const bool special =
          f.name == "__del__" || (c.is_ctype && (f.name == "tp_finalize" || f.name == "tp_del"));
      FuncId fid = add_func(c.name + "." + f.name, special ? FuncKind::Finalizer : FuncKind::Method,
                            f.loc, f.params);
      p_.funcs[fid].owner = id;
      func_defs_[fid] = &f;
      if (c.is_ctype && f.name == "__del__")
        fail(f.loc, "a C type has no __del__; define its slot with 'def tp_finalize(self):'");
      if (c.is_ctype && (f.name == "tp_finalize" || f.name == "tp_del")) {
        if (f.params.size() != 1)
          fail(f.params.size() > 1 ? f.params[1].loc : f.loc,
               f.name + " takes exactly one parameter, 'self'");
        if (f.name == "tp_finalize") {
          p_.types[id].finalizer = fid;
          p_.types[id].finalizer_is_c = true;
        } else {
          p_.types[id].legacy_del = fid;
        }
      } else if (f.name == "__del__") {
        if (f.params.size() != 1)
          fail(f.params.size() > 1 ? f.params[1].loc : f.loc,
               "__del__ takes exactly one parameter, 'self'");
        p_.types[id].finalizer = fid;
      } else if (f.name.rfind("__", 0) == 0) {
        fail(f.loc, "special method '" + f.name + "' is not modelled; only __del__ is");
      } else {
        p_.types[id].methods.emplace_back(f.name, fid);
        method_names_.insert(f.name);
      }
    }
  }
  for (const FuncDef& f : sc_.funcs) {
    check_new_name(f.name, f.loc);
    FuncId fid = add_func(f.name, FuncKind::Function, f.loc, f.params);
    functions_[f.name] = fid;
    func_defs_[fid] = &f;
  }

  ThreadInfo main;
  main.name = "main";
  main.body = 0;
  p_.threads.push_back(main);
  threads_["main"] = 0;
  for (const ThreadDef& t : sc_.threads) {
    if (t.name == "main") {
      if (p_.threads[0].main_body != kNoFunc) fail(t.loc, "duplicate thread name 'main'");
      FuncId fid = add_func("thread main", FuncKind::Thread, t.loc, {});
      p_.threads[0].main_body = fid;
      thread_defs_[fid] = &t;
      continue;
    }
    if (threads_.count(t.name)) fail(t.loc, "duplicate thread name '" + t.name + "'");
    check_new_name(t.name, t.loc);
    if (p_.threads.size() >= 16) fail(t.loc, "too many threads (at most 16, counting main)");
    FuncId fid = add_func("thread " + t.name, FuncKind::Thread, t.loc, {});
    thread_defs_[fid] = &t;
    ThreadInfo ti;
    ti.name = t.name;
    ti.body = fid;
    ti.line = t.loc.line;
    threads_[t.name] = static_cast<ThreadId>(p_.threads.size());
    p_.threads.push_back(ti);
  }
}

// The `ctype` blocks' slot lines, and the bases of classes deriving from a
// C type. Runs after globals and functions are known (steps name them).
void Compiler::compile_c_types() {
  for (const ClassDef& c : sc_.classes)
    if (c.is_ctype) compile_c_type(c, p_.types[classes_.at(c.name)]);
  for (const ClassDef& c : sc_.classes) {
    ClassId id = classes_.at(c.name);
    if (c.is_ctype || c.base.empty()) continue;
    if (c.base == "list" || c.base == "dict") {
      // a class deriving from a built-in container: its items, plus a dict
      // and a weakref list of its own (R1.7b)
      if (c.slot_names) fail(c.slot_names_loc, "__slots__ are supported on plain classes only");
      p_.types[id].base = c.base == "list" ? kListType : kDictType;
      continue;
    }
    auto it = classes_.find(c.base);
    if (it == classes_.end()) fail(c.base_loc, "unknown base class '" + c.base + "'");
    const TypeInfo& base = p_.types[it->second];
    if (base.kind != TypeKind::CType)
      fail(c.base_loc,
           "a class derives from object, list, dict or a C type ('ctype'); deriving from "
           "another class is not modelled");
    if (c.slot_names) fail(c.slot_names_loc, "__slots__ are supported on plain classes only");
    if (!base.basetype)
      fail(c.base_loc, "'" + c.base +
                           "' is not an acceptable base type: its flags lack 'basetype' "
                           "(Py_TPFLAGS_BASETYPE)");
    TypeInfo& t = p_.types[id];
    t.base = it->second;
    if (!t.has_finalizer()) {  // tp_finalize is inherited
      t.finalizer = base.finalizer;
      t.finalizer_is_c = base.finalizer_is_c;
    }
  }
}

// `__slots__ = ("a", "b")` (a tuple, a list, or one string): the members,
// sorted by name as type_new does; '__dict__' gives the instances a dict
// as well, '__weakref__' makes them weakrefable.
void Compiler::compile_slots() {
  for (const ClassDef& c : sc_.classes) {
    if (!c.slot_names) continue;
    if (c.is_ctype) fail(c.slot_names_loc, "a C type declares its members on a 'fields:' line");
    TypeInfo& t = p_.types[classes_.at(c.name)];
    std::vector<const Expr*> items;
    const Expr& e = *c.slot_names;
    if (e.kind == ExprKind::Str) {
      items.push_back(&e);
    } else if (e.kind == ExprKind::Tuple || e.kind == ExprKind::List) {
      for (const ExprPtr& a : e.args) items.push_back(a.get());
    } else {
      fail(e.loc, "__slots__ must be a tuple or list of attribute names, as strings");
    }
    std::set<std::string> names;
    t.has_dict = false;
    t.weakrefable = false;
    for (const Expr* a : items) {
      if (a->kind != ExprKind::Str)
        fail(a->loc, "__slots__ must be a tuple or list of attribute names, as strings");
      if (!names.insert(a->text).second) fail(a->loc, "'" + a->text + "' is in __slots__ twice");
      if (a->text == "__dict__") {
        t.has_dict = true;
      } else if (a->text == "__weakref__") {
        t.weakrefable = true;
      } else {
        check_attribute_name(a->text, a->loc);
      }
    }
    for (const std::string& n : names)
      if (n != "__dict__" && n != "__weakref__") t.slots.push_back(field_id(n, c.slot_names_loc));
  }
}

void Compiler::compile_c_type(const ClassDef& c, TypeInfo& t) {
  std::set<std::string> keys;
  const SlotLine* lines[4] = {nullptr, nullptr, nullptr, nullptr};  // new dealloc clear traverse
  for (const SlotLine& line : c.slots) {
    if (!keys.insert(line.key).second) fail(line.loc, "a second '" + line.key + ":' line");
    if (line.steps.empty()) fail(line.loc, "'" + line.key + ":' needs at least one entry");
    if (line.key == "flags") {
      for (const auto& step : line.steps) {
        if (step.size() != 1) fail(step[1].second, "one flag per entry, separated by ','");
        const std::string& f = step[0].first;
        if (f == "gc")
          t.gc = true;
        else if (f == "heaptype" || f == "heap")
          t.heap = true;
        else if (f == "weakrefable")
          t.weakrefable = true;
        else if (f == "basetype")
          t.basetype = true;
        else if (f == "finalize" || f == "del") {
          // documentation only: the slot exists when its def does
        } else
          fail(step[0].second, "unknown flag '" + f +
                                   "'; flags are gc, heaptype, weakrefable, basetype (finalize "
                                   "and del come from 'def tp_finalize' / 'def tp_del')");
      }
    } else if (line.key == "fields") {
      for (const auto& step : line.steps) {
        if (step.size() != 1) fail(step[1].second, "one field per entry, separated by ','");
        FieldId fid = field_id(step[0].first, step[0].second);
        if (t.is_c_field(fid)) fail(step[0].second, "field '" + step[0].first + "' twice");
        t.c_fields.push_back(fid);
      }
    } else if (line.key == "resource") {
      if (line.steps.size() != 1 || line.steps[0].size() != 1 ||
          line.steps[0][0].first != "affinity")
        fail(line.loc, "expected 'resource: affinity'");
      t.resource = true;
    } else if (line.key == "new") {
      lines[0] = &line;
    } else if (line.key == "dealloc") {
      lines[1] = &line;
    } else if (line.key == "clear") {
      lines[2] = &line;
    } else if (line.key == "traverse") {
      lines[3] = &line;
    } else {
      fail(line.loc, "unknown slot line '" + line.key +
                         "'; expected flags, fields, resource, new, dealloc, clear or traverse");
    }
  }
  if (!t.has_finalizer() && keys.count("flags")) {
    for (const SlotLine& line : c.slots)
      if (line.key == "flags")
        for (const auto& step : line.steps)
          if (step[0].first == "finalize")
            fail(step[0].second, "flag 'finalize' needs 'def tp_finalize(self):'");
  }
  if (lines[2] && lines[2]->steps.size() == 1 && lines[2]->steps[0].size() == 1 &&
      lines[2]->steps[0][0].first == "none") {
    t.has_clear = false;
  } else if (lines[2]) {
    t.clear_steps = steps_of(*lines[2], t, Slot::Clear);
  } else {
    for (FieldId f : t.c_fields) t.clear_steps.push_back(step(SlotOp::ClearField, f, c.loc));
  }
  if (lines[3]) {
    if (!t.gc) fail(lines[3]->loc, "'traverse:' only applies to a GC type (flags: gc)");
    t.traverse_steps = steps_of(*lines[3], t, Slot::Traverse);
  } else if (t.gc) {
    for (FieldId f : t.c_fields) t.traverse_steps.push_back(step(SlotOp::Visit, f, c.loc));
    if (t.heap) t.traverse_steps.push_back(step(SlotOp::VisitType, 0, c.loc));
  }
  if (lines[0]) {
    t.new_steps = steps_of(*lines[0], t, Slot::New);
  } else {
    // tp_alloc = PyType_GenericAlloc (zeroed, tracked at once for a GC
    // type: every field is NULL, hence valid, while it is initialised),
    // the common way and the one that keeps the type subclassable;
    // PyObject_New for a non-GC type.
    SlotStep alloc = step(SlotOp::Alloc, 0, c.loc);
    alloc.arg = t.gc ? 1 : 0;
    t.new_steps.push_back(alloc);
    for (FieldId f : t.c_fields) t.new_steps.push_back(step(SlotOp::Init, f, c.loc));
  }
  if (t.new_steps.empty() || t.new_steps[0].op != SlotOp::Alloc)
    fail(lines[0] ? lines[0]->loc : c.loc, "'new:' must start with 'alloc' or 'generic_alloc'");
  for (size_t i = 1; i < t.new_steps.size(); ++i)
    if (t.new_steps[i].op == SlotOp::Alloc)
      fail(Loc{static_cast<int32_t>(t.new_steps[i].line), static_cast<int32_t>(t.new_steps[i].col)},
           "'new:' allocates only once");
  if (lines[1]) {
    t.dealloc_steps = steps_of(*lines[1], t, Slot::Dealloc);
  } else {
    // The recommended tp_dealloc (Doc/c-api/typeobj.rst, R1.13).
    if (t.has_finalizer()) t.dealloc_steps.push_back(step(SlotOp::FinalizerFromDealloc, 0, c.loc));
    if (t.gc) t.dealloc_steps.push_back(step(SlotOp::Untrack, 0, c.loc));
    if (t.weakrefable) t.dealloc_steps.push_back(step(SlotOp::ClearWeakrefs, 0, c.loc));
    if (t.has_clear)
      t.dealloc_steps.push_back(step(SlotOp::CallClear, 0, c.loc));
    else
      for (FieldId f : t.c_fields) t.dealloc_steps.push_back(step(SlotOp::ClearField, f, c.loc));
    t.dealloc_steps.push_back(step(SlotOp::Free, 0, c.loc));
    if (t.heap) t.dealloc_steps.push_back(step(SlotOp::DecrefType, 0, c.loc));
  }
}

SlotStep Compiler::step(SlotOp op, FieldId field, Loc loc) {
  SlotStep s;
  s.op = op;
  s.field = field;
  s.line = static_cast<uint32_t>(loc.line);
  s.col = static_cast<uint32_t>(loc.col);
  return s;
}

std::vector<SlotStep> Compiler::steps_of(const SlotLine& line, const TypeInfo& t, Slot slot) {
  std::vector<SlotStep> out;
  const char* slot_name = slot == Slot::New       ? "new"
                          : slot == Slot::Dealloc ? "dealloc"
                          : slot == Slot::Clear   ? "clear"
                                                  : "traverse";
  for (const auto& words : line.steps) {
    StepWords w{words};
    const std::string& verb = w.at(0);
    Loc loc = w.loc(0);
    auto need_field = [&](size_t i) -> FieldId {
      if (i >= w.size()) fail(loc, "'" + verb + "' needs a field name");
      for (FieldId f : t.c_fields)
        if (p_.field_names[f] == w.at(i)) return f;
      fail(w.loc(i),
           "'" + w.at(i) + "' is not a field of " + t.name + " (declare it on the 'fields:' line)");
    };
    auto no_more = [&](size_t n) {
      if (w.size() > n) fail(w.loc(n), "unexpected '" + w.at(n) + "' after '" + verb + "'");
    };
    auto only_in = [&](std::initializer_list<Slot> slots) {
      for (Slot s2 : slots)
        if (s2 == slot) return;
      fail(loc, "'" + verb + "' is not a step of '" + slot_name + ":'");
    };
    SlotStep st = step(SlotOp::Call, 0, loc);
    if (verb == "alloc" || verb == "generic_alloc") {
      only_in({Slot::New, Slot::Traverse});
      no_more(1);
      st.op = SlotOp::Alloc;
      st.arg = verb == "generic_alloc" ? 1 : 0;
    } else if (verb == "init") {
      only_in({Slot::New});
      st.op = SlotOp::Init;
      st.field = need_field(1);
      no_more(2);
    } else if (verb == "track" || verb == "untrack") {
      only_in({Slot::New, Slot::Dealloc});
      no_more(1);
      if (!t.gc) fail(loc, "'" + verb + "' needs a GC type (flags: gc)");
      st.op = verb == "track" ? SlotOp::Track : SlotOp::Untrack;
    } else if (verb == "finalizer_from_dealloc") {
      only_in({Slot::Dealloc});
      no_more(1);
      st.op = SlotOp::FinalizerFromDealloc;
    } else if (verb == "clear_weakrefs" || verb == "clear_weakrefs_no_callbacks") {
      only_in({Slot::Dealloc, Slot::Clear});
      no_more(1);
      if (!t.weakrefable) fail(loc, "'" + verb + "' needs a weakrefable type (flags: weakrefable)");
      st.op = verb == "clear_weakrefs" ? SlotOp::ClearWeakrefs : SlotOp::ClearWeakrefsNoCallbacks;
      if (slot == Slot::Clear && st.op != SlotOp::ClearWeakrefs)
        fail(loc, "'" + verb + "' is not a step of 'clear:'");
    } else if (verb == "clear") {
      only_in({Slot::Dealloc, Slot::Clear});
      if (w.size() == 1) {
        if (slot != Slot::Dealloc) fail(loc, "'clear' alone calls tp_clear; write 'clear FIELD'");
        if (!t.has_clear) fail(loc, t.name + " has no tp_clear ('clear: none')");
        st.op = SlotOp::CallClear;
      } else {
        st.op = SlotOp::ClearField;
        st.field = need_field(1);
        no_more(2);
      }
    } else if (verb == "decref" || verb == "incref") {
      only_in({Slot::Dealloc, Slot::Clear, Slot::Traverse});
      if (verb == "incref" && slot != Slot::Traverse)
        fail(loc, "'incref' is a step of 'traverse:' only");
      st.op = slot == Slot::Traverse ? (verb == "incref" ? SlotOp::Incref : SlotOp::Decref)
                                     : SlotOp::DecrefField;
      st.field = need_field(1);
      no_more(2);
    } else if (verb == "null") {
      only_in({Slot::Dealloc, Slot::Clear});
      st.op = SlotOp::NullField;
      st.field = need_field(1);
      no_more(2);
    } else if (verb == "free") {
      only_in({Slot::Dealloc, Slot::Clear});
      st.op = SlotOp::Free;
      if (w.size() == 2 && w.at(1) == "wrong")
        st.arg = 1;
      else
        no_more(1);
    } else if (verb == "decref_type" || verb == "read_type") {
      only_in({Slot::Dealloc});
      no_more(1);
      st.op = verb == "decref_type" ? SlotOp::DecrefType : SlotOp::ReadType;
    } else if (verb == "call") {
      st.op = SlotOp::Call;
      if (w.size() >= 2) {
        only_in({Slot::Dealloc});
        auto it = functions_.find(w.at(1));
        if (it == functions_.end())
          fail(w.loc(1), "'" + w.at(1) + "' is not a module-level function");
        st.func = it->second;
        bool with_self = w.size() == 3 && w.at(2) == "self";
        if (w.size() == 3 && !with_self) fail(w.loc(2), "expected 'self' or nothing");
        no_more(with_self ? 3 : 2);
        st.arg = with_self ? 1 : 0;
        size_t want = with_self ? 1 : 0;
        if (p_.funcs[st.func].nparams != want)
          fail(w.loc(1), "'" + w.at(1) + "' must take " + parameters(want) +
                             (with_self ? " (it receives self)" : ""));
      } else {
        only_in({Slot::New, Slot::Dealloc, Slot::Clear});
      }
    } else if (verb == "store_self") {
      only_in({Slot::Dealloc, Slot::Clear});
      if (w.size() < 2) fail(loc, "'store_self' needs a global variable name");
      auto it = globals_.find(w.at(1));
      if (it == globals_.end())
        fail(w.loc(1), "'" + w.at(1) + "' is not a global variable (assign it at module level)");
      no_more(2);
      st.op = SlotOp::StoreSelf;
      st.global = static_cast<uint16_t>(it->second);
    } else if (verb == "release_resource") {
      only_in({Slot::Dealloc, Slot::Clear});
      no_more(1);
      if (!t.resource) fail(loc, t.name + " owns no resource ('resource: affinity')");
      st.op = SlotOp::ReleaseResource;
    } else if (verb == "tp_del") {
      only_in({Slot::Dealloc});
      no_more(1);
      if (!t.has_legacy_del()) fail(loc, t.name + " has no 'def tp_del(self):'");
      st.op = SlotOp::TpDel;
    } else if (verb == "save_error" || verb == "restore_error" || verb == "raise_error" ||
               verb == "write_unraisable") {
      only_in({Slot::Dealloc});
      no_more(1);
      st.op = verb == "save_error"      ? SlotOp::SaveError
              : verb == "restore_error" ? SlotOp::RestoreError
              : verb == "raise_error"   ? SlotOp::RaiseError
                                        : SlotOp::WriteUnraisable;
    } else if (verb == "release_gil" || verb == "acquire_gil") {
      only_in({Slot::New, Slot::Dealloc});
      no_more(1);
      st.op = verb == "release_gil" ? SlotOp::ReleaseGil : SlotOp::AcquireGil;
    } else if (verb == "publish") {
      only_in({Slot::New});
      if (w.size() < 2) fail(loc, "'publish' needs a global variable name");
      auto it = globals_.find(w.at(1));
      if (it == globals_.end())
        fail(w.loc(1), "'" + w.at(1) + "' is not a global variable (assign it at module level)");
      no_more(2);
      st.op = SlotOp::Publish;
      st.global = static_cast<uint16_t>(it->second);
    } else if (verb == "critical_section" || verb == "end_critical_section") {
      // Free-threaded C API (model/CApiFreeThreaded.cpp): one object, or
      // self and the object in a field (Py_BEGIN_CRITICAL_SECTION2).
      only_in({Slot::New, Slot::Dealloc, Slot::Clear});
      st.op =
          verb == "critical_section" ? SlotOp::CriticalSectionBegin : SlotOp::CriticalSectionEnd;
      if (st.op == SlotOp::CriticalSectionBegin && w.size() == 2) {
        st.arg = 1;
        st.field = need_field(1);
      } else {
        no_more(1);
      }
    } else if (verb == "weakref_getobject" || verb == "weakref_getref") {
      only_in({Slot::New, Slot::Dealloc, Slot::Clear});
      st.op = verb == "weakref_getobject" ? SlotOp::WeakrefGetObject : SlotOp::WeakrefGetRef;
      st.field = need_field(1);
      no_more(2);
    } else if (verb == "tryincref_ref" || verb == "incref_ref" || verb == "use_ref" ||
               verb == "drop_ref") {
      only_in({Slot::New, Slot::Dealloc, Slot::Clear});
      no_more(1);
      st.op = verb == "tryincref_ref" ? SlotOp::TryIncrefRef
              : verb == "incref_ref"  ? SlotOp::IncrefRef
              : verb == "use_ref"     ? SlotOp::UseRef
                                      : SlotOp::DropRef;
    } else if (verb == "enable_deferred_refcount") {
      only_in({Slot::New});
      no_more(1);
      if (!t.gc) fail(loc, "'" + verb + "' needs a GC type (flags: gc)");
      st.op = SlotOp::EnableDeferredRefcount;
    } else if (verb == "visit") {
      only_in({Slot::Traverse});
      if (w.size() == 2 && w.at(1) == "type") {
        st.op = SlotOp::VisitType;
      } else if (w.size() == 2 && w.at(1) == "weakrefs") {
        st.op = SlotOp::VisitWeakrefs;
      } else {
        st.op = SlotOp::Visit;
        st.field = need_field(1);
        no_more(2);
      }
    } else {
      fail(loc, "unknown step '" + verb + "' in '" + slot_name + ":'");
    }
    out.push_back(st);
  }
  return out;
}

}  // namespace lifecheck::lang::detail
