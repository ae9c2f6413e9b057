// Names: which variables are global or local to each function, the order
// CPython numbers locals in, and the static kinds used to reject obviously
// wrong programs.
#include <cctype>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

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
  if (k == KSet) return "a set";
  if (k == KDeque) return "a deque";
  if (k == KFinalize) return "a weakref.finalize";
  if (k == KProxy) return "a weakref.proxy";
  if (k == (KWeakref | KNone)) return "a weakref or None";
  return "a value that is not an instance";
}

// A member named in __slots__: an identifier, not a private (mangled) name.
void Compiler::check_attribute_name(const std::string& name, Loc loc) {
  bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
  for (char ch : name) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_');
  if (!ok) fail(loc, "'" + name + "' is not an attribute name");
  if (name.rfind("__", 0) == 0)
    fail(loc, "'" + name + "': private names in __slots__ are not modelled");
}

void Compiler::check_new_name(const std::string& name, Loc loc) {
  static const std::set<std::string> reserved = {"gc",   "weakref", "collections", "log",
                                                 "self", "object",  "main",        "sys"};
  if (reserved.count(name)) fail(loc, "'" + name + "' is a reserved name");
  if (classes_.count(name)) fail(loc, "'" + name + "' is already defined as a class");
  if (functions_.count(name)) fail(loc, "'" + name + "' is already defined as a function");
  if (threads_.count(name)) fail(loc, "'" + name + "' is already defined as a thread");
}

void Compiler::assigned_names(const std::vector<Stmt>& body,
                              std::vector<std::pair<std::string, Loc>>& out,
                              std::set<std::string>& declared_global) {
  for (const Stmt& s : body) {
    if ((s.kind == StmtKind::Assign || s.kind == StmtKind::Del || s.kind == StmtKind::For ||
         (s.kind == StmtKind::With && s.target)) &&
        s.target->kind == ExprKind::Name)
      out.emplace_back(s.target->text, s.target->loc);
    if (s.kind == StmtKind::Global)
      for (const std::string& n : s.names) declared_global.insert(n);
    if (s.kind == StmtKind::Def) out.emplace_back(s.def->name, s.loc);  // a nested def
    for (const ExceptAst& h : s.handlers)  // `except E as NAME` binds NAME
      if (!h.bind.empty()) out.emplace_back(h.bind, h.bind_loc);
    each_block(s, [&](const std::vector<Stmt>& b) { assigned_names(b, out, declared_global); });
  }
}

// Every name a body mentions, in the order CPython's compiler first meets
// it: an assignment's value before its target, a container before its
// key. The compiler numbers a function's locals this way (compiler_nameop
// adds each to co_varnames at its first load, store or delete), and
// frames release their locals in that order.
void Compiler::names_in_compile_order(const Expr* e, std::vector<std::string>& out) {
  if (!e) return;
  if (e->kind == ExprKind::Name) {
    out.push_back(e->text);
    return;
  }
  if (e->kind == ExprKind::Lambda) {  // its defaults are evaluated here (FN7)
    for (const ExprPtr& d : e->def->defaults) names_in_compile_order(d.get(), out);
    return;
  }
  names_in_compile_order(e->base.get(), out);
  if (e->kind == ExprKind::Attr) return;
  if (e->kind != ExprKind::Call) names_in_compile_order(e->rhs.get(), out);
  for (const ExprPtr& a : e->args) names_in_compile_order(a.get(), out);
  if (e->kind == ExprKind::Call) names_in_compile_order(e->rhs.get(), out);
}

void Compiler::names_in_compile_order(const std::vector<Stmt>& body,
                                      std::vector<std::string>& out) {
  for (const Stmt& s : body) {
    switch (s.kind) {
      case StmtKind::Assign:
        names_in_compile_order(s.value.get(), out);
        names_in_compile_order(s.target.get(), out);
        break;
      case StmtKind::Del:
        names_in_compile_order(s.target.get(), out);
        break;
      case StmtKind::Def:  // its defaults (FN7), then STORE of the name after MAKE_FUNCTION
        for (const ExprPtr& d : s.def->defaults) names_in_compile_order(d.get(), out);
        out.push_back(s.def->name);
        break;
      case StmtKind::For:  // range is a builtin (or the iterated value); then STORE
        if (s.iterates) names_in_compile_order(s.value.get(), out);
        names_in_compile_order(s.target.get(), out);
        names_in_compile_order(s.body, out);
        names_in_compile_order(s.orelse, out);
        break;
      case StmtKind::With:  // the subject, the `as` name, the body
        names_in_compile_order(s.value.get(), out);
        names_in_compile_order(s.target.get(), out);
        names_in_compile_order(s.body, out);
        break;
      case StmtKind::If:
      case StmtKind::While:  // the test, the body, the else (the bottom test repeats it)
        names_in_compile_order(s.value.get(), out);
        names_in_compile_order(s.body, out);
        names_in_compile_order(s.orelse, out);
        break;
      case StmtKind::Try:  // body, else, each clause's name and body, finally
        names_in_compile_order(s.body, out);
        names_in_compile_order(s.orelse, out);
        for (const ExceptAst& h : s.handlers) {
          if (!h.bind.empty()) out.push_back(h.bind);
          names_in_compile_order(h.body, out);
        }
        names_in_compile_order(s.finalbody, out);
        break;
      default:
        names_in_compile_order(s.value.get(), out);
        break;
    }
  }
}

