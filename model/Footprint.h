// Per-step footprints for sleep sets (checker/Engine.h, footprint hooks):
// what a thread's next step at a state reads and writes, so that the
// search can tell, at that state, whether two steps of different threads
// commute. See Footprint.cpp for the argument.
#pragma once

#include <vector>

#include "checker/StepResult.h"
#include "model/ObjSet.h"
#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::model {

class Model;

struct Footprint {
  // The step may touch anything (runtime structures, other threads, the
  // heap's shape, an observed event): its reads and writes do not show
  // that it commutes with any step.
  bool global = true;
  ThreadId thread = 0;
  ObjSet reads;   // objects it may read (a superset of `writes`)
  ObjSet writes;  // objects it changed
  // Steps that end normally keep what trying both orders needs (a global
  // step may still commute with another at this state: an allocation with
  // a step of a finalizer on another thread, say): the model, the choice
  // and the state after it.
  const Model* model = nullptr;
  uint16_t choice = 0;
  bool ok = false;
  State after;
};

// Steps `next` (a copy of `before`) by `choice`, one of `enabled`, and
// sets `fp` to the step's footprint at `before`.
checker::StepResult step_with_footprint(const Model& model, const State& before, State& next,
                                        uint16_t choice, const std::vector<uint16_t>& enabled,
                                        Footprint& fp);

// Two steps of different threads at the same state commute (both orders
// reach the same state, neither disables the other): by their reads and
// writes where both are not global, else by running both orders.
bool footprints_independent(const Footprint& a, const Footprint& b);

// Whether sleep sets may use these footprints for this program: every
// profile (the argument from reads and writes is used only in the GIL
// build with the faithful runtime; running both orders holds everywhere).
bool footprints_apply(const Program& program);

}  // namespace lifecheck::model
