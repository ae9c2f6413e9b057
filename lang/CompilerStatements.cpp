// Statements: each function body lowered to model::Instr, one per
// statement boundary.
#include "lang/CompilerImpl.h"

namespace lifecheck::lang::detail {

void Compiler::compile_bodies() {
  for (FuncId f = 0; f < p_.funcs.size(); ++f) {
    cur_ = &scopes_[f];
    code_.clear();
    const std::vector<Stmt>& body = body_of(f);
    for (const Stmt& s : body) stmt(s);
    // Every body has a first statement boundary (function entry, T1).
    if (code_.empty()) emit(InstrOp::Pass, Loc{p_.funcs[f].line, 1});
    for (Instr& in : code_) {
      in.allocates = in.op == InstrOp::Construct || allocates(in.a) || allocates(in.b);
      for (uint16_t i = 0; i < in.count && in.op == InstrOp::Log; ++i)
        in.allocates = in.allocates || allocates(p_.log_args[in.first + i].expr);
    }
    p_.funcs[f].code = std::move(code_);
    code_.clear();
  }
}

// Whether evaluating the expression creates an object (G1: a GC
// allocation, where an automatic collection may be triggered).
bool Compiler::allocates(ExprId e) const {
  if (e == kNoExpr) return false;
  const ExprNode& n = p_.exprs[e];
  if (n.op == ExprOp::New || n.op == ExprOp::WeakrefNew || n.op == ExprOp::BoundMethod ||
      n.op == ExprOp::ListNew || n.op == ExprOp::TupleNew || n.op == ExprOp::DictNew)
    return true;
  return allocates(n.a) || allocates(n.b);
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

void Compiler::stmt(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::Pass:
      emit(InstrOp::Pass, s.loc);
      return;
    case StmtKind::Global:
      return;  // a declaration, handled by collect_globals
    case StmtKind::Assign:
      return assign(s);
    case StmtKind::Del:
      return del(s);
    case StmtKind::Expr:
      return expr_stmt(s);
    case StmtKind::Assert: {
      ExprId c = condition(*s.value);
      Instr& in = emit(InstrOp::Assert, s.loc);
      in.a = c;
      in.str = intern(s.text);
      return;
    }
    case StmtKind::Raise: {
      Instr& in = emit(InstrOp::Raise, s.loc);
      in.str = intern(s.text);
      return;
    }
    case StmtKind::If: {
      ExprId c = condition(*s.value);
      size_t jif = code_.size();
      emit(InstrOp::JumpIfFalse, s.loc).a = c;
      for (const Stmt& b : s.body) stmt(b);
      if (s.orelse.empty()) {
        code_[jif].target = static_cast<uint16_t>(code_.size());
        return;
      }
      size_t jmp = code_.size();
      emit(InstrOp::Jump, s.loc);
      code_[jif].target = static_cast<uint16_t>(code_.size());
      for (const Stmt& b : s.orelse) stmt(b);
      code_[jmp].target = static_cast<uint16_t>(code_.size());
      return;
    }
  }
}

void Compiler::assign(const Stmt& s) {
  const Expr& t = *s.target;
  std::string label = target_text(t);
  if (is_module_call(*s.value, "gc", "collect")) {
    if (t.kind != ExprKind::Name)
      fail(s.value->loc, "gc.collect() may only be assigned to a variable");
    Instr in = collect_instr(*s.value, s.loc);
    Resolved r = resolve(t.text, *cur_);
    in.dest = r.kind == NameKind::Local ? DestKind::Local : DestKind::Global;
    in.dest_slot = static_cast<uint16_t>(r.index);
    code_.push_back(in);
    return;
  }
  if (auto ct = c_construction(*s.value)) {
    if (t.kind != ExprKind::Name)
      fail(s.value->loc,
           "creating a C type instance must be a statement of its own or "
           "assigned to a variable");
    Instr in = construct_instr(*s.value, *ct, label, s.loc);
    Resolved r = resolve(t.text, *cur_);
    in.dest = r.kind == NameKind::Local ? DestKind::Local : DestKind::Global;
    in.dest_slot = static_cast<uint16_t>(r.index);
    code_.push_back(in);
    return;
  }
  if (t.kind == ExprKind::Name) {
    Resolved r = resolve(t.text, *cur_);
    ExprId v = value(*s.value, label);
    if (r.kind == NameKind::Local) {
      Instr& in = emit(InstrOp::StoreLocal, s.loc);
      in.slot = static_cast<uint16_t>(r.index);
      in.a = v;
    } else if (r.kind == NameKind::Global) {
      Instr& in = emit(InstrOp::StoreGlobal, s.loc);
      in.slot = static_cast<uint16_t>(r.index);
      in.a = v;
    } else {
      fail(t.loc, "cannot assign to '" + t.text + "'");
    }
    return;
  }
  if (t.kind == ExprKind::Subscript) {
    ExprId container = value(*t.base, "");
    ExprId v = value(*s.value, label);
    Instr& in = emit(InstrOp::StoreItem, s.loc);
    in.a = container;
    in.b = v;
    in.key = item_key(*t.rhs);
    return;
  }
  // attribute store
  ExprId obj = object_expr(*t.base, t.text);
  FieldId f = field_id(t.text, t.loc);
  ExprId v = value(*s.value, label);
  Instr& in = emit(InstrOp::StoreAttr, s.loc);
  in.a = obj;
  in.b = v;
  in.slot = f;
}

void Compiler::del(const Stmt& s) {
  const Expr& t = *s.target;
  if (t.kind == ExprKind::Name) {
    Resolved r = resolve(t.text, *cur_);
    if (r.kind == NameKind::Local) {
      emit(InstrOp::DelLocal, s.loc).slot = static_cast<uint16_t>(r.index);
    } else if (r.kind == NameKind::Global) {
      emit(InstrOp::DelGlobal, s.loc).slot = static_cast<uint16_t>(r.index);
    } else if (r.kind == NameKind::Unknown) {
      fail(t.loc, "unknown name '" + t.text + "'");
    } else {
      fail(t.loc, "cannot delete '" + t.text + "': it names a " + kind_word(r.kind));
    }
    return;
  }
  if (t.kind == ExprKind::Attr) {
    ExprId obj = object_expr(*t.base, t.text);
    Instr& in = emit(InstrOp::DelAttr, s.loc);
    in.a = obj;
    in.slot = field_id(t.text, t.loc);
    return;
  }
  if (t.kind == ExprKind::Subscript) {
    Instr& in = emit(InstrOp::DelItem, s.loc);
    in.a = value(*t.base, "");
    in.key = item_key(*t.rhs);
    return;
  }
  fail(t.loc, "'del' needs a name, an attribute or an item");
}

// `T(args)` where T is a C type or a class deriving from one.
std::optional<ClassId> Compiler::c_construction(const Expr& e) const {
  if (e.kind != ExprKind::Call || e.base->kind != ExprKind::Name) return std::nullopt;
  Resolved r = resolve(e.base->text, *cur_);
  if (r.kind != NameKind::Class) return std::nullopt;
  const TypeInfo& t = p_.types[static_cast<size_t>(r.index)];
  if (t.kind != TypeKind::CType && t.base == kNoType) return std::nullopt;
  return static_cast<ClassId>(r.index);
}

Instr Compiler::construct_instr(const Expr& call, ClassId type, const std::string& label, Loc loc) {
  const TypeInfo& t = p_.types[type];
  const TypeInfo& ct = t.kind == TypeKind::CType ? t : p_.types[t.base];
  if (call.args.size() > ct.c_fields.size())
    fail(call.args[ct.c_fields.size()]->loc,
         "'" + t.name + "()' takes at most " + std::to_string(ct.c_fields.size()) +
             (ct.c_fields.size() == 1 ? " argument" : " arguments") + ", one per field of " +
             ct.name);
  Instr in;
  in.op = InstrOp::Construct;
  in.line = static_cast<uint16_t>(loc.line);
  in.col = static_cast<uint16_t>(loc.col);
  in.slot = type;
  in.target = label_id(label.empty() ? t.name + "@" + std::to_string(call.loc.line) : label);
  in.first = static_cast<uint16_t>(p_.log_args.size());
  std::vector<ExprId> args;
  for (const ExprPtr& a : call.args) args.push_back(value(*a, ""));
  for (ExprId a : args) {
    LogArg arg;
    arg.expr = a;
    p_.log_args.push_back(arg);
  }
  in.count = static_cast<uint16_t>(call.args.size());
  return in;
}

Instr Compiler::collect_instr(const Expr& call, Loc loc) {
  Instr in;
  in.op = InstrOp::Collect;
  in.line = static_cast<uint16_t>(loc.line);
  in.col = static_cast<uint16_t>(loc.col);
  in.slot = 2;
  if (call.args.size() > 1) fail(call.loc, "gc.collect() takes at most one argument");
  if (call.args.size() == 1) {
    const Expr& g = *call.args[0];
    if (g.kind != ExprKind::Int || g.value < 0 || g.value > 2)
      fail(g.loc, "the generation passed to gc.collect() must be 0, 1 or 2");
    in.slot = static_cast<uint16_t>(g.value);
  }
  return in;
}

void Compiler::expr_stmt(const Stmt& s) {
  const Expr& e = *s.value;
  if (e.kind == ExprKind::Call) {
    const Expr& callee = *e.base;
    if (callee.kind == ExprKind::Name && resolve(callee.text, *cur_).kind == NameKind::Log)
      return log_stmt(e, s.loc);
    if (is_module_call(e, "gc", "collect")) {
      code_.push_back(collect_instr(e, s.loc));
      return;
    }
    if (is_module_call(e, "gc", "enable") || is_module_call(e, "gc", "disable")) {
      if (!e.args.empty()) fail(e.args[0]->loc, "gc." + callee.text + "() takes no arguments");
      emit(callee.text == "enable" ? InstrOp::GcEnable : InstrOp::GcDisable, s.loc);
      return;
    }
    if (callee.kind == ExprKind::Attr && callee.base->kind == ExprKind::Attr &&
        callee.base->text == "callbacks" && callee.base->base->kind == ExprKind::Name &&
        callee.base->base->text == "gc") {
      if (callee.text != "append" && callee.text != "remove")
        fail(callee.loc, "gc.callbacks supports append() and remove()");
      if (e.args.size() != 1) fail(e.loc, "gc.callbacks." + callee.text + "() takes one function");
      const Expr& f = *e.args[0];
      if (f.kind != ExprKind::Name || resolve(f.text, *cur_).kind != NameKind::Function)
        fail(f.loc, "gc.callbacks holds module-level functions; pass a function name");
      FuncId fid = functions_.at(f.text);
      if (p_.funcs[fid].nparams != 2)
        fail(f.loc, "a gc callback takes two parameters (phase, info); '" + f.text + "' takes " +
                        parameters(p_.funcs[fid].nparams));
      ExprNode n;
      n.op = ExprOp::Const;
      n.value = Value::func(fid);
      Instr& in = emit(
          callee.text == "append" ? InstrOp::GcCallbacksAppend : InstrOp::GcCallbacksRemove, s.loc);
      in.a = add_expr(n, f.loc);
      return;
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
      emit(InstrOp::Join, s.loc).slot = t;
      return;
    }
  }
  if (auto ct = c_construction(e)) {
    code_.push_back(construct_instr(e, *ct, "", s.loc));
    return;
  }
  ExprId v = value(e, "");
  emit(InstrOp::Eval, s.loc).a = v;
}

void Compiler::log_stmt(const Expr& call, Loc loc) {
  if (call.args.empty()) fail(call.loc, "log() needs at least one argument");
  Instr in;
  in.op = InstrOp::Log;
  in.line = static_cast<uint16_t>(loc.line);
  in.col = static_cast<uint16_t>(loc.col);
  // The arguments first: compiling one may add list or dict items to
  // log_args, and this statement's entries must be contiguous.
  std::vector<LogArg> args;
  for (const ExprPtr& a : call.args) {
    LogArg arg;
    if (a->kind == ExprKind::Str) {
      arg.is_text = true;
      arg.text = intern(a->text);
    } else {
      arg.expr = value(*a, "");
    }
    args.push_back(arg);
  }
  in.first = static_cast<uint16_t>(p_.log_args.size());
  p_.log_args.insert(p_.log_args.end(), args.begin(), args.end());
  in.count = static_cast<uint16_t>(call.args.size());
  code_.push_back(in);
}

}  // namespace lifecheck::lang::detail
