// Static summaries of a program's code (ProgramSummary.h): the flags the
// persistent sets (Independence.cpp) used to scan the whole program for at
// every state, and what each function may do, for S1.
#include "model/ProgramSummary.h"

#include <vector>

#include "model/StateQueries.h"
#include "model/SwitchPoints.h"

namespace lifecheck::model {

namespace {
// R1.15c: an attribute store may make an instance's dict object.
bool stores_may_allocate(const Program& program) {
  for (const TypeInfo& t : program.types)
    if (t.dict_field != kNoDictField) return true;
  return false;
}
}  // namespace

bool walk_code(const Program& program, FuncId func, uint16_t pc, Walk mode) {
  const auto& code = program.funcs[func].code;
  const bool quiet = mode == Walk::Quiet;
  if (quiet && !program.funcs[func].handlers.empty()) return false;
  if (!quiet && (pc >= code.size() || code[pc].code != OpCode::Check)) return false;
  const bool incremental = program.profile.gc_algorithm == GcAlgorithm::Incremental;
  std::vector<bool> seen(code.size(), false);
  std::vector<size_t> work{quiet ? size_t{pc} : size_t{pc} + 1};
  while (!work.empty()) {
    const size_t at = work.back();
    work.pop_back();
    if (at >= code.size()) return false;
    if (seen[at]) continue;
    seen[at] = true;
    const Op& op = code[at];
    // X2: an op inside a try may raise into a handler, a path this walk
    // does not follow (the try's ops, JumpIfNoMatch... are not private
    // either: default below).
    for (const ExceptionHandler& h : program.funcs[func].handlers)
      if (at >= h.start && at < h.end) return false;
    bool next = true;
    if (mode == Walk::LocalUntilShared && op_is_always_switch_point(op)) continue;
    switch (op.code) {
      case OpCode::Check:  // a step ends here
        next = quiet;
        break;
      case OpCode::Join:
        if (quiet) return false;
        next = false;
        break;
      case OpCode::Return:
      case OpCode::Enter:
        if (!quiet) return false;
        next = op.code == OpCode::Enter;
        break;
      case OpCode::New: {
        const TypeInfo& t = program.types[op.a];
        if (mode != Walk::Allocating || op.a == program.thread_local_type ||
            t.kind != TypeKind::PyClass || t.base != kNoType || op.b != 0)
          return false;
        break;
      }
      case OpCode::WeakrefNew:
        if (mode != Walk::Allocating || op.b != 0) return false;  // b: weakref.proxy
        break;
      case OpCode::StoreAttr:
      case OpCode::DelAttr:
        if (incremental || quiet) return false;
        if (op.code == OpCode::StoreAttr && mode != Walk::Allocating &&
            stores_may_allocate(program))
          return false;
        break;
      case OpCode::LoadAttr:
      case OpCode::Assert:
        // (LoadAttr b = 1 may read a class's dict, a global: CA3)
        if (quiet || (op.code == OpCode::LoadAttr && op.b == 1)) return false;
        break;
      case OpCode::LoadConst:
      case OpCode::LoadLocal:
      case OpCode::StoreLocal:
      case OpCode::DelLocal:
      case OpCode::PopTop:
      case OpCode::Compare:
      case OpCode::Not:
        break;
      case OpCode::Jump:
        work.push_back(op.a);
        next = false;
        break;
      case OpCode::PopJumpIfFalse:
        work.push_back(op.a);
        break;
      default:  // calls, allocations, globals, logs, gc queries, the end
        return false;
    }
    if (next) work.push_back(at + 1);
  }
  return true;
}

namespace {

constexpr FuncSummary kAnything{true, true, true};

// What one op may do by itself; nullopt-like `known` false: anything (a
// call, a C type, an op this summary does not list).
FuncSummary op_summary(const Op& op, bool& known) {
  known = true;
  switch (op.code) {
    case OpCode::Check:
    case OpCode::Enter:
    case OpCode::LoadConst:
    case OpCode::LoadLocal:
    case OpCode::StoreLocal:
    case OpCode::DelLocal:
    case OpCode::PopTop:
    case OpCode::Compare:
    case OpCode::Not:
    case OpCode::Jump:
    case OpCode::PopJumpIfFalse:
    case OpCode::Return:
    case OpCode::StoreAttr:
    case OpCode::DelAttr:
    case OpCode::Deref:
    case OpCode::IsFinalized:
    case OpCode::Log:
    case OpCode::Join:
      return {};
    case OpCode::LoadAttr:  // b = 1: may read a class's dict (CA3)
      return op.b == 1 ? FuncSummary{false, true, false} : FuncSummary{};
    case OpCode::LoadGlobal:
    case OpCode::StoreGlobal:
    case OpCode::DelGlobal:
    case OpCode::LoadClassAttr:  // a class's dict (CA2)
      return {false, true, false};
    case OpCode::New:
    case OpCode::WeakrefNew:
      return {false, false, true};
    case OpCode::Collect:
      return {true, false, false};
    case OpCode::GcEnable:
      if (op.a == 0) return {true, false, false};
      known = false;
      return kAnything;
    default:
      known = false;
      return kAnything;
  }
}

// Ops that may continue at op.a (besides the next op).
bool may_jump(OpCode c) {
  switch (c) {
    case OpCode::Jump:
    case OpCode::PopJumpIfFalse:
    case OpCode::ForRange:
    case OpCode::ForIter:
    case OpCode::ForIterEnd:
    case OpCode::PopLoop:
    case OpCode::JumpIfNoMatch:
    case OpCode::WhileLoop:
      return true;
    default:
      return false;
  }
}

// The ops of `func` reachable from `pc` (every op after a reachable one,
// jump targets and handlers: an over-approximation), summarized.
FuncSummary code_summary(const Program& program, FuncId func, uint16_t pc) {
  const FuncInfo& fn = program.funcs[func];
  std::vector<bool> seen(fn.code.size(), false);
  std::vector<size_t> work{pc};
  FuncSummary sum;
  while (!work.empty()) {
    const size_t at = work.back();
    work.pop_back();
    if (at >= fn.code.size() || seen[at]) continue;
    seen[at] = true;
    const Op& op = fn.code[at];
    bool known = true;
    sum |= op_summary(op, known);
    if (!known) return kAnything;
    if (op.code == OpCode::StoreAttr && stores_may_allocate(program))
      sum |= FuncSummary{false, false, true};  // R1.15c: as an allocation does
    if (op.code == OpCode::Deref && program.weak_method_type != kNoType)
      sum |= FuncSummary{false, false, true};  // WM4: a WeakMethod's call makes a bound method
    work.push_back(at + 1);
    if (may_jump(op.code)) work.push_back(op.a);
    for (const ExceptionHandler& h : fn.handlers)
      if (at >= h.start && at < h.end) work.push_back(h.target);
  }
  return sum;
}

bool is_body(const Program& program, size_t f) {
  for (const ThreadInfo& t : program.threads)
    if (t.body == f || t.main_body == f) return true;
  return false;
}

}  // namespace

FuncSummary remaining_summary(const Program& program, FuncId func, uint16_t pc) {
  FuncSummary sum = code_summary(program, func, pc);
  sum |= program.helper_summary;
  return sum;
}

void summarize_program(Program& program) {
  ProgramFlags& flags = program.flags;
  flags = ProgramFlags{};
  flags.may_make_set = program.weak_value_dict_type != kNoType ||
                       program.weak_key_dict_type != kNoType || program.weak_set_type != kNoType;
  // (no class can derive from set yet; one that could would make sets)
  for (size_t t = 0; t < program.types.size(); ++t)
    if (t != kSetType && container_kind(program, static_cast<ClassId>(t)) == TypeKind::Set)
      flags.may_make_set = true;
  for (const FuncInfo& fn : program.funcs)
    for (const Op& op : fn.code) switch (op.code) {
        case OpCode::GcEnable:
          flags.may_enable_gc = flags.may_enable_gc || op.a == 0;
          flags.has_gc_introspection = true;
          break;
        case OpCode::SetClassDel:
          flags.sets_class_del = true;
          break;
        case OpCode::BuildSet:
          flags.may_make_set = true;
          break;
        case OpCode::GcDisable:
        case OpCode::GcCallbacksAppend:
        case OpCode::GcCallbacksRemove:
        case OpCode::IsTracked:
          flags.has_gc_introspection = true;
          break;
        case OpCode::ItemGet:
        case OpCode::Len:
          flags.has_gc_introspection = flags.has_gc_introspection || op.a == 1;
          break;
        default:
          break;
      }
  // S3: every function but the threads' bodies and main's (finalizers,
  // callbacks, anything a decref or a collection may run on any thread) is
  // quiet from its start, and no C type runs slot code.
  flags.quiet_helpers = true;
  for (size_t f = 0; f < program.funcs.size(); ++f)
    if (!is_body(program, f) && !walk_code(program, static_cast<FuncId>(f), 0, Walk::Quiet))
      flags.quiet_helpers = false;
  bool c_types = false;
  for (const TypeInfo& t : program.types) c_types = c_types || t.kind == TypeKind::CType;
  if (c_types) flags.quiet_helpers = false;
  // What code off the bodies may do: any function but the bodies may run
  // on any thread (a finalizer, a callback, a callee), C slots anything.
  program.summaries.assign(program.funcs.size(), FuncSummary{});
  program.helper_summary = c_types || program.gc_callbacks_objects() || program.uses_atexit()
                               ? kAnything
                               : FuncSummary{};
  for (size_t f = 0; f < program.funcs.size(); ++f) {
    program.summaries[f] = code_summary(program, static_cast<FuncId>(f), 0);
    if (!is_body(program, f)) program.helper_summary |= program.summaries[f];
  }
  for (FuncSummary& s : program.summaries) s |= program.helper_summary;
  // the walks per pc (each a pass over at most the function's code)
  constexpr size_t kMaxTabulated = 2048;
  program.walks.assign(program.funcs.size(), {});
  for (size_t f = 0; f < program.funcs.size(); ++f) {
    const size_t n = program.funcs[f].code.size();
    if (n > kMaxTabulated) continue;
    auto& table = program.walks[f];
    table.assign(n, 0);
    for (size_t pc = 0; pc < n; ++pc)
      for (Walk m : {Walk::Local, Walk::Allocating, Walk::Quiet, Walk::LocalUntilShared})
        if (walk_code(program, static_cast<FuncId>(f), static_cast<uint16_t>(pc), m))
          table[pc] |= static_cast<uint8_t>(1u << static_cast<unsigned>(m));
  }
}

}  // namespace lifecheck::model
