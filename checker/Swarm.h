// Swarm verification (Holzmann, Joshi and Groce's idea, as SPIN's -swarm
// runs it): many small independent searches that differ in their search
// order and their bitstate table, in the hope that together they cover more
// of a space too large for any exhaustive search than one big search would.
// A member of the swarm explores the model through ShuffledModel, which
// gives the enabled choices in an order fixed by a seed (seed 0: the
// model's own order). Results stay sound: a counterexample is a real run
// of the model (the search re-derives it and replays it, Explorer.h).
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/Engine.h"
#include "checker/Fairness.h"
#include "checker/Hash.h"
#include "checker/Search.h"

namespace lifecheck::checker {

template <ExplorableModel M>
class ShuffledModel {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;

  ShuffledModel(const M& model, uint64_t seed) : model_(model), seed_(seed) {}

  State initial() const { return model_.initial(); }
  void enabled(const State& s, std::vector<Choice>& out) const {
    model_.enabled(s, out);
    if (seed_ == 0) return;
    std::sort(out.begin(), out.end(), [&](Choice a, Choice b) {
      return mix64(seed_ ^ static_cast<uint64_t>(a)) < mix64(seed_ ^ static_cast<uint64_t>(b));
    });
  }
  StepResult step(State& s, Choice c) const { return model_.step(s, c); }
  StepResult terminal(State& s) const { return model_.terminal(s); }
  void encode(const State& s, std::string& out) const { model_.encode(s, out); }
  void encode(const State& s, std::string& out, std::vector<uint32_t>& cuts) const {
    encode_parts(model_, s, out, cuts);
  }
  State decode(std::string_view bytes) const requires DecodableModel<M> {
    return model_.decode(bytes);
  }
  const char* cycle_property() const { return cycle_property_of(model_); }
  uint32_t agent(Choice c) const requires FairModel<M> { return model_.agent(c); }
  void encode_concrete(const State& s, std::string& out) const requires FairModel<M> {
    model_.encode_concrete(s, out);
  }
  std::optional<Choice> persistent_choice(
      const State& s, const std::vector<Choice>& en) const requires ReducibleModel<M> {
    return model_.persistent_choice(s, en);
  }
  std::optional<Choice> persistent_choice(const State& s, const std::vector<Choice>& en,
                                          SteppedList<State, Choice>& stepped) const requires
      SteppingReducibleModel<M> {
    return model_.persistent_choice(s, en, stepped);
  }

 private:
  const M& model_;
  uint64_t seed_;
};

// The settings of one member of a swarm of `size`: a search order, a table
// size and a number of hash functions that differ from its neighbours'.
struct SwarmMember {
  uint64_t seed = 0;
  unsigned log2_bits = 32;
  unsigned hashes = 3;
};

inline SwarmMember swarm_member(unsigned index, unsigned max_log2_bits) {
  SwarmMember m;
  m.seed = index == 0 ? 0 : mix64(0x5a7a11ed0000ull + index);
  m.log2_bits = std::max(10u, max_log2_bits - index % 3);
  m.hashes = 1 + (index + 2) % 3;  // 3, 1, 2, 3, ...
  return m;
}

}  // namespace lifecheck::checker
