// What Independence.cpp and IndependenceCollection.cpp share: the trial
// steps of one persistent-set choice and the reachability helpers the
// partial-order rules are checked with. Not for use outside them.
#pragma once

#include <cstdint>
#include <vector>

#include "checker/Stepped.h"
#include "model/Event.h"
#include "model/Model.h"
#include "model/ObjSet.h"
#include "model/Program.h"
#include "model/SmallVec.h"
#include "model/State.h"

namespace lifecheck::model::independence_detail {

using Kept = checker::SteppedList<State, uint16_t>;

// A rule's check runs choice c on a copy of the state. Several rules may
// check the same choice at one state (S0 and S3 both walk a private step),
// so the trials of one persistent_choice call are run once each, into
// `kept` when given: the search then takes them instead of running the
// same steps again.
struct Trial {
  const State& after;
  uint64_t event_kinds;  // event_bit() of each kind the step emitted
  const checker::StepResult& result;
};

class Trials {
 public:
  Trials(const Model& model, const State& state, size_t choices, Kept* kept)
      : model_(model), state_(state), list_(kept ? *kept : own_), first_(list_.size()) {
    // the references handed out stay valid
    list_.reserve(first_ + choices);
  }
  Trials(const Trials&) = delete;
  Trials& operator=(const Trials&) = delete;

  // The successor by c, stepped now or by an earlier rule.
  Trial of(uint16_t c) {
    for (size_t k = first_; k < list_.size(); ++k)
      if (list_[k].choice == c) return {list_[k].after, kinds_[k - first_], list_[k].result};
    // (the state copied in place: made empty, then assigned, it cost 1.6 %
    // more of B1 T=3's instructions)
    auto& t = list_.emplace_back(c, state_, checker::StepResult{});
    uint64_t& kinds = kinds_.emplace_back(0);
    t.result = model_.step_noting_kinds(t.after, c, kinds);
    return {t.after, kinds, t.result};
  }

 private:
  const Model& model_;
  const State& state_;
  Kept own_;
  Kept& list_;
  size_t first_;
  SmallVec<uint64_t, 8> kinds_;  // (a vector here was an allocation per state)
};

// The objects a thread's locals and operand stacks hold.
template <class Visit>
void for_each_stack_value(const Thread& th, Visit visit) {
  for (Value v : th.values)
    if (v.is_obj()) visit(v.obj());
  for (Value v : th.stack)
    if (v.is_obj()) visit(v.obj());
}

// The threading.local objects holding an entry (a thread's dict, TL2) of
// a thread `of` accepts: that thread's end releases the entry (TL3).
template <class Of, class Visit>
void for_each_thread_local_with_entry(const Program& program, const State& state, Of of,
                                      Visit visit) {
  if (program.thread_local_type == kNoType) return;
  for (size_t o = 0; o < state.objects.size(); ++o) {
    const Object& x = state.objects[o];
    if (!x.live || x.type != program.thread_local_type) continue;
    for (uint8_t k = 0; k < x.length; ++k)
      if (x.items[2u * k].kind() == ValueKind::Int &&
          of(static_cast<ThreadId>(x.items[2u * k].integer() % kThreadLocalStamp))) {
        visit(static_cast<ObjId>(o));
        break;
      }
  }
}

// Adds to `seen` (and `work`) what the objects on `work` make reachable:
// what they own and, for a weakref, its referent.
void close_over_references(const Program& program, const State& state, ObjSet& seen, ObjList& work);
// The ops of `func` from `from` up to the first `end` op: loads, stores
// and deletes of locals and constants only.
bool locals_until(const Program& program, FuncId func, size_t from, OpCode end);
// Slot o of `state`, or a free one past the end of its slot array.
const Object& slot(const State& state, size_t o);
// An object unchanged by a step, up to its GC list links.
bool same_object(const Object& a, const Object& b);

// S1 (IndependenceCollection.cpp): thread i's only choice c, the next
// step of the collection it runs past kDeduce.
// `without_gil`: F12, F14 (no GIL), where it asks more (the file says what).
bool collection_step(const Model& model, const State& state, ThreadId i, uint16_t c,
                     bool without_gil, Trials& trials);

}  // namespace lifecheck::model::independence_detail
