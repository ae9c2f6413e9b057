// threading.Lock and threading.RLock (rules LK1-LK8, docs/semantics.md;
// Modules/_threadmodule.c, Lib/threading.py). A Lock (_thread.lock) is not
// owned: `length` is 1 while it is locked, and any thread may release it.
// An RLock (_thread.RLock) has an owner and a count: resource_owner (a lock
// has no external resource, so the slot is free; the canonical encoding and
// the thread renaming of symmetry already carry it) and `length`.
//
// A blocking acquire that cannot take the lock now waits: the thread stops
// before the CallMethod op (at_boundary) and is not runnable while the lock
// stays taken (at_switch_point), as a thread waiting in join is. While it
// waits it holds no GIL (acquire_timed's Py_BEGIN_ALLOW_THREADS; 3.13+:
// PyMutex_LockTimed with _PY_LOCK_DETACH) and, on the free-threaded build,
// a stop-the-world parks it at once (F12: a Body frame on top). A thread
// whose every path waits so is reported by check_terminal as a deadlock.
#include <stdexcept>

#include "model/Limits.h"
#include "model/Machine.h"

namespace lifecheck::model {

bool Machine::is_lock(Value v) const {
  return v.is_obj() && program_.uses_locks() &&
         program_.types[state_.objects[v.obj()].type].kind == TypeKind::Lock;
}

// LK2, LK3: whether thread t could take lock o now (an RLock it owns: a
// re-entry).
static bool lock_free_for(const Program& program, const Object& x, ThreadId t) {
  if (x.length == 0) return true;
  return x.type == program.rlock_type && x.resource_owner == t;
}

// The lock a blocking acquire at the top of thread t's stack waits for, or
// kNoObj: its next op is `L.acquire()` (or acquire(True)) on a lock t
// cannot take now.
ObjId lock_waited_for(const Program& program, const State& state, ThreadId t) {
  if (!program.uses_locks()) return kNoObj;
  const Thread& th = state.threads[t];
  if (th.status != ThreadStatus::Running || th.frames.empty()) return kNoObj;
  const Frame& f = th.frames.back();
  if (f.kind != FrameKind::Body || f.has(kUnwinding)) return kNoObj;
  const Op& op = program.funcs[f.func].code[f.pc];
  if (op.code != OpCode::CallMethod || op.value.kind() != ValueKind::Str ||
      op.value.str() != program.str_acquire || th.stack.size() < op.a + 1u)
    return kNoObj;
  const Value receiver = th.stack[th.stack.size() - 1 - op.a];
  if (!receiver.is_obj() || receiver.obj() >= state.objects.size()) return kNoObj;
  const Object& x = state.objects[receiver.obj()];
  if (!x.live || x.has(kFreed) || program.types[x.type].kind != TypeKind::Lock) return kNoObj;
  if (lock_free_for(program, x, t)) return kNoObj;
  // acquire(blocking): a false argument never waits (LK2)
  if (op.a == 1 && !truth(program, state, th.stack.back())) return kNoObj;
  return receiver.obj();
}

// LK2-LK4: a lock's methods. The receiver and the arguments stay owned by
// the caller's stack.
Value Machine::lock_method(ObjId o, const std::string& name, const ValueList& args) {
  Object& x = obj(o);
  const bool rlock = x.type == program_.rlock_type;
  if (name == "acquire") {
    // acquire_timed: a first try that does not wait; a blocking call that
    // cannot take the lock never gets here (lock_waited_for)
    if (!lock_free_for(program_, x, current_)) {
      if (args.size() == 1 && !truth(args[0])) return Value::boolean(false);
      throw std::logic_error("a blocked acquire ran");
    }
    if (x.length == 0xFF) throw ModelLimit{"an RLock acquired more than 255 times"};
    ++x.length;  // a Lock: locked; an RLock: its count (rlock_acquire)
    if (rlock) x.resource_owner = current_;
    return Value::boolean(true);
  }
  if (name == "release") {
    // lock_PyThread_release_lock: "release unlocked lock"; rlock_release:
    // "cannot release un-acquired lock" unless the caller owns it
    if (x.length == 0 || (rlock && x.resource_owner != current_)) raise("RuntimeError");
    if (--x.length == 0) x.resource_owner = kNoThread;
    return Value::none();
  }
  if (name == "locked") {
    if (rlock) throw ModelLimit{"RLock.locked() is not modelled"};
    return Value::boolean(x.length != 0);
  }
  raise("AttributeError");
}

// LK6: lock_dealloc / rlock_dealloc: untrack, clear the weakrefs (their
// callbacks run, W4), free. A lock that dies locked is released by its
// dealloc: no error.
void Machine::step_lock_dealloc(Frame& f) {
  switch (f.stage) {
    case 0:
      return dealloc_untrack_clear_weakrefs(f);  // as method_dealloc's first stage
    case 1:
      free_object(f.obj);
      f.stage = 2;
      return;
    default:
      return end_dealloc(f.obj);
  }
}

}  // namespace lifecheck::model
