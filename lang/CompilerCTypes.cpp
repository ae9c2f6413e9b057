// C types: the `ctype` blocks' flags, fields and slot step lists, C bases
// (of a C type or of a class), and the bases of classes deriving from list
// or dict.
#include <algorithm>

#include "lang/CompilerImpl.h"
#include "model/CFieldCall.h"

namespace lifecheck::lang::detail {

// The `ctype` blocks' slot lines, and the bases of classes deriving from a
// C type. Runs after globals and functions are known (steps name them).
void Compiler::compile_c_types() {
  std::set<std::string> done, started;
  for (const ClassDef& c : sc_.classes)
    if (c.is_ctype) compile_c_type_after_base(c, done, started);
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
    if (base.kind != TypeKind::CType) continue;  // a class's class (CompilerInheritance.cpp)
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

// A C type deriving from a C type (`ctype D(B):`, the C struct starts
// with B's): B is compiled first; D has B's fields first, and inherits
// Py_TPFLAGS_HAVE_GC, the weakref list and tp_finalize (inherit_special,
// inherit_slots), not Py_TPFLAGS_BASETYPE and not tp_del.
void Compiler::compile_c_type_after_base(const ClassDef& c, std::set<std::string>& done,
                                         std::set<std::string>& started) {
  if (done.count(c.name)) return;
  if (!started.insert(c.name).second)
    fail(c.base_loc, "'" + c.name + "' is its own base, through '" + c.base + "'");
  TypeInfo* t = &p_.types[classes_.at(c.name)];
  if (!c.base.empty()) {
    auto it = classes_.find(c.base);
    if (it == classes_.end()) fail(c.base_loc, "unknown base class '" + c.base + "'");
    const TypeInfo& b = p_.types[it->second];
    if (b.kind != TypeKind::CType)
      fail(c.base_loc, "the base of a C type must be a C type ('ctype')");
    for (const ClassDef& other : sc_.classes)
      if (other.name == c.base) compile_c_type_after_base(other, done, started);
    t = &p_.types[classes_.at(c.name)];
    const TypeInfo& base = p_.types[it->second];
    if (!base.basetype)
      fail(c.base_loc, "'" + c.base +
                           "' is not an acceptable base type: its flags lack 'basetype' "
                           "(Py_TPFLAGS_BASETYPE)");
    t->base = it->second;
    t->c_fields = base.c_fields;
    t->gc = base.gc;
    t->weakrefable = base.weakrefable;
    t->resource = base.resource;
    if (!t->has_finalizer()) {
      t->finalizer = base.finalizer;
      t->finalizer_is_c = base.finalizer_is_c;
    }
  }
  compile_c_type(c, *t);
  done.insert(c.name);
}

const TypeInfo* Compiler::c_base(const TypeInfo& t) const {
  return t.kind == TypeKind::CType && t.base != kNoType ? &p_.types[t.base] : nullptr;
}

void Compiler::compile_c_type(const ClassDef& c, TypeInfo& t) {
  std::set<std::string> keys;
  const SlotLine* lines[5] = {nullptr, nullptr, nullptr, nullptr,
                              nullptr};  // new dealloc clear traverse init
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
    } else if (line.key == "init") {
      lines[4] = &line;  // tp_init (TI1, CTypeInit.cpp)
    } else if (line.key == "dealloc") {
      lines[1] = &line;
    } else if (line.key == "clear") {
      lines[2] = &line;
    } else if (line.key == "traverse") {
      lines[3] = &line;
    } else {
      fail(line.loc, "unknown slot line '" + line.key +
                         "'; expected flags, fields, resource, new, init, dealloc, clear or "
                         "traverse");
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
    // a C base's tp_clear and tp_traverse handle its own fields
    const TypeInfo* base = c_base(t);
    for (FieldId f : t.c_fields)
      if (!base || !base->is_c_field(f))
        t.clear_steps.push_back(step(SlotOp::ClearField, f, c.loc));
    if (base && base->has_clear) t.clear_steps.push_back(step(SlotOp::BaseClear, 0, c.loc));
  }
  if (lines[3]) {
    if (!t.gc) fail(lines[3]->loc, "'traverse:' only applies to a GC type (flags: gc)");
    t.traverse_steps = steps_of(*lines[3], t, Slot::Traverse);
  } else if (t.gc) {
    const TypeInfo* base = c_base(t);
    for (FieldId f : t.c_fields)
      if (!base || !base->is_c_field(f)) t.traverse_steps.push_back(step(SlotOp::Visit, f, c.loc));
    if (base && base->gc) t.traverse_steps.push_back(step(SlotOp::BaseTraverse, 0, c.loc));
    if (t.heap && !(base && base->heap))
      t.traverse_steps.push_back(step(SlotOp::VisitType, 0, c.loc));
  }
  if (lines[4]) {
    t.init_steps = steps_of(*lines[4], t, Slot::Init);
    t.own_init = true;
  } else if (const TypeInfo* base = c_base(t)) {
    t.init_steps = base->init_steps;  // inherit_slots copies tp_init (TI1)
  }
  if (lines[0]) {
    t.new_steps = steps_of(*lines[0], t, Slot::New);
  } else if (lines[4]) {
    // TI1: a type with tp_init usually leaves tp_new to PyType_GenericNew:
    // zeroed memory (every field NULL), tracked at once for a GC type
    SlotStep alloc = step(SlotOp::Alloc, 0, c.loc);
    alloc.arg = 1;
    t.new_steps.push_back(alloc);
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
  // Py_TRASHCAN_BEGIN opens a block that Py_TRASHCAN_END closes
  int open = 0;
  for (const SlotStep& st : t.dealloc_steps) {
    if (st.op == SlotOp::TrashcanBegin && open++)
      fail(Loc{static_cast<int32_t>(st.line), static_cast<int32_t>(st.col)},
           "a second 'trashcan_begin' before 'trashcan_end'");
    if (st.op == SlotOp::TrashcanEnd && --open < 0)
      fail(Loc{static_cast<int32_t>(st.line), static_cast<int32_t>(st.col)},
           "'trashcan_end' without 'trashcan_begin'");
  }
  if (open > 0)
    fail(lines[1]->loc,
         "'trashcan_begin' without 'trashcan_end' (the C macros open and "
         "close one block)");
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
                          : slot == Slot::Init    ? "init"
                                                  : "traverse";
  for (size_t k = 0; k < line.steps.size(); ++k) {
    StepWords w{line.steps[k]};
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
      only_in({Slot::New, Slot::Init});
      st.op = SlotOp::Init;
      st.field = need_field(1);
      if (w.size() == 3 && w.at(2) == "null")
        st.arg = 1;  // self->field = NULL
      else
        no_more(2);
    } else if (verb == "track" || verb == "untrack") {
      only_in({Slot::New, Slot::Dealloc});
      no_more(1);
      if (!t.gc) fail(loc, "'" + verb + "' needs a GC type (flags: gc)");
      st.op = verb == "track" ? SlotOp::Track : SlotOp::Untrack;
    } else if (verb == "finalizer_from_dealloc") {
      only_in({Slot::Dealloc});
      st.op = SlotOp::FinalizerFromDealloc;
      if (w.size() == 2 && w.at(1) == "unchecked")
        st.arg = 1;  // its result ignored
      else
        no_more(1);
    } else if (verb == "tp_finalize") {
      only_in({Slot::Dealloc});
      no_more(1);
      if (!t.has_finalizer()) fail(loc, t.name + " has no 'def tp_finalize(self):'");
      st.op = SlotOp::CallFinalize;
    } else if (verb == "base_dealloc" || verb == "base_clear" || verb == "base_traverse") {
      only_in(verb == "base_traverse" ? std::initializer_list<Slot>{Slot::Traverse}
              : verb == "base_clear"  ? std::initializer_list<Slot>{Slot::Dealloc, Slot::Clear}
                                      : std::initializer_list<Slot>{Slot::Dealloc});
      no_more(1);
      const TypeInfo* base = c_base(t);
      if (!base) fail(loc, "'" + verb + "' needs a C base type ('ctype " + t.name + "(BASE):')");
      if (verb == "base_clear" && !base->has_clear)
        fail(loc, base->name + " has no tp_clear ('clear: none')");
      if (verb == "base_traverse" && !base->gc)
        fail(loc, base->name + " is not a GC type: it has no tp_traverse");
      st.op = verb == "base_dealloc" ? SlotOp::BaseDealloc
              : verb == "base_clear" ? SlotOp::BaseClear
                                     : SlotOp::BaseTraverse;
    } else if (verb == "trashcan_begin" || verb == "trashcan_end") {
      only_in({Slot::Dealloc});
      no_more(1);
      if (!t.gc) fail(loc, "'" + verb + "' needs a GC type (flags: gc)");
      st.op = verb == "trashcan_begin" ? SlotOp::TrashcanBegin : SlotOp::TrashcanEnd;
    } else if (verb == "clear_weakrefs" || verb == "clear_weakrefs_no_callbacks") {
      only_in({Slot::Dealloc, Slot::Clear});
      no_more(1);
      if (!t.weakrefable) fail(loc, "'" + verb + "' needs a weakrefable type (flags: weakrefable)");
      st.op = verb == "clear_weakrefs" ? SlotOp::ClearWeakrefs : SlotOp::ClearWeakrefsNoCallbacks;
      if (slot == Slot::Clear && st.op != SlotOp::ClearWeakrefs)
        fail(loc, "'" + verb + "' is not a step of 'clear:'");
    } else if (verb == "clear") {
      only_in({Slot::Dealloc, Slot::Clear, Slot::Init});
      if (w.size() == 1) {
        if (slot != Slot::Dealloc) fail(loc, "'clear' alone calls tp_clear; write 'clear FIELD'");
        if (!t.has_clear) fail(loc, t.name + " has no tp_clear ('clear: none')");
        st.op = SlotOp::CallClear;
      } else {
        st.op = SlotOp::ClearField;
        st.field = need_field(1);
        no_more(2);
      }
    } else if (verb == "xdecref") {
      only_in({Slot::Dealloc, Slot::Clear, Slot::Init});
      st.op = SlotOp::XDecrefField;
      st.field = need_field(1);
      no_more(2);
    } else if (verb == "setref" || verb == "xsetref") {
      only_in({Slot::New, Slot::Dealloc, Slot::Clear, Slot::Init});
      st.op = SlotOp::SetRefField;
      st.field = need_field(1);
      st.arg = verb == "xsetref" ? 1 : 0;
      if (w.size() == 2 && (slot == Slot::New || slot == Slot::Init)) {
        st.arg |= 4;  // Py_(X)SETREF(self->F, Py_NewRef(arg)): the constructor argument
      } else {
        if (w.size() < 3 || (w.at(2) != "null" && w.at(2) != "none"))
          fail(w.size() < 3 ? loc : w.loc(2),
               "'" + verb + "' needs the new value: null or none" +
                   (slot == Slot::New || slot == Slot::Init ? ""
                                                            : " (the argument only in 'new:' "
                                                              "and 'init:')"));
        no_more(3);
        if (w.at(2) == "none") st.arg |= 2;
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
      if (w.size() >= 2 && std::any_of(t.c_fields.begin(), t.c_fields.end(),
                                       [&](FieldId f) { return p_.field_names[f] == w.at(1); })) {
        // CB1, CB2: `call F` calls the object in field F with no argument
        // (PyObject_CallNoArgs); `self` passes self (PyObject_CallOneArg);
        // `if_set` skips a NULL field (`if (self->F)`); `objargs` is
        // PyObject_CallFunctionObjArgs(self->F, NULL), whose NULL check sets
        // SystemError where the others crash.
        only_in({Slot::Dealloc});
        st.field = need_field(1);
        if (functions_.count(w.at(1)))
          fail(w.loc(1), "'" + w.at(1) + "' is both a field of " + t.name +
                             " and a module-level function: 'call " + w.at(1) +
                             "' would be ambiguous; rename one");
        st.arg = model::kCallField;
        size_t i = 2;
        if (i < w.size() && w.at(i) == "self") {
          st.arg |= model::kCallSelf;
          ++i;
        }
        if (i < w.size() && (w.at(i) == "if_set" || w.at(i) == "objargs")) {
          st.arg |= w.at(i) == "if_set" ? model::kCallIfSet : model::kCallObjArgs;
          ++i;
        }
        if (i == 2 && i < w.size())
          fail(w.loc(2), "expected self, if_set or objargs after 'call " + w.at(1) + "', not '" +
                             w.at(2) + "'");
        if (i < w.size()) {
          std::string before = "call";
          for (size_t j = 1; j < i; ++j) before += " " + w.at(j);
          fail(w.loc(i), "unexpected '" + w.at(i) + "' after '" + before +
                             "' (call FIELD [self] [if_set | objargs])");
        }
      } else if (w.size() >= 2) {
        only_in({Slot::Dealloc});
        auto it = functions_.find(w.at(1));
        if (it == functions_.end())
          fail(w.loc(1), "'" + w.at(1) + "' is not a module-level function");
        if (module_object(w.at(1)))  // FN11
          fail(w.loc(1), "'" + w.at(1) +
                             "' is deleted, rebound or given attributes: a C type calls only a "
                             "module-level def that stays as written");
        st.func = it->second;
        reject_generator_callback(st.func, w.loc(1));
        bool with_self = w.size() == 3 && w.at(2) == "self";
        if (w.size() == 3 && !with_self) fail(w.loc(2), "expected 'self' or nothing");
        no_more(with_self ? 3 : 2);
        st.arg = with_self ? 1 : 0;
        size_t want = with_self ? 1 : 0;
        if (p_.funcs[st.func].nparams != want)
          fail(w.loc(1), "'" + w.at(1) + "' must take " + parameters(want) +
                             (with_self ? " (it receives self)" : ""));
      } else {
        only_in({Slot::New, Slot::Dealloc, Slot::Clear, Slot::Init});
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
      if (w.size() == 2 && w.at(1) == "if_held")
        st.arg = 1;  // only if not yet released
      else
        no_more(1);
      if (!t.resource) fail(loc, t.name + " owns no resource ('resource: affinity')");
      st.op = SlotOp::ReleaseResource;
    } else if (verb == "tp_del") {
      only_in({Slot::Dealloc});
      no_more(1);
      if (!t.has_legacy_del()) fail(loc, t.name + " has no 'def tp_del(self):'");
      st.op = SlotOp::TpDel;
    } else if (verb == "save_error" || verb == "restore_error" || verb == "raise_error" ||
               verb == "write_unraisable" || verb == "clear_error") {
      // TI2: in tp_init, raise_error is its failure (set, then return -1)
      if (verb != "raise_error" || slot != Slot::Init) only_in({Slot::Dealloc});
      no_more(1);
      st.op = verb == "save_error"      ? SlotOp::SaveError
              : verb == "restore_error" ? SlotOp::RestoreError
              : verb == "raise_error"   ? SlotOp::RaiseError
                                        : SlotOp::WriteUnraisable;
      if (verb == "clear_error") st.arg = model::kClearErrorOnly;  // PyErr_Clear (CB3)
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
      only_in({Slot::New, Slot::Dealloc, Slot::Clear, Slot::Init});
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
      // ref is a C local of the slot: only a lookup earlier in it sets it
      if (std::none_of(out.begin(), out.end(), [](const SlotStep& s) {
            return s.op == SlotOp::WeakrefGetRef || s.op == SlotOp::WeakrefGetObject;
          }))
        fail(loc, "'" + verb + "' needs a 'weakref_getref FIELD' or 'weakref_getobject FIELD' " +
                      "before it in '" + slot_name + ":' (ref is that step's result)");
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
    if (k < line.origins.size() && !line.origins[k].empty()) {
      auto it = std::find(p_.origins.begin(), p_.origins.end(), line.origins[k]);
      if (it == p_.origins.end()) {
        where_ = loc;
        room(p_.origins.size(), 1, "C step origins");
      }
      st.origin = static_cast<uint16_t>(it - p_.origins.begin());
      if (it == p_.origins.end()) p_.origins.push_back(line.origins[k]);
    }
    out.push_back(st);
  }
  return out;
}

}  // namespace lifecheck::lang::detail
