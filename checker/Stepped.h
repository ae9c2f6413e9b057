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

}  // namespace lifecheck::checker