// `del x` binds x in Python, but a name that is deleted and never
// assigned anywhere is certainly a mistake (NameError at run time).
void Compiler::reject_delete_only(const std::vector<Stmt>& body) {
  std::vector<std::pair<std::string, Loc>> dels;
  collect_dels(body, dels);
  for (auto& [n, loc] : dels)
    if (!assigned_anywhere(n) && !module_object(n))  // a def binds its name (FN11)
      fail(loc, "unknown name '" + n + "': it is never assigned");
}

void Compiler::collect_dels(const std::vector<Stmt>& body,
                            std::vector<std::pair<std::string, Loc>>& out) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Del && s.target->kind == ExprKind::Name)
      out.emplace_back(s.target->text, s.target->loc);
    each_block(s, [&](const std::vector<Stmt>& b) { collect_dels(b, out); });
  }
}

bool Compiler::assigned_anywhere(const std::string& name) const {
  auto in = [&](const std::vector<Stmt>& body, auto& self) -> bool {
    for (const Stmt& s : body) {
      if ((s.kind == StmtKind::Assign || s.kind == StmtKind::For ||
           (s.kind == StmtKind::With && s.target)) &&
          s.target->kind == ExprKind::Name && s.target->text == name)
        return true;
      if (s.kind == StmtKind::Def) {  // a nested def binds its name; its body and params
        if (s.def->name == name || self(s.def->body, self)) return true;
        for (const Param& prm : s.def->params)
          if (prm.name == name) return true;
      }
      for (const ExceptAst& h : s.handlers)
        if (h.bind == name) return true;
      bool inside = false;
      each_block(s, [&](const std::vector<Stmt>& b) { inside = inside || self(b, self); });
      if (inside) return true;
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

void Compiler::add_global(const std::string& name, Loc loc) {
  if (globals_.count(name)) return;
  if (classes_.count(name)) fail(loc, "cannot assign to '" + name + "': it is a class");
  if (functions_.count(name) && !module_object(name))
    fail(loc, "cannot assign to '" + name + "': it is a function");
  if (threads_.count(name)) fail(loc, "cannot assign to '" + name + "': it is a thread");
  static const std::set<std::string> reserved = {"gc", "weakref", "collections", "log", "sys"};
  if (reserved.count(name)) fail(loc, "cannot assign to the reserved name '" + name + "'");
  globals_[name] = static_cast<int>(p_.globals.size());
  p_.globals.push_back(name);
}

void Compiler::collect_globals() {
  scopes_.resize(p_.funcs.size());
  {
    std::vector<std::pair<std::string, Loc>> names;
    std::set<std::string> declared;
    assigned_names(sc_.setup, names, declared);
    for (FuncId f : module_objects_) add_global(p_.funcs[f].name, loc_of_func(f));  // FN11
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
    declare_nonlocals(f, declared);  // FN9 (CompilerCalls.cpp)
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
      if (declared.count(n) || sc.locals.count(n) || sc.nonlocals_declared.count(n)) continue;
      if (module_object(n))  // FN11: Python would make it a local of this body
        fail(loc, "'" + n + "' is a module-level def: declare 'global " + n +
                      "' to delete or rebind it here");
      if (classes_.count(n) || functions_.count(n) || threads_.count(n) || n == "gc" ||
          n == "weakref" || n == "log" || n == "sys")
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

Loc Compiler::find_global_decl_loc(const std::vector<Stmt>& body, const std::string& name) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Global)
      for (const std::string& n : s.names)
        if (n == name) return s.loc;
    Loc found;
    each_block(s, [&](const std::vector<Stmt>& b) {
      if (!found.line) found = find_global_decl_loc(b, name);
    });
    if (found.line) return found;
  }
  return Loc{};
}

std::string Compiler::kind_word(NameKind k) {
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
    case NameKind::Builtin:
      return "builtin";
    default:
      return "variable";
  }
}

std::string Compiler::parameters(size_t n) {
  return std::to_string(n) + (n == 1 ? " parameter" : " parameters");
}

uint16_t Compiler::syntactic_kind(const Expr& e, const Scope& scope) {
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
    case ExprKind::Set:
      return KSet;
    case ExprKind::Lambda:
      return KFunc;
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
      if (callee.kind == ExprKind::Name && callee.text == "set") return KSet;
      if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Name) {
        const std::string& mod = callee.base->text;
        if (mod == "weakref" && (callee.text == "ref" || callee.text == "WeakMethod"))
          return KWeakref;
        if (mod == "weakref" && callee.text == "finalize") return KFinalize;
        if (mod == "weakref" && callee.text == "proxy") return KProxy;
        if (mod == "collections" && callee.text == "deque") return KDeque;
        if (mod == "types" && callee.text == "ModuleType") return KObj;
        if (mod == "threading" && callee.text == "local") return KObj;  // ThreadLocal.cpp
        if (mod == "threading" && (callee.text == "Lock" || callee.text == "RLock"))
          return KObj;  // Locks.cpp
        if (mod == "gc" && callee.text == "collect") return KInt;
        if (mod == "functools" && callee.text == "partial") return KFunc;  // PT4: callable
        if (mod == "gc" && (callee.text == "is_finalized" || callee.text == "is_tracked"))
          return KBool;
      }
      return KAny;
    }
    default:
      return KAny;
  }
}

