// Statements: each body lowered to a tree of model::Statement (what
// emit-python prints); model/CodeGen.cpp turns the trees into bytecode.
#include <algorithm>

#include "lang/CompilerImpl.h"
#include "model/CodeGen.h"

namespace lifecheck::lang::detail {

void Compiler::compile_bodies() {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    cur_ = &scopes_[f];
    std::vector<StatementId> out;
    if (f == 0) class_attr_stmts(out);     // CA1 (CompilerClassAttrs.cpp)
    if (f == 0) module_object_stmts(out);  // FN11
    for (const Stmt& s : body_of(f)) stmt(s, out);
    p_.funcs[f].body = std::move(out);
  }
  frame_slots_for_callers();
  model::generate_code(p_);
  // jump targets and pcs are 16-bit
  for (const model::FuncInfo& f : p_.funcs)
    if (f.code.size() > kMaxTableEntries)
      fail(Loc{static_cast<int32_t>(f.line), 1}, "scenario too large: more than " +
                                                     std::to_string(kMaxTableEntries) +
                                                     " bytecode operations in one body");
}

// X5: once some body binds an exception with `except ... as`, a stored
// exception can keep a frame object past its frame's return, and
// take_ownership (Python/frame.c) then makes the frame object of the
// frame's caller (f_back), which takes the caller's locals when the caller
// returns. Any body may be that caller (a decref or a collection runs
// __del__ and callbacks on top of whatever body runs), so each one but a
// generator's gets the hidden local a binding body has.
void Compiler::frame_slots_for_callers() {
  const bool binds = std::any_of(p_.funcs.begin(), p_.funcs.end(), [](const model::FuncInfo& fi) {
    return fi.frame_slot != model::kNoFrameSlot;
  });
  if (!binds) return;
  for (model::FuncInfo& fi : p_.funcs) {
    if (fi.frame_slot != model::kNoFrameSlot || fi.generator) continue;
    fi.frame_slot = fi.nlocals++;
    fi.local_names.push_back("<frame>");
  }
}

// The label a creation site gets from its assignment target: `a`,
// `self.peer`; empty when the target is not a plain name chain.
std::string Compiler::target_text(const Expr& e) {
  if (e.kind == ExprKind::Name) return e.text;
  if (e.kind == ExprKind::Attr) {
    std::string base = target_text(*e.base);
    return base.empty() ? "" : base + "." + e.text;
  }
  return "";
}

bool Compiler::is_module_call(const Expr& e, const char* module, const char* fn) const {
  return e.kind == ExprKind::Call && e.base->kind == ExprKind::Attr && e.base->text == fn &&
         e.base->base->kind == ExprKind::Name && e.base->base->text == module &&
         resolve(module, *cur_).kind == NameKind::Module;
}

bool Compiler::is_gc_garbage(const Expr& e) const {
  return e.kind == ExprKind::Attr && e.text == "garbage" && e.base->kind == ExprKind::Name &&
         e.base->text == "gc" && resolve("gc", *cur_).kind == NameKind::Module;
}

model::Statement& Compiler::add_stmt(model::StatementKind kind, Loc loc,
                                     std::vector<StatementId>& out) {
  where_ = loc;
  room(p_.stmts.size(), 1, "statements");
  model::Statement s;
  s.kind = kind;
  s.line = static_cast<uint32_t>(loc.line);
  s.col = static_cast<uint32_t>(loc.col);
  p_.stmts.push_back(std::move(s));
  out.push_back(static_cast<StatementId>(p_.stmts.size() - 1));
  return p_.stmts.back();
}

