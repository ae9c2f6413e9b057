// Functions as objects (issue 12 point 6, model/Functions.cpp): a def
// inside a body and a lambda make a function object each time they run;
// the variables they use from the enclosing function are captured in
// cells (Python/symtable.c: a name bound in an enclosing function scope is
// free in the nested one and a cell in its owner); types.ModuleType makes
// a module object.
#include <algorithm>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {
// Calls f on every lambda in e, not inside another lambda's body (that one
// is declared when its enclosing lambda's body is walked).
template <class F>
void each_lambda(const Expr* e, F& f) {
  if (!e) return;
  if (e->kind == ExprKind::Lambda) {
    f(*e);
    for (const ExprPtr& d : e->def->defaults) each_lambda(d.get(), f);  // FN7
    return;
  }
  each_lambda(e->base.get(), f);
  each_lambda(e->rhs.get(), f);
  for (const ExprPtr& a : e->args) each_lambda(a.get(), f);
}
}  // namespace

// Every nested def and lambda gets a FuncId of its own, after the bodies it
// is written in (the loop reaches it and walks its body in turn).
void Compiler::declare_nested_functions() {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    auto walk = [&](const std::vector<Stmt>& body, auto& self) -> void {
      for (const Stmt& s : body) {
        auto on_lambda = [&](const Expr& e) { declare_nested(*e.def, f, true, e.loc); };
        each_lambda(s.target.get(), on_lambda);
        each_lambda(s.value.get(), on_lambda);
        if (s.kind == StmtKind::Def) {
          for (const ExprPtr& d : s.def->defaults) each_lambda(d.get(), on_lambda);  // FN7
          declare_nested(*s.def, f, false, s.loc);
        }
        each_block(s, [&](const std::vector<Stmt>& b) { self(b, self); });
      }
    };
    walk(body_of(f), walk);
  }
}

FuncId Compiler::declare_nested(const FuncDef& d, FuncId parent, bool lambda, Loc loc) {
  where_ = loc;
  if (const Stmt* y = find_yield(d.body))
    fail(y->loc,
         "'yield' is only supported in a module-level def (a nested def cannot be a generator "
         "function)");
  FuncId id = add_func(d.name, FuncKind::Function, d.loc, d.params);
  p_.funcs[id].parent = parent;
  p_.funcs[id].lambda = lambda;
  func_defs_[id] = &d;
  nested_[&d] = id;
  declare_function_types(loc);
  return id;
}

// PyFunction_Type and PyCell_Type (Objects/funcobject.c, cellobject.c):
// static GC types; functions have a weakref list, cells none.
void Compiler::declare_function_types(Loc loc) {
  if (p_.function_type != kNoType) return;
  if (p_.types.size() + 2 >= kNoType) fail(loc, "scenario too large: too many types");
  // (func.__dict__ is not modelled)
  p_.function_type = add_static_type("function", TypeKind::Function, false, true);
  p_.cell_type = add_static_type("cell", TypeKind::Cell, false, false);
}

// A built-in (static, so instances hold no reference to it) GC type.
ClassId Compiler::add_static_type(const char* name, TypeKind kind, bool dict, bool weakrefs) {
  TypeInfo t;
  t.name = name;
  t.kind = kind;
  t.heap = false;
  t.has_dict = dict;
  t.weakrefable = weakrefs;
  p_.types.push_back(t);
  return static_cast<ClassId>(p_.types.size() - 1);
}

// Whether `name`, used free in a body nested in f, is a variable of f or of
// a function around f: it becomes a cell of its owner and a free variable
// of every body in between (symtable.c analyze_name / analyze_cells).
bool Compiler::capture(FuncId f, const std::string& name) {
  const Scope& s = scopes_[f];
  if (s.module || s.globals_declared.count(name)) return false;
  const auto& frees = free_names_[f];
  if (std::find(frees.begin(), frees.end(), name) != frees.end()) return true;
  if (s.locals.count(name)) {
    cell_names_[f].insert(name);
    return true;
  }
  const FuncId parent = p_.funcs[f].parent;
  if (parent == kNoFunc || !capture(parent, name)) return false;
  free_names_[f].push_back(name);
  return true;
}

// After collect_globals numbered the locals: which names each nested body
// captures, innermost bodies first, then the new local layout.
void Compiler::resolve_closures() {
  for (FuncId g = static_cast<FuncId>(p_.funcs.size()); g-- > 1;) {
    if (p_.funcs[g].parent == kNoFunc) continue;
    capture_nonlocals(g);  // FN9 (CompilerCalls.cpp)
    const Scope& s = scopes_[g];
    std::vector<std::string> used;
    names_in_compile_order(body_of(g), used);
    for (const std::string& n : used) {
      if (s.locals.count(n) || s.globals_declared.count(n)) continue;
      const auto& frees = free_names_[g];
      if (std::find(frees.begin(), frees.end(), n) != frees.end()) continue;
      if (capture(p_.funcs[g].parent, n)) free_names_[g].push_back(n);
    }
  }
  for (FuncId f = 0; f < p_.funcs.size(); ++f) lay_out_cells(f);
}

