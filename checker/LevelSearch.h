// Pieces of a level-synchronous breadth-first search that do not depend on
// where its states live: the keys that order a level's new states, the
// check of an initial state with no choices, and the walk round a cycle
// that turns a cycle of ranks into the choices of a lasso. Distributed.h
// and Bfs.h use them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/Engine.h"
#include "checker/Lasso.h"
#include "checker/Search.h"

namespace lifecheck::checker {

// A new state is known by the transition that first reached it: its
// parent's rank, then the choice. Ranks follow the order of these keys.
template <class Choice>
uint64_t key_of(uint64_t rank, Choice c) {
  return rank << 16 | static_cast<uint16_t>(c);
}
inline uint64_t rank_of_key(uint64_t key) { return key >> 16; }
template <class Choice>
Choice choice_of_key(uint64_t key) {
  return static_cast<Choice>(key & 0xFFFF);
}

// The initial state, when it has no choices and its end breaks a property.
template <ExplorableModel M>
std::optional<SearchResult<typename M::Choice>> initial_violation(const M& model) {
  typename M::State root = model.initial();
  std::vector<typename M::Choice> choices;
  model.enabled(root, choices);
  if (!choices.empty()) return std::nullopt;
  StepResult t = model.terminal(root);
  if (t.kind != StepResult::Kind::Violation) return std::nullopt;
  SearchResult<typename M::Choice> r;
  r.verdict = Verdict::Violated;
  r.failure = std::move(t);
  return r;
}

// A run that never ends: `path` (concrete) leads to the cycle's entry; the
// cycle then visits the states `targets`, in order, back to the entry,
// each named as the search names states (a rank here, a store id in
// Bfs.h). Each step round it takes the first enabled choice whose
// successor has the next name (`rank_of(bytes, cuts)`: the search's own
// lookup; with symmetry not always the thread the search recorded).
template <ExplorableModel M, class RankOf>
SearchResult<typename M::Choice> lasso_around(const M& model, std::vector<typename M::Choice> path,
                                              const std::vector<uint64_t>& targets,
                                              const std::string& property, RankOf rank_of) {
  typename M::State s = model.initial();
  for (auto c : path) model.step(s, c);
  const size_t entry = path.size();
  std::vector<typename M::Choice> choices;
  std::string bytes;
  std::vector<uint32_t> cuts;
  for (uint64_t target : targets) {
    model.enabled(s, choices);
    for (auto c : choices) {
      typename M::State next = s;
      if (!model.step(next, c).ok()) continue;
      encode_parts(model, next, bytes, cuts);
      if (rank_of(bytes, cuts) != target) continue;
      path.push_back(c);
      s = std::move(next);
      break;
    }
  }
  SearchResult<typename M::Choice> r;
  r.verdict = Verdict::Violated;
  const size_t end = path.size();
  r.path = std::move(path);
  r.failure = endless_run(property, entry, end);
  r.loop_start = entry;
  return r;
}

}  // namespace lifecheck::checker
