// Functions as objects, second part (model/FunctionCalls.cpp, rules
// FN7-FN10 of docs/semantics.md): parameter defaults, `nonlocal`, `return`
// and calls of functions from scenario code.
#include <algorithm>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {
// Calls f(stmt, name) on each `nonlocal NAME` of a body (not of the
// bodies nested in it: those are functions of their own).
template <class F>
void each_nonlocal(const std::vector<Stmt>& body, F& f) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Nonlocal)
      for (const std::string& n : s.names) f(s, n);
    each_block(s, [&](const std::vector<Stmt>& b) { each_nonlocal(b, f); });
  }
}

}  // namespace

// The first statement of a kind in a body, its blocks included (not in the
// bodies of nested defs).
const Stmt* find_kind(const std::vector<Stmt>& body, StmtKind kind) {
  for (const Stmt& s : body) {
    if (s.kind == kind) return &s;
    const Stmt* found = nullptr;
    each_block(s, [&](const std::vector<Stmt>& b) {
      if (!found) found = find_kind(b, kind);
    });
    if (found) return found;
  }
  return nullptr;
}

// FN9: `nonlocal NAME` makes NAME a free variable of the body: not one of
// its locals, but the variable of the function around it, through its cell
// (symtable.c: DEF_NONLOCAL; the errors are CPython's SyntaxErrors).
void Compiler::declare_nonlocals(FuncId f, const std::set<std::string>& declared_global) {
  Scope& sc = scopes_[f];
  const FuncInfo& fi = p_.funcs[f];
  auto on = [&](const Stmt& s, const std::string& n) {
    for (size_t i = 0; i < fi.nparams; ++i)
      if (fi.local_names[i] == n) fail(s.loc, "name '" + n + "' is parameter and nonlocal");
    if (declared_global.count(n)) fail(s.loc, "name '" + n + "' is nonlocal and global");
    if (fi.parent == kNoFunc)
      fail(s.loc, "no binding for nonlocal '" + n +
                      "' found (only a def nested in a function can rebind that function's "
                      "variables)");
    sc.nonlocals_declared.insert(n);
  };
  each_nonlocal(body_of(f), on);
}

// The variables a nested body declares nonlocal are free in it whether it
// uses them or not; each must be a variable of a function around it.
void Compiler::capture_nonlocals(FuncId g) {
  auto on = [&](const Stmt& s, const std::string& n) {
    auto& frees = free_names_[g];
    if (std::find(frees.begin(), frees.end(), n) != frees.end()) return;
    if (!capture(p_.funcs[g].parent, n)) fail(s.loc, "no binding for nonlocal '" + n + "' found");
    frees.push_back(n);
  };
  each_nonlocal(body_of(g), on);
}

// Where `return` and `nonlocal` may be written (FN8, FN9).
void Compiler::check_function_bodies() {
  auto module_nonlocal = [&](const Stmt& s, const std::string&) {
    fail(s.loc, "nonlocal declaration not allowed at module level");
  };
  each_nonlocal(sc_.setup, module_nonlocal);
  auto no_defaults = [&](const FuncDef& d) {
    if (!d.defaults.empty())
      fail(d.defaults[0]->loc,
           "default values are only supported on a nested def or a lambda (a module-level def "
           "or a method is made before the module code runs)");
  };
  for (const FuncDef& d : sc_.funcs) no_defaults(d);
  for (const ClassDef& c : sc_.classes)
    for (const FuncDef& d : c.methods) no_defaults(d);
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    const std::vector<Stmt>& body = body_of(f);
    const FuncInfo& fi = p_.funcs[f];
    const Stmt* r = find_kind(body, StmtKind::Return);
    if (!r) continue;
    if (fi.kind == FuncKind::Module) fail(r->loc, "'return' outside function");
    if (fi.kind == FuncKind::Thread)
      fail(r->loc, "'return' is not supported in a thread body (it ends when its statements do)");
    if (fi.generator)
      fail(r->loc,
           "'return' in a generator function is not supported (its value would go to "
           "StopIteration)");
  }
}