// CPython's localsplus (3.11+): co_varnames (parameters, then the other
// locals), then the cell variables that are not parameters, then the free
// variables; cells and frees each sorted by name (compile.c dictbytype).
// Frames release their locals in this order.
void Compiler::lay_out_cells(FuncId f) {
  auto& frees = free_names_[f];
  const auto& cells = cell_names_[f];
  if (frees.empty() && cells.empty()) return;
  std::sort(frees.begin(), frees.end());
  FuncInfo& fi = p_.funcs[f];
  Scope& sc = scopes_[f];
  std::vector<std::string> order;
  for (size_t i = 0; i < fi.local_names.size(); ++i)
    if (i < fi.nparams || !cells.count(fi.local_names[i])) order.push_back(fi.local_names[i]);
  for (const std::string& c : cells)  // a std::set: sorted
    if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
  for (const std::string& n : frees) order.push_back(n);
  if (order.size() > 60) fail(loc_of_func(f), "too many local variables (at most 60 per function)");
  if (frees.size() > static_cast<size_t>(kMaxItems))
    fail(loc_of_func(f), "'" + fi.name + "' uses " + std::to_string(frees.size()) +
                             " variables of the functions around it; at most " +
                             std::to_string(kMaxItems) + " are supported");
  fi.local_names = order;
  fi.nlocals = static_cast<uint8_t>(order.size());
  sc.locals.clear();
  for (size_t i = 0; i < order.size(); ++i) sc.locals[order[i]] = static_cast<int>(i);
  for (const std::string& c : cells) {
    fi.cell_slots.push_back(static_cast<uint8_t>(sc.locals.at(c)));
    sc.derefs.insert(c);
  }
  for (const std::string& n : frees) {
    fi.free_slots.push_back(static_cast<uint8_t>(sc.locals.at(n)));
    sc.derefs.insert(n);
  }
}

// How a local is read and written: through its cell when one is there.
ExprOp Compiler::local_op(const std::string& name) const {
  return cur_->derefs.count(name) ? ExprOp::CellLocal : ExprOp::Local;
}

// MAKE_FUNCTION: a new function object; its closure holds the cells of the
// variables it uses from the enclosing function (LOAD_CLOSURE of each).
// `args` are the defaults' values, then the cells (emit-python writes the
// defaults from them); `a` is the defaults tuple (FN7a: BUILD_TUPLE, or the
// code's constant when every default is a literal), `b` the closure tuple
// (FN2a: BUILD_TUPLE of the cells), the operands MakeFunction takes.
ExprId Compiler::function_expr(const FuncDef& d, Loc loc, const std::string& label) {
  const FuncId g = nested_.at(&d);
  ExprNode n;
  n.op = ExprOp::FuncNew;
  n.slot = g;
  n.label = label_id(label.empty() ? d.name + "@" + std::to_string(loc.line) : label);
  if (d.defaults.size() > static_cast<size_t>(kMaxItems))
    fail(d.defaults[kMaxItems]->loc, "'" + d.name + "' has " + std::to_string(d.defaults.size()) +
                                         " defaults; at most " + std::to_string(kMaxItems) +
                                         " are supported (its __defaults__ tuple's items)");
  defaults_of(d, g, n);  // FN7 (CompilerCalls.cpp)
  const std::string name = p_.labels[n.label];
  const std::vector<ExprId> defaults = n.args;
  if (!defaults.empty()) n.a = function_tuple(defaults, name + ".__defaults__", loc);
  std::vector<ExprId> cells;
  for (const std::string& free : free_names_[g]) {
    ExprNode cell;
    cell.op = ExprOp::Local;  // the cell itself, not its contents (LOAD_CLOSURE)
    cell.slot = static_cast<uint16_t>(cur_->locals.at(free));
    cells.push_back(add_expr(cell, loc));
  }
  n.args.insert(n.args.end(), cells.begin(), cells.end());
  if (!cells.empty()) n.b = function_tuple(cells, name + ".__closure__", loc);
  return add_expr(n, loc);
}

// FN2a, FN7a: BUILD_TUPLE of a function's defaults or cells, or the constant
// tuple the compiler folds a run of literals into (the code object holds it:
// no new object, and the function's death does not free it).
ExprId Compiler::function_tuple(const std::vector<ExprId>& items, const std::string& label,
                                Loc loc) {
  ExprNode t;
  if (auto folded = const_tuple(items)) {
    t.value = *folded;
    return add_expr(t, loc);
  }
  t.op = ExprOp::TupleNew;
  t.args = items;
  t.label = label_id(label);
  return add_expr(t, loc);
}

