// Sleep sets over the model's step footprints (model/Footprint.cpp,
// checker/BfsSleepSets.inc): every pair of steps the footprints declare
// independent really commutes (the por-check), and the search with sleep
// sets alone (without the persistent sets: `--sleep-sets --no-por`)
// reaches the same states with the same verdicts as without, on every
// shipped scenario, taking fewer transitions, with counterexamples that
// replay and the same output for any number of workers. Sleep sets with
// the persistent sets: at the end of this file.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "Orbits.h"
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

// The por-check at every reachable state (up to 1,500), with `m`'s
// canonical form (with symmetry: the same state up to a permutation of
// identical threads); counts the independent pairs. Returns what failed,
// or "".
std::string pairs_commute_everywhere(const model::Model& m, size_t& pairs) {
  std::string failed;
  for_each_state(m, 1500, [&](const model::State& s) {
    if (failed.empty()) failed = independent_pairs_commute(m, s, pairs);
  });
  return failed;
}

class SleepSets : public ::testing::TestWithParam<std::string> {};

TEST_P(SleepSets, IndependentStepsCommute) {
  model::Program p = load_file(GetParam());
  size_t pairs = 0;
  EXPECT_EQ(pairs_commute_everywhere(model::Model(p, false), pairs), "") << GetParam();
}

// Breadth-first, without the persistent sets unless `partial_order`.
checker::SearchOptions plain_bfs(bool sleep, unsigned jobs, bool partial_order = false) {
  checker::SearchOptions o;
  o.order = checker::SearchOrder::BreadthFirst;
  o.partial_order = partial_order;
  o.sleep_sets = sleep;
  o.jobs = jobs;
  o.bfs_slice = 1;
  o.limits.max_states = 200000;
  return o;
}

// The search with sleep sets on one and two workers against the same
// search without (`symmetry`: all three with thread symmetry, and then also
// against the plain search, without either): the verdict and properties
// of both, the states of the one without sleep sets (sleep sets cut
// transitions, never states), no more transitions, the same counts and
// counterexample on two workers, and a counterexample that replays.
// Returns what differs, or "".
std::string sleep_sets_differ(const model::Program& p, bool symmetry) {
  auto off = check(p, plain_bfs(false, 1), symmetry);
  auto on = check(p, plain_bfs(true, 1), symmetry);
  auto on2 = check(p, plain_bfs(true, 2), symmetry);
  if (symmetry) {
    auto plain = check(p, plain_bfs(false, 1), false);
    if (plain.verdict != checker::Verdict::LimitReached &&
        (on.verdict != plain.verdict || on.failure.properties != plain.failure.properties))
      return "another verdict than the plain search";
  }
  if (on.verdict != off.verdict) return "another verdict";
  if (off.verdict == checker::Verdict::LimitReached) return "";
  if (on.stats.states != off.stats.states)
    return "states " + std::to_string(on.stats.states) + " against " +
           std::to_string(off.stats.states);
  if (on.stats.transitions > off.stats.transitions) return "more transitions";
  if (on.failure.properties != off.failure.properties) return "other properties";
  // the same for any number of workers
  if (on2.stats.states != on.stats.states || on2.stats.transitions != on.stats.transitions ||
      on2.path != on.path)
    return "another result on two workers";
  if (on.verdict == checker::Verdict::Violated && !on.loop_start) {
    model::Trace t = replay(p, on.path);
    if (t.outcome.kind != checker::StepResult::Kind::Violation ||
        t.outcome.properties != on.failure.properties)
      return "the counterexample does not replay";
  }
  return "";
}

TEST_P(SleepSets, SameStatesAndVerdictFewerTransitions) {
  EXPECT_EQ(sleep_sets_differ(load_file(GetParam()), false), "") << GetParam();
}

