// Rule I2 of model/FootprintPhases.cpp: a collection's step between two
// yields and another thread's step, declared independent without running
// both orders. Each pair it declares independent is run in both orders
// here (as the por-check of test_sleep_sets.cpp does for every shipped
// scenario): both must reach the same state, neither disabling the other.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "TestSupport.h"
#include "model/Footprint.h"

namespace lifecheck::testing {
namespace {

using Choice = model::Model::Choice;

// The footprints of every enabled choice at `s`.
std::vector<model::Footprint> footprints_at(const model::Model& m, const model::State& s,
                                            std::vector<Choice>& enabled) {
  m.enabled(s, enabled);
  std::vector<model::Footprint> fp(enabled.size());
  for (size_t k = 0; k < enabled.size(); ++k) {
    model::State next = s;
    m.step_footprint(s, next, enabled[k], enabled, fp[k]);
  }
  return fp;
}

struct PhaseCounts {
  size_t by_i2 = 0;        // pairs I2 decides
  size_t both_orders = 0;  // pairs still left to both orders
  size_t left_met = 0;     // of those, pairs whose two orders meet
  size_t wrong = 0;        // I2 pairs whose two orders do not meet
};

// At every reachable state (up to `max_states`), each pair of choices of
// different threads: what decides it, and whether both orders meet.
PhaseCounts count_phase_pairs(const model::Model& m, size_t max_states) {
  PhaseCounts out;
  for_each_state(m, max_states, [&](const model::State& s) {
    std::vector<Choice> enabled;
    const std::vector<model::Footprint> fp = footprints_at(m, s, enabled);
    for (size_t i = 0; i < enabled.size(); ++i)
      for (size_t j = i + 1; j < enabled.size(); ++j) {
        const model::Decision d = model::decision_of(fp[i], fp[j]);
        EXPECT_EQ(d, model::decision_of(fp[j], fp[i])) << "the rules are not symmetric";
        if (d == model::Decision::PhaseRule) {
          ++out.by_i2;
          if (!model::both_orders_commute(fp[i], fp[j])) ++out.wrong;
        } else if (d == model::Decision::BothOrders) {
          ++out.both_orders;
          out.left_met += model::both_orders_commute(fp[i], fp[j]);
        }
      }
  });
  return out;
}

void expect_sound_and_used(const model::Program& p, size_t max_states, const char* what) {
  const PhaseCounts c = count_phase_pairs(model::Model(p, true), max_states);
  EXPECT_EQ(c.wrong, 0u) << what;
  EXPECT_GT(c.by_i2, 0u) << what;
  std::printf("%s: I2 %zu pairs, left to both orders %zu (%zu meet)\n", what, c.by_i2,
              c.both_orders, c.left_met);
}

// B1 under the GIL: the steps of a collection (a callback or finalizer
// entered, a phase finished) against the other threads' allocations,
// stores and drops.
TEST(SleepSetsPhases, CollectionStepsCommuteOnB1) {
  expect_sound_and_used(load_text(b1(3)), 5000, "B1 T=3, 3.14");
}

// The other GIL collectors: 3.12's (automatic collections at the eval
// breaker, any thread), 3.11's (inside the allocation) and the
// incremental one of 3.14.0-3.14.3.
TEST(SleepSetsPhases, CollectionStepsCommuteUnderOtherGilProfiles) {
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14.0"})
    expect_sound_and_used(load_text_under(b1(2), profile), 5000, profile);
}

// Every shipped scenario under its own profile (I2 applies to the GIL
// profiles with the faithful runtime): no pair I2 declares independent
// fails to commute.
TEST(SleepSetsPhases, ShippedScenarios) {
  size_t used = 0;
  for (const std::string& file : scenario_files()) {
    const model::Program p = load_file(file);
    const PhaseCounts c = count_phase_pairs(model::Model(p, true), 600);
    EXPECT_EQ(c.wrong, 0u) << file;
    used += c.by_i2 > 0;
  }
  EXPECT_GT(used, 10u);
}

// At every state of `text`'s search (with symmetry), each pair a static
// rule (I1 or I2) declares independent, run in both orders: returns how
// many there were and how many did not commute.
std::pair<size_t, size_t> rule_pairs(const std::string& text) {
  const model::Program p = load_text(text);
  const model::Model m(p, true);
  size_t pairs = 0, wrong = 0;
  for_each_state(m, 20000, [&](const model::State& s) {
    std::vector<Choice> enabled;
    const std::vector<model::Footprint> fp = footprints_at(m, s, enabled);
    for (size_t i = 0; i < enabled.size(); ++i)
      for (size_t j = i + 1; j < enabled.size(); ++j) {
        const model::Decision d = model::decision_of(fp[i], fp[j]);
        if (d != model::Decision::IndependentRule && d != model::Decision::PhaseRule) continue;
        ++pairs;
        wrong += !model::both_orders_commute(fp[i], fp[j]);
      }
  });
  return {pairs, wrong};
}

// sys.getrefcount reads an exact count and leaves it as it was (it takes
// and drops a reference): a step that calls it while another thread's
// step drops a reference to the same object (here a reentrant
// gc.collect() after `del b`, I1's kind of step, during T1's collection)
// sees another count in each order. Neither I1 nor I2 may declare such a
// pair independent (without I1's guard, 6 such pairs were).
TEST(SleepSetsPhases, GetrefcountIsNeverIndependent) {
  const auto [pairs, wrong] = rule_pairs(
      "class Node:\n    def __del__(self):\n        pass\n\n"
      "g = Node()\n\n"
      "thread T1:\n    a = Node()\n    a.peer = a\n    del a\n    gc.collect()\n\n"
      "thread T2:\n    b = g\n    c = Node()\n    del b\n    gc.collect()\n\n"
      "thread T3:\n    d = Node()\n    n = sys.getrefcount(g)\n    log(n)\n");
  (void)pairs;  // none: programs that call sys.getrefcount are left out
  EXPECT_EQ(wrong, 0u);
}

// A finalizer run by the collection copies a global's attribute that
// another thread stores: the collection's step reads what the other
// moves (I2's reads and moves), so the two do not commute and I2 must
// not say they do.
TEST(SleepSetsPhases, FinalizerReadsWhatAnotherThreadStores) {
  const auto [pairs, wrong] = rule_pairs(
      "class Box:\n    pass\n\n"
      "class Node:\n    def __del__(self):\n        out.v = box.v\n\n"
      "box = Box()\nbox.v = 0\nout = Box()\nout.v = 0\n\n"
      "thread T1:\n    a = Node()\n    a.peer = a\n    del a\n    gc.collect()\n\n"
      "thread T2:\n    c = Box()\n    box.v = 1\n    d = Box()\n");
  EXPECT_GT(pairs, 0u);
  EXPECT_EQ(wrong, 0u);
}

// A bystander's step starts no collection: even one that runs no Python
// code and frees nothing (T1's later gc.collect() calls) merges the young
// generation into an older one, which another thread's allocation is in or
// not depending on the order. Every step whose events show a collection
// has no bystander role.
TEST(SleepSetsPhases, AStepThatCollectsIsNoBystander) {
  const model::Program p = load_text_under(
      "class Box:\n    pass\n\n"
      "a = Box()\n\n"
      "thread T1:\n    gc.collect()\n    gc.collect()\n    gc.collect()\n\n"
      "thread T2:\n    b = Box()\n    c = Box()\n",
      "3.13");
  const model::Model m(p, true);
  size_t collecting_steps = 0;
  for_each_state(m, 20000, [&](const model::State& s) {
    std::vector<Choice> enabled;
    for (const model::Footprint& fp : footprints_at(m, s, enabled)) {
      if (!(fp.events & (uint64_t{1} << static_cast<unsigned>(model::EventKind::GcStart))))
        continue;
      ++collecting_steps;
      EXPECT_NE(fp.role, model::Footprint::Role::Bystander);
    }
  });
  EXPECT_GT(collecting_steps, 0u);
  const PhaseCounts c = count_phase_pairs(m, 20000);
  EXPECT_EQ(c.wrong, 0u);
}

// The step that sorts out the garbage (after the "start" gc.callbacks
// ran) merges the young generation and reads every tracked object's
// count: not a collection step I2 may move past another thread's
// allocation.
TEST(SleepSetsPhases, TheStepThatSortsTheGarbageIsNoCollectionStep) {
  const model::Program p = load_text_under(
      "class Box:\n    pass\n\n"
      "def cb(phase, info):\n    pass\n\n"
      "gc.callbacks.append(cb)\n\n"
      "thread T1:\n    a = Box()\n    a.p = a\n    del a\n    gc.collect()\n\n"
      "thread T2:\n    b = Box()\n    b.v = 1\n",
      "3.13");
  const PhaseCounts c = count_phase_pairs(model::Model(p, true), 20000);
  EXPECT_EQ(c.wrong, 0u);
}

}  // namespace
}  // namespace lifecheck::testing