// `def NAME(...):` inside a body: NAME = the new function object.
void Compiler::def_stmt(const Stmt& s, std::vector<StatementId>& out) {
  Expr name;
  name.kind = ExprKind::Name;
  name.loc = s.loc;
  name.text = s.def->name;
  ExprId fn = function_expr(*s.def, s.loc, s.def->name);
  ExprId target = target_expr(name, false);
  model::Statement& st = add_stmt(model::StatementKind::Def, s.loc, out);
  st.value = fn;
  st.target = target;
}

// FN11: a module-level def whose name a body deletes (`del f`), rebinds
// (`f = v`) or takes an attribute of (`f.x`) is a function object, made by
// MAKE_FUNCTION and stored in a global when the module code starts, in
// definition order (the emitted script and CPython's module code make it at
// its `def`, before any statement of the module code runs). Any other def
// stays a constant: it lives as long as the module, has no closure, no
// defaults and no __dict__, so nothing observable tells it from the object.
void Compiler::find_module_objects() {
  std::map<std::string, Loc> uses;  // the first use that makes each one an object
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    const FuncInfo& fi = p_.funcs[f];
    auto own = [&](const std::string& n) {
      if (!functions_.count(n) || uses.count(n)) return false;
      for (size_t i = 0; i < fi.nparams; ++i)
        if (fi.local_names[i] == n) return false;  // a parameter hides the def
      return true;
    };
    auto in_expr = [&](const Expr* e, auto& self) -> void {
      if (!e || e->kind == ExprKind::Lambda) return;  // a lambda's body is a function of its own
      if (e->kind == ExprKind::Attr && e->base->kind == ExprKind::Name && own(e->base->text))
        uses[e->base->text] = e->base->loc;
      self(e->base.get(), self);
      self(e->rhs.get(), self);
      for (const ExprPtr& a : e->args) self(a.get(), self);
    };
    auto in_body = [&](const std::vector<Stmt>& body, auto& self) -> void {
      for (const Stmt& s : body) {
        const bool binds = s.kind == StmtKind::Assign || s.kind == StmtKind::Del;
        if (binds && s.target->kind == ExprKind::Name && own(s.target->text))
          uses[s.target->text] = s.target->loc;
        in_expr(s.target.get(), in_expr);
        in_expr(s.value.get(), in_expr);
        if (s.kind == StmtKind::Def)
          for (const ExprPtr& d : s.def->defaults) in_expr(d.get(), in_expr);
        each_block(s, [&](const std::vector<Stmt>& b) { self(b, self); });
      }
    };
    in_body(body_of(f), in_body);
  }
  for (const FuncDef& d : sc_.funcs) {
    auto it = uses.find(d.name);
    if (it == uses.end()) continue;
    const FuncId f = functions_.at(d.name);
    if (find_yield(d.body))
      fail(it->second, "'" + d.name +
                           "' is a generator function: deleting, rebinding or setting "
                           "attributes of its name is not modelled");
    module_objects_.push_back(f);
    module_object_names_.insert(d.name);
    p_.funcs[f].module_object = true;
    declare_function_types(it->second);
  }
}

// The MAKE_FUNCTION and STORE_NAME of each such def, first in the module
// code.
void Compiler::module_object_stmts(std::vector<StatementId>& out) {
  for (FuncId f : module_objects_) {
    const Loc loc = loc_of_func(f);
    ExprNode fn;
    fn.op = ExprOp::FuncNew;
    fn.slot = f;
    fn.label = label_id(p_.funcs[f].name);
    const ExprId value = add_expr(fn, loc);
    ExprNode g;
    g.op = ExprOp::Global;
    g.slot = static_cast<uint16_t>(globals_.at(p_.funcs[f].name));
    const ExprId target = add_expr(g, loc);
    model::Statement& st = add_stmt(model::StatementKind::Def, loc, out);
    st.value = value;
    st.target = target;
  }
}

// types.ModuleType(name): a module object (moduleobject.c), as a static
// type with an instance dict and a weakref list (FN6).
ExprId Compiler::module_new(const Expr& e, const std::string& label) {
  if (e.args.size() != 1 || e.args[0]->kind != ExprKind::Str)
    fail(e.loc, "types.ModuleType() takes the module's name, a string");
  if (p_.module_type == kNoType) {
    if (p_.types.size() >= kNoType) fail(e.loc, "scenario too large: too many types");
    // attributes as a class instance's
    p_.module_type = add_static_type("module", TypeKind::PyClass, true, true);
  }
  ExprNode n;
  n.op = ExprOp::New;
  n.slot = p_.module_type;
  n.value = Value::str(intern(e.args[0]->text));
  n.label = label_id(label.empty() ? "module@" + std::to_string(e.loc.line) : label);
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
