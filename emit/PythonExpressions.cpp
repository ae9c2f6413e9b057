// The Python emitter's expressions: Python's own evaluation, with one
// _turn() wherever the model has an eval-breaker check (model/CodeGen.h).
#include <fmt/format.h>

#include "emit/PythonEmitterImpl.h"
#include "model/CodeGen.h"

namespace lifecheck::emit::detail {

// ------------------------------------------------------------ expressions
// Python's own evaluation, with one _turn() wherever the model has an
// eval-breaker check (model/CodeGen.h): after each call of C code. The
// helpers that wrap such calls (_lc_new, _lc_wref, _lc_deref, _lc_ck)
// call _turn() right after the call returns, where CPython checks too.
std::string Emitter::expr(ExprId id, FuncId fn) const {
  const ExprNode& e = p_.exprs[id];
  switch (e.op) {
    case ExprOp::Const:
      // R1.16: a class's function read through the class it was written on
      if (e.value.kind() == ValueKind::Func && p_.funcs[e.value.func()].kind != FuncKind::Function)
        return types_[e.slot] + "." + funcs_[e.value.func()];
      return constant(e.value, e.line);
    case ExprOp::Local:
      return locals_[fn][e.slot];
    case ExprOp::Global:
      return globals_[e.slot];
    case ExprOp::Attr:
      return expr(e.a, fn) + "." + fields_[e.slot];
    case ExprOp::ClassAttr: {  // CA2, CA5: the class's own attribute
      const model::ClassAttr& a = p_.class_attrs[e.slot];
      return types_[a.cls] + "." + fields_[a.field];
    }
    case ExprOp::New:
      if (e.slot == p_.thread_local_type)  // threading.local() (TL1)
        return fmt::format("_lc_new(_lc_threading.local(), {})", label(e, e.slot));
      if (e.slot == p_.lock_type || e.slot == p_.rlock_type)  // LK1
        return fmt::format("_lc_new(_lc_threading.{}(), {})",
                           e.slot == p_.lock_type ? "Lock" : "RLock", label(e, e.slot));
      if (e.slot == p_.weak_value_dict_type || e.slot == p_.weak_set_type ||
          e.slot == p_.weak_key_dict_type)  // WC1
        return fmt::format("_lc_new(_lc_weakref.{}(), {})", p_.types[e.slot].name.substr(8),
                           label(e, e.slot));
      if (e.slot == p_.module_type)  // types.ModuleType(name) (FN6)
        return fmt::format("_lc_new(_lc_types.ModuleType({}), {})", constant(e.value, e.line),
                           label(e, e.slot));
      if (p_.types[e.slot].init != model::kNoFunc) return init_call(e, fn);
      return fmt::format("_lc_new({}(), {})", types_[e.slot], label(e, e.slot));
    case ExprOp::Deref:
      return "_lc_deref(" + expr(e.a, fn) + ")";
    case ExprOp::WeakrefNew:
      if (e.slot == 2)  // WM1
        return fmt::format("_lc_wmethod({}, {}, {})", expr(e.a, fn),
                           e.b == model::kNoExpr ? "None" : expr(e.b, fn),
                           label(e, p_.weak_method_type));
      return fmt::format("{}({}, {}, {})", e.slot ? "_lc_wproxy" : "_lc_wref", expr(e.a, fn),
                         e.b == model::kNoExpr ? "None" : expr(e.b, fn),
                         label(e, model::kWeakrefType));
    case ExprOp::FinalizeNew:  // the finalizer gets the label; its weakref is never shown
      return fmt::format("_lc_new(_lc_weakref.finalize({}, {}, *{}), {})", expr(e.a, fn),
                         expr(e.b, fn), expr(e.args[0], fn), label(e, p_.finalize_type));
    case ExprOp::BoundMethod:
      // No label is recorded: a bound method renders as "method NAME".
      return expr(e.a, fn) + "." + method_name(e);
    case ExprOp::PyMethodCall:  // FN14: a Python function's call, nothing after (FN8)
      return expr(e.a, fn) + "." + method_name(e) + "(" + call_arguments(e, e.slot, fn) + ")";
    case ExprOp::SuperMethodCall: {  // SU1-SU4: in the method-call form CPython compiles
      std::string sup = e.depth == 2 ? fmt::format("super({}, {})", types_[e.slot], expr(e.a, fn))
                                     : std::string("super()");
      // SU1: 3.11's CALL of super ends with a check
      if (e.slot != model::kNoType && p_.profile.super_call == model::SuperCall::SuperObject)
        sup = "_lc_ck(" + sup + ")";
      // SU5: object.__init__ is C code: CALL's check after it
      if (e.slot != model::kNoType && model::super_finds_object_init(p_, e.slot, e.value.str()))
        return "_lc_ck(" + sup + ".__init__(" + call_arguments(e, e.keywords, fn) + "))";
      if (p_.strings[e.value.str()] != "__init__" || e.slot == model::kNoType)
        return sup + "." + method_name(e) + "(" + call_arguments(e, e.keywords, fn) + ")";
      // the __init__ it runs takes a label first, as after a class call:
      // the instance's own (R1.16's init_relabel)
      const std::string relabel = "_lc_init_label(_lc_labels.get(id(" + expr(e.a, fn) + "))";
      if (e.args.empty()) return "(" + relabel + ") or " + sup + ".__init__())";
      return sup + ".__init__(" + call_arguments(e, e.keywords, fn, relabel + ", ") + ")";
    }
    case ExprOp::CInitCall: {  // TI4: a C tp_init (or object_init), a check after it
      std::string args;
      for (ExprId a : e.args) args += ", " + expr(a, fn);
      if (e.slot == model::kNoType)
        return "_lc_ck(" + expr(e.a, fn) + ".__init__(" + (args.empty() ? "" : args.substr(2)) +
               "))";
      return "_lc_ck(" + types_[e.slot] + ".__init__(" + expr(e.a, fn) + args + "))";
    }
    case ExprOp::IsFinalized:
      return "_lc_ck(_lc_gc.is_finalized(" + expr(e.a, fn) + "))";
    case ExprOp::IsTracked:
      return "_lc_ck(_lc_gc.is_tracked(" + expr(e.a, fn) + "))";
    case ExprOp::RefCount: {
      // The count is taken first, while only the argument's own reference
      // is on the stack; a plain argument is evaluated again for its type
      // and id, with which _lc_rc tells a shared constant from a scenario
      // object. _lc_rc gets no reference to the object itself: in the
      // free-threaded build another thread counting it could see one.
      std::string x = expr(e.a, fn);
      return "_lc_ck(_lc_rc(_lc_sys.getrefcount(" + x + ")" +
             (plain(e.a) ? ", _lc_type(" + x + "), _lc_id(" + x + ")" : "") + "))";
    }
    case ExprOp::Compare: {
      auto k = static_cast<model::CompareKind>(e.slot);
      if (k == model::CompareKind::Eq || k == model::CompareKind::Ne)
        return "(" + expr(e.a, fn) + (k == model::CompareKind::Eq ? " == " : " != ") +
               expr(e.b, fn) + ")";
      // `is` against None, True or False is Python's own (no call); the
      // language's `is` on other plain values needs _lc_same.
      auto singleton = [&](ExprId x) {
        const ExprNode& n = p_.exprs[x];
        return n.op == ExprOp::Const &&
               (n.value.kind() == ValueKind::None || n.value.kind() == ValueKind::Bool);
      };
      if (singleton(e.a) || singleton(e.b))
        return "(" + expr(e.a, fn) + (k == model::CompareKind::Is ? " is " : " is not ") +
               expr(e.b, fn) + ")";
      std::string same = "_lc_same(" + expr(e.a, fn) + ", " + expr(e.b, fn) + ")";
      return k == model::CompareKind::Is ? same : "(not " + same + ")";
    }
    case ExprOp::Not:
      return "(not " + expr(e.a, fn) + ")";
    case ExprOp::Truth:
      return expr(e.a, fn);  // used where Python tests truth anyway
    case ExprOp::ListNew:
    case ExprOp::TupleNew: {
      // Containers carry no label: log() shows their items.
      std::string items;
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) items += ", ";
        items += expr(e.args[i], fn);
      }
      if (e.op == ExprOp::ListNew) return "[" + items + "]";
      return "(" + items + (e.args.size() == 1 ? ",)" : ")");
    }
    case ExprOp::DictNew: {
      std::string items;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        if (i) items += ", ";
        items += expr(e.args[i], fn) + ": " + expr(e.args[i + 1], fn);
      }
      return "{" + items + "}";
    }
    case ExprOp::ItemGet:
      return expr(e.a, fn) + "[" + expr(e.b, fn) + "]";
    case ExprOp::Vars:  // DA2: `a.__dict__` is a LOAD_ATTR, no check after it
      if (e.slot == model::kVarsAttribute) return expr(e.a, fn) + ".__dict__";
      return "_lc_ck(vars(" + expr(e.a, fn) + "))";
    case ExprOp::Len:
      return fmt::format("_lc_len({}, {})", e.slot, expr(e.a, fn));
    case ExprOp::GcGarbageLen:
      return fmt::format("_lc_len({}, _lc_gc.garbage)", e.slot);
    case ExprOp::GcGarbageItem:
      return "_lc_gc.garbage[" + expr(e.b, fn) + "]";
    case ExprOp::SetNew: {
      if (e.args.empty()) return "set()";
      std::string items;
      for (size_t i = 0; i < e.args.size(); ++i) items += (i ? ", " : "") + expr(e.args[i], fn);
      return "{" + items + "}";
    }
    case ExprOp::DequeNew:
      return "_lc_ck(_lc_collections.deque(" + (e.a == model::kNoExpr ? "" : expr(e.a, fn)) + "))";
    case ExprOp::MethodCall:
      // A list.append in statement position gets its check guard after the
      // statement (method_call_statement); anywhere else every call checks.
      return "_lc_ck(" + method_call(e, fn) + ")";
    case ExprOp::Slice: {
      auto bound = [&](ExprId b) { return b == model::kNoExpr ? std::string() : expr(b, fn); };
      return expr(e.a, fn) + "[" + bound(e.args[0]) + ":" + bound(e.args[1]) + "]";
    }
    case ExprOp::GenNew: {  // a generator function's call has no check (Y1)
      std::string args;
      for (size_t i = 0; i < e.args.size(); ++i) args += (i ? ", " : "") + expr(e.args[i], fn);
      return fmt::format("_lc_gen({}({}), {})", funcs_[e.slot], args, label(e, p_.generator_type));
    }
    case ExprOp::GenNext:
      return "_lc_ck(next(" + expr(e.a, fn) + "))";
    case ExprOp::GenClose:
      return "_lc_ck(" + expr(e.a, fn) + ".close())";
    case ExprOp::CellLocal:  // Python reads a captured variable through its cell itself
      return locals_[fn][e.slot];
    case ExprOp::FuncNew:  // MAKE_FUNCTION has no check; _lc_gen only labels it
      if (!p_.funcs[e.slot].lambda) unsupported("a def used as a value", static_cast<int>(e.line));
      return fmt::format("_lc_gen({}, {})", lambda(e.slot, &e, fn), label(e, p_.function_type));
    case ExprOp::Call: {  // a Python function's call: its RESUME checks, nothing after (FN8)
      std::string call =
          expr(e.a, fn) + "(" + call_arguments(e, e.slot, fn, init_relabel(e, fn)) + ")";
      // PT4: a partial's call is a call of C code, with a check after it
      if (model::partial_check_after(p_, e))
        return "_lc_after(" + call + ", " + expr(e.a, fn) + ")";
      return call;
    }
    case ExprOp::AtexitRegister:  // returns func; the check after the call
      return fmt::format("_lc_ck(_lc_atexit.register({}, *{}))", expr(e.a, fn),
                         expr(e.args[0], fn));
    case ExprOp::AtexitUnregister:
      return "_lc_ck(_lc_atexit.unregister(" + expr(e.a, fn) + "))";
    case ExprOp::PartialNew: {  // PT1, PT2: the partial gets the label; the check after the call
      std::string args = expr(e.a, fn);
      for (ExprId a : e.args) args += ", " + expr(a, fn);
      return fmt::format("_lc_new(_lc_functools.partial({}), {})", args, label(e, p_.partial_type));
    }
  }
  unsupported(fmt::format("expression kind {}", static_cast<int>(e.op)), e.line);
}