// With thread symmetry: the sleep sets are renamed into each state's
// canonical numbering (checker/Bfs.h, add_successor).
TEST_P(SleepSets, WithSymmetrySameStatesAsSymmetryAlone) {
  EXPECT_EQ(sleep_sets_differ(load_file(GetParam()), true), "") << GetParam();
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
// A generated scenario (broken C types included, bodies of up to three
// statements) under any profile; `copies` more threads run the first
// thread's body; `locks`: with the lock statements (GenConfig::locks),
// half the time made to hold a finalizer that takes the lock its thread
// holds (finalizer_takes_held_lock).
model::Program generated(int max_threads, int copies, bool locks = false) {
  gen::GenConfig config;
  config.locks = locks;
  config.max_threads = max_threads;
  config.max_body = 3;
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  if (locks && *rc::gen::arbitrary<bool>()) finalizer_takes_held_lock(spec);
  if (!spec.threads.empty())
    for (int k = 0; k < copies; ++k) spec.threads.push_back(spec.threads[0]);
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13.0", "3.13", "3.14.0",
                                                "3.14.4", "3.14", "3.13t", "3.14t");
  return load_text(spec.to_life(), "generated.life");
}

RC_GTEST_PROP(SleepSetsMeta, IndependentStepsCommuteAndStatesStay, ()) {
  const model::Program p = generated(3, 0);
  size_t pairs = 0;
  RC_ASSERT(pairs_commute_everywhere(model::Model(p, false), pairs) == "");
  RC_TAG(pairs ? "some independent pairs" : "no independent pair");
  auto off = check(p, plain_bfs(false, 1), false);
  auto on = check(p, plain_bfs(true, 2), false);
  RC_ASSERT(on.verdict == off.verdict);
  if (off.verdict == checker::Verdict::LimitReached) return;
  RC_ASSERT(on.stats.states == off.stats.states);
  RC_ASSERT(on.failure.properties == off.failure.properties);
}

// Symmetry and sleep sets together on generated scenarios whose first
// thread is run by two or three identical threads (so that symmetry
// merges states), under every profile: the por-check up to symmetry, the
// verdict and properties of the plain search, the states of symmetry
// alone, the same result on two workers, and counterexamples that replay.
RC_GTEST_PROP(SleepSetsMeta, WithSymmetryKeepVerdictsAndStates, ()) {
  const model::Program p = generated(2, *rc::gen::inRange(1, 3));
  size_t pairs = 0;
  RC_ASSERT(pairs_commute_everywhere(model::Model(p, true), pairs) == "");
  RC_TAG(model::Model(p).uses_symmetry() ? "symmetric threads" : "no symmetry");
  // one encoding per orbit, or the searches over concrete states and over
  // decoded ones count differently (CanonicalSymmetry.StaleExceptionName...)
  RC_ASSERT(orbit_encodings_differ(p, 2000) == "");
  const std::string failed = sleep_sets_differ(p, true);
  RC_ASSERT(failed == "");
}

// The search without and with sleep sets (on one and two workers): the
// same verdict and `states`, `without` and `with` transitions.
void expect_transitions(const model::Program& p, uint64_t states, uint64_t without, uint64_t with,
                        bool symmetry = false) {
  auto off = check(p, plain_bfs(false, 1), symmetry);
  auto on = check(p, plain_bfs(true, 1), symmetry);
  auto on2 = check(p, plain_bfs(true, 2), symmetry);
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
  model::Program p = load_text(b1(2));
  expect_transitions(p, 258, 445, 389);
  size_t pairs = 0;
  EXPECT_EQ(pairs_commute_everywhere(model::Model(p, false), pairs), "");
  EXPECT_GT(pairs, 0u);
}

// With thread symmetry (the sleep sets renamed into each canonical
// form): the states of symmetry alone, fewer transitions; the por-check
// up to symmetry at B1 T=3's states. (T=3 took 8,726 transitions before
// the static dependence rules of Footprint.cpp, which give up 31: D2's
// pairs of allocations by interchangeable threads, which meet.)
TEST(SleepSetsOnB1, WithSymmetry) {
  expect_transitions(load_text(b1(2)), 134, 227, 172, true);
  const model::Program p = load_text(b1(3));
  expect_transitions(p, 4640, 11911, 8757, true);
  size_t pairs = 0;
  EXPECT_EQ(pairs_commute_everywhere(model::Model(p, true), pairs), "");
  EXPECT_GT(pairs, 0u);
}

