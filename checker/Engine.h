// What the search back ends ask of a model (LTSmin's PINS in small): the
// required operations, the optional ones, and helpers shared by the back
// ends. Generic: nothing here knows what the states mean.
//
// A model M provides:
//   using State; using Choice;              // Choice: an unsigned integer
//   State initial() const;
//   void enabled(const State&, std::vector<Choice>&) const;
//   StepResult step(State&, Choice) const;      // apply one transition
//   StepResult terminal(State&) const;          // a state with no choices
//   void encode(const State&, std::string&) const;  // canonical bytes
// and may provide
//   void encode(const State&, std::string&, std::vector<uint32_t>& cuts) const;
//        // the same bytes, with the ends of its parts (ExactStore shares parts)
//   State decode(std::string_view) const;   // back from canonical bytes: a
//        // state with the same future up to the model's symmetries (the
//        // parallel search moves states as bytes)
//   const char* cycle_property() const;     // non-null: a reachable cycle of
//        // states (a run that never ends) violates this property
//   uint32_t agent(Choice) const;  // with encode_concrete(const State&,
//        // std::string&): the agent (thread) a choice moves, scheduled weakly
//        // fairly, and an encoding without symmetry: only fair cycles count
//        // (Fairness.h)
//   uint64_t progress_measure(const State&) const;  // never decreases along a
//        // transition, so a transition that raises it lies on no cycle: the
//        // search keeps only the others to look for cycles (a decrease is a
//        // model bug; the search then starts again keeping every transition)
//   std::optional<Choice> persistent_choice(const State&, const std::vector<Choice>&) const;
//        // a choice whose transition commutes with everything the other
//        // choices, and whatever follows them, can do, and that no property
//        // observes: exploring it alone is enough (partial-order reduction)
//   std::optional<Choice> persistent_choice(const State&, const std::vector<Choice>&,
//                                           SteppedList<State, Choice>&) const;
//        // the same, handing back the successors it computed on the way
//        // (Stepped.h), which the search then does not compute again
//   using Footprint;  bool sleep_sets_sound() const;
//   StepResult step_footprint(const State& before, State& next, Choice,
//                             const std::vector<Choice>& enabled, Footprint&) const;
//   bool independent(const Footprint&, const Footprint&) const;
//        // sleep sets: a step (next is a copy of before) with what it
//        // reads and writes; two steps of different threads at one state
//        // whose footprints are independent commute there (both orders
//        // reach the same state, neither disables the other); offered
//        // only where sleep_sets_sound() (Bfs.h)
//   using Renaming;
//   void encode(const State&, std::string&, std::vector<uint32_t>& cuts, Renaming&) const;
//   Choice rename_choice(Choice, const Renaming&) const;
//        // a canonical form that renames choices (thread symmetry): the
//        // renaming from the state to decode() of its bytes, and a choice
//        // of the state renamed by it. Sleep sets are kept per stored state
//        // in the numbering of its decoded form, so a sleep set carried to
//        // a successor is renamed with the successor's encoding.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/StepResult.h"
#include "checker/Stepped.h"