// A class's method, as the script spells it (the attribute of that name
// too: PythonNames.cpp renames both alike).
std::string Emitter::method_name(const ExprNode& e) const {
  const std::string& name = p_.strings[e.value.str()];
  auto it = renamed_.find(name);
  return it == renamed_.end() ? name : it->second;
}

std::string Emitter::method_call(const ExprNode& e, FuncId fn) const {
  std::string args;
  for (size_t i = 0; i < e.args.size(); ++i) args += (i ? ", " : "") + expr(e.args[i], fn);
  // LK2: an acquire that waits hands the turn over (the harness's _lc_acquire)
  if (p_.uses_locks() && e.value.str() == p_.str_acquire)
    return "_lc_acquire(" + expr(e.a, fn) + (args.empty() ? "" : ", " + args) + ")";
  return expr(e.a, fn) + "." + p_.strings[e.value.str()] + "(" + args + ")";
}

// Whether evaluating the expression again has no effect: a name, or
// attributes and items of one (the receiver of a list.append guard).
// LK5a: a user with's subject. The interpreter's own with where it cannot
// be a lock (the scenario makes none, or it is a call of one of its
// classes); otherwise a lock goes through _lc_with (LK5's checks, and the
// turn handed over while its acquire waits): inline for a plain subject
// (read twice, no call, no check), through _lc_cm for any other (a call
// where CPython has no check, as _lc_same is).
std::string Emitter::user_with_subject(const Statement& s, FuncId fn) const {
  const std::string subject = expr(s.value, fn);
  const ExprNode& e = p_.exprs[s.value];
  if (!p_.uses_locks() ||
      (e.op == ExprOp::New && p_.types[e.slot].kind == model::TypeKind::PyClass))
    return subject;
  const std::string check = bool_py(p_.profile.with_enter_checks);
  if (plain(s.value))
    return "(_lc_with(" + subject + ", " + check + ") if " + subject +
           ".__class__ in _lc_lock_types else " + subject + ")";
  return "_lc_cm(" + subject + ", " + check + ")";
}