void Compiler::infer_in(const std::vector<Stmt>& body, Scope& scope) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Assign && s.target->kind == ExprKind::Name) {
      uint16_t k = syntactic_kind(*s.value, scope);
      const std::string& n = s.target->text;
      if (!scope.module && scope.locals.count(n))
        scope.local_kinds[n] |= k;
      else
        global_kinds_[n] |= k;
    }
    // the loop variable holds ints (range) or any item; `with ... as NAME`
    // what __enter__ returns (WT1)
    if (s.kind == StmtKind::For || (s.kind == StmtKind::With && s.target)) {
      const std::string& n = s.target->text;
      const uint16_t k = s.kind == StmtKind::For && !s.iterates ? uint16_t{KInt} : uint16_t{KAny};
      if (!scope.module && scope.locals.count(n))
        scope.local_kinds[n] |= k;
      else
        global_kinds_[n] |= k;
    }
    if (s.kind == StmtKind::Def) {  // a nested def binds a function object
      const std::string& n = s.def->name;
      if (!scope.module && scope.locals.count(n))
        scope.local_kinds[n] |= KFunc;
      else
        global_kinds_[n] |= KFunc;
    }
    for (const ExceptAst& h : s.handlers)  // `as NAME` holds an exception object
      if (!h.bind.empty()) {
        if (!scope.module && scope.locals.count(h.bind))
          scope.local_kinds[h.bind] |= KObj;
        else
          global_kinds_[h.bind] |= KObj;
      }
    each_block(s, [&](const std::vector<Stmt>& b) { infer_in(b, scope); });
  }
}

void Compiler::infer_kinds() {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    Scope& sc = scopes_[f];
    // parameters hold anything; 'self' holds an instance
    const FuncInfo& fi = p_.funcs[f];
    for (int i = 0; i < fi.nparams; ++i)
      sc.local_kinds[fi.local_names[i]] =
          static_cast<uint16_t>((i == 0 && fi.local_names[i] == "self") ? KObj : KAny);
    infer_in(body_of(f), sc);
  }
  for (const std::string& n : module_object_names_) global_kinds_[n] |= KFunc;  // FN11
}

uint16_t Compiler::kind_of_name(const std::string& name, const Scope& scope) const {
  if (!scope.module && scope.locals.count(name)) {
    auto it = scope.local_kinds.find(name);
    return it == scope.local_kinds.end() ? static_cast<uint16_t>(KAny) : it->second;
  }
  auto it = global_kinds_.find(name);
  return it == global_kinds_.end() ? static_cast<uint16_t>(KAny) : it->second;
}

Resolved Compiler::resolve(const std::string& name, const Scope& scope) const {
  if (!scope.module && scope.locals.count(name) && !scope.globals_declared.count(name))
    return {NameKind::Local, scope.locals.at(name)};
  if (globals_.count(name)) return {NameKind::Global, globals_.at(name)};
  if (classes_.count(name)) return {NameKind::Class, classes_.at(name)};
  if (functions_.count(name)) return {NameKind::Function, functions_.at(name)};
  if (threads_.count(name)) return {NameKind::Thread, threads_.at(name)};
  if (name == "gc" || name == "weakref" || name == "collections" || name == "sys" ||
      name == "types" || name == "threading" || name == "functools" ||
      (name == "atexit" && p_.uses_atexit()))
    return {NameKind::Module, 0};
  // print(...) is log(...): the scenario's output is its event log
  if (name == "log" || name == "print") return {NameKind::Log, 0};
  if (name == "vars" || name == "set" || name == "next" || name == "len")
    return {NameKind::Builtin, 0};
  return {};
}

}  // namespace lifecheck::lang::detail
