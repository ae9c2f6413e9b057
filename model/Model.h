// The CPython lifecycle model as the checker sees it: states, choices
// (which thread runs next), transitions, terminal checks and canonical
// encoding. A thin adapter over Machine.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker/Lasso.h"
#include "checker/Schedule.h"
#include "checker/Scheduler.h"
#include "checker/StepResult.h"
#include "checker/Stepped.h"
#include "model/Canonical.h"
#include "model/Event.h"
#include "model/Footprint.h"
#include "model/Machine.h"
#include "model/Program.h"
#include "model/State.h"
#include "model/Symmetry.h"

namespace lifecheck::model {

class Model {
 public:
  using State = model::State;
  using Choice = checker::ScheduleChoice;  // the thread that runs next

  // `symmetry`: merge states that differ by a permutation of interchangeable
  // threads (a sound reduction; off where traces name threads).
  explicit Model(const Program& program, bool symmetry = true)
      : program_(program),
        symmetry_(thread_symmetry(program)),
        loop_free_(loop_free_functions(program)),
        expect_seen_(std::make_shared<std::vector<std::atomic<uint8_t>>>(program.expects.size())) {
    if (!symmetry) symmetry_.any = false;
  }

  // Per expect line, which of its events any step of this model has
  // emitted so far (before the threads ended): bit 1 its first pattern,
  // bit 2 the second of `A before B` (Machine::note_expect_events). Every
  // step counts: the search's, its trial steps, replays.
  std::vector<uint8_t> expect_events_seen() const;

  const Program& program() const { return program_; }
  State initial() const { return Machine::initial_state(program_); }
  void enabled(const State& state, std::vector<Choice>& out) const;
  checker::StepResult step(State& state, Choice choice) const {
    return step(state, choice, nullptr);
  }
  // As step(), recording every event into `trace` when it is not null.
  checker::StepResult step(State& state, Choice choice, std::vector<Event>* trace) const;
  // As step() with a trace, stamping each event with the statement it ran
  // in; `statements` carries what that needs from one step to the next.
  checker::StepResult step(State& state, Choice choice, std::vector<Event>& trace,
                           StatementTracker& statements) const;
  // As step(), setting in `kinds` the bit (event_bit()) of each kind of
  // event the step emits; cheaper than a trace.
  checker::StepResult step_noting_kinds(State& state, Choice choice, uint64_t& kinds) const;
  checker::StepResult terminal(State& state) const;
  void encode(const State& state, std::string& out) const {
    encode_state(program_, state, out, symmetry_.any ? &symmetry_ : nullptr);
  }
  // As encode(), also giving the ends of the encoding's parts (Canonical.h).
  void encode(const State& state, std::string& out, std::vector<uint32_t>& cuts) const {
    encode_state(program_, state, out, symmetry_.any ? &symmetry_ : nullptr, &cuts);
  }
  // As encode() with parts, also giving how the canonical form renamed the
  // threads (Canonical.h: thread t of `state` is thread renaming[t] of
  // decode() of the bytes), and a choice of `state` renamed so
  // (checker/Engine.h: sleep sets are kept in the canonical numbering).
  // (The renaming also names the symmetry, for reorder_threads.)
  using Renaming = ThreadRenaming;
  void encode(const State& state, std::string& out, std::vector<uint32_t>& cuts,
              Renaming& renaming) const {
    renaming.symmetry = symmetry_.any ? &symmetry_ : nullptr;
    encode_state(program_, state, out, renaming.symmetry, &cuts, &renaming.positions);
  }
  static Choice rename_choice(Choice choice, const Renaming& renaming) {
    const ThreadId t = static_cast<ThreadId>(choice & 0xFF);
    return t < renaming.size() ? static_cast<Choice>((choice & 0xFF00) | renaming[t]) : choice;
  }
  // A state with the same future as the encoded one, up to symmetry and a
  // renaming of objects (Canonical.h).
  State decode(std::string_view bytes) const { return decode_state(program_, bytes); }
  bool uses_symmetry() const { return symmetry_.any; }
  // Fairness (checker/Fairness.h, IT10): a choice is its thread's move, and
  // threads are scheduled weakly fairly; states are told apart without
  // symmetry when the check follows threads.
  static uint32_t agent(Choice c) { return c & 0xFF; }
  void encode_concrete(const State& state, std::string& out) const {
    encode_state(program_, state, out, nullptr);
  }
  // A state that comes back means a run without end: a while loop that
  // spins while no other thread can go on (IT8), or a finalizer or
  // callback that re-creates its own work (as `__del__` making and dropping
  // a new instance does in CPython): the property "termination", unless
  // the scenario ignores it.
  const char* cycle_property() const {
    return program_.ignored(kTermination) ? nullptr : kTermination;
  }
  static constexpr const char* kTermination = "termination";
  // How far the threads' own bodies have got (checker/Engine.h): it never
  // decreases, and a transition that raises it lies on no cycle. Only the
  // transitions that keep it (runtime work, finalizers and callbacks run
  // inside a statement) are kept to look for runs that never end.
  uint64_t progress_measure(const State& state) const;
  // Partial-order reduction (checker/Engine.h): a statement of one thread
  // that works only on that thread's private objects, explored alone
  // (Independence.cpp).
  std::optional<Choice> persistent_choice(const State& state,
                                          const std::vector<Choice>& enabled) const;
  // The same, keeping in `stepped` the successors its checks computed.
  std::optional<Choice> persistent_choice(const State& state, const std::vector<Choice>& enabled,
                                          checker::SteppedList<State, Choice>& stepped) const;
  // Sleep sets (checker/Engine.h): a step with its footprint
  // (Footprint.cpp), and whether two footprints at one state commute. With
  // thread symmetry the search renames each sleep set into its state's
  // canonical numbering (encode() with a Renaming above).
  using Footprint = model::Footprint;
  bool sleep_sets_sound() const { return footprints_apply(program_); }
  checker::StepResult step_footprint(const State& before, State& next, Choice choice,
                                     const std::vector<Choice>& enabled, Footprint& fp) const {
    return step_with_footprint(*this, before, next, choice, enabled, fp);
  }
  bool independent(const Footprint& a, const Footprint& b) const {
    return footprints_independent(a, b);
  }