void Compiler::stmt(const Stmt& s, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  where_ = s.loc;
  switch (s.kind) {
    case StmtKind::Pass:
      add_stmt(K::Pass, s.loc, out);
      return;
    case StmtKind::Global:
    case StmtKind::Nonlocal:  // FN9
      return;                 // a declaration, handled by collect_globals
    case StmtKind::Import:
      return import_stmt(s);  // CompilerAtexit.cpp
    case StmtKind::Assign:
      return assign(s, out);
    case StmtKind::Del:
      return del(s, out);
    case StmtKind::Expr:  // a lambda's body returns its value (FN8)
      if (p_.funcs[cur_->func].lambda && !statement_call(*s.value)) return return_stmt(s, out);
      return expr_stmt(s, out);
    case StmtKind::Return:  // FN8
      return return_stmt(s, out);
    case StmtKind::Assert: {
      ExprId c = condition(*s.value);
      model::Statement& st = add_stmt(K::Assert, s.loc, out);
      st.value = c;
      st.str = intern(s.text);
      return;
    }
    case StmtKind::Raise:
      // a bare `raise` re-raises the exception an except clause handles
      // (X6); elsewhere it raises Exception, as documented
      add_stmt(s.bare && except_depth_ > 0 ? K::Reraise : K::Raise, s.loc, out).str =
          intern(s.text);
      return;
    case StmtKind::Try:
      return try_stmt(s, out);
    case StmtKind::With:
      return with_stmt(s, out);  // CompilerLocks.cpp
    case StmtKind::Yield:
      return yield_stmt(s, out);
    case StmtKind::Def:
      return def_stmt(s, out);
    case StmtKind::For:
      return for_stmt(s, out);
    case StmtKind::Break:
      add_stmt(K::Break, s.loc, out);
      return;
    case StmtKind::Continue:
      add_stmt(K::Continue, s.loc, out);
      return;
    case StmtKind::If:
    case StmtKind::While: {  // a while (IT7) is lowered by model/CodeGen.cpp as CPython does
      ExprId c = condition(*s.value);
      std::vector<StatementId> body, orelse;
      for (const Stmt& b : s.body) stmt(b, body);
      for (const Stmt& b : s.orelse) stmt(b, orelse);
      model::Statement& st = add_stmt(s.kind == StmtKind::If ? K::If : K::While, s.loc, out);
      st.value = c;
      st.body = std::move(body);
      st.orelse = std::move(orelse);
      return;
    }
  }
}

// for NAME in range(N) / range(A, B) (issue 12 point 4; the parser checks
// the literals) and for NAME in EXPR (IT1-IT6, model/Iteration.cpp): EXPR
// must be able to hold a list, tuple, dict, set, deque or generator; what it
// holds is checked at run time (TypeError), like Python.
void Compiler::for_stmt(const Stmt& s, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  ExprId iterated = kNoExpr;
  if (s.iterates) {
    const Expr& v = *s.value;
    const uint16_t k =
        v.kind == ExprKind::Name ? kind_of_name(v.text, *cur_) : syntactic_kind(v, *cur_);
    if (k == KStr || k == KInfo)
      fail(v.loc, "iterating over " + kind_phrase(k) + " is not part of the scenario language");
    if ((k & (KObj | KList | KTuple | KDict | KSet | KDeque)) == 0)
      fail(v.loc, "cannot iterate over " + kind_phrase(k) +
                      ": a loop goes over a list, tuple, dict, set, deque or generator, "
                      "or range(N)");
    iterated = value(v, "");
    for (const char* raised : {"TypeError", "RuntimeError", "ValueError"}) intern(raised);
  }
  ExprId var = target_expr(*s.target, false);
  std::vector<StatementId> body, orelse;
  for (const Stmt& b : s.body) stmt(b, body);
  for (const Stmt& b : s.orelse) stmt(b, orelse);
  model::Statement& st = add_stmt(s.iterates ? K::ForIn : K::For, s.loc, out);
  st.target = var;
  if (s.iterates) {
    st.value = iterated;
  } else {
    st.slot = static_cast<uint16_t>(s.value->value);
    if (s.range_start) st.range_start = static_cast<uint16_t>(s.range_start->value);
  }
  st.body = std::move(body);
  st.orelse = std::move(orelse);
}