// The renaming a canonical form gives (Model::encode with a Renaming):
// at every reachable state of B1 T=3 (symmetric threads) thread t of the
// state is thread renaming[t] of the decoded canonical form (the same
// status and frames, up to object names), and the state's enabled
// choices, renamed, are the decoded state's.
TEST(SleepSetsRenaming, ChoicesFollowTheirThreads) {
  const model::Program p = load_text(b1(3));
  const model::Model m(p, true);
  size_t moved = 0;
  for_each_state(m, 5000, [&](const model::State& s) {
    std::string bytes;
    std::vector<uint32_t> cuts;
    model::Model::Renaming r;
    m.encode(s, bytes, cuts, r);
    const model::State d = m.decode(bytes);
    ASSERT_EQ(r.size(), s.threads.size());
    for (size_t t = 0; t < s.threads.size(); ++t) {
      const model::Thread& a = s.threads[t];
      const model::Thread& b = d.threads[r[t]];
      ASSERT_EQ(a.status, b.status);
      ASSERT_EQ(a.frames.size(), b.frames.size());
      for (size_t f = 0; f < a.frames.size(); ++f) {
        EXPECT_EQ(a.frames[f].kind, b.frames[f].kind);
        EXPECT_EQ(a.frames[f].pc, b.frames[f].pc);
        EXPECT_EQ(a.frames[f].stage, b.frames[f].stage);
      }
      moved += r[t] != t;
    }
    std::vector<Choice> mine, theirs;
    m.enabled(s, mine);
    m.enabled(d, theirs);
    for (Choice& c : mine) c = model::Model::rename_choice(c, r);
    std::sort(mine.begin(), mine.end());
    std::sort(theirs.begin(), theirs.end());
    EXPECT_EQ(mine, theirs);
  });
  EXPECT_GT(moved, 0u);  // some canonical forms reorder threads
}

// In a free-threaded profile only running both orders finds commuting
// steps (the argument from reads and writes assumes the GIL). 724
// transitions (of 1,239; 421 states, before log(...) had its second
// check) before a reopened state sent its successors its narrowed sleep
// set (they used to get empty ones; BfsSleepSets.inc).
TEST(SleepSetsFreeThreaded, FewerTransitionsSameStates) {
  expect_transitions(load_file("scenarios/free-threading/many-threads-drop-one.life"), 502, 1473,
                     812);
}

// --sleep-sets keeps thread symmetry (no warning): with --no-por (sleep
// sets alone) on B1 T=2 the states of the search with symmetry and without
// the persistent sets (134), fewer transitions (172 against 227). Without
// --no-por they go with the persistent sets (below).
TEST(SleepSetsCli, KeepSymmetry) {
  const std::string file = temp_file(b1(2));
  CliResult sleep = run_cli({"check", "--json", "--sleep-sets", "--no-por", file});
  CliResult sym = run_cli({"check", "--json", "--no-por", file});
  std::remove(file.c_str());
  EXPECT_EQ(sleep.err.find("warning"), std::string::npos) << sleep.err;
  EXPECT_EQ(only_result(sleep.out)["symmetry"], true);
  EXPECT_EQ(only_result(sleep.out)["verdict"], only_result(sym.out)["verdict"]);
  EXPECT_EQ(only_result(sleep.out)["stats"]["states"], 134);
  EXPECT_EQ(only_result(sym.out)["stats"]["states"], 134);
  EXPECT_EQ(only_result(sleep.out)["stats"]["transitions"], 172);
  EXPECT_EQ(only_result(sym.out)["stats"]["transitions"], 227);
}