 private:
  // Per function: 1 when its code has no loop, so that its position in
  // the progress measure is its pc (most bodies; the measure is taken at
  // every state and successor).
  static std::vector<uint8_t> loop_free_functions(const Program& program);

  const Program& program_;
  ThreadSymmetry symmetry_;
  std::vector<uint8_t> loop_free_;
  std::shared_ptr<std::vector<std::atomic<uint8_t>>> expect_seen_;
};

// One run, step by step, as a trace a person can read.
struct TraceStep {
  Model::Choice choice = 0;
  ThreadId thread = 0;
  FuncId func = kNoFunc;  // the body the thread was in, or kNoFunc (runtime work)
  uint32_t line = 0;      // the statement it started in (its events carry their own)
  std::vector<Event> events;
};

struct Trace {
  std::vector<TraceStep> steps;
  checker::StepResult outcome;  // Ok, Violation or Limit
  bool terminal = false;        // the run reached a state where nothing can move
  bool stopped_by_scheduler = false;
  // The run came back to the state it had after this many steps: the steps
  // after it repeat forever (outcome: a violation of "termination").
  std::optional<size_t> loop_start;
  // Where the step that found the violation was when it found it (line 0:
  // found outside a statement, or at the terminal state).
  StatementAt violation_at;
  State final_state;
};

// Runs `scheduler` from the initial state for at most `max_steps` steps,
// recording events; at a terminal state it runs the terminal checks.
Trace run_trace(const Model& model, checker::Scheduler& scheduler, size_t max_steps);

}  // namespace lifecheck::model
