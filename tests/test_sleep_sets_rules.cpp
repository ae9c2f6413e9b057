// The static rules of model/Footprint.cpp: D1-D5, pairs of steps that
// footprints_independent declares dependent without running both orders,
// and I1, pairs it declares independent (covered, like every pair declared
// independent, by the por-check of test_sleep_sets.cpp; checked here too on
// B1 under 3.13t).
// Declaring a pair dependent is always sound for sleep sets (fewer
// transitions are saved, never a state lost), so what these tests check is
// that each rule is (nearly) right: run anyway, both orders of the pairs a
// rule names almost never meet (D1, a step that leaves the world stopped,
// never), so the rules cost (almost) no reduction. The por-check
// (test_sleep_sets.cpp) covers the pairs still declared independent.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "TestSupport.h"
#include "model/Footprint.h"

namespace lifecheck::testing {
namespace {

using Choice = model::Model::Choice;

struct RuleCounts {
  std::array<size_t, 6> named{};  // pairs per dependence rule (0: none)
  std::array<size_t, 6> met{};    // of those, pairs whose two orders meet
  size_t independent = 0;         // pairs declared independent (all commute)
  size_t by_i1 = 0;               // of those, by rule I1
};

// At every reachable state (up to `max_states`) each pair of choices of
// different threads: which rule names it, and whether both orders meet.
RuleCounts count_rules(const model::Model& m, size_t max_states) {
  RuleCounts out;
  const model::IndependenceCounts before = model::independence_counts();
  for_each_state(m, max_states, [&](const model::State& s) {
    std::vector<Choice> enabled;
    m.enabled(s, enabled);
    std::vector<model::Footprint> fp(enabled.size());
    for (size_t k = 0; k < enabled.size(); ++k) {
      model::State next = s;
      m.step_footprint(s, next, enabled[k], enabled, fp[k]);
    }
    for (size_t i = 0; i < enabled.size(); ++i)
      for (size_t j = i + 1; j < enabled.size(); ++j) {
        if (!fp[i].ok || !fp[j].ok || fp[i].thread == fp[j].thread) continue;
        const int rule = model::dependence_rule(fp[i], fp[j]);
        EXPECT_EQ(rule, model::dependence_rule(fp[j], fp[i])) << "the rules are not symmetric";
        const bool independent = m.independent(fp[i], fp[j]);
        if (independent) {
          ++out.independent;
          EXPECT_TRUE(model::both_orders_commute(fp[i], fp[j]));
        }
        if (rule == 0) continue;
        ++out.named[rule];
        if (model::both_orders_commute(fp[i], fp[j])) ++out.met[rule];
        EXPECT_FALSE(independent);
      }
  });
  // what footprints_independent decided (summed over the process: the
  // tests run one at a time): by rule I1, the independent pairs that
  // neither reads and writes nor both orders decided
  const model::IndependenceCounts after = model::independence_counts();
  size_t named = 0;
  for (size_t n : out.named) named += n;
  EXPECT_EQ(after.by_rule - before.by_rule, named);
  out.by_i1 = out.independent - (after.both_orders_met - before.both_orders_met) -
              (after.by_reads_writes - before.by_reads_writes) -
              (after.by_phase_rule - before.by_phase_rule);
  return out;
}

// B1 T=3 under the GIL (with symmetry, as `check --sleep-sets` runs it):
// D2-D5 name pairs; of those only D2's two allocations and D5's two
// collection starts by interchangeable threads meet.
TEST(SleepSetsRules, NamePairsThatDoNotCommuteOnB1) {
  const model::Program p = load_text(b1(3));
  const RuleCounts c = count_rules(model::Model(p, true), 5000);
  EXPECT_GT(c.named[2], 0u);
  EXPECT_GT(c.named[3], 0u);
  EXPECT_GT(c.named[4], 0u);
  EXPECT_EQ(c.met[3], 0u);
  EXPECT_EQ(c.met[4], 0u);
  EXPECT_LE(c.met[2] * 20, c.named[2]);  // at most 5 %
  // D5 (two collection starts) gives up pairs that meet, which prune no
  // transition on B1 (SleepSetsOnB1.WithSymmetry: 8,757 either way)
  EXPECT_GT(c.named[5], 0u);
  EXPECT_LE(c.met[5] * 2, c.named[5]);
}

// Under 3.13t a collection stops the world (F12): D1 names the pairs with
// the step that stops it, and both orders never meet there (the other
// step is disabled after it). A gc.collect() during a collection does
// nothing else in its step there, and I1 declares it independent of
// most steps of the other threads: those pairs commute (checked above
// for every independent pair).
TEST(SleepSetsRules, WorldStoppedIsExactUnderFreeThreading) {
  const model::Program p = load_text_under(b1(2), "3.13t");
  const RuleCounts c = count_rules(model::Model(p, true), 5000);
  EXPECT_GT(c.named[1], 0u);
  EXPECT_EQ(c.met[1], 0u);
  EXPECT_GT(c.named[4], 0u);
  EXPECT_EQ(c.met[4], 0u);
  EXPECT_GT(c.by_i1, 0u);
  EXPECT_GT(c.independent, c.by_i1);
}

}  // namespace
}  // namespace lifecheck::testing
