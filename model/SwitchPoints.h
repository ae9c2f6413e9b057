// F14: where threads switch inside Python code without the GIL. Every op
// that touches state another thread can see is a switch point; ops on
// thread-private state are not (model/SwitchPoints.cpp says why).
#pragma once

#include "model/ObjSet.h"
#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

// Objects another thread, or the runtime on its behalf, can reach: from
// the globals, gc.garbage, the merge queues, queued weakref callbacks and
// every other thread's locals, operand stacks and frames, following strong
// references and weakrefs to their referents. The rest is private to t.
ObjSet objects_shared_with_others(const Program& program, const State& state, ThreadId t);

// Whether another thread is running and can reach object o (Y7: the
// windows of a generator's frame state).
bool shared_with_running_thread(const Program& program, const State& state, ThreadId t, ObjId o);

// Whether op touches interpreter-wide state whatever its operands (a
// global, the collector, gc.garbage, the atexit list): before it a thread
// without the GIL always gives way to the others that run.
bool op_is_always_switch_point(const Op& op);

// Whether the next step of thread t's top frame `f` (a Body op or one
// decref of a Release frame) touches shared state: a global, the
// collector's state, a field, item or refcount of a shared object.
bool next_step_touches_shared_state(const Program& program, const State& state, ThreadId t,
                                    const Frame& f);

// F14 inside subtype_dealloc and PyObject_CallFinalizerFromDealloc (see
// SwitchPoints.cpp): true when frame f of thread t is about to call the
// finalizer, to undo its temporary resurrection, or to clear the object's
// weakrefs, and another running thread can reach the object.
bool dealloc_step_is_switch_point(const Program& program, const State& state, ThreadId t,
                                  const Frame& f);

// Dealloc.cpp: subtype_dealloc's next step is PyObject_ClearWeakRefs.
bool subtype_dealloc_clears_weakrefs_next(const Frame& f);

}  // namespace lifecheck::model