// A call in a lambda's body that is a statement of the language (log,
// gc.collect() and the other gc statements, T.join()): the lambda returns
// None, as the emitted call does.
bool Compiler::statement_call(const Expr& e) const {
  if (e.kind != ExprKind::Call) return false;
  const Expr& callee = *e.base;
  if (callee.kind == ExprKind::Name) return resolve(callee.text, *cur_).kind == NameKind::Log;
  if (callee.kind != ExprKind::Attr) return false;
  const Expr& base = *callee.base;
  if (base.kind == ExprKind::Name && base.text == "gc" &&
      resolve("gc", *cur_).kind == NameKind::Module)
    return callee.text != "is_finalized" && callee.text != "is_tracked";
  if (base.kind == ExprKind::Attr && base.text == "callbacks") return true;
  return callee.text == "join" && base.kind == ExprKind::Name &&
         resolve(base.text, *cur_).kind == NameKind::Thread;
}

// FN8: `return [value]`; a lambda's body is one too (RETURN_VALUE).
void Compiler::return_stmt(const Stmt& s, std::vector<StatementId>& out) {
  ExprId v = s.value ? value(*s.value, "") : kNoExpr;
  model::Statement& st = add_stmt(model::StatementKind::Return, s.loc, out);
  st.value = v;
}

// Whether f(...) calls a function (FN8) rather than a weakref or a
// weakref.finalize (which take no arguments): a lambda, the result of a
// call, a module-level def, a name holding a function, or any call with
// arguments.
bool Compiler::calls_function(const Expr& e) const {
  const Expr& callee = *e.base;
  switch (callee.kind) {
    case ExprKind::Lambda:
    case ExprKind::Call:
      return true;
    case ExprKind::Attr:
      return false;
    case ExprKind::Name: {
      const Resolved r = resolve(callee.text, *cur_);
      if (r.kind == NameKind::Function) return true;
      if (r.kind != NameKind::Local && r.kind != NameKind::Global) return false;
      const uint16_t k = kind_of_name(callee.text, *cur_);
      const bool weak = (k & (KWeakref | KFinalize | KProxy)) != 0;
      if (k != KAny && (k & KFunc) == 0) return false;  // a weakref's call
      return e.args.empty() ? (k & KFunc) != 0 && !weak : true;
    }
    default:
      return !e.args.empty();
  }
}

// CALL of a function: the callee, then the arguments (positional only).
// A module-level def's arity is checked here; a function object's when the
// call runs (TypeError, as in Python).
ExprId Compiler::function_call(const Expr& e) {
  const Expr& callee = *e.base;
  ExprNode n;
  n.op = ExprOp::Call;
  const bool constant =
      callee.kind == ExprKind::Name && resolve(callee.text, *cur_).kind == NameKind::Function;
  if (constant) {
    const FuncId f = functions_.at(callee.text);
    const FuncInfo& fi = p_.funcs[f];
    if (fi.kind == FuncKind::Function && e.args.size() != fi.nparams)
      fail(e.loc, "'" + fi.name + "' takes " + parameters(fi.nparams) + ", not " +
                      std::to_string(e.args.size()));
  }
  if (e.args.size() > 60) fail(e.args[60]->loc, "at most 60 arguments in a call");
  if (!e.keywords.empty())
    n.slot = keyword_names(e, constant ? functions_.at(callee.text) : kNoFunc);
  n.a = value(callee, "");
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  return add_expr(n, e.loc);
}

// FN12: the keyword names of a call (Program::call_keywords); for a
// module-level def or a class's __init__ (whose `self`, first_param = 1, the
// call binds itself), each must name one of its parameters that no
// positional argument binds (a function object's are checked by the call).
uint16_t Compiler::keyword_names(const Expr& e, FuncId constant, size_t first_param) {
  const size_t positional = e.args.size() - e.keywords.size();
  std::vector<StrId> names;
  for (size_t k = 0; k < e.keywords.size(); ++k) {
    const std::string& name = e.keywords[k];
    if (constant != kNoFunc) {
      const FuncInfo& fi = p_.funcs[constant];
      const std::string callee = first_param ? p_.types[fi.owner].name + "()" : "'" + fi.name + "'";
      size_t i = 0;
      while (i < fi.nparams && fi.local_names[i] != name) ++i;
      const Loc at = e.args[positional + k]->loc;
      if (i == fi.nparams) fail(at, callee + " has no parameter '" + name + "'");
      if (i < first_param + positional)
        fail(at, callee + " gets two values for parameter '" + name + "'");
    }
    names.push_back(intern(name));
  }
  keyword_calls_.insert(&e);
  room(p_.call_keywords.size(), 1, "calls with keyword arguments");
  p_.call_keywords.push_back(names);
  return static_cast<uint16_t>(p_.call_keywords.size());
}

