// Generators (issue 12 point 5, model/Generators.cpp): which defs are
// generator functions, the generator type, `yield`, calling a generator
// function, next(gen) and gen.close().
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

// The first yield in a body, outside nested defs (CompilerImpl.h).
const Stmt* find_yield(const std::vector<Stmt>& body) { return find_kind(body, StmtKind::Yield); }

// A module-level def whose body yields is a generator function (Y1); a
// yield anywhere else is refused.
void Compiler::declare_generators() {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    const Stmt* y = find_yield(body_of(f));
    if (!y) continue;
    const FuncInfo& fn = p_.funcs[f];
    if (fn.kind != FuncKind::Function)
      fail(y->loc, std::string("'yield' is only supported in a module-level def (") +
                       (fn.kind == FuncKind::Thread   ? "not in a thread body"
                        : fn.kind == FuncKind::Module ? "not in module code"
                                                      : "not in a method") +
                       ")");
    if (fn.nlocals > kMaxItems)
      fail(loc_of_func(f), "generator function '" + fn.name + "' has " +
                               std::to_string(fn.nlocals) + " locals; at most " +
                               std::to_string(kMaxItems) + " are supported");
    p_.funcs[f].generator = true;
    if (p_.generator_type != kNoType) continue;
    if (p_.types.size() >= kNoType) fail(y->loc, "scenario too large: too many types");
    // PyGen_Type: a static GC type with a weakref list, tp_finalize
    // (_PyGen_Finalize) and no tp_clear.
    TypeInfo t;
    t.name = "generator";
    t.kind = TypeKind::Generator;
    t.heap = false;
    t.has_dict = false;
    t.has_clear = false;
    t.finalizer = kGeneratorFinalize;
    p_.types.push_back(t);
    p_.generator_type = static_cast<ClassId>(p_.types.size() - 1);
    for (const char* e : {"GeneratorExit", "StopIteration", "RuntimeError"}) intern(e);
  }
}

// A function used where the runtime calls it (a weakref or gc callback,
// weakref.finalize's function, a C type's `call` step) must not be a
// generator function: calling it would only make a generator.
void Compiler::reject_generator_callback(FuncId f, Loc loc) const {
  if (f < p_.funcs.size() && p_.funcs[f].generator)
    fail(loc, "'" + p_.funcs[f].name +
                  "' is a generator function: calling it only creates a generator, so it "
                  "cannot serve as a callback");
}

// g(args): a new generator object (Y1).
ExprId Compiler::generator_call(const Expr& e, FuncId f, LabelId label) {
  const FuncInfo& fn = p_.funcs[f];
  if (!fn.generator)
    fail(e.base->loc, "calling '" + e.base->text +
                          "' directly is not supported; functions serve as weakref and gc "
                          "callbacks (only a generator function, one that yields, can be "
                          "called)");
  if (e.args.size() != fn.nparams)
    fail(e.loc, "'" + fn.name + "' takes " + parameters(fn.nparams) + ", not " +
                    std::to_string(e.args.size()));
  ExprNode n;
  n.op = ExprOp::GenNew;
  n.slot = f;
  for (const ExprPtr& a : e.args) n.args.push_back(value(*a, ""));
  n.label = label;
  return add_expr(n, e.loc);
}

// next(gen) (Y2) and gen.close() (Y4).
ExprId Compiler::generator_builtin(const Expr& e) {
  const Expr& callee = *e.base;
  ExprNode n;
  if (callee.kind == ExprKind::Name) {
    if (e.args.size() != 1) fail(e.loc, "next() takes one argument here, a generator (no default)");
    n.op = ExprOp::GenNext;
    n.a = value(*e.args[0], "");
    return add_expr(n, e.loc);
  }
  if (!e.args.empty()) fail(e.args[0]->loc, "'.close()' takes no arguments");
  n.op = ExprOp::GenClose;
  n.a = value(*callee.base, "");
  return add_expr(n, e.loc);
}

void Compiler::yield_stmt(const Stmt& s, std::vector<StatementId>& out) {
  ExprId v = s.value ? value(*s.value, "") : kNoExpr;
  add_stmt(model::StatementKind::Yield, s.loc, out).value = v;
}

}  // namespace lifecheck::lang::detail
