// Expressions: lowered to model::ExprNode trees; calls, attribute access,
// containers and weakref callbacks.
#include <algorithm>

#include "lang/CompilerImpl.h"
#include "model/CodeGen.h"

namespace lifecheck::lang::detail {

// The key of x[key]: an index or a dict key, any value (a slice only in
// `del x[i:j]`).
ExprId Compiler::item_key(const Expr& k) { return value(k, ""); }

// The base of x[key] (a read, store or del): rejects what can never be
// subscripted, as object_expr does for attributes (issue 9 item 15). An
// instance is subscriptable only if some class derives from list or dict.
ExprId Compiler::container_expr(const Expr& e) {
  const char* what = e.kind == ExprKind::None                                ? "None"
                     : e.kind == ExprKind::Int                               ? "an int"
                     : e.kind == ExprKind::True || e.kind == ExprKind::False ? "a bool"
                                                                             : nullptr;
  if (what) fail(e.loc, std::string(what) + " is not subscriptable");
  if (e.kind == ExprKind::Name) {
    NameKind r = resolve(e.text, *cur_).kind;
    if (r == NameKind::Local || r == NameKind::Global) {
      uint16_t k = kind_of_name(e.text, *cur_);
      uint16_t ok = KList | KTuple | KDict | KDeque | KInfo | KStr;
      for (const TypeInfo& t : p_.types)
        if (t.kind == TypeKind::PyClass && (t.base == kListType || t.base == kDictType))
          ok |= KObj | KProxy;
      if (k == KNone) fail(e.loc, "'" + e.text + "' is always None, which is not subscriptable");
      if (k != KAny && (k & ok) == 0 && (k & ~KNone) != 0)
        fail(e.loc, "'" + e.text + "' holds " + kind_phrase(k) + ", which is not subscriptable");
    }
  }
  return value(e, "");
}

// CPython folds a tuple of literals (None, numbers, strings, booleans and
// such tuples) into one constant of the module's code, the same object at
// every evaluation and for every equal literal (the compiler's constant
// cache); `()` is the empty-tuple singleton.
std::optional<Value> Compiler::const_tuple(const std::vector<ExprId>& items) {
  std::vector<Value> values;
  for (ExprId i : items) {
    const ExprNode& x = p_.exprs[i];
    if (x.op != ExprOp::Const) return std::nullopt;
    switch (x.value.kind()) {
      case ValueKind::None:
      case ValueKind::Int:
      case ValueKind::Bool:
      case ValueKind::Str:
      case ValueKind::ConstTuple:
        values.push_back(x.value);
        break;
      default:
        return std::nullopt;  // a function name is a load, not a literal
    }
  }
  for (size_t t = 0; t < p_.const_tuples.size(); ++t)
    if (p_.const_tuples[t] == values) return Value::const_tuple(static_cast<uint32_t>(t));
  p_.const_tuples.push_back(std::move(values));
  return Value::const_tuple(static_cast<uint32_t>(p_.const_tuples.size() - 1));
}

ExprId Compiler::condition(const Expr& e) {
  if (e.kind == ExprKind::Compare || e.kind == ExprKind::Not) return value(e, "");
  ExprNode n;
  n.op = ExprOp::Truth;
  n.a = value(e, "");
  return add_expr(n, e.loc);
}

// An expression whose value must be an instance (the base of an attribute
// access or store): rejects what can never be one.
[[noreturn]] void Compiler::not_object(const Expr& e, const std::string& attr,
                                       const std::string& what) const {
  fail(e.loc, what + " has no attribute '" + attr + "': only instances have attributes");
}

// An expression whose value must be an instance (the base of an attribute
// access or store): rejects what can never be one.
ExprId Compiler::object_expr(const Expr& e, const std::string& attr) {
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
        case NameKind::Class:  // (a plain NAME is a class attribute, CA1-CA5)
          fail(e.loc, "class '" + e.text + "' has no attribute '" + attr +
                          "' in the language: a method or an __x__ name is not read or "
                          "assigned through the class");
        case NameKind::Function:
          not_object(e, attr, "function '" + e.text + "'");
        case NameKind::Thread:
          not_object(e, attr, "thread '" + e.text + "'");
        case NameKind::Module:
          fail(e.loc, "'" + e.text + "." + attr + "' is not part of the scenario language");
        case NameKind::Log:
          not_object(e, attr, "log");
        case NameKind::Builtin:
          not_object(e, attr, "builtin '" + e.text + "'");
        case NameKind::Unknown:
          fail(e.loc, "unknown name '" + e.text + "'");
        default:
          break;
      }
      uint16_t k = kind_of_name(e.text, *cur_);
      if (k == KNone) not_object(e, attr, "'" + e.text + "' is always None and");
      // (a function object has a __dict__: FN10)
      if ((k & (KObj | KMethod | KFinalize | KProxy | KFunc)) == 0 && k != KAny &&
          (k & ~KNone) != 0)
        not_object(e, attr, "'" + e.text + "' holds " + kind_phrase(k) + ", which");
      break;
    }
    default:
      break;
  }
  return value(e, "");
}

