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
  // What the step did, for the static rules of footprints_independent
  // (Footprint.cpp): the kinds of its events (bit per EventKind) and the
  // parts of the runtime state it changed (Footprint.cpp's Part bits).
  uint64_t events = 0;
  uint32_t changed = 0;
  // Rule I2 (FootprintPhases.cpp): a step of the thread running a
  // collection, or any other GIL step that starts none, that touches
  // nothing but objects, counts, its own thread, the generations' lists
  // and (the collection's step) the collector's lists and counters: its
  // role, the objects it changed beyond their counts and list links, and
  // those whose counts it changed (the count before, and `decrefs`: the
  // deepest the step took it below that count).
  enum class Role : uint8_t { None, CollectionStep, Bystander };
  struct Count {
    ObjId obj = kNoObj;
    int16_t before = 0;
    uint16_t decrefs = 0;
  };
  Role role = Role::None;
  ObjSet moved;
  SmallVec<Count, 8> counted;
  ObjSet exact;  // the collection's members, whose exact counts its step may read
  State after;
};

// Steps `next` (a copy of `before`) by `choice`, one of `enabled`, and
// sets `fp` to the step's footprint at `before`.
checker::StepResult step_with_footprint(const Model& model, const State& before, State& next,
                                        uint16_t choice, const std::vector<uint16_t>& enabled,
                                        Footprint& fp);

// Two steps of different threads at the same state commute (both orders
// reach the same state, neither disables the other): by their reads and
// writes where both are not global; else by a static rule where one
// applies (Footprint.cpp: D1-D5 dependent, I1 independent;
// FootprintPhases.cpp: I2 independent); else by running both orders.
bool footprints_independent(const Footprint& a, const Footprint& b);

// For the tests: the static rule (Footprint.cpp, D1-D5) that shows two
// footprints of different threads dependent, or 0; and whether both
// orders of the two steps meet (what footprints_independent falls back
// to), whatever the rules say.
int dependence_rule(const Footprint& a, const Footprint& b);
bool both_orders_commute(const Footprint& a, const Footprint& b);

// For the tests: how footprints_independent decides a pair (without
// counting it or running both orders).
enum class Decision {
  NotApplicable,
  ReadsWrites,
  DependentRule,
  IndependentRule,  // I1
  PhaseRule,        // I2
  BothOrders
};
Decision decision_of(const Footprint& a, const Footprint& b);

// Whether sleep sets may use these footprints for this program: every
// profile (the argument from reads and writes is used only in the GIL
// build with the faithful runtime; running both orders holds everywhere).
bool footprints_apply(const Program& program);

// How many pairs footprints_independent decided, and how: by reads and
// writes, by a static rule (dependent), by running both orders (and how
// many of those commuted); summed over all threads. Printed at exit when
// LIFECHECK_SLEEP_STATS is set (for measurements, bench/).
struct IndependenceCounts {
  uint64_t by_reads_writes = 0;
  uint64_t by_rule = 0;
  uint64_t both_orders = 0;
  uint64_t both_orders_met = 0;
  uint64_t by_phase_rule = 0;  // I2
};
IndependenceCounts independence_counts();

}  // namespace lifecheck::model