// ---------------------------------------------------------------------
// Sleep sets together with the persistent sets (Godefroid's combination,
// checker/BfsSleepSets.inc; `check --sleep-sets` without --no-por): each
// state takes its persistent set less its sleep set. The combination keeps
// every terminal state and every violation but not every state of the
// persistent-set search, so it is compared with the plain search by
// verdict and properties: on every shipped scenario and on generated
// ones, with counterexamples (runs that never end too) that replay, no
// state or transition that the persistent-set search does not have (it
// only ever takes choices of the persistent sets), and the same counts and
// counterexample on one worker and two.
using Result = checker::SearchResult<model::Model::Choice>;

// The counterexample of `r` run from the initial state: it ends in the
// same violation, or comes back to the state after `loop_start` steps.
bool replays(const model::Program& p, bool symmetry, Result r) {
  const model::Model m(p, symmetry);
  return checker::detail::replay_concretely(m, r);
}

// The combination (with `symmetry` or not) against the plain search (the
// same symmetry, neither reduction), the persistent sets alone, and
// itself on two workers. Returns what differs, or "".
std::string combination_differs(const model::Program& p, bool symmetry) {
  const Result plain = check(p, plain_bfs(false, 1), symmetry);
  const Result persistent = check(p, plain_bfs(false, 1, true), symmetry);
  const Result on = check(p, plain_bfs(true, 1, true), symmetry);
  const Result on2 = check(p, plain_bfs(true, 2, true), symmetry);
  if (plain.verdict == checker::Verdict::LimitReached) return "";
  if (on.verdict != plain.verdict) return "another verdict than the plain search";
  if (on.failure.properties != plain.failure.properties) return "other properties";
  if (on.loop_start.has_value() != plain.loop_start.has_value())
    return "a run that never ends against a violation, or the other way";
  if (persistent.verdict == checker::Verdict::Holds && on.verdict == checker::Verdict::Holds) {
    // only choices of the persistent sets, each at most once a state
    if (on.stats.states > persistent.stats.states)
      return "states " + std::to_string(on.stats.states) + " against the persistent sets' " +
             std::to_string(persistent.stats.states);
    if (on.stats.transitions > persistent.stats.transitions)
      return "transitions " + std::to_string(on.stats.transitions) +
             " against the persistent sets' " + std::to_string(persistent.stats.transitions);
  }
  if (on2.verdict != on.verdict || on2.stats.states != on.stats.states ||
      on2.stats.transitions != on.stats.transitions || on2.path != on.path ||
      on2.loop_start != on.loop_start)
    return "another result on two workers";
  if (on.verdict == checker::Verdict::Violated && !replays(p, symmetry, on))
    return "the counterexample does not replay";
  return "";
}

class SleepSetsPersistent : public ::testing::TestWithParam<std::string> {};

// With thread symmetry, as `check --sleep-sets` runs.
TEST_P(SleepSetsPersistent, SameVerdictsAsThePlainSearch) {
  EXPECT_EQ(combination_differs(load_file(GetParam()), true), "") << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Shipped, SleepSetsPersistent, ::testing::ValuesIn(scenario_files()),
                         scenario_name);

// Generated scenarios (generated() above, every profile) whose first
// thread is run by one to three identical threads, with and without
// symmetry.
RC_GTEST_PROP(SleepSetsPersistentMeta, SameVerdictsAsThePlainSearch, ()) {
  const model::Program p = generated(2, *rc::gen::inRange(0, 3));
  const bool symmetry = *rc::gen::arbitrary<bool>();
  const Result persistent = check(p, plain_bfs(false, 1, true), symmetry);
  const Result on = check(p, plain_bfs(true, 1, true), symmetry);
  RC_TAG(on.stats.transitions < persistent.stats.transitions ? "fewer transitions"
                                                             : "as many transitions");
  RC_TAG(on.verdict == checker::Verdict::Violated ? (on.loop_start ? "never ends" : "violated")
                                                  : "holds or limit");
  const std::string failed = combination_differs(p, symmetry);
  RC_ASSERT(failed == "");
}