bool Emitter::plain(ExprId id) const {
  const ExprNode& e = p_.exprs[id];
  switch (e.op) {
    case ExprOp::Local:
    case ExprOp::Global:
    case ExprOp::Const:
    case ExprOp::ClassAttr:
      return true;
    case ExprOp::Attr:
      return plain(e.a);
    case ExprOp::ItemGet:
      return plain(e.a) && plain(e.b);
    default:
      return false;
  }
}

// A call's arguments as written: positional, then NAME=value (FN12;
// `keywords` indexes Program::call_keywords, 0 for none). `last` wraps
// the last one's value in a call of `last` (after it is evaluated,
// before the call): `last` + value + ")".
std::string Emitter::call_arguments(const ExprNode& e, uint16_t keywords, FuncId fn,
                                    const std::string& last) const {
  std::string args;
  const size_t first_kw =
      keywords ? e.args.size() - p_.call_keywords[keywords - 1u].size() : e.args.size();
  for (size_t i = 0; i < e.args.size(); ++i) {
    args += i ? ", " : "";
    if (i >= first_kw)  // FN12: NAME=, as the callee's parameter is spelt
      args += keyword_(p_.strings[p_.call_keywords[keywords - 1u][i - first_kw]]) + "=";
    const std::string v = expr(e.args[i], fn);
    args += i + 1 == e.args.size() && !last.empty() ? last + v + ")" : v;
  }
  return args;
}