ExprId Compiler::value(const Expr& e, const std::string& label) {
  ExprNode n;
  switch (e.kind) {
    case ExprKind::Lambda:
      return function_expr(*e.def, e.loc, label);
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
          n.op = local_op(e.text);
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
        case NameKind::Builtin:
          fail(e.loc, "builtin '" + e.text + "' used as a value; call it");
        case NameKind::Unknown:
          fail(e.loc, "unknown name '" + e.text + "'");
      }
      break;
    }
    case ExprKind::Attr: {
      if (e.base->kind == ExprKind::Name &&
          (e.base->text == "gc" || e.base->text == "weakref" || e.base->text == "collections" ||
           e.base->text == "sys" || e.base->text == "threading") &&
          resolve(e.base->text, *cur_).kind == NameKind::Module) {
        if (is_gc_garbage(e))
          fail(e.loc,
               "gc.garbage is read with len(gc.garbage) and gc.garbage[i], and emptied with "
               "gc.garbage.clear(); it is not a value of its own here");
        fail(e.loc,
             "'" + e.base->text + "." + e.text + "' is not part of the scenario language here");
      }
      if (names_class_attr(e)) return class_attr_expr(e);  // CA2
      ExprId obj = object_expr(*e.base, e.text);
      if (method_names_.count(e.text)) {
        n.op = ExprOp::BoundMethod;
        n.a = obj;
        n.slot = 0;
        // resolved at run time by the instance's class; remember the name
        n.value = Value::str(intern(e.text));
        // Always "method NAME": a bound method is made anew at each access,
        // so no creation site names it (expect lines cannot name it either).
        n.label = label_id("method " + e.text);
        return add_expr(n, e.loc);
      }
      if (ExprId d = dunder_attr_value(e, obj, label); d != kNoExpr) return d;  // DA2
      n.op = ExprOp::Attr;
      n.a = obj;
      n.slot = attribute_id(e.text, e.loc, false, false);  // DA1-DA4
      return add_expr(n, e.loc);
    }
    case ExprKind::Subscript: {
      if (is_gc_garbage(*e.base)) {  // G16a: reading the list
        n.op = ExprOp::GcGarbageItem;
        n.b = item_key(*e.rhs);
        return add_expr(n, e.loc);
      }
      // x[0] on a list or tuple, d["k"] on a dict or a gc.callbacks info.
      n.op = ExprOp::ItemGet;
      n.a = container_expr(*e.base);
      n.b = item_key(*e.rhs);
      return add_expr(n, e.loc);
    }
    case ExprKind::Slice:
      fail(e.loc, "a slice x[i:j] is only supported in 'del x[i:j]'");
    case ExprKind::List:
    case ExprKind::Tuple:
    case ExprKind::Dict:
    case ExprKind::Set: {
      n.op = e.kind == ExprKind::List    ? ExprOp::ListNew
             : e.kind == ExprKind::Tuple ? ExprOp::TupleNew
             : e.kind == ExprKind::Set   ? ExprOp::SetNew
                                         : ExprOp::DictNew;
      size_t limit = e.kind == ExprKind::Dict ? 2 * kMaxDictEntries : kMaxItems;
      if (e.args.size() > limit)
        fail(e.args[limit]->loc,
             std::string("at most ") +
                 std::to_string(e.kind == ExprKind::Dict ? kMaxDictEntries : kMaxItems) +
                 (e.kind == ExprKind::Dict ? " entries in a dict" : " items in a container"));
      for (size_t i = 0; i < e.args.size(); ++i) n.args.push_back(value(*e.args[i], ""));
      if (e.kind == ExprKind::Tuple)
        if (auto folded = const_tuple(n.args)) {
          ExprNode c;
          c.value = *folded;
          return add_expr(c, e.loc);
        }
      const char* type = e.kind == ExprKind::List    ? "list"
                         : e.kind == ExprKind::Tuple ? "tuple"
                         : e.kind == ExprKind::Set   ? "set"
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

// vars(obj): a dict of obj's attributes; set(): an empty set.
ExprId Compiler::builtin_call(const Expr& e, const std::string& label) {
  const Expr& callee = *e.base;
  ExprNode n;
  if (callee.text == "set") {
    if (!e.args.empty()) fail(e.args[0]->loc, "set() takes no arguments here; write {a, b}");
    n.op = ExprOp::SetNew;
    n.label = label_id(label.empty() ? "set@" + std::to_string(e.loc.line) : label);
    return add_expr(n, e.loc);
  }
  if (callee.text == "next") return generator_builtin(e);
  if (callee.text == "len") {
    if (e.args.size() != 1) fail(e.loc, "len() takes one argument");
    n.op = ExprOp::Len;
    if (is_gc_garbage(*e.args[0]))
      n.op = ExprOp::GcGarbageLen;  // G16a
    else
      n.a = value(*e.args[0], "");
    n.slot = p_.append_sites++;  // its call site specializes as list.append's does
    return add_expr(n, e.loc);
  }
  if (callee.text == "vars") {
    if (e.args.size() != 1) fail(e.loc, "vars() takes one argument here, an instance");
    n.op = ExprOp::Vars;
    n.a = object_expr(*e.args[0], "__dict__");
    // R1.15d: the instance keeps the dict vars() makes under this member
    p_.instance_dict_field = field_id("__dict__", e.loc);
    n.label = label_id(label.empty() ? "dict@" + std::to_string(e.loc.line) : label);
    return add_expr(n, e.loc);
  }
  fail(callee.loc, "'" + callee.text + "()' is not part of the scenario language");
}

// The container methods of the language, with their fewest and most
// arguments.
static const std::map<std::string, std::pair<size_t, size_t>>& container_methods() {
  static const std::map<std::string, std::pair<size_t, size_t>> known = {
      {"append", {1, 1}},     {"pop", {0, 2}},
      {"insert", {2, 2}},     {"clear", {0, 0}},
      {"remove", {1, 1}},     {"get", {1, 2}},
      {"add", {1, 1}},        {"discard", {1, 1}},
      {"appendleft", {1, 1}}, {"popleft", {0, 0}},
      {"detach", {0, 0}},     {"peek", {0, 0}},  // weakref.finalize (Finalize.cpp)
      {"acquire", {0, 1}},    {"release", {0, 0}},
      {"locked", {0, 0}}};  // threading.Lock and RLock (Locks.cpp)
  return known;
}

// x.name(args): a method of a list, dict, set or deque, looked up at run
// time on the receiver's type (AttributeError on anything else).
ExprId Compiler::method_call(const Expr& e) {
  const Expr& callee = *e.base;
  auto it = container_methods().find(callee.text);
  if (e.args.size() < it->second.first || e.args.size() > it->second.second)
    fail(e.loc, "'." + callee.text + "()' does not take " + std::to_string(e.args.size()) +
                    (e.args.size() == 1 ? " argument" : " arguments"));
  ExprNode n;
  n.op = ExprOp::MethodCall;
  if (callee.base->kind == ExprKind::Name) {
    NameKind k = resolve(callee.base->text, *cur_).kind;
    if (k != NameKind::Local && k != NameKind::Global)
      fail(callee.base->loc, "'" + callee.base->text + "." + callee.text +
                                 "()' is not part of the scenario language");
  }
  n.a = value(*callee.base, "");
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  n.value = Value::str(intern(callee.text));
  n.slot = callee.text == "append" ? p_.append_sites++ : kNoAppendSite;
  return add_expr(n, e.loc);
}

ExprId Compiler::call(const Expr& e, const std::string& label) {
  const Expr& callee = *e.base;
  ExprNode n;
  std::string site = label.empty() ? "" : label;
  auto site_label = [&](const std::string& type_name) {
    return label_id(site.empty() ? type_name + "@" + std::to_string(e.loc.line) : site);
  };
  const Expr& innermost = callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Call
                              ? *callee.base->base
                              : callee;
  if (calls_through_super(e)) return super_method_call(e);  // SU1-SU4 (CompilerSuper.cpp)
  if (innermost.kind == ExprKind::Name && innermost.text == "super" &&
      resolve("super", *cur_).kind == NameKind::Unknown)
    fail(innermost.loc,
         "super() is modelled only in a method call through it: super().NAME(args) or "
         "super(C, obj).NAME(args)");
  if (callee.kind == ExprKind::Name) {
    Resolved r = resolve(callee.text, *cur_);
    if (c_construction(e))
      fail(e.loc,
           "creating a C type instance must be a statement of its own or assigned "
           "to a variable");
    switch (r.kind) {
      case NameKind::Class: {
        // FN13: the arguments go to __init__ (self is the first parameter)
        const FuncId init = p_.types[r.index].init;
        const size_t takes = init == kNoFunc ? 0 : p_.funcs[init].nparams - 1u;
        if (e.args.size() != takes)
          fail(e.args.empty() ? e.loc : e.args[std::min(takes, e.args.size() - 1)]->loc,
               "'" + callee.text + "()' takes " + std::to_string(takes) + " argument" +
                   (takes == 1 ? "" : "s") + ", not " + std::to_string(e.args.size()) +
                   (init == kNoFunc ? " (it has no __init__)" : ""));
        n.op = ExprOp::New;
        n.slot = static_cast<uint16_t>(r.index);
        n.label = site_label(callee.text);
        if (!e.keywords.empty()) n.keywords = keyword_names(e, init, 1);  // FN12
        if (init != kNoFunc) n.site = p_.append_sites++;  // FN13a: it may specialize
        for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
        return add_expr(n, e.loc);
      }
      case NameKind::Function:  // a generator function (Y1) or a call (FN8)
        if (!p_.funcs[r.index].generator) return function_call(e);
        return generator_call(e, static_cast<FuncId>(r.index), site_label(callee.text));
      case NameKind::Thread:
        fail(callee.loc, "a thread is not callable; use '" + callee.text + ".join()'");
      case NameKind::Log:
        fail(callee.loc, "log(...) is a statement, not a value");
      case NameKind::Builtin:
        return builtin_call(e, label);
      case NameKind::Module:
        fail(callee.loc, "module '" + callee.text + "' is not callable");
      case NameKind::Unknown:
        fail(callee.loc, "unknown name '" + callee.text + "'");
      case NameKind::Local:
      case NameKind::Global: {
        uint16_t k = kind_of_name(callee.text, *cur_);
        if (k == KProxy)
          fail(callee.loc, "'" + callee.text +
                               "' holds a weakref.proxy, which is not callable: use its "
                               "attributes, or weakref.ref to get the object back");
        if (k != KAny && (k & (KWeakref | KFinalize | KFunc)) == 0)
          fail(callee.loc, "'" + callee.text + "' holds " + kind_phrase(k) +
                               ", which is not callable; only weakrefs are (and "
                               "weakref.finalize objects and functions)");
        if (calls_function(e)) return function_call(e);  // FN8
        break;
      }
    }
  }
  if (calls_through_class(e)) return class_function_call(e);  // R1.16 (CompilerInheritance.cpp)
  if (callee.kind == ExprKind::Attr && callee.text == "__init__" && has_c_types())
    return c_init_call(e, kNoType);  // TI4 (CompilerCTypeInit.cpp)
  if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Name &&
      callee.base->text == "atexit" && resolve("atexit", *cur_).kind == NameKind::Unknown)
    fail(callee.base->loc, "'atexit' is not imported: add 'import atexit' at the top level");
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
    if (mod == "weakref" && callee.text == "finalize")
      return finalize_new(e, site_label("finalize"));
    if (mod == "weakref" && callee.text == "proxy") return proxy_new(e, site_label("proxy"));
    if (mod == "weakref" && callee.text == "WeakMethod")
      return weak_method_new(e, site_label("WeakMethod"));  // CompilerWeakMethod.cpp
    if (mod == "weakref" && (callee.text == "WeakValueDictionary" || callee.text == "WeakSet" ||
                             callee.text == "WeakKeyDictionary"))
      return weak_container_new(e, label);                  // CompilerWeakContainers.cpp
    if (mod == "atexit") return atexit_call(e);             // CompilerAtexit.cpp
    if (mod == "functools") return partial_call(e, label);  // CompilerPartial.cpp
    if (mod == "sys" && callee.text == "getrefcount") return refcount_call(e);
    if (mod == "types" && callee.text == "ModuleType") return module_new(e, label);
    if (mod == "threading" && callee.text == "local") return thread_local_new(e, label);
    if (mod == "threading" && (callee.text == "Lock" || callee.text == "RLock"))
      return lock_new(e, label);  // CompilerLocks.cpp
    if (mod == "gc" && (callee.text == "is_finalized" || callee.text == "is_tracked")) {
      if (e.args.size() != 1) fail(e.loc, "gc." + callee.text + "() takes one argument");
      n.op = callee.text == "is_finalized" ? ExprOp::IsFinalized : ExprOp::IsTracked;
      n.a = value(*e.args[0], "");
      return add_expr(n, e.loc);
    }
    if (mod == "gc" && callee.text == "collect")
      fail(e.loc, "gc.collect() must be a statement of its own or assigned to a variable");
    if (mod == "collections" && callee.text == "deque") {
      if (e.args.size() > 1) fail(e.args[1]->loc, "collections.deque() takes at most one list");
      n.op = ExprOp::DequeNew;
      if (!e.args.empty()) n.a = value(*e.args[0], "");
      n.label = site_label("deque");
      return add_expr(n, e.loc);
    }
    fail(callee.loc, "'" + mod + "." + callee.text + "()' is not part of the scenario language");
  }
  if (callee.kind == ExprKind::Attr && callee.text == "close" && !method_names_.count("close"))
    return generator_builtin(e);  // gen.close() (Y4)
  // x.append(v) and such; any other x.name() calls what x.name holds (a weakref)
  if (callee.kind == ExprKind::Attr && !method_names_.count(callee.text) &&
      container_methods().count(callee.text))
    return method_call(e);
  if (callee.kind == ExprKind::Attr && method_names_.count(callee.text))
    return py_method_call(e);  // FN14 (CompilerMethodCalls.cpp)
  // x.NAME(args) of a name no class defines: what the instance dict holds
  // (a function, a lambda, a bound method) called with the arguments, or
  // AttributeError at the lookup, as for a method (FN15)
  if (callee.kind == ExprKind::Attr && !e.args.empty()) {
    const std::string& name = callee.text;
    if (model::builtin_method_name(name) || (name.size() > 4 && name.rfind("__", 0) == 0))
      fail(callee.loc, "'." + name +
                           "()' is not a method the scenario language knows; containers have "
                           "append, pop, insert, clear, remove (list), pop, get, clear (dict), "
                           "add, discard, remove, clear (set), append, appendleft, pop, popleft, "
                           "clear (collections.deque), detach, peek (weakref.finalize)");
    return py_method_call(e);
  }
  if (calls_function(e)) return function_call(e);  // FN8
  if (!e.args.empty())
    fail(e.args[0]->loc, "calling a weakref takes no arguments (nor does a weakref.finalize)");
  n.op = ExprOp::Deref;
  n.a = value(callee, "");
  return add_expr(n, e.loc);
}

