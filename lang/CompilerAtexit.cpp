// `import NAME`, the atexit module (model/Atexit.cpp, rules AX1-AX4) and
// the `shutdown modules` directive (model/Shutdown.cpp, SD1-SD5).
#include <set>
#include <utility>

#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

namespace {
// The modules a scenario may import: importing one the language has as a
// built-in name changes nothing; atexit exists only once imported.
bool known_module(const std::string& name) {
  return name == "atexit" || name == "gc" || name == "weakref" || name == "sys" ||
         name == "types" || name == "collections" || name == "threading" || name == "functools";
}

// What `from MODULE import NAME` may import: the module attributes the
// language knows (each one's use is checked where it is used).
bool known_attribute(const std::string& module, const std::string& name) {
  static const std::set<std::pair<std::string, std::string>> known = {
      {"atexit", "register"},   {"atexit", "unregister"}, {"gc", "collect"},
      {"gc", "enable"},         {"gc", "disable"},        {"gc", "is_tracked"},
      {"gc", "is_finalized"},   {"gc", "set_debug"},      {"gc", "DEBUG_SAVEALL"},
      {"gc", "freeze"},         {"gc", "unfreeze"},       {"gc", "garbage"},
      {"gc", "callbacks"},      {"weakref", "ref"},       {"weakref", "finalize"},
      {"weakref", "proxy"},     {"sys", "getrefcount"},   {"types", "ModuleType"},
      {"collections", "deque"}, {"threading", "local"},   {"threading", "Lock"},
      {"threading", "RLock"},   {"functools", "partial"}};
  return known.count({module, name}) > 0;
}

void find_imports(const std::vector<Stmt>& body, std::vector<const Stmt*>& out) {
  for (const Stmt& s : body) {
    if (s.kind == StmtKind::Import) out.push_back(&s);
    each_block(s, [&](const std::vector<Stmt>& b) { find_imports(b, out); });
  }
}
}  // namespace

// Run after collect_globals: `atexit` names the module in every body once
// the module code imports it anywhere.
void Compiler::declare_imports() {
  std::vector<const Stmt*> imports;
  find_imports(sc_.setup, imports);
  for (const Stmt* s : imports) {
    const Expr& name = *s->target;
    if (!known_module(name.text))
      fail(name.loc, "module '" + name.text +
                         "' is not part of the scenario language; the modules are atexit, gc, "
                         "weakref, sys, types, collections, threading and functools");
    for (const std::string& attr : s->names)
      if (!known_attribute(name.text, attr))
        fail(s->loc, "'" + name.text + "." + attr + "' is not part of the scenario language");
    if (name.text != "atexit" || p_.uses_atexit()) continue;
    if (globals_.count("atexit") || classes_.count("atexit") || functions_.count("atexit") ||
        threads_.count("atexit"))
      fail(name.loc,
           "'atexit' is imported here, so it cannot also name a variable, class, "
           "function or thread");
    room(p_.globals.size(), 1, "globals");
    p_.atexit_list = static_cast<uint16_t>(p_.globals.size());
    p_.globals.push_back("atexit._callbacks");
    p_.atexit_list_label = label_id("atexit._callbacks");
    p_.str_finalize_exitfunc = intern("weakref.finalize._exitfunc");
  }
}

// `import NAME` compiles to nothing: the names are there from the start.
void Compiler::import_stmt(const Stmt& s) {
  if (!cur_->module)
    fail(s.loc, "'import' is only allowed in the module code, not inside a function or thread");
}

// atexit.register(func, *args) and atexit.unregister(func) (AX1, AX2).
ExprId Compiler::atexit_call(const Expr& e) {
  const std::string& fn = e.base->text;
  ExprNode n;
  if (fn == "unregister") {
    if (e.args.size() != 1) fail(e.loc, "atexit.unregister() takes one function");
    n.op = ExprOp::AtexitUnregister;
    n.a = value(*e.args[0], "");
    return add_expr(n, e.loc);
  }
  if (fn != "register")
    fail(e.base->loc, "'atexit." + fn +
                          "()' is not part of the scenario language; atexit has register and "
                          "unregister");
  if (e.args.empty()) fail(e.loc, "atexit.register() takes a function and its arguments");
  if (e.args.size() - 1 > static_cast<size_t>(kMaxItems))
    fail(e.args[1 + kMaxItems]->loc,
         "atexit.register() takes at most " + std::to_string(kMaxItems) + " arguments for func");
  n.op = ExprOp::AtexitRegister;
  n.a = finalize_func(*e.args[0], e.args.size() - 1, "atexit.register");
  n.args.push_back(args_tuple(e, 1));
  return add_expr(n, e.loc);
}

// `shutdown modules`: the run goes on through finalize_modules (SD1-SD5).
void Compiler::shutdown_directive(const Directive& d) {
  if (d.words.size() != 1 || d.words[0].quoted || d.words[0].text != "modules")
    fail(d.words.empty() ? d.loc : d.words[0].loc,
         "expected 'shutdown modules' (the only shutdown directive)");
  if (p_.shutdown_modules) fail(d.loc, "a second 'shutdown modules' line");
  p_.shutdown_modules = true;
}

// The type of the __main__ module's dict, added after every user type.
void Compiler::declare_module_dict() {
  if (!p_.shutdown_modules || p_.module_dict_type != kNoType) return;
  if (p_.types.size() >= kNoType) fail(where_, "scenario too large: too many types");
  // a plain dict: a static type, no finalizer, no weakrefs
  p_.module_dict_type = add_static_type("dict", TypeKind::Dict, false, false);
  p_.module_dict_label = label_id("__main__.__dict__");
}

}  // namespace lifecheck::lang::detail