// R1.16: `Base.__init__(x, ...)` runs an __init__ whose first line takes
// a label, as after a class call: the call gives it x's own label back
// (x, a name or an attribute, is read again after the arguments).
std::string Emitter::init_relabel(const ExprNode& e, FuncId fn) const {
  const ExprNode& callee = p_.exprs[e.a];
  if (callee.op != ExprOp::Const || callee.value.kind() != ValueKind::Func) return "";
  const FuncId f = callee.value.func();
  const FuncInfo& fi = p_.funcs[f];
  if (fi.kind != FuncKind::Method || p_.types[fi.owner].init != f) return "";
  size_t self = 0;  // the argument bound to self: the first, or the keyword naming it
  if (e.slot && e.args.size() == p_.call_keywords[e.slot - 1u].size()) {
    const auto& names = p_.call_keywords[e.slot - 1u];
    while (self < names.size() && p_.strings[names[self]] != fi.local_names[0]) ++self;
  }
  return "_lc_init_label(_lc_labels.get(id(" + expr(e.args[self], fn) + ")), ";
}

// FN13: a class call with __init__. The label __init__ takes goes on the
// thread's stack once the arguments are evaluated (with the last one, so
// an argument that raises leaves nothing there). FN13a: at a site CPython
// specializes, the check after the call happens on its first run only.
std::string Emitter::init_call(const ExprNode& e, FuncId fn) const {
  const std::string l = label(e, e.slot);
  const std::string call =
      e.args.empty() ? fmt::format("(_lc_init_label({}) or {}())", l, types_[e.slot])
                     : fmt::format("{}({})", types_[e.slot],
                                   call_arguments(e, e.keywords, fn, "_lc_init_label(" + l + ", "));
  if (e.site != model::kNoAppendSite && e.keywords == 0 && model::init_call_specializes(p_, e.slot))
    return fmt::format("_lc_init_new({}, {}, {})", call, l, e.site);
  return fmt::format("_lc_new({}, {})", call, l);
}

