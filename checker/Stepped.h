// A successor a model computed while it chose a persistent set (it ran
// the choice on a copy of the state to check its rule): the search takes
// it instead of running the same step from the same state again.
#pragma once

#include <utility>
#include <vector>

#include "checker/StepResult.h"

namespace lifecheck::checker {

template <class State, class Choice>
struct Stepped {
  // (spelled out: clang 14 cannot emplace an aggregate from parentheses)
  Stepped(Choice c, const State& s, StepResult r) : choice(c), after(s), result(r) {}

  Choice choice;
  State after;
  StepResult result;
};

template <class State, class Choice>
using SteppedList = std::vector<Stepped<State, Choice>>;

// The successor by `c` in `list`, or null.
template <class State, class Choice>
Stepped<State, Choice>* find_stepped(SteppedList<State, Choice>& list, Choice c) {
  for (auto& s : list)
    if (s.choice == c) return &s;
  return nullptr;
}

// The successor of `from` by `c`, into `next`: the one the model computed
// while it chose (taken from `stepped`), or a step of a copy of `from`.
template <class M>
StepResult take_or_step(const M& model, const typename M::State& from, typename M::Choice c,
                        SteppedList<typename M::State, typename M::Choice>& stepped,
                        typename M::State& next) {
  if (auto* pre = find_stepped(stepped, c)) {
    next = std::move(pre->after);
    return std::move(pre->result);
  }
  next = from;
  return model.step(next, c);
}

}  // namespace lifecheck::checker