// The second argument of weakref.ref: a function, a bound method or None.
ExprId Compiler::callback_expr(const Expr& e) {
  if (e.kind == ExprKind::None) return value(e, "");
  if (is_partial_call(e)) return partial_call(e, "", 1);  // PT3: called with the weakref
  if (e.kind == ExprKind::Lambda) {
    const size_t n = e.def->params.size(), required = n - e.def->defaults.size();  // FN7
    if (required > 1 || n < 1)
      fail(e.loc, "a weakref callback takes one parameter (the weakref); this lambda takes " +
                      parameters(e.def->params.size()));
    return value(e, "");
  }
  if (e.kind == ExprKind::Name) {
    Resolved r = resolve(e.text, *cur_);
    if (r.kind == NameKind::Function) {
      FuncId f = static_cast<FuncId>(r.index);
      reject_generator_callback(f, e.loc);
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
  fail(e.loc,
       "a weakref callback must be a function name, a variable or attribute holding a callable "
       "(a call's result: store it in a variable first), 'obj.method', a lambda or None");
}

}  // namespace lifecheck::lang::detail

namespace lifecheck::lang::detail {

// The class weakref.finalize and the hidden global holding its registry,
// added when a scenario first uses it (model/Finalize.cpp).
void Compiler::declare_finalize() {
  if (p_.finalize_type != kNoType) return;
  if (p_.types.size() >= kNoType) fail(where_, "scenario too large: too many types");
  TypeInfo t;
  t.name = "weakref.finalize";  // __slots__ = (): no dict, no weakrefs; a GC type
  t.weakrefable = false;
  t.has_dict = false;
  p_.types.push_back(t);
  p_.finalize_type = static_cast<ClassId>(p_.types.size() - 1);
  room(p_.globals.size(), 1, "globals");
  p_.finalize_registry = static_cast<uint16_t>(p_.globals.size());
  p_.globals.push_back("weakref.finalize._registry");
  p_.finalize_registry_label = label_id("weakref.finalize._registry");
  p_.finalize_info_label = label_id("finalize info");
}

// weakref.finalize(obj, func, *args): the extra arguments become a tuple,
// as *args packs them (`()` when there are none).
ExprId Compiler::finalize_new(const Expr& e, LabelId label) {
  if (e.args.size() < 2)
    fail(e.loc, "weakref.finalize() takes the object, a function and the function's arguments");
  if (e.args.size() - 2 > static_cast<size_t>(kMaxItems))
    fail(e.args[2 + kMaxItems]->loc,
         "weakref.finalize() takes at most " + std::to_string(kMaxItems) + " arguments for func");
  declare_finalize();
  ExprNode n;
  n.op = ExprOp::FinalizeNew;
  n.a = value(*e.args[0], "");
  n.b = finalize_func(*e.args[1], e.args.size() - 2);
  n.args.push_back(args_tuple(e, 2));
  n.label = label;
  return add_expr(n, e.loc);
}

// The call's arguments from `first` on as *args packs them: a tuple (`()`
// when there are none); weakref.finalize and atexit.register.
ExprId Compiler::args_tuple(const Expr& e, size_t first) {
  ExprNode t;
  t.op = ExprOp::TupleNew;
  for (size_t i = first; i < e.args.size(); ++i) t.args.push_back(value(*e.args[i], ""));
  if (t.args.empty()) {
    t.op = ExprOp::Const;
    t.value = *const_tuple({});
  } else {
    t.label = label_id("tuple@" + std::to_string(e.loc.line));
  }
  return add_expr(t, e.loc);
}

// The function of weakref.finalize: rejects what is visibly not callable
// with that many arguments; anything else fails (TypeError) only when the
// finalizer is called, as in CPython.
// A literal or a display: a value that is visibly not callable.
bool literal_value(const Expr& e) {
  switch (e.kind) {
    case ExprKind::None:
    case ExprKind::Int:
    case ExprKind::Str:
    case ExprKind::True:
    case ExprKind::False:
    case ExprKind::List:
    case ExprKind::Tuple:
    case ExprKind::Dict:
    case ExprKind::Set:
      return true;
    default:
      return false;
  }
}

ExprId Compiler::finalize_func(const Expr& e, size_t nargs, const char* who) {
  const std::string w = who;
  auto count = [](size_t n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); };
  if (literal_value(e))
    fail(e.loc, "the function of " + w + " must be callable: a function name or 'obj.method'");
  switch (e.kind) {
    case ExprKind::Lambda:  // (the last parameters may have defaults: FN7)
      if (e.def->params.size() < nargs || e.def->params.size() - e.def->defaults.size() > nargs)
        fail(e.loc, w + "() passes " + count(nargs) + " to this lambda, which takes " +
                        parameters(e.def->params.size()));
      break;
    case ExprKind::Name: {
      Resolved r = resolve(e.text, *cur_);
      if (r.kind == NameKind::Function)
        reject_generator_callback(static_cast<FuncId>(r.index), e.loc);
      if (r.kind == NameKind::Function && p_.funcs[r.index].nparams != nargs)
        fail(e.loc, w + "() passes " + count(nargs) + " to '" + e.text + "', which takes " +
                        parameters(p_.funcs[r.index].nparams));
      break;
    }
    case ExprKind::Attr:
      if (method_names_.count(e.text))
        for (const TypeInfo& t : p_.types)
          for (auto& [name, fid] : t.methods)
            if (name == e.text && p_.funcs[fid].nparams != nargs + 1)
              fail(e.loc, w + "() passes " + count(nargs) + " to '" + t.name + "." + name +
                              "', which takes " + parameters(p_.funcs[fid].nparams) + " with self");
      break;
    default:
      break;
  }
  return value(e, "");
}

}  // namespace lifecheck::lang::detail