// The check after a list.append call site happens on its first run only
// from 3.12 on (model/CodeGen.cpp): the guard calls nothing (so adds no
// eval-breaker check) once the site has run with a list.
std::string Emitter::append_guard(size_t site, const std::string& receiver) const {
  return fmt::format("(_lc_warm[{0}] and {1}.__class__ is _lc_list) or _lc_first({0}, {1})", site,
                     receiver);
}

std::string Emitter::label(const ExprNode& e, size_t type) const {
  if (e.label != model::kNoLabel) return py_str(p_.labels[e.label]);
  return py_str(type < p_.types.size() ? p_.types[type].name : "object");
}

std::string Emitter::constant(Value v, int line) const {
  switch (v.kind()) {
    case ValueKind::None:
      return "None";
    case ValueKind::Int:
      return std::to_string(v.integer());
    case ValueKind::Bool:
      return bool_py(v.boolean());
    case ValueKind::Str:
      return py_str(p_.strings[v.str()]);
    case ValueKind::Func:
      return funcs_[v.func()];
    case ValueKind::ConstTuple: {
      // a tuple of literals: CPython folds it into one constant too
      const std::vector<Value>& items = p_.const_tuples[v.const_tuple()];
      std::string out = "(";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + constant(items[i], line);
      return out + (items.size() == 1 ? ",)" : ")");
    }
    default:
      break;
  }
  unsupported("this constant", line);
}

}  // namespace lifecheck::emit::detail