// try/except/else/finally (X2-X6). Exception names are not checked: as
// with `raise`, any name is a class (a scenario's own derives from
// Exception). `as NAME` needs the body's frame object: a hidden local.
void Compiler::try_stmt(const Stmt& s, std::vector<StatementId>& out) {
  std::vector<StatementId> body, orelse, finalbody;
  for (const Stmt& b : s.body) stmt(b, body);
  std::vector<model::ExceptClause> clauses;
  for (const ExceptAst& h : s.handlers) {
    model::ExceptClause c;
    c.line = static_cast<uint32_t>(h.loc.line);
    c.col = static_cast<uint32_t>(h.loc.col);
    std::vector<Value> names;
    for (const auto& [name, loc] : h.names) {
      c.names.push_back(intern(name));
      names.push_back(Value::str(c.names.back()));
    }
    c.match = Value::none();
    if (names.size() == 1) {
      c.match = names[0];
    } else if (!names.empty()) {
      auto same = std::find(p_.const_tuples.begin(), p_.const_tuples.end(), names);
      if (same == p_.const_tuples.end()) {
        p_.const_tuples.push_back(names);
        same = p_.const_tuples.end() - 1;
      }
      c.match = Value::const_tuple(static_cast<uint32_t>(same - p_.const_tuples.begin()));
    }
    if (!h.bind.empty()) {
      Expr target;
      target.kind = ExprKind::Name;
      target.loc = h.bind_loc;
      target.text = h.bind;
      c.bind = target_expr(target, false);
      FuncInfo& fi = p_.funcs[cur_->func];
      if (fi.frame_slot == model::kNoFrameSlot) {
        fi.frame_slot = fi.nlocals++;
        fi.local_names.push_back("<frame>");
      }
    }
    ++except_depth_;
    for (const Stmt& b : h.body) stmt(b, c.body);
    --except_depth_;
    clauses.push_back(std::move(c));
  }
  for (const Stmt& b : s.orelse) stmt(b, orelse);
  for (const Stmt& b : s.finalbody) stmt(b, finalbody);
  model::Statement& st = add_stmt(model::StatementKind::Try, s.loc, out);
  st.body = std::move(body);
  st.handlers = std::move(clauses);
  st.orelse = std::move(orelse);
  st.finalbody = std::move(finalbody);
}

// Where an assignment or a `del` puts (or removes) a value: a Local,
// Global, Attr or ItemGet expression.
ExprId Compiler::target_expr(const Expr& t, bool for_del) {
  ExprNode n;
  if (t.kind == ExprKind::Name) {
    Resolved r = resolve(t.text, *cur_);
    if (r.kind == NameKind::Local) {
      n.op = local_op(t.text);
    } else if (r.kind == NameKind::Global) {
      n.op = ExprOp::Global;
    } else if (!for_del) {
      fail(t.loc, "cannot assign to '" + t.text + "'");
    } else if (r.kind == NameKind::Unknown) {
      fail(t.loc, "unknown name '" + t.text + "'");
    } else {
      fail(t.loc, "cannot delete '" + t.text + "': it names a " + kind_word(r.kind));
    }
    n.slot = static_cast<uint16_t>(r.index);
    return add_expr(n, t.loc);
  }
  if (names_class_attr(t)) return class_attr_expr(t);  // CA5
  if (t.kind == ExprKind::Attr) {
    n.op = ExprOp::Attr;
    n.a = object_expr(*t.base, t.text);
    n.slot = attribute_id(t.text, t.loc, true, for_del);  // DA1-DA4
    // f.x = v on a name holding a function: its __dict__'s label (FN10)
    if (!for_del && t.base->kind == ExprKind::Name && (kind_of_name(t.base->text, *cur_) & KFunc) &&
        kind_of_name(t.base->text, *cur_) != KAny)
      n.label = label_id(t.base->text + ".__dict__");
    return add_expr(n, t.loc);
  }
  if (t.kind == ExprKind::Subscript && t.rhs->kind == ExprKind::Slice) {
    if (!for_del) fail(t.rhs->loc, "assigning to a slice is not supported; 'del x[i:j]' is");
    n.op = ExprOp::Slice;
    n.a = container_expr(*t.base);
    n.args = {t.rhs->base ? value(*t.rhs->base, "") : kNoExpr,
              t.rhs->rhs ? value(*t.rhs->rhs, "") : kNoExpr};
    return add_expr(n, t.loc);
  }
  if (t.kind == ExprKind::Subscript) {
    n.op = ExprOp::ItemGet;
    n.a = container_expr(*t.base);
    n.b = item_key(*t.rhs);
    return add_expr(n, t.loc);
  }
  fail(t.loc, "'del' needs a name, an attribute or an item");
}