// The same with locks (GenConfig::locks): threads that wait for a lock,
// deadlocks, an RLock's owner renamed with its thread under symmetry. The
// por-check (up to symmetry), one encoding per orbit, sleep sets alone
// against the search without, and the combination against the plain
// search.
RC_GTEST_PROP(SleepSetsPersistentMeta, SameVerdictsWithLocks, ()) {
  const model::Program p = generated(2, *rc::gen::inRange(0, 3), true);
  const bool symmetry = *rc::gen::arbitrary<bool>();
  size_t pairs = 0;
  RC_ASSERT(pairs_commute_everywhere(model::Model(p, symmetry), pairs) == "");
  RC_ASSERT(orbit_encodings_differ(p, 2000) == "");
  RC_ASSERT(sleep_sets_differ(p, symmetry) == "");
  RC_ASSERT(combination_differs(p, symmetry) == "");
  RC_TAG(symmetry && model::Model(p).uses_symmetry() ? "symmetric threads" : "no symmetry");
  const Result r = check(p, plain_bfs(false, 1), symmetry);
  RC_TAG(r.verdict != checker::Verdict::Violated                        ? "holds or limit"
         : r.failure.properties == std::vector<std::string>{"deadlock"} ? "deadlock"
                                                                        : "violated");
}

// B1 (bench/b1.py) with symmetry: no more states than the persistent sets
// and fewer transitions than either reduction alone at T=3 (2,608 states
// and 5,070 transitions, against 2,728 and 5,612 with the persistent sets
// and 4,640 and 8,757 with sleep sets alone; at T=2 the persistent sets'
// 86 and 123), the same on two workers.
TEST(SleepSetsPersistentOnB1, FewerTransitionsThanEither) {
  struct Figures {
    int threads;
    uint64_t states, transitions;
  };
  for (Figures f : {Figures{2, 86, 123}, Figures{3, 2608, 5070}}) {
    const model::Program p = load_text(b1(f.threads));
    const Result on = check(p, plain_bfs(true, 1, true));
    const Result on2 = check(p, plain_bfs(true, 2, true));
    EXPECT_EQ(on.verdict, checker::Verdict::Holds) << f.threads;
    EXPECT_EQ(on.stats.states, f.states) << f.threads;
    EXPECT_EQ(on.stats.transitions, f.transitions) << f.threads;
    EXPECT_EQ(on2.stats.states, f.states) << f.threads;
    EXPECT_EQ(on2.stats.transitions, f.transitions) << f.threads;
  }
}

// The command line: --sleep-sets is the combination, --sleep-sets --no-por
// sleep sets alone (every state of the search without reduction), --no-por
// neither. B1 T=2 with symmetry.
TEST(SleepSetsPersistentCli, SleepSetsWithAndWithoutPersistentSets) {
  const std::string file = temp_file(b1(2));
  CliResult both = run_cli({"check", "--json", "--sleep-sets", file});
  CliResult sleep = run_cli({"check", "--json", "--sleep-sets", "--no-por", file});
  CliResult plain = run_cli({"check", "--json", "--no-por", file});
  std::remove(file.c_str());
  for (const CliResult* r : {&both, &sleep, &plain}) {
    EXPECT_EQ(r->err.find("warning"), std::string::npos) << r->err;
    EXPECT_EQ(only_result(r->out)["symmetry"], true);
    EXPECT_EQ(only_result(r->out)["verdict"], only_result(plain.out)["verdict"]);
  }
  EXPECT_EQ(only_result(both.out)["stats"]["states"], 86);
  EXPECT_EQ(only_result(both.out)["stats"]["transitions"], 123);
  EXPECT_EQ(only_result(sleep.out)["stats"]["states"], 134);
  EXPECT_EQ(only_result(sleep.out)["stats"]["transitions"], 172);
  EXPECT_EQ(only_result(plain.out)["stats"]["states"], 134);
  EXPECT_EQ(only_result(plain.out)["stats"]["transitions"], 227);
}

}  // namespace
}  // namespace lifecheck::testing