namespace lifecheck::lang::detail {

// weakref.proxy(obj[, callback]) (model/Proxies.cpp): the proxy type is
// declared when a scenario first uses it, so scenarios without proxies keep
// their types (and state counts).
ExprId Compiler::proxy_new(const Expr& e, LabelId label) {
  if (e.args.empty() || e.args.size() > 2)
    fail(e.loc, "weakref.proxy() takes a referent and an optional callback");
  const Expr& referent = *e.args[0];
  if (referent.kind == ExprKind::Name && resolve(referent.text, *cur_).kind == NameKind::Function)
    fail(referent.loc,
         "a proxy of a function (weakref.CallableProxyType) is not modelled; "
         "proxy an instance");
  if (p_.proxy_type == kNoType) {
    if (p_.types.size() >= kNoType) fail(where_, "scenario too large: too many types");
    TypeInfo t;
    t.name = "weakref.ProxyType";  // a GC type without a dict or weakrefs of its own
    t.kind = TypeKind::Weakref;
    t.heap = false;
    t.weakrefable = false;
    t.has_dict = false;
    p_.types.push_back(t);
    p_.proxy_type = static_cast<ClassId>(p_.types.size() - 1);
    intern("ReferenceError");  // raised through a dead proxy (W16)
  }
  ExprNode n;
  n.op = ExprOp::WeakrefNew;
  n.slot = 1;
  n.a = value(referent, "");
  if (e.args.size() == 2) n.b = callback_expr(*e.args[1]);
  n.label = label;
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
