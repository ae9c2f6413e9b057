#include "lang/Compiler.h"

#include <algorithm>
#include <map>
#include <set>

#include "lang/Load.h"
#include "lang/Parser.h"

namespace lifecheck::lang {

using namespace model;

namespace {

// Static kinds: which kinds of value a variable may hold, from the syntax of
// everything assigned to it. Used only to reject obviously wrong programs
// (an attribute of a weakref, a call of an instance); the runtime still
// raises AttributeError/TypeError like Python where a value is unknown.
enum : uint16_t {
  KObj = 1,
  KWeakref = 2,
  KMethod = 4,
  KInt = 8,
  KBool = 16,
  KStr = 32,
  KNone = 64,
  KFunc = 128,
  KInfo = 256,
  KList = 512,
  KTuple = 1024,
  KDict = 2048,
  KAny = 0xFFFF,
};

std::string kind_phrase(uint16_t k) {
  if (k == KObj) return "an instance";
  if (k == KWeakref) return "a weakref";
  if (k == KInt) return "an int";
  if (k == KBool) return "a bool";
  if (k == KStr) return "a string";
  if (k == KNone) return "None";
  if (k == KFunc) return "a function";
  if (k == KMethod) return "a bound method";
  if (k == KInfo) return "a gc info dict";
  if (k == KList) return "a list";
  if (k == KTuple) return "a tuple";
  if (k == KDict) return "a dict";
  if (k == (KWeakref | KNone)) return "a weakref or None";
  return "a value that is not an instance";
}

struct Scope {
  FuncId func = kNoFunc;
  bool module = false;
  std::map<std::string, int> locals;
  std::set<std::string> globals_declared;
  std::map<std::string, uint16_t> local_kinds;
};

enum class NameKind { Local, Global, Class, Function, Thread, Module, Log, Unknown };

struct Resolved {
  NameKind kind = NameKind::Unknown;
  int index = 0;
};

class Compiler {
 public:
  Compiler(const Scenario& sc, const CompileOptions& opts) : sc_(sc), opts_(opts) {}

  Program run() {
    p_.file = sc_.file;
    p_.source = sc_.source;
    p_.str_start = intern("start");
    p_.str_stop = intern("stop");
    // exceptions the runtime raises (Interpreter.cpp looks them up by name)
    for (const char* e : {"AttributeError", "NameError", "UnboundLocalError", "TypeError",
                          "ValueError", "Exception", "KeyError", "IndexError", "SystemError"})
      intern(e);
    directives_before_code();
    declare_types_functions_threads();
    collect_globals();
    compile_c_types();
    infer_kinds();
    compile_bodies();
    directives_after_code();
    p_.fingerprint = fingerprint();
    return std::move(p_);
  }

 private:
  [[noreturn]] void fail(Loc loc, const std::string& msg) const {
    throw ScenarioError(sc_.file, loc, msg);
  }

  // The 16-bit ids of Program's tables must not wrap (a wrapped id reads
  // another entry, or past the end): past the bound, the scenario is too
  // large, reported at the statement being compiled.
  void room(size_t used, size_t adding, const char* what) const {
    if (used + adding > 0xFFF0)
      fail(where_, "scenario too large: more than " + std::to_string(0xFFF0) + " " + what);
  }

  StrId intern(const std::string& s) {
    for (size_t i = 0; i < p_.strings.size(); ++i)
      if (p_.strings[i] == s) return static_cast<StrId>(i);
    room(p_.strings.size(), 1, "distinct strings");
    p_.strings.push_back(s);
    return static_cast<StrId>(p_.strings.size() - 1);
  }

  // ---------------------------------------------------------------- directives
  void directives_before_code() {
    std::optional<Loc> profile_loc;
    std::vector<RuntimeBug> bugs;
    for (const Directive& d : sc_.directives) {
      if (d.keyword == "profile") {
        if (profile_loc)
          fail(d.loc, "a second 'profile' line (the first is on line " +
                          std::to_string(profile_loc->line) + ")");
        profile_loc = d.loc;
        if (d.words.size() != 1)
          fail(d.loc, "expected 'profile NAME', for example 'profile 3.14' or 'profile P313L'");
        auto prof = find_profile(d.words[0].text);
        if (!prof)
          fail(d.words[0].loc,
               "unknown profile '" + d.words[0].text + "'; 'lifecheck list-profiles' lists them");
        p_.profile = *prof;
      } else if (d.keyword == "runtime-bug") {
        if (d.words.size() != 1) fail(d.loc, "expected 'runtime-bug NAME'");
        auto bug = find_runtime_bug(d.words[0].text);
        if (!bug)
          fail(d.words[0].loc, "unknown runtime bug '" + d.words[0].text +
                                   "'; 'lifecheck list-properties' lists them");
        bugs.push_back(*bug);
      } else if (d.keyword == "ignore") {
        if (d.words.size() != 2 || d.words[1].quoted == false)
          fail(d.words.size() >= 2 ? d.words[1].loc : d.loc,
               "expected 'ignore PROPERTY \"reason\"' with the reason in quotes");
        if (!known_property(d.words[0].text))
          fail(d.words[0].loc, "unknown property '" + d.words[0].text +
                                   "'; 'lifecheck list-properties' lists them");
        if (d.words[1].text.empty()) fail(d.words[1].loc, "the reason must not be empty");
        p_.ignores.push_back(Ignore{d.words[0].text, d.words[1].text, d.loc.line});
      } else if (d.keyword == "verdict") {
        Verdict v;
        v.line = d.loc.line;
        size_t i = 0;
        if (!d.words.empty() && d.words[0].text == "under") {
          if (d.words.size() < 2) fail(d.loc, "expected a profile after 'verdict under'");
          auto prof = find_profile(d.words[1].text);
          if (!prof)
            fail(d.words[1].loc,
                 "unknown profile '" + d.words[1].text + "'; 'lifecheck list-profiles' lists them");
          v.profile = prof->name;
          for (const Verdict& other : p_.profile_verdicts)
            if (other.profile == v.profile)
              fail(d.loc, "a second 'verdict under " + v.profile + "' line");
          i = 2;
        } else if (p_.verdict) {
          fail(d.loc, "a second 'verdict' line");
        }
        size_t n = d.words.size() - i;
        if (n == 1 && d.words[i].text == "holds") {
          v.holds = true;
        } else if (n == 2 && d.words[i].text == "violates") {
          v.holds = false;
          v.property = d.words[i + 1].text;
          if (!known_property(v.property))
            fail(d.words[i + 1].loc, "unknown property '" + v.property + "'");
        } else {
          fail(d.loc,
               "expected 'verdict [under PROFILE] holds' or 'verdict [under PROFILE] "
               "violates PROPERTY'");
        }
        if (v.profile.empty())
          p_.verdict = v;
        else
          p_.profile_verdicts.push_back(v);
      }
    }
    if (opts_.profile_override) p_.profile = *opts_.profile_override;
    for (RuntimeBug b : bugs) p_.profile.add(b);
    for (RuntimeBug b : opts_.extra_bugs) p_.profile.add(b);
  }

  static bool known_property(const std::string& id);