void Compiler::assign(const Stmt& s, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  if (class_del_stmt(s, out)) return;
  check_method_attribute_store(s);  // FN15 (CompilerMethodCalls.cpp)
  const Expr& t = *s.target;
  std::string label = target_text(t);
  if (is_module_call(*s.value, "gc", "collect")) {
    if (t.kind != ExprKind::Name)
      fail(s.value->loc, "gc.collect() may only be assigned to a variable");
    uint16_t gen = collect_generation(*s.value);
    ExprId target = target_expr(t, false);
    model::Statement& st = add_stmt(K::Collect, s.loc, out);
    st.slot = gen;
    st.target = target;
    return;
  }
  if (auto ct = c_construction(*s.value)) {
    if (t.kind != ExprKind::Name)
      fail(s.value->loc,
           "creating a C type instance must be a statement of its own or "
           "assigned to a variable");
    construct(*s.value, *ct, label, s.loc, out);
    ExprId target = target_expr(t, false);
    p_.stmts[out.back()].target = target;
    return;
  }
  ExprId target = kNoExpr, v = kNoExpr;
  if (t.kind == ExprKind::Name) {
    target = target_expr(t, false);
    v = value(*s.value, label);
  } else if (t.kind == ExprKind::Subscript) {
    if (t.rhs->kind == ExprKind::Slice)
      fail(t.rhs->loc, "assigning to a slice is not supported; 'del x[i:j]' is");
    ExprNode n;
    n.op = ExprOp::ItemGet;
    n.a = container_expr(*t.base);
    v = value(*s.value, label);
    n.b = item_key(*t.rhs);
    target = add_expr(n, t.loc);
  } else {
    target = target_expr(t, false);
    v = value(*s.value, label);
  }
  model::Statement& st = add_stmt(K::Assign, s.loc, out);
  st.target = target;
  st.value = v;
}

void Compiler::del(const Stmt& s, std::vector<StatementId>& out) {
  if (class_del_stmt(s, out)) return;
  ExprId target = target_expr(*s.target, true);
  add_stmt(model::StatementKind::Del, s.loc, out).target = target;
}

// `T(args)` where T is a C type or a class deriving from one.
std::optional<ClassId> Compiler::c_construction(const Expr& e) const {
  if (e.kind != ExprKind::Call || e.base->kind != ExprKind::Name) return std::nullopt;
  Resolved r = resolve(e.base->text, *cur_);
  if (r.kind != NameKind::Class) return std::nullopt;
  const TypeInfo& t = p_.types[static_cast<size_t>(r.index)];
  if (t.kind != TypeKind::CType && !p_.derives_from_c_type(t)) return std::nullopt;
  return static_cast<ClassId>(r.index);
}

void Compiler::construct(const Expr& call, ClassId type, const std::string& label, Loc loc,
                         std::vector<StatementId>& out) {
  const TypeInfo& t = p_.types[type];
  const TypeInfo& ct = t.kind == TypeKind::CType ? t : p_.types[t.base];
  if (call.args.size() > ct.c_fields.size())
    fail(call.args[ct.c_fields.size()]->loc,
         "'" + t.name + "()' takes at most " + std::to_string(ct.c_fields.size()) +
             (ct.c_fields.size() == 1 ? " argument" : " arguments") + ", one per field of " +
             ct.name);
  if (t.init != kNoFunc && call.args.size() + 1 != p_.funcs[t.init].nparams) {
    // TI1: the arguments go to tp_new and to __init__ (self first)
    const size_t takes = p_.funcs[t.init].nparams - 1u;
    fail(call.args.empty() ? call.loc : call.args[std::min(takes, call.args.size() - 1)]->loc,
         "'" + t.name + "()' takes " + std::to_string(takes) + " argument" +
             (takes == 1 ? "" : "s") + " (its __init__'s), not " +
             std::to_string(call.args.size()));
  }
  LabelId site = label_id(label.empty() ? t.name + "@" + std::to_string(call.loc.line) : label);
  std::vector<ExprId> args;
  for (const ExprPtr& a : call.args) args.push_back(value(*a, ""));
  model::Statement& st = add_stmt(model::StatementKind::Construct, loc, out);
  st.slot = type;
  st.label = site;
  st.args = std::move(args);
}

