// Sleep sets over the model's step footprints (model/Footprint.cpp,
// checker/BfsSleepSets.inc): every pair of steps the footprints declare
// independent really commutes (the por-check), and the search with sleep
// sets reaches the same states with the same verdicts as without, on
// every shipped scenario, taking fewer transitions, with counterexamples
// that replay and the same output for any number of workers.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "TestSupport.h"
#include "checker/Explorer.h"
#include "lifecheck/generators.h"
#include "model/Footprint.h"

namespace lifecheck::testing {
namespace {

using Choice = model::Model::Choice;

// The events of a step, as a sorted list of kinds: two orders of
// commuting steps emit the same ones (the objects' slots may differ: an
// allocation takes the first free slot, which the other step may free or
// take first).
std::vector<int> event_kinds(const std::vector<model::Event>& events) {
  std::vector<int> out;
  for (const model::Event& e : events) out.push_back(static_cast<int>(e.kind));
  std::sort(out.begin(), out.end());
  return out;
}

// At `s`: each pair of choices of different threads whose footprints are
// independent commutes. Returns what failed, or "".
std::string independent_pairs_commute(const model::Model& m, const model::State& s, size_t& pairs) {
  std::vector<Choice> enabled, later;
  m.enabled(s, enabled);
  std::vector<model::Footprint> fp(enabled.size());
  for (size_t k = 0; k < enabled.size(); ++k) {
    model::State next = s;
    m.step_footprint(s, next, enabled[k], enabled, fp[k]);
  }
  auto has = [&](const model::State& at, Choice c) {
    m.enabled(at, later);
    return std::find(later.begin(), later.end(), c) != later.end();
  };
  for (size_t i = 0; i < enabled.size(); ++i)
    for (size_t j = i + 1; j < enabled.size(); ++j) {
      if (!m.independent(fp[i], fp[j])) continue;
      if (!m.independent(fp[j], fp[i])) return "the relation is not symmetric";
      ++pairs;
      const Choice a = enabled[i], b = enabled[j];
      const std::string pair = "choices " + std::to_string(a) + " and " + std::to_string(b) + ": ";
      model::State ab = s, ba = s;
      std::vector<model::Event> eab, eba;
      if (!m.step(ab, a, &eab).ok() || !m.step(ba, b, &eba).ok()) return pair + "a step fails";
      if (!has(ab, b)) return pair + "the first disables the second";
      if (!has(ba, a)) return pair + "the second disables the first";
      if (!m.step(ab, b, &eab).ok() || !m.step(ba, a, &eba).ok())
        return pair + "a step fails in the other order";
      std::string x, y;
      m.encode(ab, x);
      m.encode(ba, y);
      if (x != y) return pair + "the two orders reach different states";
      // Footprints that are not global say why the two orders do the same
      // (the same events too); the others were found to commute by running
      // both orders, which may differ in events no property observes (a
      // load of an object another thread frees, or of what it stored).
      if (!fp[i].global && !fp[j].global && event_kinds(eab) != event_kinds(eba))
        return pair + "the two orders emit other events";
    }
  return "";
}

class SleepSets : public ::testing::TestWithParam<std::string> {};

TEST_P(SleepSets, IndependentStepsCommute) {
  model::Program p = load_file(GetParam());
  model::Model m(p, false);
  size_t pairs = 0;
  for_each_state(m, 1500, [&](const model::State& s) {
    ASSERT_EQ(independent_pairs_commute(m, s, pairs), "") << GetParam();
  });
}

checker::SearchOptions plain_bfs(bool sleep, unsigned jobs) {
  checker::SearchOptions o;
  o.order = checker::SearchOrder::BreadthFirst;
  o.partial_order = false;
  o.sleep_sets = sleep;
  o.jobs = jobs;
  o.bfs_slice = 1;
  o.limits.max_states = 200000;
  return o;
}

TEST_P(SleepSets, SameStatesAndVerdictFewerTransitions) {
  model::Program p = load_file(GetParam());
  auto off = check(p, plain_bfs(false, 1), false);
  auto on = check(p, plain_bfs(true, 1), false);
  auto on2 = check(p, plain_bfs(true, 2), false);
  ASSERT_EQ(on.verdict, off.verdict) << GetParam();
  if (off.verdict == checker::Verdict::LimitReached) return;
  EXPECT_EQ(on.stats.states, off.stats.states) << GetParam();
  EXPECT_LE(on.stats.transitions, off.stats.transitions) << GetParam();
  EXPECT_EQ(on.failure.properties, off.failure.properties) << GetParam();
  // the same for any number of workers
  EXPECT_EQ(on2.stats.states, on.stats.states) << GetParam();
  EXPECT_EQ(on2.stats.transitions, on.stats.transitions) << GetParam();
  EXPECT_EQ(on2.path, on.path) << GetParam();
  if (on.verdict == checker::Verdict::Violated && !on.loop_start) {
    model::Trace t = replay(p, on.path);
    EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << GetParam();
    EXPECT_EQ(t.outcome.properties, on.failure.properties) << GetParam();
  }
}

// "scenarios/basics/cycle2-del.life" -> "basics_cycle2_del"
std::string scenario_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = std::filesystem::path(info.param).replace_extension().string();
  n.erase(0, n.find('/') + 1);
  std::replace_if(
      n.begin(), n.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shipped, SleepSets, ::testing::ValuesIn(scenario_files()), scenario_name);

// The por-check on generated scenarios (broken C types included) under
// every profile, and the search with sleep sets against the one without:
// the same verdict, properties and states.
RC_GTEST_PROP(SleepSetsMeta, IndependentStepsCommuteAndStatesStay, ()) {
  gen::GenConfig config;
  config.max_threads = 3;
  config.max_body = 3;
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13.0", "3.13", "3.14.0",
                                                "3.14.4", "3.14", "3.13t", "3.14t");
  const model::Program p = load_text(spec.to_life(), "generated.life");
  const model::Model m(p, false);
  size_t pairs = 0;
  for_each_state(m, 1500, [&](const model::State& s) {
    const std::string failed = independent_pairs_commute(m, s, pairs);
    RC_ASSERT(failed == "");
  });
  RC_TAG(pairs ? "some independent pairs" : "no independent pair");
  auto off = check(p, plain_bfs(false, 1), false);
  auto on = check(p, plain_bfs(true, 2), false);
  RC_ASSERT(on.verdict == off.verdict);
  if (off.verdict == checker::Verdict::LimitReached) return;
  RC_ASSERT(on.stats.states == off.stats.states);
  RC_ASSERT(on.failure.properties == off.failure.properties);
}

// The search without and with sleep sets (on one and two workers): the
// same verdict and `states`, `without` and `with` transitions.
void expect_transitions(const model::Program& p, uint64_t states, uint64_t without, uint64_t with) {
  auto off = check(p, plain_bfs(false, 1), false);
  auto on = check(p, plain_bfs(true, 1), false);
  auto on2 = check(p, plain_bfs(true, 2), false);
  EXPECT_EQ(on.verdict, off.verdict);
  EXPECT_EQ(off.stats.states, states);
  EXPECT_EQ(on.stats.states, states);
  EXPECT_EQ(on2.stats.states, states);
  EXPECT_EQ(off.stats.transitions, without);
  EXPECT_EQ(on.stats.transitions, with);
  EXPECT_EQ(on2.stats.transitions, with);
}

// Two threads that each work on their own objects (attribute stores once
// the name is in the class's key order, gc queries): their steps commute
// and sleep sets take fewer transitions to the same states (the first
// store of `x`, which adds it to the class's key order, and the
// allocations commute with the other thread's stores too, found by running
// both orders).
TEST(SleepSetsOnPrivateWork, FewerTransitionsSameStates) {
  std::string text = "class Node:\n    pass\n";
  for (const char* v : {"a", "b"}) {
    text += std::string("\nthread T") + (v[0] == 'a' ? "1" : "2") + ":\n    " + v + " = Node()\n";
    for (int k = 1; k <= 4; ++k)
      text += std::string("    ") + v + ".x = " + std::to_string(k) + "\n    gc.is_tracked(" + v +
              ")\n";
  }
  expect_transitions(load_text(text), 76, 136, 81);
}

// B1 with two threads (bench/b1.py): every step allocates, collects or
// runs a finalizer or callback inside a collection, so no footprint is
// free of global effects; steps such as an allocation and a finalizer's
// body on another thread still commute, found by running both orders.
TEST(SleepSetsOnB1, AllocationsAndCollectionsCommuteWithOtherThreads) {
  const std::vector<std::string> body = {
      "a = Node()", "b = Node()", "a.peer = b",  "b.peer = a", "w = weakref.ref(a, on_gone)",
      "del a",      "del b",      "gc.collect()"};
  std::string text = "class Node:\n    def __del__(self):\n        pass\n\n";
  text += "def on_gone(wr):\n    pass\n";
  for (int t = 1; t <= 2; ++t) {
    text += "\nthread T" + std::to_string(t) + ":\n";
    for (const std::string& line : body) text += "    " + line + "\n";
  }
  model::Program p = load_text(text);
  expect_transitions(p, 258, 445, 389);
  model::Model m(p, false);
  size_t pairs = 0;
  for_each_state(m, 1500, [&](const model::State& s) {
    ASSERT_EQ(independent_pairs_commute(m, s, pairs), "");
  });
  EXPECT_GT(pairs, 0u);
}

// In a free-threaded profile only running both orders finds commuting
// steps (the argument from reads and writes assumes the GIL).
TEST(SleepSetsFreeThreaded, FewerTransitionsSameStates) {
  expect_transitions(load_file("scenarios/free-threading/many-threads-drop-one.life"), 421, 1239,
                     724);
}

// --sleep-sets searches without thread symmetry, and says so unless
// --no-symmetry is given.
TEST(SleepSetsCli, ImplyNoSymmetryWithAWarning) {
  const std::string file = source_path("scenarios/basics/threads-shared-cycle.life");
  CliResult warned = run_cli({"check", "--json", "--sleep-sets", file});
  EXPECT_NE(warned.err.find("--sleep-sets searches without thread symmetry"), std::string::npos)
      << warned.err;
  EXPECT_EQ(only_result(warned.out)["symmetry"], false);
  CliResult quiet = run_cli({"check", "--json", "--sleep-sets", "--no-symmetry", file});
  EXPECT_EQ(quiet.err.find("warning"), std::string::npos) << quiet.err;
  EXPECT_EQ(only_result(warned.out)["stats"]["states"], only_result(quiet.out)["stats"]["states"]);
}

}  // namespace
}  // namespace lifecheck::testing
