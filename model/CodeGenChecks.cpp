// Where the lowered code has eval-breaker checks (CodeGen.h): after calls
// of C code and at statements that call, and the event each body reports
// on entry.
#include "model/CodeGen.h"

namespace lifecheck::model {

bool checks_after(const ExprNode& e) {
  switch (e.op) {
    case ExprOp::New:          // CALL of a class (generic CALL: CHECK_EVAL_BREAKER)
    case ExprOp::Deref:        // CALL of a weakref object
    case ExprOp::WeakrefNew:   // CALL of weakref.ref
    case ExprOp::FinalizeNew:  // CALL of weakref.finalize (its __init__ is Python code; its
                               // own checks are not modelled, the one after the call is)
    case ExprOp::IsFinalized:  // CALL of a builtin function
    case ExprOp::IsTracked:
    case ExprOp::RefCount:    // CALL of sys.getrefcount
    case ExprOp::Len:         // CALL of the builtin len
    case ExprOp::DequeNew:    // CALL of collections.deque
    case ExprOp::MethodCall:  // CALL of a method descriptor (a specialized
                              // list.append skips it: OpCode::CallMethod)
    case ExprOp::GenNext:     // CALL of the builtin next (the frame's own RESUME checks too)
    case ExprOp::GenClose:    // CALL of gen.close, a method descriptor
    // CALL of atexit.register / unregister (builtin functions)
    case ExprOp::AtexitRegister:
    case ExprOp::AtexitUnregister:
    // CALL of the builtin len on gc.garbage
    case ExprOp::GcGarbageLen:
    case ExprOp::PartialNew:  // CALL of functools.partial (PT2)
      return true;            // (a generator function's call has none: RETURN_GENERATOR)
    case ExprOp::Vars:        // CALL of the builtin vars; `a.__dict__` is a LOAD_ATTR (DA2)
      return e.slot != kVarsAttribute;
    default:
      return false;
  }
}

bool partial_check_after(const Program& p, const ExprNode& call) {
  if (p.partial_type == kNoType || call.op != ExprOp::Call) return false;
  for (ExprId x = call.a;; x = p.exprs[x].a) switch (p.exprs[x].op) {
      case ExprOp::Local:
      case ExprOp::Global:
        return true;
      case ExprOp::Attr:
        break;
      default:
        return false;
    }
}

bool statement_checks(const Statement& s) {
  switch (s.kind) {
    case StatementKind::Log:  // a call (the emitted script's _lc_log)
    case StatementKind::Collect:
    case StatementKind::GcEnable:
    case StatementKind::GcDisable:
    case StatementKind::GcSetDebug:  // C calls
    case StatementKind::GcGarbageClear:
    case StatementKind::GcFreeze:
    case StatementKind::GcCallbacksAppend:  // list.append, list.remove
    case StatementKind::GcCallbacksRemove:
    case StatementKind::Construct:
    case StatementKind::Join:  // Thread.join: Python code, then a wait
      return true;
    default:
      return false;
  }
}

EntryEvent entry_event(const Program& p, FuncId fn) {
  const FuncInfo& f = p.funcs[fn];
  if (f.generator) return EntryEvent::None;   // a generator's body is no callback
  if (f.runtime_del) return EntryEvent::Del;  // C.__del__ = f (ClassDel.cpp)
  if (f.kind == FuncKind::Finalizer)
    return p.types[f.owner].legacy_del == fn ? EntryEvent::None : EntryEvent::Del;
  if (f.kind == FuncKind::Function && f.nparams == 1) return EntryEvent::Callback;
  if (f.kind == FuncKind::Function && f.nparams == 2) return EntryEvent::GcCallback;
  if (f.kind == FuncKind::Method && f.nparams == 2 && p.types[f.owner].init != fn)
    return EntryEvent::MethodCallback;  // (__init__ is called by the class call, FN13)
  return EntryEvent::None;
}

}  // namespace lifecheck::model