uint16_t Compiler::collect_generation(const Expr& call) {
  if (call.args.size() > 1) fail(call.loc, "gc.collect() takes at most one argument");
  if (call.args.empty()) return 2;
  const Expr& g = *call.args[0];
  if (g.kind != ExprKind::Int || g.value < 0 || g.value > 2)
    fail(g.loc, "the generation passed to gc.collect() must be 0, 1 or 2");
  return static_cast<uint16_t>(g.value);
}

void Compiler::expr_stmt(const Stmt& s, std::vector<StatementId>& out) {
  using K = model::StatementKind;
  const Expr& e = *s.value;
  if (e.kind == ExprKind::Call) {
    const Expr& callee = *e.base;
    if (callee.kind == ExprKind::Name && resolve(callee.text, *cur_).kind == NameKind::Log)
      return log_stmt(e, s.loc, out);
    if (is_module_call(e, "gc", "collect")) {
      uint16_t gen = collect_generation(e);
      add_stmt(K::Collect, s.loc, out).slot = gen;
      return;
    }
    if (gc_module_stmt(e, s.loc, out)) return;  // CompilerBuiltins.cpp
    if (is_module_call(e, "gc", "enable") || is_module_call(e, "gc", "disable")) {
      if (!e.args.empty()) fail(e.args[0]->loc, "gc." + callee.text + "() takes no arguments");
      add_stmt(callee.text == "enable" ? K::GcEnable : K::GcDisable, s.loc, out);
      return;
    }
    if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Attr &&
        callee.base->text == "callbacks" && callee.base->base->kind == ExprKind::Name &&
        callee.base->base->text == "gc") {
      return gc_callbacks_stmt(e, s.loc, out);  // CompilerCalls.cpp
    }
    if (callee.kind == ExprKind::Attr && callee.text == "join" &&
        callee.base->kind == ExprKind::Name &&
        resolve(callee.base->text, *cur_).kind == NameKind::Thread) {
      if (!e.args.empty()) fail(e.loc, "join() takes no arguments here");
      ThreadId t = threads_.at(callee.base->text);
      if (t == 0) fail(callee.base->loc, "the main thread cannot be joined");
      if (cur_->func == p_.threads[t].body)
        fail(callee.base->loc, "thread '" + callee.base->text + "' cannot join itself");
      if (p_.funcs[cur_->func].kind != FuncKind::Thread &&
          p_.funcs[cur_->func].kind != FuncKind::Module)
        fail(callee.loc, "join() is only allowed in thread bodies");
      if (p_.funcs[cur_->func].kind == FuncKind::Module)
        fail(callee.loc,
             "threads start after the module-level code; join them from "
             "'thread main:'");
      add_stmt(K::Join, s.loc, out).slot = t;
      return;
    }
  }
  if (auto ct = c_construction(e)) return construct(e, *ct, "", s.loc, out);
  ExprId v = value(e, "");
  add_stmt(K::Expr, s.loc, out).value = v;
}

void Compiler::log_stmt(const Expr& call, Loc loc, std::vector<StatementId>& out) {
  if (call.args.empty()) fail(call.loc, "log() needs at least one argument");
  std::vector<ExprId> args;
  for (const ExprPtr& a : call.args) args.push_back(value(*a, ""));
  add_stmt(model::StatementKind::Log, loc, out).args = std::move(args);
}

}  // namespace lifecheck::lang::detail
