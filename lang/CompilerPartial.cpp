// functools.partial(func, *args) (model/Partial.cpp, rules PT1-PT6). The
// partial type is declared when a scenario first calls it, so scenarios
// without partials keep their types, code and state counts. A variable
// assigned a partial holds a function as far as the static kinds go (it is
// called like one).
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

bool Compiler::is_partial_call(const Expr& e) const {
  if (e.kind != ExprKind::Call || e.base->kind != ExprKind::Attr) return false;
  const Expr& callee = *e.base;
  return callee.base->kind == ExprKind::Name && callee.base->text == "functools" &&
         callee.text == "partial" && resolve("functools", *cur_).kind == NameKind::Module;
}

ExprId Compiler::partial_call(const Expr& e, const std::string& label, int passed) {
  const Expr& callee = *e.base;
  if (callee.text != "partial")
    fail(callee.loc, "'functools." + callee.text +
                         "()' is not part of the scenario language; functools has partial");
  if (e.args.empty()) fail(e.loc, "functools.partial() takes a function and its first arguments");
  if (!e.keywords.empty())
    fail(e.args[e.args.size() - e.keywords.size()]->loc,
         "keyword arguments to functools.partial are not supported (its keywords dict stays "
         "empty in the model)");
  const size_t stored = e.args.size() - 1;
  if (stored > static_cast<size_t>(kMaxItems))
    fail(e.args[1 + kMaxItems]->loc,
         "functools.partial() stores at most " + std::to_string(kMaxItems) + " arguments");
  // What is visibly not callable, or takes fewer parameters than the
  // partial stores (or than a weakref callback's call passes); anything
  // else is checked when the partial is called (TypeError), as in CPython.
  const Expr& f = *e.args[0];
  const size_t at_least = passed < 0 ? stored : stored + static_cast<size_t>(passed);
  auto too_few = [&](size_t params, const std::string& what) {
    const bool exact = passed >= 0;
    if (exact ? params == at_least : params >= at_least) return;
    fail(f.loc, "functools.partial() stores " + std::to_string(stored) +
                    (stored == 1 ? " argument" : " arguments") +
                    (exact ? " and the weakref callback's call passes the weakref" : "") +
                    ", but " + what + " takes " + parameters(params));
  };
  if (literal_value(f)) fail(f.loc, "the first argument of functools.partial must be callable");
  switch (f.kind) {
    case ExprKind::Name: {
      const Resolved r = resolve(f.text, *cur_);
      if (r.kind == NameKind::Function) {
        reject_generator_callback(static_cast<FuncId>(r.index), f.loc);
        too_few(p_.funcs[r.index].nparams, "'" + f.text + "'");
      }
      if (r.kind == NameKind::Class)
        fail(f.loc, "a functools.partial of a class is not modelled; wrap the call in a def");
      break;
    }
    case ExprKind::Attr:
      if (method_names_.count(f.text))
        for (const TypeInfo& t : p_.types)
          for (auto& [name, fid] : t.methods)
            if (name == f.text) too_few(p_.funcs[fid].nparams - 1u, t.name + "." + name);
      break;
    default:
      break;
  }
  if (p_.partial_type == kNoType) {
    if (p_.types.size() >= kNoType) fail(e.loc, "scenario too large: too many types");
    // Py_TPFLAGS_HAVE_GC, a weakref list; its __dict__ is not modelled
    p_.partial_type = add_static_type("functools.partial", TypeKind::Partial, false, true);
    p_.partial_args_label = label_id("partial.args");
    p_.partial_keywords_label = label_id("partial.keywords");
    intern("TypeError");
  }
  ExprNode n;
  n.op = ExprOp::PartialNew;
  n.a = value(f, "");
  for (size_t i = 1; i < e.args.size(); ++i) n.args.push_back(value(*e.args[i], ""));
  n.value = *const_tuple({});  // the empty-tuple singleton of a partial storing nothing
  n.label = label_id(label.empty() ? "partial@" + std::to_string(e.loc.line) : label);
  return add_expr(n, e.loc);
}

}  // namespace lifecheck::lang::detail