namespace lifecheck::checker {

template <class M>
concept ExplorableModel = requires(const M& m, typename M::State& s, const typename M::State& cs,
                                   typename M::Choice c, std::vector<typename M::Choice>& choices,
                                   std::string& bytes) {
  { m.initial() } -> std::same_as<typename M::State>;
  m.enabled(cs, choices);
  { m.step(s, c) } -> std::same_as<StepResult>;
  { m.terminal(s) } -> std::same_as<StepResult>;
  m.encode(cs, bytes);
};

template <class M>
concept DecodableModel = ExplorableModel<M> && requires(const M& m, std::string_view b) {
  { m.decode(b) } -> std::same_as<typename M::State>;
};

template <class M>
concept ReducibleModel = ExplorableModel<M> &&
    requires(const M& m, const typename M::State& s,
             const std::vector<typename M::Choice>& enabled) {
  { m.persistent_choice(s, enabled) } -> std::same_as<std::optional<typename M::Choice>>;
};

template <class M>
concept SteppingReducibleModel = ReducibleModel<M> &&
    requires(const M& m, const typename M::State& s, const std::vector<typename M::Choice>& enabled,
             SteppedList<typename M::State, typename M::Choice>& out) {
  { m.persistent_choice(s, enabled, out) } -> std::same_as<std::optional<typename M::Choice>>;
};

template <class M>
concept SleepModel = ExplorableModel<M> &&
    requires(const M& m, const typename M::State& cs, typename M::State& s, typename M::Choice c,
             const std::vector<typename M::Choice>& enabled, typename M::Footprint& fp) {
  { m.sleep_sets_sound() } -> std::same_as<bool>;
  { m.step_footprint(cs, s, c, enabled, fp) } -> std::same_as<StepResult>;
  { m.independent(fp, fp) } -> std::same_as<bool>;
};

template <class M>
concept RenamingModel = SleepModel<M> &&
    requires(const M& m, const typename M::State& cs, typename M::Choice c, std::string& bytes,
             std::vector<uint32_t>& cuts, typename M::Renaming& r) {
  m.encode(cs, bytes, cuts, r);
  { m.rename_choice(c, r) } -> std::same_as<typename M::Choice>;
};

// The model's footprint type (an empty one for a model without sleep sets).
template <class M>
struct FootprintOf {
  struct type {};
};
template <SleepModel M>
struct FootprintOf<M> {
  using type = typename M::Footprint;
};

// The model's renaming type (an empty one for a model without).
template <class M>
struct RenamingOf {
  struct type {};
};
template <RenamingModel M>
struct RenamingOf<M> {
  using type = typename M::Renaming;
};

template <ExplorableModel M>
void encode_parts(const M& model, const typename M::State& state, std::string& bytes,
                  std::vector<uint32_t>& cuts) {
  if constexpr (requires { model.encode(state, bytes, cuts); }) {
    model.encode(state, bytes, cuts);
  } else {
    model.encode(state, bytes);
    cuts.clear();
  }
}

template <class M>
concept ProgressModel = ExplorableModel<M> && requires(const M& m, const typename M::State& s) {
  { m.progress_measure(s) } -> std::same_as<uint64_t>;
};

template <ExplorableModel M>
const char* cycle_property_of(const M& model) {
  if constexpr (requires { model.cycle_property(); })
    return model.cycle_property();
  else
    return nullptr;
}

// The choices a search explores at `state`: all that are enabled, or one
// that stands for all of them (partial-order reduction). Partial-order
// reduction needs the cycle check (a cycle of the reduced graph is a real
// cycle, reported as a run that never ends; without the check a reduction
// could postpone a transition forever), so it is off where cycles are
// allowed.
// `stepped`, when given, receives the successors the model computed while
// it chose (SteppingReducibleModel), for the search to take.
template <ExplorableModel M>
bool reduce_choices(const M& model, const typename M::State& state,
                    std::vector<typename M::Choice>& choices, bool enabled,
                    SteppedList<typename M::State, typename M::Choice>* stepped = nullptr) {
  if constexpr (ReducibleModel<M>) {
    if (!enabled || choices.size() < 2 || !cycle_property_of(model)) return false;
    std::optional<typename M::Choice> c;
    if constexpr (SteppingReducibleModel<M>)
      c = stepped ? model.persistent_choice(state, choices, *stepped)
                  : model.persistent_choice(state, choices);
    else
      c = model.persistent_choice(state, choices);
    if (c) {
      choices.assign(1, *c);
      return true;
    }
  }
  (void)model, (void)state, (void)choices, (void)enabled, (void)stepped;
  return false;
}

// Fills `choices` with the choices to explore at `state` (reduced as
// above, counted in `reduced_states` and `pruned`); false at a state with
// none (terminal).
template <ExplorableModel M>
bool choices_to_explore(const M& model, const typename M::State& state,
                        std::vector<typename M::Choice>& choices, bool partial_order,
                        uint64_t& reduced_states, uint64_t& pruned,
                        SteppedList<typename M::State, typename M::Choice>* stepped = nullptr) {
  model.enabled(state, choices);
  if (choices.empty()) return false;
  const size_t all = choices.size();
  if (reduce_choices(model, state, choices, partial_order, stepped)) {
    ++reduced_states;
    pruned += all - choices.size();
  }
  return true;
}

// Whether the transition from `state` to `next` keeps the model's progress
// measure (true without one): a reduced state whose transition keeps it
// counts in Stats::reduced_keeping.
template <ExplorableModel M>
bool keeps_progress(const M& model, const typename M::State& state, const typename M::State& next) {
  if constexpr (ProgressModel<M>)
    return model.progress_measure(next) <= model.progress_measure(state);
  (void)model, (void)state, (void)next;
  return true;
}

// A path found over decoded states (which stand for the concrete states up
// to the model's symmetries) made concrete: from the initial state, each
// step takes the enabled choice, the recorded one first, whose successor
// encodes like the successor of the decoded state under the recorded
// choice; the last step, when `failed`, the one that breaks the same
// properties.
template <DecodableModel M>
std::vector<typename M::Choice> concrete_path(const M& model,
                                              const std::vector<typename M::Choice>& recorded,
                                              const StepResult* failed) {
  using State = typename M::State;
  using Choice = typename M::Choice;
  std::vector<Choice> path;
  State s = model.initial();
  std::vector<Choice> choices;
  std::string target, bytes;
  for (size_t k = 0; k < recorded.size(); ++k) {
    const bool last_fails = failed && k + 1 == recorded.size();
    model.encode(s, bytes);
    State seen = model.decode(bytes);
    if (!last_fails) {
      if (!model.step(seen, recorded[k]).ok()) return recorded;
      model.encode(seen, target);
    }
    model.enabled(s, choices);
    auto it = std::find(choices.begin(), choices.end(), recorded[k]);
    if (it != choices.end()) std::rotate(choices.begin(), it, it + 1);
    bool found = false;
    for (Choice c : choices) {
      State next = s;
      StepResult r = model.step(next, c);
      if (last_fails) {
        if (r.kind != failed->kind || r.properties != failed->properties) continue;
      } else {
        if (!r.ok()) continue;
        model.encode(next, bytes);
        if (bytes != target) continue;
      }
      path.push_back(c);
      s = std::move(next);
      found = true;
      break;
    }
    if (!found) return recorded;  // not for a sound model; keep what was found
  }
  return path;
}

}  // namespace lifecheck::checker
