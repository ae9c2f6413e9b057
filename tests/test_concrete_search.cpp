// The breadth-first search on one job expands the new states of a level as
// it reached them, threads put in their canonical form's order
// (reorder_threads), instead of decoding them from the store
// (checker/Bfs.h, kConcrete). Counts, keys and counterexamples stay those
// of the search over decoded states only if such a kept state and its
// decoded form have the same choices in the same order, the same choice
// explored alone (partial-order reduction), the same progress measure, the
// same terminal verdict and, choice by choice, the same outcome and
// successors that encode alike. Checked here breadth-first over kept
// states, as the search meets them: on B1 (3.14 and 3.13t) and on every
// shipped scenario (under its own profile and under 3.13t), with and
// without thread symmetry. A collector frame that kept a dead object's
// number, and a released function frame that kept its function's number,
// broke this (B1 T=4 counted 348,184 states instead of 347,880).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "TestSupport.h"
#include "checker/Engine.h"
#include "model/Canonical.h"

namespace lifecheck::testing {
namespace {

using model::Model;

std::string outcome(const checker::StepResult& r) {
  std::string s = std::to_string(static_cast<int>(r.kind));
  for (const std::string& p : r.properties) s += " " + p;
  return s;
}

// Breadth-first over kept states of `m` (at most `max_states`): what
// differs between a kept state and its decoded form, or "" when nothing
// does. `states` counts the states compared.
std::string kept_and_decoded_differ(const Model& m, size_t max_states, size_t& states) {
  const model::Program& p = m.program();
  std::string bytes, x, y;
  std::vector<uint32_t> cuts;
  Model::Renaming renaming;
  std::vector<Model::Choice> mine, theirs;
  uint64_t reduced = 0, pruned = 0;
  states = 0;
  // the search starts from the decoded initial state (with symmetry, a
  // symmetric thread's body is its class's function there)
  m.encode(m.initial(), bytes);
  std::deque<model::State> queue{model::decode_state(p, bytes)};
  std::unordered_set<std::string> seen{bytes};
  while (!queue.empty() && states < max_states) {
    const model::State s = std::move(queue.front());
    queue.pop_front();
    ++states;
    m.encode(s, bytes);
    const model::State d = model::decode_state(p, bytes);
    const std::string at = " at state " + std::to_string(states);
    const bool live = checker::choices_to_explore(m, s, mine, true, reduced, pruned);
    if (live != checker::choices_to_explore(m, d, theirs, true, reduced, pruned) || mine != theirs)
      return "other choices to explore" + at;
    if (m.progress_measure(s) != m.progress_measure(d)) return "another progress measure" + at;
    if (!live) {
      model::State a = s, b = d;
      if (outcome(m.terminal(a)) != outcome(m.terminal(b))) return "another terminal verdict" + at;
    }
    m.enabled(s, mine);
    for (Model::Choice c : mine) {
      model::State a = s, b = d;
      const checker::StepResult ra = m.step(a, c), rb = m.step(b, c);
      if (outcome(ra) != outcome(rb)) return "another outcome of choice " + std::to_string(c) + at;
      if (!ra.ok()) continue;
      m.encode(a, x, cuts, renaming);
      m.encode(b, y);
      if (x != y) return "another successor by choice " + std::to_string(c) + at;
      if (seen.insert(x).second) {
        model::reorder_threads(a, renaming);
        queue.push_back(std::move(a));
      }
    }
  }
  return "";
}

void expect_same_future(const model::Program& p, size_t max_states, size_t min_states,
                        const std::string& what) {
  for (bool symmetry : {true, false}) {
    const Model m(p, symmetry);
    size_t states = 0;
    EXPECT_EQ(kept_and_decoded_differ(m, max_states, states), "")
        << what << ", symmetry " << symmetry;
    EXPECT_GE(states, min_states) << what << ", symmetry " << symmetry;
  }
}

TEST(ConcreteSearchOnB1, KeptAndDecodedStatesHaveTheSameFuture) {
  expect_same_future(load_text_under(b1(3), "3.14"), 30000, 4640, "B1 T=3, 3.14");
  // every state (3,058 with symmetry before the heap order by sections,
  // F-G3a; 1,562 since)
  expect_same_future(load_text_under(b1(2), "3.13t"), 30000, 1562, "B1 T=2, 3.13t");
  // 292,538 states with symmetry before F-G3a: the first levels
  expect_same_future(load_text_under(b1(3), "3.13t"), 20000, 20000, "B1 T=3, 3.13t");
}

class ConcreteSearch : public ::testing::TestWithParam<std::string> {};

TEST_P(ConcreteSearch, KeptAndDecodedStatesHaveTheSameFuture) {
  const std::string text = read_all(source_path(GetParam()));
  expect_same_future(load_file(GetParam()), 5000, 1, GetParam());
  std::optional<model::Program> ft;
  try {
    ft.emplace(load_text_under(text, "3.13t", GetParam()));
  } catch (const std::exception&) {
    return;  // not a scenario of the free-threaded build
  }
  expect_same_future(*ft, 5000, 1, GetParam() + " under 3.13t");
}

// scenarios/x/y.life -> scenarios_x_y
INSTANTIATE_TEST_SUITE_P(Shipped, ConcreteSearch, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n =
                               std::filesystem::path(param.param).replace_extension().string();
                           std::replace_if(
                               n.begin(), n.end(),
                               [](char c) { return !isalnum(static_cast<unsigned char>(c)); }, '_');
                           return n;
                         });

}  // namespace
}  // namespace lifecheck::testing
