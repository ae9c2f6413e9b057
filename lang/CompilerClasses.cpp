// Declarations: the built-in types, classes and their methods, functions
// and threads; __slots__. C types are in CompilerCTypes.cpp.
#include <algorithm>

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
  // Exceptions and frame objects (X4, X5): GC types without a weakref list
  // (BaseException and PyFrameObject have none a scenario can reach).
  for (auto [name, kind] : {std::pair{"BaseException", TypeKind::Exception},
                            std::pair{"frame", TypeKind::FrameObject}}) {
    TypeInfo t;
    t.name = name;
    t.kind = kind;
    t.weakrefable = false;
    t.heap = false;
    p_.types.push_back(t);
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
      FuncId fid = add_func(c.name + "." + f.name, special ? FuncKind::Finalizer : FuncKind::Method,
                            f.loc, f.params);
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
      } else if (f.name == "__init__") {  // FN13
        // a class deriving from a class may have one too (R1.15); whether
        // its bases end at object is checked with the bases
        // a class deriving from a class may have one too (R1.15), and one
        // over a C type (TI3: tp_new is the C type's, tp_init slot_tp_init)
        const bool over_c =
            std::any_of(sc_.classes.begin(), sc_.classes.end(),
                        [&](const ClassDef& b) { return b.is_ctype && b.name == c.base; });
        if (c.is_ctype) fail(f.loc, "a C type's tp_init is its 'init:' line, not a def __init__");
        if (!c.base.empty() && !derives_from_class(c) && !over_c)
          fail(f.loc, "__init__ is modelled for classes whose bases end at object only");
        p_.types[id].init = fid;
      } else if (f.name == "__enter__" || f.name == "__exit__") {
        check_context_manager_method(f);  // WT1, CompilerWith.cpp
        p_.types[id].methods.emplace_back(f.name, fid);
        method_names_.insert(f.name);
      } else if (f.name.rfind("__", 0) == 0) {
        fail(f.loc, "special method '" + f.name +
                        "' is not modelled; only __del__, __init__, __enter__ and __exit__ are");
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
    t.declares_slots = true;
    for (const Expr* a : items) {
      if (a->kind != ExprKind::Str)
        fail(a->loc, "__slots__ must be a tuple or list of attribute names, as strings");
      if (!names.insert(a->text).second) fail(a->loc, "'" + a->text + "' is in __slots__ twice");
      if (a->text == "__dict__") {
        t.has_dict = t.slots_dict = true;
      } else if (a->text == "__weakref__") {
        t.weakrefable = t.slots_weakref = true;
      } else {
        check_attribute_name(a->text, a->loc);
      }
    }
    for (const std::string& n : names)
      if (n != "__dict__" && n != "__weakref__") t.slots.push_back(field_id(n, c.slot_names_loc));
    t.own_slots = static_cast<uint8_t>(t.slots.size());
  }
}

}  // namespace lifecheck::lang::detail
