// Questions about a state that need no transition in progress: what the
// scheduler, the partial-order rules, the monitors and the reports ask of a
// State (each answered in the file of its lifecycle concern, named below).
#pragma once

#include <vector>

#include "model/ObjSet.h"
#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

// For tests and reports: the references the runtime accounts for, per
// object (globals, values on thread stacks, fields, gc.garbage, holds).
std::vector<int> count_references(const Program& program, const State& state);
// Objects reachable from the roots (globals, thread stacks, holds,
// gc.garbage), independently of the collector (Reachability.cpp); the
// second computes the same with Boost.Graph, for the tests.
ObjSet reachable_from_roots(const Program& program, const State& state, bool include_thread_roots);
std::vector<bool> reachable_from_roots_graph(const Program& program, const State& state,
                                             bool include_thread_roots);
// Whether every thread but `except` can be parked for a stop-the-world
// (F12).
bool world_parkable(const Program& program, const State& state, ThreadId except);
// The free-threaded collector's heap orders thread t chooses among next
// (F-G3): 0 when no such choice is pending. No interpreter schedule can
// force one.
int heap_order_choices(const Program& program, const State& state, ThreadId t);
// The members of a set thread t chooses among to release next (C1,
// SetOrder.cpp): 0 when no such choice is pending.
int set_order_choices(const Program& program, const State& state, ThreadId t);
// Either order choice pending on thread t (heap order or set release):
// its alternatives are the thread's choices 1..n-1.
int order_choices(const Program& program, const State& state, ThreadId t);
// Whether thread t stopped to choose a set member (C1): no other
// thread runs until it has chosen.
// (inline: at_switch_point asks it of every thread for every thread)
inline bool order_choice_pending(const State& state, ThreadId t) {
  const Thread& th = state.threads[t];
  if (th.frames.empty()) return false;
  const Frame& f = th.frames.back();
  return f.kind == FrameKind::Release && f.has(kAnyOrder) && f.aux > f.pc && f.has(kYielded);
}
// Whether thread t waits for a critical section another thread holds.
bool blocked_on_critical_section(const Program& program, const State& state, ThreadId t);
// The lock thread t's blocking acquire waits for, or kNoObj (Locks.cpp).
ObjId lock_waited_for(const Program& program, const State& state, ThreadId t);
// Whether thread t stands at a scheduling point (Threads.cpp, T1).
bool at_switch_point(const Program& program, const State& state, ThreadId t);
// list, tuple, dict, set or deque: the container part of an object of
// type t (its own kind, or its class's base); PyClass for none
// (Containers.cpp).
TypeKind container_kind(const Program& program, ClassId t);
bool is_container(TypeKind k);
uint8_t item_count(const Object& x, TypeKind kind);
// A weak container's underlying dict or set (WeakContainers.cpp).
ObjId weak_container_data(const Program& program, const State& state, Value v);
// bool(v), from the state alone (a blocking acquire's argument is read
// where no Machine runs, Locks.cpp; Interpreter.cpp)
bool truth(const Program& program, const State& state, Value v);
// Whether x's death may run code or show (SetOrder.cpp): a finalizer or
// legacy tp_del, a weakref to it (`has_weakrefs`), C slot steps, a weakref
// (its death cancels a callback), a generator, a resource, a deferred count.
bool shows_its_death(const Program& program, const Object& x, const ObjSet& has_weakrefs, ObjId o);
// Whether a property or the scenario's code may observe a count or a death
// by itself: gc introspection, sys.getrefcount, an expect line on a dealloc,
// a free or a tp_clear (SetOrder.cpp).
bool deaths_observed(const Program& program);
// Objects that a live weakref points at (SetOrder.cpp).
ObjSet weakref_referents(const Program& program, const State& state);
// The live module dict of the state, or kNoObj (Reachability.cpp).
ObjId module_dict_of(const Program& program, const State& state);

}  // namespace lifecheck::model