  // ------------------------------------------------------- declarations
  void declare_types_functions_threads() {
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
    for (auto [name, kind] :
         {std::pair{"list", TypeKind::List}, std::pair{"tuple", TypeKind::Tuple},
          std::pair{"dict", TypeKind::Dict}}) {
      TypeInfo c;
      c.name = name;
      c.kind = kind;
      c.weakrefable = false;
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
        // tp_del in a class is the legacy slot set on it, as
        // _testcapi.with_tp_del does (slot_tp_del calls the method); a class
        // never inherits tp_del from its C base (inherit_slots has no
        // COPYSLOT(tp_del)).
        const bool special =
            f.name == "__del__" || f.name == "tp_del" || (c.is_ctype && f.name == "tp_finalize");
        FuncId fid = add_func(c.name + "." + f.name,
                              special ? FuncKind::Finalizer : FuncKind::Method, f.loc, f.params);
        p_.funcs[fid].owner = id;
        func_defs_[fid] = &f;
        if (c.is_ctype && f.name == "__del__")
          fail(f.loc, "a C type has no __del__; define its slot with 'def tp_finalize(self):'");
        if (f.name == "tp_del" || (c.is_ctype && f.name == "tp_finalize")) {
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

  void check_new_name(const std::string& name, Loc loc) {
    static const std::set<std::string> reserved = {"gc",   "weakref", "log",
                                                   "self", "object",  "main"};
    if (reserved.count(name)) fail(loc, "'" + name + "' is a reserved name");
    if (classes_.count(name)) fail(loc, "'" + name + "' is already defined as a class");
    if (functions_.count(name)) fail(loc, "'" + name + "' is already defined as a function");
    if (threads_.count(name)) fail(loc, "'" + name + "' is already defined as a thread");
  }

  FuncId add_func(const std::string& name, FuncKind kind, Loc loc,
                  const std::vector<Param>& params) {
    if (p_.funcs.size() >= 0xFFF0) fail(loc, "too many functions");
    FuncInfo f;
    f.name = name;
    f.kind = kind;
    f.line = loc.line;
    f.nparams = static_cast<uint8_t>(params.size());
    for (const Param& prm : params) f.local_names.push_back(prm.name);
    p_.funcs.push_back(f);
    return static_cast<FuncId>(p_.funcs.size() - 1);
  }

  const std::vector<Stmt>& body_of(FuncId f) const {
    if (f == 0) return sc_.setup;
    if (auto it = func_defs_.find(f); it != func_defs_.end()) return it->second->body;
    return thread_defs_.at(f)->body;
  }

  // ------------------------------------------------------------- C types
  // The `ctype` blocks' slot lines, and the bases of classes deriving from a
  // C type. Runs after globals and functions are known (steps name them).
  void compile_c_types() {
    std::set<std::string> done, started;
    for (const ClassDef& c : sc_.classes)
      if (c.is_ctype) compile_c_type_after_base(c, done, started);
    for (const ClassDef& c : sc_.classes) {
      ClassId id = classes_.at(c.name);
      if (c.is_ctype || c.base.empty()) continue;
      auto it = classes_.find(c.base);
      if (it == classes_.end()) fail(c.base_loc, "unknown base class '" + c.base + "'");
      const TypeInfo& base = p_.types[it->second];
      if (base.kind != TypeKind::CType)
        fail(c.base_loc,
             "base classes must be C types ('ctype'); Python-level inheritance "
             "is not modelled");
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
  void compile_c_type_after_base(const ClassDef& c, std::set<std::string>& done,
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

  const TypeInfo* c_base(const TypeInfo& t) const {
    return t.kind == TypeKind::CType && t.base != kNoType ? &p_.types[t.base] : nullptr;
  }

  struct StepWords {
    const std::vector<std::pair<std::string, Loc>>& w;
    size_t size() const { return w.size(); }
    const std::string& at(size_t i) const { return w[i].first; }
    Loc loc(size_t i) const { return w[i].second; }
  };

  void compile_c_type(const ClassDef& c, TypeInfo& t) {
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
        if (!base || !base->is_c_field(f))
          t.traverse_steps.push_back(step(SlotOp::Visit, f, c.loc));
      if (base && base->gc) t.traverse_steps.push_back(step(SlotOp::BaseTraverse, 0, c.loc));
      if (t.heap && !(base && base->heap))
        t.traverse_steps.push_back(step(SlotOp::VisitType, 0, c.loc));
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
        fail(Loc{static_cast<int32_t>(t.new_steps[i].line),
                 static_cast<int32_t>(t.new_steps[i].col)},
             "'new:' allocates only once");
    if (lines[1]) {
      t.dealloc_steps = steps_of(*lines[1], t, Slot::Dealloc);
    } else {
      // The recommended tp_dealloc (Doc/c-api/typeobj.rst, R1.13).
      if (t.has_finalizer())
        t.dealloc_steps.push_back(step(SlotOp::FinalizerFromDealloc, 0, c.loc));
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

  enum class Slot { New, Dealloc, Clear, Traverse };

  static SlotStep step(SlotOp op, FieldId field, Loc loc) {
    SlotStep s;
    s.op = op;
    s.field = field;
    s.line = static_cast<uint32_t>(loc.line);
    s.col = static_cast<uint32_t>(loc.col);
    return s;
  }

  std::vector<SlotStep> steps_of(const SlotLine& line, const TypeInfo& t, Slot slot) {
    std::vector<SlotStep> out;
    const char* slot_name = slot == Slot::New       ? "new"
                            : slot == Slot::Dealloc ? "dealloc"
                            : slot == Slot::Clear   ? "clear"
                                                    : "traverse";
    for (size_t k = 0; k < line.steps.size(); ++k) {
      StepWords w{line.steps[k]};
      const std::string& verb = w.at(0);
      Loc loc = w.loc(0);
      auto need_field = [&](size_t i) -> FieldId {
        if (i >= w.size()) fail(loc, "'" + verb + "' needs a field name");
        for (FieldId f : t.c_fields)
          if (p_.field_names[f] == w.at(i)) return f;
        fail(w.loc(i), "'" + w.at(i) + "' is not a field of " + t.name +
                           " (declare it on the 'fields:' line)");
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
        if (!t.weakrefable)
          fail(loc, "'" + verb + "' needs a weakrefable type (flags: weakrefable)");
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
      } else if (verb == "xdecref") {
        only_in({Slot::Dealloc, Slot::Clear});
        st.op = SlotOp::XDecrefField;
        st.field = need_field(1);
        no_more(2);
      } else if (verb == "setref" || verb == "xsetref") {
        only_in({Slot::Dealloc, Slot::Clear});
        st.op = SlotOp::SetRefField;
        st.field = need_field(1);
        if (w.size() < 3 || (w.at(2) != "null" && w.at(2) != "none"))
          fail(w.size() < 3 ? loc : w.loc(2), "'" + verb + "' needs the new value: null or none");
        no_more(3);
        st.arg = static_cast<uint8_t>((verb == "xsetref" ? 1 : 0) | (w.at(2) == "none" ? 2 : 0));
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

  // ------------------------------------------------------------- scopes
  static void assigned_names(const std::vector<Stmt>& body,
                             std::vector<std::pair<std::string, Loc>>& out,
                             std::set<std::string>& declared_global) {
    for (const Stmt& s : body) {
      if ((s.kind == StmtKind::Assign || s.kind == StmtKind::Del) &&
          s.target->kind == ExprKind::Name)
        out.emplace_back(s.target->text, s.target->loc);
      if (s.kind == StmtKind::Global)
        for (const std::string& n : s.names) declared_global.insert(n);
      if (s.kind == StmtKind::If) {
        assigned_names(s.body, out, declared_global);
        assigned_names(s.orelse, out, declared_global);
      }
    }
  }

  // Every name a body mentions, in the order CPython's compiler first meets
  // it: an assignment's value before its target, a container before its
  // key. The compiler numbers a function's locals this way (compiler_nameop
  // adds each to co_varnames at its first load, store or delete), and
  // frames release their locals in that order.
  static void names_in_compile_order(const Expr* e, std::vector<std::string>& out) {
    if (!e) return;
    if (e->kind == ExprKind::Name) {
      out.push_back(e->text);
      return;
    }
    names_in_compile_order(e->base.get(), out);
    if (e->kind == ExprKind::Attr) return;
    if (e->kind != ExprKind::Call) names_in_compile_order(e->rhs.get(), out);
    for (const ExprPtr& a : e->args) names_in_compile_order(a.get(), out);
    if (e->kind == ExprKind::Call) names_in_compile_order(e->rhs.get(), out);
  }
  static void names_in_compile_order(const std::vector<Stmt>& body, std::vector<std::string>& out) {
    for (const Stmt& s : body) {
      switch (s.kind) {
        case StmtKind::Assign:
          names_in_compile_order(s.value.get(), out);
          names_in_compile_order(s.target.get(), out);
          break;
        case StmtKind::Del:
          names_in_compile_order(s.target.get(), out);
          break;
        case StmtKind::If:
          names_in_compile_order(s.value.get(), out);
          names_in_compile_order(s.body, out);
          names_in_compile_order(s.orelse, out);
          break;
        default:
          names_in_compile_order(s.value.get(), out);
          break;
      }
    }
  }

  // `del x` binds x in Python, but a name that is deleted and never
  // assigned anywhere is certainly a mistake (NameError at run time).
  void reject_delete_only(const std::vector<Stmt>& body) {
    std::vector<std::pair<std::string, Loc>> dels;
    collect_dels(body, dels);
    for (auto& [n, loc] : dels)
      if (!assigned_anywhere(n)) fail(loc, "unknown name '" + n + "': it is never assigned");
  }
  static void collect_dels(const std::vector<Stmt>& body,
                           std::vector<std::pair<std::string, Loc>>& out) {
    for (const Stmt& s : body) {
      if (s.kind == StmtKind::Del && s.target->kind == ExprKind::Name)
        out.emplace_back(s.target->text, s.target->loc);
      if (s.kind == StmtKind::If) {
        collect_dels(s.body, out);
        collect_dels(s.orelse, out);
      }
    }
  }
  bool assigned_anywhere(const std::string& name) const {
    auto in = [&](const std::vector<Stmt>& body, auto& self) -> bool {
      for (const Stmt& s : body) {
        if (s.kind == StmtKind::Assign && s.target->kind == ExprKind::Name &&
            s.target->text == name)
          return true;
        if (s.kind == StmtKind::If && (self(s.body, self) || self(s.orelse, self))) return true;
      }
      return false;
    };
    if (in(sc_.setup, in)) return true;
    for (const FuncDef& f : sc_.funcs) {
      if (in(f.body, in)) return true;
      for (const Param& prm : f.params)
        if (prm.name == name) return true;
    }
    for (const ClassDef& c : sc_.classes)
      for (const FuncDef& f : c.methods) {
        if (in(f.body, in)) return true;
        for (const Param& prm : f.params)
          if (prm.name == name) return true;
      }
    for (const ThreadDef& t : sc_.threads)
      if (in(t.body, in)) return true;
    return false;
  }

  void add_global(const std::string& name, Loc loc) {
    if (globals_.count(name)) return;
    if (classes_.count(name)) fail(loc, "cannot assign to '" + name + "': it is a class");
    if (functions_.count(name)) fail(loc, "cannot assign to '" + name + "': it is a function");
    if (threads_.count(name)) fail(loc, "cannot assign to '" + name + "': it is a thread");
    static const std::set<std::string> reserved = {"gc", "weakref", "log"};
    if (reserved.count(name)) fail(loc, "cannot assign to the reserved name '" + name + "'");
    globals_[name] = static_cast<int>(p_.globals.size());
    p_.globals.push_back(name);
  }

  void collect_globals() {
    scopes_.resize(p_.funcs.size());
    {
      std::vector<std::pair<std::string, Loc>> names;
      std::set<std::string> declared;
      assigned_names(sc_.setup, names, declared);
      for (auto& [n, loc] : names) add_global(n, loc);
      reject_delete_only(sc_.setup);
      for (const Stmt& s : sc_.setup)
        if (s.kind == StmtKind::Global)
          fail(s.loc, "'global' at module level has no effect; remove it");
      scopes_[0].module = true;
      scopes_[0].func = 0;
    }
    for (FuncId f = 1; f < p_.funcs.size(); ++f) {
      std::vector<std::pair<std::string, Loc>> names;
      std::set<std::string> declared;
      assigned_names(body_of(f), names, declared);
      reject_delete_only(body_of(f));
      Scope& sc = scopes_[f];
      sc.func = f;
      sc.globals_declared = declared;
      for (const std::string& g : declared) {
        for (const FuncDef* fd : {func_defs_.count(f) ? func_defs_.at(f) : nullptr})
          if (fd)
            for (const Param& prm : fd->params)
              if (prm.name == g) fail(prm.loc, "name '" + g + "' is parameter and global");
        add_global(g, find_global_decl_loc(body_of(f), g));
      }
      FuncInfo& fi = p_.funcs[f];
      for (size_t i = 0; i < fi.local_names.size(); ++i)
        sc.locals[fi.local_names[i]] = static_cast<int>(i);
      // The locals in co_varnames order: parameters, then the others as the
      // compiler first meets them.
      std::vector<std::string> order;
      names_in_compile_order(body_of(f), order);
      std::vector<std::pair<std::string, Loc>> ordered;
      for (const std::string& n : order)
        for (auto& [m, loc] : names)
          if (m == n) {
            ordered.emplace_back(m, loc);
            break;
          }
      for (auto& [n, loc] : ordered) {
        if (declared.count(n) || sc.locals.count(n)) continue;
        if (classes_.count(n) || functions_.count(n) || threads_.count(n) || n == "gc" ||
            n == "weakref" || n == "log")
          fail(loc, "cannot assign to '" + n + "': it names a " +
                        std::string(classes_.count(n)     ? "class"
                                    : functions_.count(n) ? "function"
                                    : threads_.count(n)   ? "thread"
                                    : n == "log"          ? "builtin"
                                                          : "module"));
        sc.locals[n] = static_cast<int>(fi.local_names.size());
        fi.local_names.push_back(n);
      }
      if (fi.local_names.size() > 60)
        fail(loc_of_func(f), "too many local variables (at most 60 per function)");
      fi.nlocals = static_cast<uint8_t>(fi.local_names.size());
    }
  }

  Loc find_global_decl_loc(const std::vector<Stmt>& body, const std::string& name) {
    for (const Stmt& s : body) {
      if (s.kind == StmtKind::Global)
        for (const std::string& n : s.names)
          if (n == name) return s.loc;
      if (s.kind == StmtKind::If) {
        Loc l = find_global_decl_loc(s.body, name);
        if (l.line) return l;
        l = find_global_decl_loc(s.orelse, name);
        if (l.line) return l;
      }
    }
    return Loc{};
  }

  Loc loc_of_func(FuncId f) const { return Loc{p_.funcs[f].line, 1}; }

  static std::string kind_word(NameKind k) {
    switch (k) {
      case NameKind::Class:
        return "class";
      case NameKind::Function:
        return "function";
      case NameKind::Thread:
        return "thread";
      case NameKind::Module:
        return "module";
      case NameKind::Log:
        return "builtin";
      default:
        return "variable";
    }
  }

  static std::string parameters(size_t n) {
    return std::to_string(n) + (n == 1 ? " parameter" : " parameters");
  }

  // ------------------------------------------------------------- kinds
  uint16_t syntactic_kind(const Expr& e, const Scope& scope) {
    switch (e.kind) {
      case ExprKind::None:
        return KNone;
      case ExprKind::True:
      case ExprKind::False:
        return KBool;
      case ExprKind::Int:
        return KInt;
      case ExprKind::Str:
        return KStr;
      case ExprKind::Compare:
      case ExprKind::Not:
        return KBool;
      case ExprKind::List:
        return KList;
      case ExprKind::Tuple:
        return KTuple;
      case ExprKind::Dict:
        return KDict;
      case ExprKind::Name: {
        if (functions_.count(e.text) && !scope.locals.count(e.text) && !globals_.count(e.text))
          return KFunc;
        return KAny;
      }
      case ExprKind::Attr:
        return method_names_.count(e.text) ? KMethod : KAny;
      case ExprKind::Call: {
        const Expr& callee = *e.base;
        if (callee.kind == ExprKind::Name && classes_.count(callee.text)) return KObj;
        if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Name) {
          const std::string& mod = callee.base->text;
          if (mod == "weakref" && callee.text == "ref") return KWeakref;
          if (mod == "gc" && callee.text == "collect") return KInt;
          if (mod == "gc" && (callee.text == "is_finalized" || callee.text == "is_tracked"))
            return KBool;
        }
        return KAny;
      }
      default:
        return KAny;
    }
  }

  void infer_in(const std::vector<Stmt>& body, Scope& scope) {
    for (const Stmt& s : body) {
      if (s.kind == StmtKind::Assign && s.target->kind == ExprKind::Name) {
        uint16_t k = syntactic_kind(*s.value, scope);
        const std::string& n = s.target->text;
        if (!scope.module && scope.locals.count(n))
          scope.local_kinds[n] |= k;
        else
          global_kinds_[n] |= k;
      }
      if (s.kind == StmtKind::If) {
        infer_in(s.body, scope);
        infer_in(s.orelse, scope);
      }
    }
  }

  void infer_kinds() {
    for (FuncId f = 0; f < p_.funcs.size(); ++f) {
      Scope& sc = scopes_[f];
      // parameters hold anything; 'self' holds an instance
      const FuncInfo& fi = p_.funcs[f];
      for (int i = 0; i < fi.nparams; ++i)
        sc.local_kinds[fi.local_names[i]] =
            static_cast<uint16_t>((i == 0 && fi.local_names[i] == "self") ? KObj : KAny);
      infer_in(body_of(f), sc);
    }
  }

  uint16_t kind_of_name(const std::string& name, const Scope& scope) const {
    if (!scope.module && scope.locals.count(name)) {
      auto it = scope.local_kinds.find(name);
      return it == scope.local_kinds.end() ? static_cast<uint16_t>(KAny) : it->second;
    }
    auto it = global_kinds_.find(name);
    return it == global_kinds_.end() ? static_cast<uint16_t>(KAny) : it->second;
  }

  // ------------------------------------------------------------- bodies
  Resolved resolve(const std::string& name, const Scope& scope) const {
    if (!scope.module && scope.locals.count(name) && !scope.globals_declared.count(name))
      return {NameKind::Local, scope.locals.at(name)};
    if (globals_.count(name)) return {NameKind::Global, globals_.at(name)};
    if (classes_.count(name)) return {NameKind::Class, classes_.at(name)};
    if (functions_.count(name)) return {NameKind::Function, functions_.at(name)};
    if (threads_.count(name)) return {NameKind::Thread, threads_.at(name)};
    if (name == "gc" || name == "weakref") return {NameKind::Module, 0};
    if (name == "log") return {NameKind::Log, 0};
    return {};
  }

  void compile_bodies() {
    for (FuncId f = 0; f < p_.funcs.size(); ++f) {
      cur_ = &scopes_[f];
      code_.clear();
      const std::vector<Stmt>& body = body_of(f);
      for (const Stmt& s : body) stmt(s);
      // Every body has a first statement boundary (function entry, T1).
      if (code_.empty()) emit(InstrOp::Pass, Loc{p_.funcs[f].line, 1});
      for (Instr& in : code_) {
        in.allocates = in.op == InstrOp::Construct || allocates(in.a) || allocates(in.b);
        for (uint16_t i = 0; i < in.count && in.op == InstrOp::Log; ++i)
          in.allocates = in.allocates || allocates(p_.log_args[in.first + i].expr);
      }
      p_.funcs[f].code = std::move(code_);
      code_.clear();
    }
  }

  // Whether evaluating the expression creates an object (G1: a GC
  // allocation, where an automatic collection may be triggered).
  bool allocates(ExprId e) const {
    if (e == kNoExpr) return false;
    const ExprNode& n = p_.exprs[e];
    if (n.op == ExprOp::New || n.op == ExprOp::WeakrefNew || n.op == ExprOp::BoundMethod ||
        n.op == ExprOp::ListNew || n.op == ExprOp::TupleNew || n.op == ExprOp::DictNew)
      return true;
    return allocates(n.a) || allocates(n.b);
  }

  ExprId add_expr(ExprNode n, Loc loc) {
    if (p_.exprs.size() >= 0xFFF0) fail(loc, "scenario too large");
    n.line = static_cast<uint32_t>(loc.line);
    n.col = static_cast<uint32_t>(loc.col);
    p_.exprs.push_back(n);
    return static_cast<ExprId>(p_.exprs.size() - 1);
  }

  Instr& emit(InstrOp op, Loc loc) {
    // jump targets are 16-bit pcs
    where_ = loc;
    room(code_.size(), 1, "statements in one body");
    Instr in;
    in.op = op;
    in.line = static_cast<uint32_t>(loc.line);
    in.col = static_cast<uint32_t>(loc.col);
    code_.push_back(in);
    return code_.back();
  }

  FieldId field_id(const std::string& name, Loc loc) {
    if (method_names_.count(name))
      fail(loc, "'" + name + "' is a method name; it cannot also be used as an attribute");
    for (size_t i = 0; i < p_.field_names.size(); ++i)
      if (p_.field_names[i] == name) return static_cast<FieldId>(i);
    if (p_.field_names.size() >= kMaxFields)
      fail(loc, "too many distinct attribute names (at most " + std::to_string(kMaxFields) +
                    " per scenario)");
    p_.field_names.push_back(name);
    return static_cast<FieldId>(p_.field_names.size() - 1);
  }

  LabelId label_id(const std::string& label) {
    for (size_t i = 0; i < p_.labels.size(); ++i)
      if (p_.labels[i] == label) return static_cast<LabelId>(i);
    room(p_.labels.size(), 1, "object labels");
    p_.labels.push_back(label);
    return static_cast<LabelId>(p_.labels.size() - 1);
  }

  // The label a creation site gets from its assignment target: `a`,
  // `self.peer`; empty when the target is not a plain name chain.
  static std::string target_text(const Expr& e) {
    if (e.kind == ExprKind::Name) return e.text;
    if (e.kind == ExprKind::Attr) {
      std::string base = target_text(*e.base);
      return base.empty() ? "" : base + "." + e.text;
    }
    return "";
  }

  bool is_module_call(const Expr& e, const char* module, const char* fn) const {
    return e.kind == ExprKind::Call && e.base->kind == ExprKind::Attr && e.base->text == fn &&
           e.base->base->kind == ExprKind::Name && e.base->base->text == module &&
           resolve(module, *cur_).kind == NameKind::Module;
  }

  void stmt(const Stmt& s) {
    where_ = s.loc;
    switch (s.kind) {
      case StmtKind::Pass:
        emit(InstrOp::Pass, s.loc);
        return;
      case StmtKind::Global:
        return;  // a declaration, handled by collect_globals
      case StmtKind::Assign:
        return assign(s);
      case StmtKind::Del:
        return del(s);
      case StmtKind::Expr:
        return expr_stmt(s);
      case StmtKind::Assert: {
        ExprId c = condition(*s.value);
        Instr& in = emit(InstrOp::Assert, s.loc);
        in.a = c;
        in.str = intern(s.text);
        return;
      }
      case StmtKind::Raise: {
        Instr& in = emit(InstrOp::Raise, s.loc);
        in.str = intern(s.text);
        return;
      }
      case StmtKind::If: {
        ExprId c = condition(*s.value);
        size_t jif = code_.size();
        emit(InstrOp::JumpIfFalse, s.loc).a = c;
        for (const Stmt& b : s.body) stmt(b);
        if (s.orelse.empty()) {
          code_[jif].target = static_cast<uint16_t>(code_.size());
          return;
        }
        size_t jmp = code_.size();
        emit(InstrOp::Jump, s.loc);
        code_[jif].target = static_cast<uint16_t>(code_.size());
        for (const Stmt& b : s.orelse) stmt(b);
        code_[jmp].target = static_cast<uint16_t>(code_.size());
        return;
      }
    }
  }

  void assign(const Stmt& s) {
    const Expr& t = *s.target;
    std::string label = target_text(t);
    if (is_module_call(*s.value, "gc", "collect")) {
      if (t.kind != ExprKind::Name)
        fail(s.value->loc, "gc.collect() may only be assigned to a variable");
      Instr in = collect_instr(*s.value, s.loc);
      Resolved r = resolve(t.text, *cur_);
      in.dest = r.kind == NameKind::Local ? DestKind::Local : DestKind::Global;
      in.dest_slot = static_cast<uint16_t>(r.index);
      code_.push_back(in);
      return;
    }
    if (auto ct = c_construction(*s.value)) {
      if (t.kind != ExprKind::Name)
        fail(s.value->loc,
             "creating a C type instance must be a statement of its own or "
             "assigned to a variable");
      Instr in = construct_instr(*s.value, *ct, label, s.loc);
      Resolved r = resolve(t.text, *cur_);
      in.dest = r.kind == NameKind::Local ? DestKind::Local : DestKind::Global;
      in.dest_slot = static_cast<uint16_t>(r.index);
      code_.push_back(in);
      return;
    }
    if (t.kind == ExprKind::Name) {
      Resolved r = resolve(t.text, *cur_);
      ExprId v = value(*s.value, label);
      if (r.kind == NameKind::Local) {
        Instr& in = emit(InstrOp::StoreLocal, s.loc);
        in.slot = static_cast<uint16_t>(r.index);
        in.a = v;
      } else if (r.kind == NameKind::Global) {
        Instr& in = emit(InstrOp::StoreGlobal, s.loc);
        in.slot = static_cast<uint16_t>(r.index);
        in.a = v;
      } else {
        fail(t.loc, "cannot assign to '" + t.text + "'");
      }
      return;
    }
    if (t.kind == ExprKind::Subscript) {
      ExprId container = container_expr(*t.base);
      ExprId v = value(*s.value, label);
      Instr& in = emit(InstrOp::StoreItem, s.loc);
      in.a = container;
      in.b = v;
      in.key = item_key(*t.rhs);
      return;
    }
    // attribute store
    ExprId obj = object_expr(*t.base, t.text);
    FieldId f = field_id(t.text, t.loc);
    ExprId v = value(*s.value, label);
    Instr& in = emit(InstrOp::StoreAttr, s.loc);
    in.a = obj;
    in.b = v;
    in.slot = f;
  }

  void del(const Stmt& s) {
    const Expr& t = *s.target;
    if (t.kind == ExprKind::Name) {
      Resolved r = resolve(t.text, *cur_);
      if (r.kind == NameKind::Local) {
        emit(InstrOp::DelLocal, s.loc).slot = static_cast<uint16_t>(r.index);
      } else if (r.kind == NameKind::Global) {
        emit(InstrOp::DelGlobal, s.loc).slot = static_cast<uint16_t>(r.index);
      } else if (r.kind == NameKind::Unknown) {
        fail(t.loc, "unknown name '" + t.text + "'");
      } else {
        fail(t.loc, "cannot delete '" + t.text + "': it names a " + kind_word(r.kind));
      }
      return;
    }
    if (t.kind == ExprKind::Attr) {
      ExprId obj = object_expr(*t.base, t.text);
      Instr& in = emit(InstrOp::DelAttr, s.loc);
      in.a = obj;
      in.slot = field_id(t.text, t.loc);
      return;
    }
    if (t.kind == ExprKind::Subscript) {
      ExprId container = container_expr(*t.base);
      Instr& in = emit(InstrOp::DelItem, s.loc);
      in.a = container;
      in.key = item_key(*t.rhs);
      return;
    }
    fail(t.loc, "'del' needs a name, an attribute or an item");
  }

  // `T(args)` where T is a C type or a class deriving from one.
  std::optional<ClassId> c_construction(const Expr& e) const {
    if (e.kind != ExprKind::Call || e.base->kind != ExprKind::Name) return std::nullopt;
    Resolved r = resolve(e.base->text, *cur_);
    if (r.kind != NameKind::Class) return std::nullopt;
    const TypeInfo& t = p_.types[static_cast<size_t>(r.index)];
    if (t.kind != TypeKind::CType && t.base == kNoType) return std::nullopt;
    return static_cast<ClassId>(r.index);
  }

  Instr construct_instr(const Expr& call, ClassId type, const std::string& label, Loc loc) {
    const TypeInfo& t = p_.types[type];
    const TypeInfo& ct = t.kind == TypeKind::CType ? t : p_.types[t.base];
    if (call.args.size() > ct.c_fields.size())
      fail(call.args[ct.c_fields.size()]->loc,
           "'" + t.name + "()' takes at most " + std::to_string(ct.c_fields.size()) +
               (ct.c_fields.size() == 1 ? " argument" : " arguments") + ", one per field of " +
               ct.name);
    Instr in;
    in.op = InstrOp::Construct;
    in.line = static_cast<uint32_t>(loc.line);
    in.col = static_cast<uint32_t>(loc.col);
    in.slot = type;
    in.target = label_id(label.empty() ? t.name + "@" + std::to_string(call.loc.line) : label);
    // The arguments first: a list or dict argument adds its own items to
    // log_args, and this construction's entries must be contiguous (its
    // `first` pointed into a dict's key/value pairs: issue 9 item 2).
    std::vector<ExprId> args;
    for (const ExprPtr& a : call.args) args.push_back(value(*a, ""));
    room(p_.log_args.size(), args.size(), "log arguments and container items");
    in.first = static_cast<uint16_t>(p_.log_args.size());
    for (ExprId a : args) {
      LogArg arg;
      arg.expr = a;
      p_.log_args.push_back(arg);
    }
    in.count = static_cast<uint16_t>(call.args.size());
    return in;
  }

  Instr collect_instr(const Expr& call, Loc loc) {
    Instr in;
    in.op = InstrOp::Collect;
    in.line = static_cast<uint32_t>(loc.line);
    in.col = static_cast<uint32_t>(loc.col);
    in.slot = 2;
    if (call.args.size() > 1) fail(call.loc, "gc.collect() takes at most one argument");
    if (call.args.size() == 1) {
      const Expr& g = *call.args[0];
      if (g.kind != ExprKind::Int || g.value < 0 || g.value > 2)
        fail(g.loc, "the generation passed to gc.collect() must be 0, 1 or 2");
      in.slot = static_cast<uint16_t>(g.value);
    }
    return in;
  }

  void expr_stmt(const Stmt& s) {
    const Expr& e = *s.value;
    if (e.kind == ExprKind::Call) {
      const Expr& callee = *e.base;
      if (callee.kind == ExprKind::Name && resolve(callee.text, *cur_).kind == NameKind::Log)
        return log_stmt(e, s.loc);
      if (is_module_call(e, "gc", "collect")) {
        code_.push_back(collect_instr(e, s.loc));
        return;
      }
      if (is_module_call(e, "gc", "enable") || is_module_call(e, "gc", "disable")) {
        if (!e.args.empty()) fail(e.args[0]->loc, "gc." + callee.text + "() takes no arguments");
        emit(callee.text == "enable" ? InstrOp::GcEnable : InstrOp::GcDisable, s.loc);
        return;
      }
      if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Attr &&
          callee.base->text == "callbacks" && callee.base->base->kind == ExprKind::Name &&
          callee.base->base->text == "gc") {
        if (callee.text != "append" && callee.text != "remove")
          fail(callee.loc, "gc.callbacks supports append() and remove()");
        if (e.args.size() != 1)
          fail(e.loc, "gc.callbacks." + callee.text + "() takes one function");
        const Expr& f = *e.args[0];
        if (f.kind != ExprKind::Name || resolve(f.text, *cur_).kind != NameKind::Function)
          fail(f.loc, "gc.callbacks holds module-level functions; pass a function name");
        FuncId fid = functions_.at(f.text);
        if (p_.funcs[fid].nparams != 2)
          fail(f.loc, "a gc callback takes two parameters (phase, info); '" + f.text + "' takes " +
                          parameters(p_.funcs[fid].nparams));
        ExprNode n;
        n.op = ExprOp::Const;
        n.value = Value::func(fid);
        Instr& in =
            emit(callee.text == "append" ? InstrOp::GcCallbacksAppend : InstrOp::GcCallbacksRemove,
                 s.loc);
        in.a = add_expr(n, f.loc);
        return;
      }
      if (callee.kind == ExprKind::Attr && callee.text == "join" &&
          callee.base->kind == ExprKind::Name &&
          resolve(callee.base->text, *cur_).kind == NameKind::Thread) {
        if (!e.args.empty()) fail(e.loc, "join() takes no arguments here");
        ThreadId t = threads_.at(callee.base->text);
        if (t == 0) fail(callee.base->loc, "the main thread cannot be joined");
        if (cur_->func == p_.threads[t].body)
          fail(callee.base->loc, "thread '" + callee.base->text + "' cannot join itself");
        if (p_.funcs[cur_->func].kind != FuncKind::Thread &&
            p_.funcs[cur_->func].kind != FuncKind::Module)
          fail(callee.loc, "join() is only allowed in thread bodies");
        if (p_.funcs[cur_->func].kind == FuncKind::Module)
          fail(callee.loc,
               "threads start after the module-level code; join them from "
               "'thread main:'");
        emit(InstrOp::Join, s.loc).slot = t;
        return;
      }
    }
    if (auto ct = c_construction(e)) {
      code_.push_back(construct_instr(e, *ct, "", s.loc));
      return;
    }
    ExprId v = value(e, "");
    emit(InstrOp::Eval, s.loc).a = v;
  }

  void log_stmt(const Expr& call, Loc loc) {
    if (call.args.empty()) fail(call.loc, "log() needs at least one argument");
    Instr in;
    in.op = InstrOp::Log;
    in.line = static_cast<uint32_t>(loc.line);
    in.col = static_cast<uint32_t>(loc.col);
    // The arguments first: compiling one may add list or dict items to
    // log_args, and this statement's entries must be contiguous.
    std::vector<LogArg> args;
    for (const ExprPtr& a : call.args) {
      LogArg arg;
      if (a->kind == ExprKind::Str) {
        arg.is_text = true;
        arg.text = intern(a->text);
      } else {
        arg.expr = value(*a, "");
      }
      args.push_back(arg);
    }
    room(p_.log_args.size(), args.size(), "log arguments and container items");
    in.first = static_cast<uint16_t>(p_.log_args.size());
    p_.log_args.insert(p_.log_args.end(), args.begin(), args.end());
    in.count = static_cast<uint16_t>(call.args.size());
    code_.push_back(in);
  }

  // The key of x[key]: an int index or a string key, written literally.
  // The base of x[key] (a read, store or del): rejects what can never be
  // subscripted, as object_expr does for attributes (issue 9 item 15).
  ExprId container_expr(const Expr& e) {
    const char* what = e.kind == ExprKind::None                                ? "None"
                       : e.kind == ExprKind::Int                               ? "an int"
                       : e.kind == ExprKind::True || e.kind == ExprKind::False ? "a bool"
                                                                               : nullptr;
    if (what) fail(e.loc, std::string(what) + " is not subscriptable");
    if (e.kind == ExprKind::Name) {
      NameKind r = resolve(e.text, *cur_).kind;
      if (r == NameKind::Local || r == NameKind::Global) {
        uint16_t k = kind_of_name(e.text, *cur_);
        if (k == KNone) fail(e.loc, "'" + e.text + "' is always None, which is not subscriptable");
        if (k != KAny && (k & (KList | KTuple | KDict | KInfo | KStr)) == 0 && (k & ~KNone) != 0)
          fail(e.loc, "'" + e.text + "' holds " + kind_phrase(k) + ", which is not subscriptable");
      }
    }
    return value(e, "");
  }

  Value item_key(const Expr& k) {
    if (k.kind == ExprKind::Int) return Value::integer(static_cast<int32_t>(k.value));
    if (k.kind == ExprKind::Str) return Value::str(intern(k.text));
    fail(k.loc, "an index must be an int or a string literal");
  }

  ExprId condition(const Expr& e) {
    if (e.kind == ExprKind::Compare || e.kind == ExprKind::Not) return value(e, "");
    ExprNode n;
    n.op = ExprOp::Truth;
    n.a = value(e, "");
    return add_expr(n, e.loc);
  }

  // An expression whose value must be an instance (the base of an attribute
  // access or store): rejects what can never be one.
  [[noreturn]] void not_object(const Expr& e, const std::string& attr,
                               const std::string& what) const {
    fail(e.loc, what + " has no attribute '" + attr + "': only instances have attributes");
  }

  // An expression whose value must be an instance (the base of an attribute
  // access or store): rejects what can never be one.
  ExprId object_expr(const Expr& e, const std::string& attr) {
    switch (e.kind) {
      case ExprKind::None:
        not_object(e, attr, "None");
      case ExprKind::Int:
        not_object(e, attr, "an int");
      case ExprKind::Str:
        not_object(e, attr, "a string");
      case ExprKind::True:
      case ExprKind::False:
      case ExprKind::Compare:
      case ExprKind::Not:
        not_object(e, attr, "a bool");
      case ExprKind::List:
        not_object(e, attr, "a list");
      case ExprKind::Tuple:
        not_object(e, attr, "a tuple");
      case ExprKind::Dict:
        not_object(e, attr, "a dict");
      case ExprKind::Name: {
        Resolved r = resolve(e.text, *cur_);
        switch (r.kind) {
          case NameKind::Class:
            not_object(e, attr, "class '" + e.text + "'");
          case NameKind::Function:
            not_object(e, attr, "function '" + e.text + "'");
          case NameKind::Thread:
            not_object(e, attr, "thread '" + e.text + "'");
          case NameKind::Module:
            fail(e.loc, "'" + e.text + "." + attr + "' is not part of the scenario language");
          case NameKind::Log:
            not_object(e, attr, "log");
          case NameKind::Unknown:
            fail(e.loc, "unknown name '" + e.text + "'");
          default:
            break;
        }
        uint16_t k = kind_of_name(e.text, *cur_);
        if (k == KNone) not_object(e, attr, "'" + e.text + "' is always None and");
        if ((k & (KObj | KMethod)) == 0 && k != KAny && (k & ~KNone) != 0)
          not_object(e, attr, "'" + e.text + "' holds " + kind_phrase(k) + ", which");
        break;
      }
      default:
        break;
    }
    return value(e, "");
  }

  ExprId value(const Expr& e, const std::string& label) {
    ExprNode n;
    switch (e.kind) {
      case ExprKind::None:
        n.value = Value::none();
        return add_expr(n, e.loc);
      case ExprKind::True:
        n.value = Value::boolean(true);
        return add_expr(n, e.loc);
      case ExprKind::False:
        n.value = Value::boolean(false);
        return add_expr(n, e.loc);
      case ExprKind::Int:
        n.value = Value::integer(static_cast<int32_t>(e.value));
        return add_expr(n, e.loc);
      case ExprKind::Str:
        n.value = Value::str(intern(e.text));
        return add_expr(n, e.loc);
      case ExprKind::Name: {
        Resolved r = resolve(e.text, *cur_);
        switch (r.kind) {
          case NameKind::Local:
            n.op = ExprOp::Local;
            n.slot = static_cast<uint16_t>(r.index);
            return add_expr(n, e.loc);
          case NameKind::Global:
            n.op = ExprOp::Global;
            n.slot = static_cast<uint16_t>(r.index);
            return add_expr(n, e.loc);
          case NameKind::Function:
            n.value = Value::func(static_cast<FuncId>(r.index));
            return add_expr(n, e.loc);
          case NameKind::Class:
            fail(e.loc, "class '" + e.text + "' used as a value; call it to create an instance");
          case NameKind::Thread:
            fail(e.loc, "thread '" + e.text + "' used as a value; only 'T.join()' is allowed");
          case NameKind::Module:
            fail(e.loc, "module '" + e.text + "' used as a value");
          case NameKind::Log:
            fail(e.loc, "log(...) is a statement");
          case NameKind::Unknown:
            fail(e.loc, "unknown name '" + e.text + "'");
        }
        break;
      }
      case ExprKind::Attr: {
        if (e.base->kind == ExprKind::Name && (e.base->text == "gc" || e.base->text == "weakref") &&
            resolve(e.base->text, *cur_).kind == NameKind::Module)
          fail(e.loc,
               "'" + e.base->text + "." + e.text + "' is not part of the scenario language here");
        ExprId obj = object_expr(*e.base, e.text);
        if (method_names_.count(e.text)) {
          n.op = ExprOp::BoundMethod;
          n.a = obj;
          n.slot = 0;
          // resolved at run time by the instance's class; remember the name
          n.value = Value::str(intern(e.text));
          n.label = label_id(label.empty() ? e.text + "@" + std::to_string(e.loc.line) : label);
          return add_expr(n, e.loc);
        }
        n.op = ExprOp::Attr;
        n.a = obj;
        n.slot = field_id(e.text, e.loc);
        return add_expr(n, e.loc);
      }
      case ExprKind::Subscript: {
        // x[0] on a list or tuple, d["k"] on a dict or a gc.callbacks info.
        n.op = ExprOp::ItemGet;
        n.a = container_expr(*e.base);
        n.value = item_key(*e.rhs);
        return add_expr(n, e.loc);
      }
      case ExprKind::List:
      case ExprKind::Tuple:
      case ExprKind::Dict: {
        n.op = e.kind == ExprKind::List    ? ExprOp::ListNew
               : e.kind == ExprKind::Tuple ? ExprOp::TupleNew
                                           : ExprOp::DictNew;
        size_t limit = e.kind == ExprKind::Dict ? kMaxDictEntries : kMaxFields;
        if (e.args.size() > limit)
          fail(e.args[limit]->loc,
               std::string("at most ") + std::to_string(limit) +
                   (e.kind == ExprKind::Dict ? " entries in a dict" : " items in a list or tuple"));
        std::vector<ExprId> items;
        for (const ExprPtr& a : e.args) items.push_back(value(*a, ""));
        room(p_.log_args.size(), 2 * items.size(), "log arguments and container items");
        n.first = static_cast<uint16_t>(p_.log_args.size());
        for (size_t i = 0; i < items.size(); ++i) {
          if (e.kind == ExprKind::Dict) {
            LogArg k;
            k.is_text = true;
            k.text = intern(e.keys[i]);
            p_.log_args.push_back(k);
          }
          LogArg v;
          v.expr = items[i];
          p_.log_args.push_back(v);
        }
        n.count = static_cast<uint16_t>(items.size());
        const char* type = e.kind == ExprKind::List    ? "list"
                           : e.kind == ExprKind::Tuple ? "tuple"
                                                       : "dict";
        n.label =
            label_id(label.empty() ? std::string(type) + "@" + std::to_string(e.loc.line) : label);
        return add_expr(n, e.loc);
      }
      case ExprKind::Compare: {
        n.op = ExprOp::Compare;
        n.a = value(*e.base, "");
        n.b = value(*e.rhs, "");
        n.slot = static_cast<uint16_t>(e.op == CompareOp::Is      ? CompareKind::Is
                                       : e.op == CompareOp::IsNot ? CompareKind::IsNot
                                       : e.op == CompareOp::Eq    ? CompareKind::Eq
                                                                  : CompareKind::Ne);
        return add_expr(n, e.loc);
      }
      case ExprKind::Not:
        n.op = ExprOp::Not;
        n.a = condition(*e.base);
        return add_expr(n, e.loc);
      case ExprKind::Call:
        return call(e, label);
    }
    fail(e.loc, "unsupported expression");
  }

  ExprId call(const Expr& e, const std::string& label) {
    const Expr& callee = *e.base;
    ExprNode n;
    std::string site = label.empty() ? "" : label;
    auto site_label = [&](const std::string& type_name) {
      return label_id(site.empty() ? type_name + "@" + std::to_string(e.loc.line) : site);
    };
    if (callee.kind == ExprKind::Name) {
      Resolved r = resolve(callee.text, *cur_);
      if (c_construction(e))
        fail(e.loc,
             "creating a C type instance must be a statement of its own or assigned "
             "to a variable");
      switch (r.kind) {
        case NameKind::Class:
          if (!e.args.empty())
            fail(e.args[0]->loc,
                 "'" + callee.text + "()' takes no arguments (__init__ is not modelled)");
          n.op = ExprOp::New;
          n.slot = static_cast<uint16_t>(r.index);
          n.label = site_label(callee.text);
          return add_expr(n, e.loc);
        case NameKind::Function:
          fail(callee.loc, "calling '" + callee.text +
                               "' directly is not supported; functions serve as weakref "
                               "and gc callbacks");
        case NameKind::Thread:
          fail(callee.loc, "a thread is not callable; use '" + callee.text + ".join()'");
        case NameKind::Log:
          fail(callee.loc, "log(...) is a statement, not a value");
        case NameKind::Module:
          fail(callee.loc, "module '" + callee.text + "' is not callable");
        case NameKind::Unknown:
          fail(callee.loc, "unknown name '" + callee.text + "'");
        case NameKind::Local:
        case NameKind::Global: {
          uint16_t k = kind_of_name(callee.text, *cur_);
          if (k != KAny && (k & KWeakref) == 0)
            fail(callee.loc, "'" + callee.text + "' holds " + kind_phrase(k) +
                                 ", which is not callable; only weakrefs are");
          break;
        }
      }
    }
    if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Name &&
        resolve(callee.base->text, *cur_).kind == NameKind::Module) {
      const std::string& mod = callee.base->text;
      if (mod == "weakref" && callee.text == "ref") {
        if (e.args.empty() || e.args.size() > 2)
          fail(e.loc, "weakref.ref() takes a referent and an optional callback");
        n.op = ExprOp::WeakrefNew;
        n.a = value(*e.args[0], "");
        if (e.args.size() == 2) n.b = callback_expr(*e.args[1]);
        n.label = site_label("weakref");
        return add_expr(n, e.loc);
      }
      if (mod == "gc" && (callee.text == "is_finalized" || callee.text == "is_tracked")) {
        if (e.args.size() != 1) fail(e.loc, "gc." + callee.text + "() takes one argument");
        n.op = callee.text == "is_finalized" ? ExprOp::IsFinalized : ExprOp::IsTracked;
        n.a = value(*e.args[0], "");
        return add_expr(n, e.loc);
      }
      if (mod == "gc" && callee.text == "collect")
        fail(e.loc, "gc.collect() must be a statement of its own or assigned to a variable");
      fail(callee.loc, "'" + mod + "." + callee.text + "()' is not part of the scenario language");
    }
    if (callee.kind == ExprKind::Attr && method_names_.count(callee.text))
      fail(callee.loc, "calling methods is not supported; pass '" + target_text(callee) +
                           "' as a weakref callback instead");
    if (!e.args.empty()) fail(e.args[0]->loc, "calling a weakref takes no arguments");
    n.op = ExprOp::Deref;
    n.a = value(callee, "");
    return add_expr(n, e.loc);
  }

  // The second argument of weakref.ref: a function, a bound method or None.
  ExprId callback_expr(const Expr& e) {
    if (e.kind == ExprKind::None) return value(e, "");
    if (e.kind == ExprKind::Name) {
      Resolved r = resolve(e.text, *cur_);
      if (r.kind == NameKind::Function) {
        FuncId f = static_cast<FuncId>(r.index);
        if (p_.funcs[f].nparams != 1)
          fail(e.loc, "a weakref callback takes one parameter (the weakref); '" + e.text +
                          "' takes " + parameters(p_.funcs[f].nparams));
        return value(e, "");
      }
      if (r.kind == NameKind::Local || r.kind == NameKind::Global) {
        uint16_t k = kind_of_name(e.text, *cur_);
        if (k != KAny && (k & (KFunc | KMethod | KNone)) == 0)
          fail(e.loc,
               "the callback '" + e.text + "' holds " + kind_phrase(k) + ", which is not callable");
        return value(e, "");
      }
    }
    if (e.kind == ExprKind::Attr && !method_names_.count(e.text)) {
      return value(e, "");  // an attribute holding a function or a bound method
    }
    if (e.kind == ExprKind::Attr) {
      for (const TypeInfo& t : p_.types)
        for (auto& [name, fid] : t.methods)
          if (name == e.text && p_.funcs[fid].nparams != 2)
            fail(e.loc, "a method used as a weakref callback takes (self, wr); '" + t.name + "." +
                            name + "' takes " + parameters(p_.funcs[fid].nparams));
      return value(e, "");
    }
    fail(e.loc, "a weakref callback must be a function name, 'obj.method' or None");
  }

  // ------------------------------------------------------------- expects
  void directives_after_code() {
    for (const Directive& d : sc_.directives)
      if (d.keyword == "expect") p_.expects.push_back(expectation(d));
  }

  EventPattern pattern(const Directive& d, size_t& i) {
    auto word = [&](const char* what) -> const DirectiveWord& {
      if (i >= d.words.size()) fail(d.loc, std::string("incomplete expect line: expected ") + what);
      return d.words[i++];
    };
    const DirectiveWord& w = word(
        "an event (finalize, callback, clear, dealloc, freed, "
        "resurrect, log, gc, unraisable, garbage, tp_del, release)");
    EventPattern p;
    auto label = [&]() {
      const DirectiveWord& l = word("an object label or '*'");
      if (l.text == "*") return kNoLabel;
      for (size_t k = 0; k < p_.labels.size(); ++k)
        if (p_.labels[k] == l.text) return static_cast<LabelId>(k);
      fail(l.loc, "no object is created with label '" + l.text +
                      "'; labels are assignment targets such as 'a' in 'a = Node()'");
    };
    if (w.text == "finalize" || w.text == "__del__") {
      p.kind = PatternKind::Finalize;
      p.label = label();
      if (i < d.words.size() && d.words[i].text == "by") {
        ++i;
        const DirectiveWord& path = word("'gc' or 'refcount'");
        if (path.text == "gc")
          p.path = PathFilter::Gc;
        else if (path.text == "refcount")
          p.path = PathFilter::Refcount;
        else
          fail(path.loc, "expected 'gc' or 'refcount' after 'by'");
      }
    } else if (w.text == "callback") {
      p.kind = PatternKind::Callback;
      p.label = label();
    } else if (w.text == "clear") {
      p.kind = PatternKind::Clear;
      p.label = label();
    } else if (w.text == "dealloc") {
      p.kind = PatternKind::Dealloc;
      p.label = label();
    } else if (w.text == "freed") {
      p.kind = PatternKind::Freed;
      p.label = label();
    } else if (w.text == "resurrect") {
      p.kind = PatternKind::Resurrect;
      p.label = label();
    } else if (w.text == "garbage") {
      p.kind = PatternKind::Garbage;
      p.label = label();
    } else if (w.text == "tp_del") {
      p.kind = PatternKind::TpDel;
      p.label = label();
    } else if (w.text == "release") {
      p.kind = PatternKind::Release;
      p.label = label();
    } else if (w.text == "log") {
      const DirectiveWord& t = word("a quoted message");
      if (!t.quoted) fail(t.loc, "expected a quoted message after 'log'");
      p.kind = PatternKind::Log;
      p.text = t.text;
    } else if (w.text == "gc") {
      const DirectiveWord& ph = word("'start' or 'stop'");
      if (ph.text == "start")
        p.kind = PatternKind::GcStart;
      else if (ph.text == "stop")
        p.kind = PatternKind::GcStop;
      else
        fail(ph.loc, "expected 'start' or 'stop' after 'gc'");
    } else if (w.text == "unraisable") {
      p.kind = PatternKind::Unraisable;
    } else {
      fail(w.loc, "unknown event '" + w.text +
                      "'; expected finalize, callback, clear, dealloc, freed, resurrect, "
                      "log, gc, unraisable, garbage, tp_del or release");
    }
    return p;
  }

  Expectation expectation(const Directive& d) {
    Expectation x;
    x.line = d.loc.line;
    x.text = "expect " + d.source_text;
    size_t i = 0;
    x.a = pattern(d, i);
    auto rest = [&](size_t k) { return k < d.words.size() ? d.words[k].text : std::string(); };
    if (x.a.kind == PatternKind::Freed && i == d.words.size()) {
      x.kind = ExpectKind::Eventually;
      return x;
    }
    if (i >= d.words.size())
      fail(d.loc,
           "incomplete expect line: expected 'before', 'never', 'once', "
           "'at-most-once', 'eventually' or 'on thread T' after the event");
    const DirectiveWord& w = d.words[i++];
    if (w.text == "before") {
      x.kind = ExpectKind::Before;
      x.b = pattern(d, i);
    } else if (w.text == "never") {
      x.kind = ExpectKind::Never;
    } else if (w.text == "once") {
      x.kind = ExpectKind::Once;
    } else if (w.text == "at-most-once" ||
               (w.text == "at" && rest(i) == "most" && rest(i + 1) == "once")) {
      if (w.text == "at") i += 2;
      x.kind = ExpectKind::AtMostOnce;
    } else if (w.text == "eventually") {
      x.kind = ExpectKind::Eventually;
    } else if (w.text == "on") {
      if (rest(i) == "thread") ++i;
      if (i >= d.words.size()) fail(d.loc, "expected a thread name after 'on'");
      const DirectiveWord& t = d.words[i++];
      auto it = threads_.find(t.text);
      if (it == threads_.end()) fail(t.loc, "unknown thread '" + t.text + "'");
      x.kind = ExpectKind::OnThread;
      x.thread = it->second;
    } else {
      fail(w.loc,
           "expected 'before', 'never', 'once', 'at-most-once', 'eventually' or "
           "'on thread T', found '" +
               w.text + "'");
    }
    if (i < d.words.size())
      fail(d.words[i].loc, "unexpected '" + d.words[i].text + "' at the end of the expect line");
    return x;
  }

  uint64_t fingerprint() const {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const std::string& s) {
      for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
      }
      h ^= 0xff;
      h *= 1099511628211ull;
    };
    // Lines that are only a comment do not count: annotating a scenario
    // (a replay command in a comment, say) keeps its replay tokens valid.
    size_t start = 0;
    const std::string& src = p_.source;
    while (start < src.size()) {
      size_t end = src.find('\n', start);
      if (end == std::string::npos) end = src.size();
      size_t first = src.find_first_not_of(" \t\r", start);
      if (first >= end || src[first] != '#') mix(src.substr(start, end - start));
      start = end + 1;
    }
    mix(p_.profile.display_name());
    return h;
  }

  const Scenario& sc_;
  const CompileOptions& opts_;
  Program p_;
  std::map<std::string, ClassId> classes_;
  std::map<std::string, FuncId> functions_;
  std::map<std::string, ThreadId> threads_;
  std::map<std::string, int> globals_;
  std::map<std::string, uint16_t> global_kinds_;
  std::set<std::string> method_names_;
  std::map<FuncId, const FuncDef*> func_defs_;
  std::map<FuncId, const ThreadDef*> thread_defs_;
  std::vector<Scope> scopes_;
  Scope* cur_ = nullptr;
  std::vector<Instr> code_;
  Loc where_;  // the statement being compiled, for room()
};

}  // namespace
}  // namespace lifecheck::lang

#include "model/Properties.h"

namespace lifecheck::lang {
namespace {
bool Compiler::known_property(const std::string& id) { return model::find_property(id) != nullptr; }
}  // namespace

model::Program compile(const Scenario& scenario, const CompileOptions& options) {
  return Compiler(scenario, options).run();
}

model::Program load_scenario_text(const std::string& name, const std::string& text,
                                  const CompileOptions& options) {
  Scenario sc = parse_scenario(name, text);
  return compile(sc, options);
}

model::Program load_scenario(const std::string& path, const CompileOptions& options) {
  // bounded reading; a directory or an unreadable file is a ScenarioError
  return load_scenario_text(path, read_scenario_file(path), options);
}

}  // namespace lifecheck::lang
