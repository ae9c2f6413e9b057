#include "emit/PythonEmitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <vector>

#include "checker/Schedule.h"
#include "emit/PythonEmitterImpl.h"
#include "model/CodeGen.h"

namespace lifecheck::emit {
namespace {

// The harness every emitted script starts with, in three parts by concern
// (adjacent raw string literals: one string, in this order, which include
// sorting must not change).
// clang-format off
const char* const kHarness =
#include "emit/HarnessCalls.py.inc"
#include "emit/HarnessRun.py.inc"
#include "emit/HarnessTrace.py.inc"
    ;
// clang-format on

}  // namespace

namespace detail {

std::string py_str(const std::string& s) {
  std::string out = "'";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          out += fmt::format("\\x{:02x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string bool_py(bool b) { return b ? "True" : "False"; }

std::string Emitter::run(const EmitOptions& options) {
  c_module_ = options.c_module;
  auto why = c_module_.empty() ? python_level_problem(p_) : interpreter_problem(p_);
  if (why) throw EmitError(EmitError::Kind::NotPythonLevel, *why);
  choose_names();
  std::string scenario;
  c_types(scenario);
  classes(scenario);
  functions(scenario);
  bodies(scenario);
  return header(options) + kHarness + scenario + footer();
}

void Emitter::unsupported(const std::string& what, int line) const {
  throw EmitError(EmitError::Kind::NotExpressible,
                  fmt::format("{}:{}: {} is not expressible in Python yet", p_.file, line, what));
}

// ------------------------------------------------------------------ names
void Emitter::choose_names() {
  PythonNames n = python_names(p_);
  globals_ = std::move(n.globals);
  types_ = std::move(n.types);
  fields_ = std::move(n.fields);
  funcs_ = std::move(n.funcs);
  locals_ = std::move(n.locals);
  for (size_t m = 0; m < p_.funcs.size(); ++m) {
    const FuncInfo& f = p_.funcs[m];
    if (f.kind == FuncKind::Method) renamed_[f.name.substr(f.name.find('.') + 1)] = funcs_[m];
  }
}

std::string Emitter::thread_func(size_t t) const {
  return t == 0 ? "_lc_thread_main" : "_lc_thread_" + std::to_string(t);
}

void Emitter::line(std::string& out, int indent, const std::string& text, int src_line) const {
  out += pad(indent) + text;
  if (src_line > 0) out += fmt::format("  # line {}", src_line);
  out += "\n";
}

void Emitter::block(FuncId fn, const std::vector<StatementId>& body, int indent,
                    std::string& out) const {
  for (StatementId s : body) statement(p_.stmts[s], fn, indent, out);
  if (body.empty()) line(out, indent, "pass");
}

void Emitter::for_else(const Statement& s, FuncId fn, int indent, std::string& out) const {
  if (s.orelse.empty()) return;
  line(out, indent, "else:");
  block(fn, s.orelse, indent + 1, out);
}

void Emitter::statement(const Statement& s, FuncId fn, int indent, std::string& out) const {
  auto emit = [&](const std::string& text) { line(out, indent, text, s.line); };
  auto target = [&](const std::string& value) {
    return s.target == model::kNoExpr ? value : expr(s.target, fn) + " = " + value;
  };
  switch (s.kind) {
    case StatementKind::Assign:
      return emit(target(expr(s.value, fn)));
    case StatementKind::Del:
      return emit("del " + expr(s.target, fn));
    case StatementKind::Def: {  // the def itself, then its label (no check: MAKE_FUNCTION)
      const ExprNode& f = p_.exprs[s.value];
      const std::string name = expr(s.target, fn);
      function(f.slot, name, indent, out, &f, fn);
      return emit(fmt::format("_lc_gen({}, {})", name, label(f, p_.function_type)));
    }
    case StatementKind::Expr: {
      const ExprNode& e = p_.exprs[s.value];
      if (e.op == ExprOp::MethodCall && p_.strings[e.value.str()] == "append" && plain(e.a))
        return emit(method_call(e, fn) + "; " + append_guard(e.slot, expr(e.a, fn)));
      return emit(expr(s.value, fn));
    }
    case StatementKind::Pass:
      return emit("pass");
    case StatementKind::If:
      line(out, indent, "if " + expr(s.value, fn) + ":", s.line);
      block(fn, s.body, indent + 1, out);
      if (!s.orelse.empty()) {
        line(out, indent, "else:");
        block(fn, s.orelse, indent + 1, out);
      }
      return;
    case StatementKind::For:
      // range() is a call of C code: its check (_lc_ck); JUMP_BACKWARD
      // checks the eval breaker at the end of every iteration (_turn()).
      line(out, indent,
           s.range_start ? fmt::format("for {} in _lc_ck(range({}, {})):", expr(s.target, fn),
                                       s.range_start, s.slot)
                         : fmt::format("for {} in _lc_ck(range({})):", expr(s.target, fn), s.slot),
           s.line);
      loop_body(s, fn, indent + 1, out);
      line(out, indent + 1, "_turn()  # the backward jump's check");
      for_else(s, fn, indent, out);
      return;
    case StatementKind::ForIn:  // GET_ITER has no check; FOR_ITER of a generator
                                // enters its frame (its RESUME checks)
      line(out, indent, fmt::format("for {} in {}:", expr(s.target, fn), expr(s.value, fn)),
           s.line);
      loop_body(s, fn, indent + 1, out);
      line(out, indent + 1, "_turn()  # the backward jump's check");
      for_else(s, fn, indent, out);
      return;
    case StatementKind::While:
      return while_loop(s, fn, indent, out);
    case StatementKind::Break:  // no check: a forward jump
      return loop_break(s, indent, out);
    case StatementKind::Continue:  // the backward jump's check
      return loop_continue(s, fn, indent, out);
    case StatementKind::Log: {
      std::string args;
      for (size_t i = 0; i < s.args.size(); ++i) args += (i ? ", " : "") + expr(s.args[i], fn);
      // the check after the call returns (CALL's), once its arguments are released
      return emit("_lc_ck(_lc_log(" + args + "))");
    }
    case StatementKind::Assert:
      return emit(fmt::format("if not {}: _lc_assert_failed({}, {})", expr(s.value, fn), s.line,
                              py_str(p_.strings[s.str])));
    case StatementKind::Raise:
      return emit("raise _lc_exc(" + py_str(p_.strings[s.str]) + ")");
    case StatementKind::Yield:  // then RESUME's check, where the frame goes on (Y2)
      emit(s.value == model::kNoExpr ? "yield" : "yield " + expr(s.value, fn));
      return emit("_turn()");
    case StatementKind::Reraise:
      return emit("raise");
    case StatementKind::Return:  // FN8
      return emit(s.value == model::kNoExpr ? "return" : "return " + expr(s.value, fn));
    case StatementKind::Try: {
      line(out, indent, "try:", s.line);
      block(fn, s.body, indent + 1, out);
      for (const model::ExceptClause& c : s.handlers) {
        std::string names;
        for (model::StrId n : c.names)
          names += (names.empty() ? "" : ", ") + ("_lc_exc(" + py_str(p_.strings[n]) + ")");
        if (c.names.size() > 1) names = "(" + names + ")";
        std::string head = c.names.empty() ? "except" : "except " + names;
        if (c.bind != model::kNoExpr) head += " as " + expr(c.bind, fn);
        line(out, indent, head + ":", static_cast<int>(c.line));
        block(fn, c.body, indent + 1, out);
      }
      if (!s.orelse.empty()) {
        line(out, indent, "else:");
        block(fn, s.orelse, indent + 1, out);
      }
      if (!s.finalbody.empty()) {
        line(out, indent, "finally:");
        block(fn, s.finalbody, indent + 1, out);
      }
      return;
    }
    case StatementKind::With:
      if (p_.strings[s.str] == "__exit__") {  // WT1-WT6: the interpreter's own with
        line(out, indent,
             "with " + user_with_subject(s, fn) +
                 (s.args.empty() ? "" : " as " + expr(s.args[0], fn)) + ":",
             s.line);
        block(fn, s.body, indent + 1, out);
        return;
      }
      // LK5: a lock's __enter__ and __exit__ through the harness (_lc_with),
      // which places the model's checks and hands the turn over while an
      // acquire waits
      line(out, indent,
           "with _lc_with(" + expr(s.value, fn) + ", " + bool_py(p_.profile.with_enter_checks) +
               "):",
           s.line);
      block(fn, s.body, indent + 1, out);
      return;
    case StatementKind::Collect:
      return emit(target(fmt::format("_lc_ck(_lc_gc.collect({}))", s.slot)));
    case StatementKind::Join:
      return emit("_lc_join(" + py_str(p_.threads[s.slot].name) + ")");
    case StatementKind::GcEnable:
      return emit("_lc_ck(_lc_gc.enable())");
    case StatementKind::GcDisable:
      return emit("_lc_ck(_lc_gc.disable())");
    case StatementKind::GcSetDebug:
      return emit(s.slot ? "_lc_ck(_lc_gc.set_debug(_lc_gc.DEBUG_SAVEALL))"
                         : "_lc_ck(_lc_gc.set_debug(0))");
    case StatementKind::GcGarbageClear:
      return emit("_lc_ck(_lc_gc.garbage.clear())");
    case StatementKind::ClassDel: {
      // FN13a: the class's specialized call sites miss from now on
      std::string sites;
      for (const ExprNode& e : p_.exprs)
        if (e.op == ExprOp::New && e.slot == s.slot && e.site != model::kNoAppendSite &&
            e.keywords == 0 && model::init_call_specializes(p_, e.slot))
          sites += std::to_string(e.site) + ", ";
      const std::string deopt = sites.empty() ? "" : "; _lc_init_deopt((" + sites + "))";
      return emit((s.value == model::kNoExpr ? "del " + types_[s.slot] + ".__del__"
                                             : types_[s.slot] + ".__del__ = " + expr(s.value, fn)) +
                  deopt);
    }
    case StatementKind::GcFreeze:  // the harness froze its own objects before the module code
      return emit(s.slot ? "_lc_ck(_lc_gc.unfreeze())" : "_lc_ck(_lc_gc.freeze())");
    case StatementKind::GcCallbacksAppend:
      return emit("_lc_gc.callbacks.append(" + expr(s.value, fn) + "); " +
                  append_guard(s.slot, "_lc_gc.callbacks"));
    case StatementKind::GcCallbacksRemove:
      return emit("_lc_ck(_lc_gc.callbacks.remove(" + expr(s.value, fn) + "))");
    case StatementKind::Construct: {
      // a C type (or a class deriving from one): its tp_new runs the
      // new: steps in the extension module
      // new: steps in the extension module; a class's __init__ (TI1) takes
      // its label first, as after a class call (FN13)
      const std::string l =
          py_str(s.label != model::kNoLabel ? p_.labels[s.label] : p_.types[s.slot].name);
      const bool init = p_.types[s.slot].kind != model::TypeKind::CType &&
                        p_.types[s.slot].init != model::kNoFunc;
      std::string args;
      for (size_t i = 0; i < s.args.size(); ++i) {
        const bool last = init && i + 1 == s.args.size();
        args += (i ? ", " : "") + (last ? "_lc_init_label(" + l + ", " : "") + expr(s.args[i], fn) +
                (last ? ")" : "");
      }
      if (init && s.args.empty())
        return emit(
            target(fmt::format("_lc_new((_lc_init_label({}) or {}()), {})", l, types_[s.slot], l)));
      return emit(target(fmt::format("_lc_new({}({}), {})", types_[s.slot], args, l)));
    }
  }
  unsupported(fmt::format("statement kind {}", static_cast<int>(s.kind)), s.line);
}

// FN12: a keyword argument's name as the emitted parameters spell it (a
// scenario name is renamed the same way wherever it is a local).
std::string Emitter::keyword_(const std::string& name) const {
  for (size_t f = 0; f < p_.funcs.size(); ++f)
    for (size_t i = 0; i < p_.funcs[f].local_names.size(); ++i)
      if (p_.funcs[f].local_names[i] == name) return locals_[f][i];
  return name;
}

// A def's parameters, with the defaults its MAKE_FUNCTION evaluates (FN7).
std::string Emitter::params_text(FuncId g, const ExprNode* made, FuncId where) const {
  const FuncInfo& f = p_.funcs[g];
  std::string params;
  const size_t first_default = static_cast<size_t>(f.nparams - f.ndefaults);
  for (uint8_t i = 0; i < f.nparams; ++i) {
    params += (i ? ", " : "") + locals_[g][i];
    if (made && i >= first_default) params += "=" + expr(made->args[i - first_default], where);
  }
  return params;
}

// A body: its `global` line, the check every Python function makes on
// entry (_turn()), the event the body reports there (model::EntryEvent:
// "del", "callback", "gc"), then the statements.
// `made`: the MAKE_FUNCTION of a nested def, whose first operands are
// its defaults, evaluated in `where` (FN7).
void Emitter::function(FuncId fn, const std::string& def_name, int indent, std::string& out,
                       const ExprNode* made, FuncId where) const {
  const FuncInfo& f = p_.funcs[fn];
  line(out, indent, "def " + def_name + "(" + params_text(fn, made, where) + "):", f.line);
  if (std::string g = global_line(p_, globals_, fn); !g.empty()) line(out, indent + 1, g);
  if (std::string n = nonlocal_line(p_, locals_, fn); !n.empty()) line(out, indent + 1, n);
  for (const std::string& entry : entry_lines(fn)) line(out, indent + 1, entry);
  for (StatementId s : f.body) statement(p_.stmts[s], fn, indent + 1, out);
}

// What a body does on entry: the check (_turn()), then the event it
// reports there.
std::vector<std::string> Emitter::entry_lines(FuncId fn) const {
  std::vector<std::string> out;
  const std::vector<std::string>& l = locals_[fn];
  // FN13: the instance's label, pushed by its class call, before anything
  // in __init__ can render it
  const FuncInfo& f = p_.funcs[fn];
  if (f.kind == FuncKind::Method && p_.types[f.owner].init == fn)
    out.push_back("_lc_labels[id(" + l[0] + ")] = _lc_init_take()");
  out.push_back("_turn()");
  switch (model::entry_event(p_, fn)) {
    case model::EntryEvent::Del:
      out.push_back("_lc_event_obj('del ', " + l[0] + ")");
      break;
    case model::EntryEvent::Callback:
      out.push_back("_lc_event_obj('callback ', " + l[0] + ")");
      break;
    case model::EntryEvent::MethodCallback:
      out.push_back("_lc_event_obj('callback ', " + l[1] + ")");
      break;
    case model::EntryEvent::GcCallback:
      out.push_back("_lc_gc_event(" + l[0] + ", " + l[1] + ")");
      break;
    case model::EntryEvent::None:
      break;
  }
  return out;
}

// A lambda: its entry lines and its one statement as one expression
// (a tuple whose last item is the body's value).
std::string Emitter::lambda(FuncId g, const ExprNode* made, FuncId where) const {
  const FuncInfo& f = p_.funcs[g];
  const std::string params = params_text(g, made, where);
  std::string body;
  const bool returns = f.body.size() == 1 && p_.stmts[f.body[0]].kind == StatementKind::Return;
  if (returns)  // the body's value is the lambda's result (FN8)
    body = expr(p_.stmts[f.body[0]].value, g);
  else
    for (StatementId s : f.body) statement(p_.stmts[s], g, 0, body);
  if (const size_t comment = body.find("  # line"); comment != std::string::npos)
    body.erase(comment);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (f.body.size() != 1 || body.find('\n') != std::string::npos ||
      body.find("; ") != std::string::npos)
    unsupported("this lambda's body", f.line);
  std::string items;
  for (const std::string& entry : entry_lines(g)) items += entry + ", ";
  return "(lambda " + params + ": (" + items + body + ")[-1])";
}

// The C types come from the extension module; their tp_finalize, tp_del
// and methods are Python functions the module calls (c_function_key).
void Emitter::c_types(std::string& out) const {
  if (c_module_.empty()) return;
  out += fmt::format(
      "\n# The C types: the extension module `{0}` (lifecheck emit-c), built\n"
      "# next to this script.\n"
      "_lc_sys.path.insert(0, _lc_os.path.dirname(_lc_os.path.abspath(__file__)))\n"
      "import {0} as _lc_cmod\n",
      c_module_);
  for (size_t t = model::kFirstUserType; t < p_.types.size(); ++t) {
    const TypeInfo& ti = p_.types[t];
    if (ti.kind != TypeKind::CType) continue;
    out += "\n";
    line(out, 0, types_[t] + " = _lc_cmod." + ti.name, ti.line);
    for (FuncId f = 0; f < p_.funcs.size(); ++f)
      if (p_.funcs[f].owner == t &&
          (p_.funcs[f].kind == FuncKind::Finalizer || p_.funcs[f].kind == FuncKind::Method))
        function(f, c_function_name(f), 0, out);
  }
}

std::string Emitter::c_function_name(FuncId f) const {
  std::string n = "_lc_c_" + p_.funcs[f].name;
  std::replace(n.begin(), n.end(), '.', '_');
  return n;
}

void Emitter::classes(std::string& out) const {
  out +=
      "\n# ---------------------------------------------------------------------------\n"
      "# The scenario\n";
  std::vector<bool> written(p_.types.size(), false);
  for (size_t t = model::kFirstUserType; t < p_.types.size(); ++t)
    class_def(static_cast<model::ClassId>(t), written, out);
}

// A class statement, after its base's (R1.15: the scenario may declare a
// base after its subclass). Only what the class defines itself is
// written; the rest Python inherits as the model does.
void Emitter::class_def(model::ClassId t, std::vector<bool>& written, std::string& out) const {
  const TypeInfo& ti = p_.types[t];
  // weakref.finalize and types.ModuleType are the runtime's own
  if (written[t] || ti.kind != TypeKind::PyClass || t == p_.finalize_type || t == p_.module_type ||
      t == p_.weak_value_dict_type || t == p_.weak_set_type || t == p_.weak_key_dict_type)
    return;
  written[t] = true;
  if (ti.py_base != model::kNoType) class_def(ti.py_base, written, out);
  out += "\n";
  // a class may derive from a class, from list or dict, or from a C type of
  // the extension module (emit-c)
  std::string base = ti.py_base != model::kNoType ? "(" + types_[ti.py_base] + ")"
                     : ti.base == model::kNoType  ? ""
                     : p_.types[ti.base].kind == TypeKind::CType
                         ? "(" + types_[ti.base] + ")"
                         : "(" + p_.types[ti.base].name + ")";
  line(out, 0, "class " + types_[t] + base + ":", ti.line);
  bool any = false;
  const bool slots_line = ti.py_base == model::kNoType
                              ? !ti.slots.empty() || !ti.has_dict || !ti.weakrefable
                              : ti.declares_slots;
  if (slots_line) {
    // __slots__ as the scenario gave them (the members are sorted by
    // name in both); '__dict__' and '__weakref__' when it named them
    std::vector<std::string> names;
    for (size_t i = 0; i < ti.own_slots; ++i) names.push_back(py_str(fields_[ti.slots[i]]));
    if (ti.py_base == model::kNoType ? ti.has_dict : ti.slots_dict) names.push_back("'__dict__'");
    if (ti.py_base == model::kNoType ? ti.weakrefable : ti.slots_weakref)
      names.push_back("'__weakref__'");
    std::string items;
    for (const std::string& n : names) items += n + ", ";
    line(out, 1, "__slots__ = (" + items + ")");
    any = true;
  }
  auto own = [&](FuncId f) { return f != model::kNoFunc && p_.funcs[f].owner == t; };
  if (own(ti.finalizer) && ti.finalizer != ti.legacy_del) {
    function(ti.finalizer, "__del__", 1, out);
    any = true;
  }
  if (ti.has_legacy_del()) {  // slot_tp_del calls __tp_del__
    function(ti.legacy_del, "__tp_del__", 1, out);
    any = true;
  }
  if (own(ti.init)) {  // FN13
    function(ti.init, "__init__", 1, out);
    any = true;
  }
  for (const auto& [name, fid] : ti.methods) {
    if (!own(fid)) continue;
    function(fid, funcs_[fid], 1, out);
    any = true;
  }
  if (!any) line(out, 1, "pass");
  // _testcapi.with_tp_del: the legacy slot set on the class
  if (ti.has_legacy_del()) line(out, 0, "_lc_cmod._lc_with_tp_del(" + types_[t] + ")");
}

void Emitter::functions(std::string& out) const {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    // (a nested def or lambda is written where it runs)
    if (p_.funcs[f].kind != FuncKind::Function || p_.funcs[f].parent != model::kNoFunc) continue;
    if (p_.funcs[f].module_object) continue;  // FN11: the module code's Def writes it
    out += "\n";
    function(f, funcs_[f], 0, out);
  }
}

void Emitter::bodies(std::string& out) const {
  out += "\n# module code: thread main, before the threads start\n";
  function(0, "_lc_module", 0, out);
  bool module_makes_functions = false;
  for (FuncId f = 0; f < p_.funcs.size(); ++f) module_makes_functions |= p_.made_by_module_code(f);
  if (module_makes_functions) {
    // F9a: the scenario's module code runs here inside a function, so the
    // compiler marked the code of its defs and lambdas CO_NESTED (0x10),
    // which the scenario's module-level ones lack; the free-threaded build
    // defers only functions without the flag. Clear it on exactly the code
    // objects _lc_module makes functions of (its constants; it has no
    // others), so that the interpreter defers what the model defers.
    out +=
        "\n_lc_module.__code__ = _lc_module.__code__.replace(co_consts=tuple(\n"
        "    c.replace(co_flags=c.co_flags & ~0x10) if isinstance(c, type(_lc_module.__code__))\n"
        "    else c for c in _lc_module.__code__.co_consts))\n";
  }
  if (p_.threads[0].main_body != model::kNoFunc) {
    out += "\n";
    function(p_.threads[0].main_body, thread_func(0), 0, out);
  }
  for (size_t t = 1; t < p_.threads.size(); ++t) {
    out += "\n";
    function(p_.threads[t].body, thread_func(t), 0, out);
  }
}

// ---------------------------------------------------------------- framing
std::string Emitter::header(const EmitOptions& options) const {
  std::string threads, exceptions;
  for (const model::ThreadInfo& t : p_.threads)
    threads += (threads.empty() ? "" : ", ") + py_str(t.name);
  std::set<std::string> excs;
  for (const Statement& st : p_.stmts) {
    if (st.kind == StatementKind::Raise) excs.insert(p_.strings[st.str]);
    for (const model::ExceptClause& c : st.handlers)
      for (model::StrId n : c.names) excs.insert(p_.strings[n]);
  }
  for (const std::string& e : excs) exceptions += (exceptions.empty() ? "" : ", ") + py_str(e);
  std::string source;
  for (size_t i = 0, start = 0; start < p_.source.size(); ++i) {
    size_t nl = p_.source.find('\n', start);
    std::string text = p_.source.substr(start, nl == std::string::npos ? nl : nl - start);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    source += fmt::format("#   {:3} | {}\n", i + 1, text);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return fmt::format(
      R"(#!/usr/bin/env python3
# Generated by `lifecheck emit-python` from {file} (profile {profile}).
#
# Runs the scenario on a real interpreter and prints what a Python program
# can observe of the run, as the model's observable traces spell it
# ("THREAD: del LABEL", "THREAD: callback LABEL", "THREAD: gc PHASE",
# "THREAD: log TEXT", "THREAD: unraisable EXC", "THREAD: exception EXC"):
# a JSON list of strings on the last line of stdout. stderr gets one line
# "lifecheck: outcome OUTCOME[: DETAIL]"; OUTCOME is one of
#   completed           the run ended (threads, then the final collections;
#                       with `shutdown modules`, the interpreter's shutdown)
#   assert              an assert failed: the model's run ends there too
#   exception           an exception escaped a thread body (likewise)
#   deadlock            every unfinished thread waits in a join
#   schedule-exhausted  forced: a thread wants a step after the schedule's last
#   diverged            forced: the interpreter could not follow the schedule
# Exit code 0, except 3 for "diverged" and 2 for a bad replay token.
#
# Environment:
#   LIFECHECK_REPLAY=lc2:...        force this model schedule (see below)
#   LIFECHECK_RESULT=PATH           also write {{"outcome", "detail", "steps",
#                                   "trace"}} as JSON to PATH, and each trace
#                                   line to PATH.trace as it happens
#   LIFECHECK_TURN_TIMEOUT=SECONDS  forced: how long to wait for a thread
#                                   before reporting "diverged" (default 5)
#   LIFECHECK_SWITCH_INTERVAL=S     sys.setswitchinterval(S) (free runs)
#
# Forcing a schedule: every statement of every body starts with _turn(). A
# step of the model runs one thread from one statement boundary to the next
# one (of a thread body, __del__, a weakref or gc callback, or the module);
# _turn() ends the calling thread's step and blocks until the schedule's next
# step names it. It cannot be forced where the interpreter does not reach
# the boundary the model expects (then the run reports "diverged" after the
# timeout), nor can it pin automatic collections after gc.enable(), or a GIL
# switch inside a statement (the model has none; free runs may have them).
#
# The scenario:
{source}
_LC_SCENARIO = {file_py}
_LC_PROFILE = {profile_py}
_LC_FINGERPRINT = '{fingerprint:016x}'
_LC_THREADS = [{threads}]
_LC_IGNORE_ASSERT = {ignore_assert}
_LC_IGNORE_UNCAUGHT = {ignore_uncaught}
_LC_EXCEPTIONS = [{exceptions}]
_LC_REPLAY = {replay}
_LC_APPEND_SITES = {append_sites}
_LC_APPEND_SPECIALIZES = {append_specializes}
_LC_USES_LOCAL = {uses_local}
_LC_SHUTDOWN = {shutdown}
)",
      fmt::arg("file", p_.file), fmt::arg("profile", p_.profile.display_name()),
      fmt::arg("source", source), fmt::arg("file_py", py_str(p_.file)),
      fmt::arg("profile_py", py_str(p_.profile.display_name())),
      fmt::arg("fingerprint", p_.fingerprint), fmt::arg("threads", threads),
      fmt::arg("ignore_assert", bool_py(p_.ignored("assert"))),
      fmt::arg("ignore_uncaught", bool_py(p_.ignored("uncaught-exception"))),
      fmt::arg("exceptions", exceptions), fmt::arg("replay", py_str(options.replay)),
      fmt::arg("append_sites", p_.append_sites),
      fmt::arg("append_specializes", bool_py(p_.profile.list_append_specializes)),
      fmt::arg("uses_local", bool_py(p_.thread_local_type != model::kNoType)),
      fmt::arg("shutdown", bool_py(p_.shutdown_modules)));
}

std::string Emitter::footer() const {
  std::string out = "\n\n# Function names as log() renders them.\n";
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    const FuncInfo& fi = p_.funcs[f];
    if (fi.kind == FuncKind::Function && fi.parent == model::kNoFunc && !fi.module_object)
      out += fmt::format("_lc_funcs[id({})] = {}\n", funcs_[f], py_str(fi.name));
    const bool c_slot = p_.types[fi.owner].kind == TypeKind::CType;
    const bool tp_del = p_.types[fi.owner].legacy_del == f;
    if ((fi.kind == FuncKind::Method || fi.kind == FuncKind::Finalizer) && !c_slot)
      out += fmt::format("_lc_funcs[id({}.{})] = {}\n", types_[fi.owner],
                         tp_del ? "__tp_del__" : funcs_[f], py_str(fi.name));
  }
  if (!c_module_.empty()) {
    // what the extension module calls: the switch points, the module
    // functions (call FUNC), the C types' Python slots, and the globals
    // (store_self G)
    std::string hooks = "'turn': lambda: _turn(), 'globals': globals()";
    for (FuncId f = 0; f < p_.funcs.size(); ++f) {
      const FuncInfo& fi = p_.funcs[f];
      if (fi.kind == FuncKind::Function && fi.parent == model::kNoFunc && !fi.module_object)
        hooks += fmt::format(", {}: {}", py_str(fi.name), funcs_[f]);
      if (fi.owner >= model::kFirstUserType && p_.types[fi.owner].kind == TypeKind::CType &&
          (fi.kind == FuncKind::Finalizer || fi.kind == FuncKind::Method))
        hooks += fmt::format(", {}: {}", py_str(fi.name), c_function_name(f));
    }
    out += "\n_lc_cmod._lc_register({" + hooks + "})\n";
  }
  std::string bodies;
  for (size_t t = 1; t < p_.threads.size(); ++t)
    bodies += fmt::format("({}, {}), ", py_str(p_.threads[t].name), thread_func(t));
  out += fmt::format("\n_lc_main(_lc_module, [{}], {})\n", bodies,
                     p_.threads[0].main_body != model::kNoFunc ? thread_func(0) : "None");
  return out;
}

}  // namespace detail

using detail::Emitter;
using model::Program;
using model::TypeInfo;
using model::TypeKind;

std::optional<std::string> python_level_problem(const Program& program) {
  for (const TypeInfo& t : program.types) {
    if (t.kind == TypeKind::CType) return "it defines the C type '" + t.name + "'";
    if (program.derives_from_c_type(t))
      return "class '" + t.name + "' derives from the C type '" + program.types[t.base].name + "'";
    if (t.kind == TypeKind::PyClass && t.has_legacy_del())
      return "class '" + t.name + "' has a legacy tp_del, set as _testcapi.with_tp_del does";
  }
  return interpreter_problem(program);
}

std::optional<std::string> interpreter_problem(const Program& program) {
  if (program.profile.bugs != 0) {
    std::string names;
    for (const model::RuntimeBugInfo& b : model::runtime_bugs())
      if (program.profile.has(b.bug)) names += (names.empty() ? "" : ", ") + std::string(b.name);
    return "it injects the runtime bug " + names + ", which no real interpreter has";
  }
  return std::nullopt;
}

std::string emit_python(const Program& program, const EmitOptions& options) {
  return Emitter(program).run(options);
}

}  // namespace lifecheck::emit