// Every call with keyword arguments must be a call of a function (FN12):
// a builtin's, a method's, a class's or a weakref's is refused.
void Compiler::check_keyword_calls() {
  auto in_expr = [&](const Expr* e, auto& self) -> void {
    if (!e) return;
    if (e->kind == ExprKind::Call && !e->keywords.empty() && !keyword_calls_.count(e))
      fail(e->args[e->args.size() - e->keywords.size()]->loc,
           "keyword arguments are supported only in calls of functions (a def, a lambda, a "
           "variable holding a function) and of classes with __init__");
    self(e->base.get(), self);
    self(e->rhs.get(), self);
    for (const ExprPtr& a : e->args) self(a.get(), self);
    if (e->def)
      for (const ExprPtr& d : e->def->defaults) self(d.get(), self);
  };
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    auto in_body = [&](const std::vector<Stmt>& body, auto& self) -> void {
      for (const Stmt& s : body) {
        in_expr(s.target.get(), in_expr);
        in_expr(s.value.get(), in_expr);
        if (s.def)
          for (const ExprPtr& d : s.def->defaults) in_expr(d.get(), in_expr);
        each_block(s, [&](const std::vector<Stmt>& b) { self(b, self); });
      }
    };
    in_body(body_of(f), in_body);
  }
}

// FN7: the defaults of a nested def or lambda, evaluated where it runs,
// before its closure cells (MAKE_FUNCTION's operands).
void Compiler::defaults_of(const FuncDef& d, FuncId g, ExprNode& n) {
  for (const ExprPtr& v : d.defaults) n.args.push_back(value(*v, ""));
  p_.funcs[g].ndefaults = static_cast<uint8_t>(d.defaults.size());
}

// G6: gc.callbacks.append(f) / .remove(f). A module-level def's name is
// a constant, checked here (two parameters). G6a: anything else that can be
// a function (a lambda, a nested def's or a variable's value) is a function
// object the list holds; then every append and remove of the scenario goes
// to the hidden list global, and a wrong arity is the TypeError the
// collector reports when it calls it.
void Compiler::gc_callbacks_stmt(const Expr& e, Loc loc, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  const Expr& callee = *e.base;
  if (callee.text != "append" && callee.text != "remove")
    fail(callee.loc, "gc.callbacks supports append() and remove()");
  if (e.args.size() != 1) fail(e.loc, "gc.callbacks." + callee.text + "() takes one function");
  const Expr& f = *e.args[0];
  ExprId fn = kNoExpr;
  if (f.kind == ExprKind::Name && resolve(f.text, *cur_).kind == NameKind::Function) {
    FuncId fid = functions_.at(f.text);
    reject_generator_callback(fid, f.loc);
    if (p_.funcs[fid].nparams != 2)
      fail(f.loc, "a gc callback takes two parameters (phase, info); '" + f.text + "' takes " +
                      parameters(p_.funcs[fid].nparams));
    ExprNode n;
    n.op = ExprOp::Const;
    n.value = Value::func(fid);
    fn = add_expr(n, f.loc);
  } else {
    const bool name = f.kind == ExprKind::Name;
    const Resolved r = name ? resolve(f.text, *cur_) : Resolved{};
    const bool variable = name && (r.kind == NameKind::Local || r.kind == NameKind::Global) &&
                          (kind_of_name(f.text, *cur_) & KFunc) != 0;
    if (f.kind != ExprKind::Lambda && !variable)
      fail(f.loc,
           "gc.callbacks holds functions; pass a def's name, a lambda or a variable holding a "
           "function");
    if (f.kind == ExprKind::Lambda &&
        (f.def->params.size() < 2 || f.def->params.size() - f.def->defaults.size() > 2))
      fail(f.loc, "a gc callback takes two parameters (phase, info); this lambda takes " +
                      parameters(f.def->params.size()));
    fn = value(f, "");
    if (!p_.gc_callbacks_objects()) {
      room(p_.globals.size(), 1, "globals");
      p_.gc_callbacks_list = static_cast<uint16_t>(p_.globals.size());
      p_.globals.push_back("gc.callbacks");
      p_.gc_callbacks_list_label = label_id("gc.callbacks");
    }
  }
  model::Statement& st =
      add_stmt(callee.text == "append" ? K::GcCallbacksAppend : K::GcCallbacksRemove, loc, out);
  st.value = fn;
  st.slot = callee.text == "append" ? p_.append_sites++ : model::kNoAppendSite;
}

}  // namespace lifecheck::lang::detail
