// Weak fairness for runs that never end (checker/Fairness.h, IT10 in
// docs/semantics.md): a loop of states in which a thread could move at
// every state but never does is not reported; a loop that starves no one
// is, whatever the search order, store, number of workers or symmetry, and
// the loop reported is itself fair.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <set>
#include <sstream>

#include "TestSupport.h"
#include "checker/Explorer.h"
#include "checker/Fairness.h"
#include "lifecheck/lifecheck.h"

namespace lifecheck::testing {
namespace {

// Thread 0 spins (its step leaves the state as it is) until thread 1,
// which can move at every state until it has, sets `done`; then both are
// finished. `fair`: the model names its threads (FairModel).
template <bool kFair>
struct SpinModel {
  struct State {
    bool done = false;
  };
  using Choice = uint16_t;
  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.clear();
    if (!s.done) out = {0, 1};
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 1) s.done = true;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const { out.assign(1, s.done ? '1' : '0'); }
};
struct FairSpin : SpinModel<true> {
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const { encode(s, out); }
};

std::vector<checker::SearchOptions> every_order() {
  checker::SearchOptions dfs, bfs, dfs3, bfs3, fingerprint;
  bfs.order = bfs3.order = checker::SearchOrder::BreadthFirst;
  dfs3.jobs = bfs3.jobs = 3;
  fingerprint.store = checker::StoreKind::Fingerprint;
  return {dfs, bfs, dfs3, bfs3, fingerprint};
}

TEST(Fairness, ASpinWhileAnotherThreadCouldMoveIsNoEndlessRun) {
  for (const auto& o : every_order()) {
    EXPECT_EQ(checker::explore(SpinModel<false>{}, o).verdict, checker::Verdict::Violated);
    EXPECT_EQ(checker::explore(FairSpin{}, o).verdict, checker::Verdict::Holds);
  }
}

// The fairness check expands concrete states the search did not count, so
// it obeys the search's time, memory and interrupt limits itself: an
// interrupt that arrives while it runs (here: at its first concrete
// encoding) ends it with a partial result that names the check, in every
// order, instead of the verdict it would have reached.
std::atomic<bool> fairness_interrupt{false};
struct InterruptedSpin : SpinModel<true> {
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const {
    fairness_interrupt = true;
    encode(s, out);
  }
};

TEST(Fairness, ALimitEndsTheFairnessCheckWithAPartialResult) {
  for (auto o : every_order()) {
    fairness_interrupt = false;
    o.limits.stop = &fairness_interrupt;
    const auto r = checker::explore(InterruptedSpin{}, o);
    EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
    EXPECT_EQ(r.limit, "fairness check of the cycles found: interrupted");
    EXPECT_TRUE(fairness_interrupt);
  }
}

// A clock (thread 0 goes round x = 2, 3, 4 for ever) and a thread that
// flips y once: the loop at y = 0 starves thread 1, the loop at y = 1
// starves no one (thread 1 has finished), so that one is reported, the
// same for every order, and it goes round with y = 1.
struct Clock {
  struct State {
    int x = 0;
    int y = 0;
  };
  using Choice = uint16_t;
  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out = {0};
    if (s.y == 0) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 0)
      s.x = s.x == 4 ? 2 : s.x + 1;
    else
      s.y = 1;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.y)});
  }
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const { encode(s, out); }
};

TEST(Fairness, TheLoopReportedStarvesNoThread) {
  const auto first = checker::explore(Clock{}, every_order()[1]);
  ASSERT_EQ(first.verdict, checker::Verdict::Violated);
  ASSERT_TRUE(first.loop_start);
  Clock m;
  Clock::State s;
  for (size_t k = 0; k < first.path.size(); ++k) {
    if (k >= *first.loop_start) {
      EXPECT_EQ(s.y, 1) << "step " << k;
    }
    m.step(s, first.path[k]);
  }
  // shallowest fair state: (2, 1) after 0, 0, 1 in the smallest schedule
  EXPECT_EQ(first.path, (std::vector<uint16_t>{0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(*first.loop_start, 3u);
  for (const auto& o : every_order()) {
    const auto r = checker::explore(Clock{}, o);
    EXPECT_EQ(r.path, first.path);
    EXPECT_EQ(r.loop_start, first.loop_start);
  }
}

// A component whose shortest way round leaves a thread idle that can
// move everywhere on it: the loop reported makes a detour through that
// thread's move. Thread 0 alternates x between 0 and 1; thread 1 toggles
// z between 0 and 1 for ever too. Both loops are fair only together.
struct TwoToggles {
  struct State {
    int x = 0;
    int z = 0;
  };
  using Choice = uint16_t;
  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State&, std::vector<Choice>& out) const { out = {0, 1}; }
  checker::StepResult step(State& s, Choice c) const {
    (c == 0 ? s.x : s.z) ^= 1;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.z)});
  }
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const { encode(s, out); }
};

TEST(Fairness, TheLoopTakesADetourForAThreadTheShortestLoopLeavesIdle) {
  for (const auto& o : every_order()) {
    const auto r = checker::explore(TwoToggles{}, o);
    ASSERT_EQ(r.verdict, checker::Verdict::Violated);
    ASSERT_TRUE(r.loop_start);
    std::set<uint16_t> moved(r.path.begin() + static_cast<std::ptrdiff_t>(*r.loop_start),
                             r.path.end());
    EXPECT_EQ(moved, (std::set<uint16_t>{0, 1}));
    EXPECT_EQ(*r.loop_start, 0u);
    EXPECT_EQ(r.path, (std::vector<uint16_t>{0, 0, 1, 1}));
  }
}

// A tree search (no visited set) closes a loop where a state repeats on
// its path; an unfair one is left to a search over the graph.
TEST(Fairness, ATreeSearchReportsOnlyFairLoops) {
  checker::SearchOptions tree;
  tree.use_visited_set = false;
  tree.limits.max_states = 10000;
  EXPECT_EQ(checker::explore(FairSpin{}, tree).verdict, checker::Verdict::Holds);
  EXPECT_EQ(checker::explore(SpinModel<false>{}, tree).verdict, checker::Verdict::Violated);
  const auto r = checker::explore(Clock{}, tree);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_TRUE(checker::loop_is_fair(Clock{}, r.path, *r.loop_start));
}

// Agents 1..5 each have a move at h that stays at h and cannot move at w;
// agent 6 goes h -> w -> h. The shortest way round is agent 1's, and
// every other agent needs a detour: more detours than the component has
// states. The loop reported is fair: 6 moves on it.
struct ManyIdle {
  struct State {
    bool at_w = false;
  };
  using Choice = uint16_t;
  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.clear();
    if (!s.at_w)
      for (Choice a = 1; a <= 5; ++a) out.push_back(a);
    out.push_back(6);
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 6) s.at_w = !s.at_w;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const { out.assign(1, s.at_w ? 'w' : 'h'); }
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const { encode(s, out); }
};

TEST(Fairness, EveryIdleAgentGetsItsDetour) {
  for (const auto& o : every_order()) {
    const auto r = checker::explore(ManyIdle{}, o);
    ASSERT_EQ(r.verdict, checker::Verdict::Violated);
    ASSERT_TRUE(r.loop_start);
    EXPECT_TRUE(checker::loop_is_fair(ManyIdle{}, r.path, *r.loop_start));
    EXPECT_NE(
        std::find(r.path.begin() + static_cast<std::ptrdiff_t>(*r.loop_start), r.path.end(), 6),
        r.path.end());
  }
}

// ---------------------------------------------------------------- scenarios

// The threads that can move at each state of the reported loop, and those
// that move on it: every thread that can move throughout moves.
void expect_fair_loop(const model::Program& p, const checker::SearchResult<uint16_t>& r,
                      const std::string& what) {
  ASSERT_TRUE(r.loop_start) << what;
  const model::Model m(p, false);
  model::State s = m.initial();
  std::vector<uint16_t> choices;
  std::set<uint32_t> throughout, moved;
  bool first = true;
  for (size_t k = 0; k < r.path.size(); ++k) {
    if (k >= *r.loop_start) {
      m.enabled(s, choices);
      std::set<uint32_t> able;
      for (uint16_t c : choices) able.insert(model::Model::agent(c));
      if (first) throughout = able;
      std::set<uint32_t> both;
      std::set_intersection(throughout.begin(), throughout.end(), able.begin(), able.end(),
                            std::inserter(both, both.begin()));
      throughout.swap(both);
      first = false;
      moved.insert(model::Model::agent(r.path[k]));
    }
    m.step(s, r.path[k]);
  }
  for (uint32_t t : throughout)
    EXPECT_TRUE(moved.count(t)) << what << ": thread " << t << " can move throughout, never does";
}

std::vector<checker::SearchOptions> scenario_orders() {
  checker::SearchOptions bfs, bfs2, dfs, fingerprint;
  bfs.order = bfs2.order = fingerprint.order = checker::SearchOrder::BreadthFirst;
  bfs2.jobs = 2;
  fingerprint.store = checker::StoreKind::Fingerprint;
  return {bfs, bfs2, dfs, fingerprint};
}

// Spin-waits that another thread ends hold in every form, and with two
// identical spinning threads (thread symmetry) too.
TEST(Fairness, SpinWaitsHoldWhenAnotherThreadEndsThem) {
  const std::string weakref_spin =
      "class Node:\n    pass\n\na = Node()\nw = weakref.ref(a)\n\n"
      "thread T1:\n    while w() is not None:\n        pass\n\n"
      "thread T2:\n    global a\n    a = None\n";
  const std::string object_spin =
      "class Node:\n    pass\n\ng = Node()\n\n"
      "thread T1:\n    while g is not None:\n        pass\n\n"
      "thread T2:\n    while g is not None:\n        pass\n\n"
      "thread T3:\n    global g\n    g = None\n";
  for (const char* profile : {"3.12", "3.14", "3.13t", "3.14t"})
    for (const std::string& text : {weakref_spin, object_spin})
      for (bool symmetry : {true, false})
        for (const auto& o : scenario_orders()) {
          const auto r = check(load_text_under(text, profile), o, symmetry);
          EXPECT_EQ(r.verdict, checker::Verdict::Holds)
              << profile << " symmetry " << symmetry << "\n"
              << r.failure.message << "\n"
              << text;
        }
}

// Two threads polling one weakref can keep its referent alive for ever
// once the last other reference is gone: each call takes a reference
// while the other thread still holds the one its own call took (a switch
// comes after the call, before the test drops it). Both threads move on
// that loop, so it is fair, and it is reported, the same for every order
// and with or without symmetry.
TEST(Fairness, TwoPollersCanKeepTheReferentAliveForever) {
  const std::string pollers =
      "class Node:\n    pass\n\na = Node()\nw = weakref.ref(a)\n\n"
      "thread T1:\n    while w() is not None:\n        pass\n\n"
      "thread T2:\n    while w() is not None:\n        pass\n\n"
      "thread T3:\n    global a\n    a = None\n";
  for (const char* profile : {"3.12", "3.14", "3.13t"})
    for (bool symmetry : {true, false}) {
      const model::Program p = load_text_under(pollers, profile);
      checker::SearchResult<uint16_t> first;
      for (const auto& o : scenario_orders()) {
        const auto r = check(p, o, symmetry);
        ASSERT_EQ(r.verdict, checker::Verdict::Violated) << profile;
        EXPECT_EQ(r.failure.properties, std::vector<std::string>{"termination"});
        expect_fair_loop(p, r, profile);
        std::set<uint32_t> moved;
        for (size_t k = *r.loop_start; k < r.path.size(); ++k)
          moved.insert(model::Model::agent(r.path[k]));
        EXPECT_TRUE(moved.count(1) && moved.count(2)) << profile << ": both pollers move";
        if (first.path.empty()) first = r;
        EXPECT_EQ(r.path, first.path) << profile << " symmetry " << symmetry;
      }
    }
}

TEST(Fairness, SpinWaitsThatNothingEndsAreReportedAsFairLoops) {
  const std::string nobody =
      "class Node:\n    pass\n\nkeep = Node()\nw = weakref.ref(keep)\n\n"
      "thread T1:\n    while w() is not None:\n        pass\n\n"
      "thread T2:\n    while w() is not None:\n        pass\n\n"
      "thread T3:\n    log(\"not me\")\n";
  for (const char* profile : {"3.12", "3.14", "3.13t"})
    for (bool symmetry : {true, false}) {
      const model::Program p = load_text_under(nobody, profile);
      checker::SearchResult<uint16_t> first;
      for (const auto& o : scenario_orders()) {
        const auto r = check(p, o, symmetry);
        ASSERT_EQ(r.verdict, checker::Verdict::Violated) << profile;
        EXPECT_EQ(r.failure.properties, std::vector<std::string>{"termination"});
        expect_fair_loop(p, r, std::string(profile));
        if (first.path.empty()) first = r;
        EXPECT_EQ(r.path, first.path) << profile << " symmetry " << symmetry;
      }
    }
}

// simulate and replay follow the same rule: a random run of a spin-wait
// that another thread ends never reports an endless run (it goes on past
// a repeated state until the steps since went round a fair loop), and the
// replay of a fair loop that passes its first state twice shows all of it.
TEST(Fairness, SimulateAndReplayShowOnlyFairLoops) {
  const std::string file = source_path("scenarios/loops/while-weakref-spin.life");
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const Scenario s = Scenario::parse(text.str(), file);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const CheckResult r = simulate(s, seed);
    EXPECT_FALSE(r.violates("termination")) << "seed " << seed << "\n" << r.report;
  }
  const std::string pollers =
      "class Node:\n    pass\n\na = Node()\nw = weakref.ref(a)\n\n"
      "thread T1:\n    while w() is not None:\n        pass\n\n"
      "thread T2:\n    while w() is not None:\n        pass\n\n"
      "thread T3:\n    global a\n    a = None\n";
  const std::string path = ::testing::TempDir() + "/two-pollers.life";
  std::ofstream(path) << pollers;
  const CheckResult found = check(Scenario::parse(pollers, path));
  ASSERT_TRUE(found.violates("termination"));
  const CliResult replayed = run_cli({"replay", path, found.replay_token});
  EXPECT_EQ(replayed.exit_code, 1) << replayed.err;
  // the check's own report and the replay show the same loop
  const std::string marker = "--- loop: steps ";
  const auto at = found.report.find(marker);
  ASSERT_NE(at, std::string::npos) << found.report;
  const std::string loop = found.report.substr(at, found.report.find('\n', at) - at);
  EXPECT_NE(replayed.out.find(loop), std::string::npos) << loop << "\n" << replayed.out;
}

// Every shipped scenario whose verdict is an endless run still reports
// one, and the loop it reports is fair.
TEST(Fairness, EveryShippedEndlessRunIsAFairLoop) {
  size_t endless = 0;
  for (const std::string& file : scenario_files()) {
    std::ifstream in(source_path(file));
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("verdict violates termination") == std::string::npos) continue;
    ++endless;
    const model::Program p = load_file(file);
    checker::SearchOptions o;
    o.order = checker::SearchOrder::BreadthFirst;
    const auto r = check(p, o);
    ASSERT_EQ(r.verdict, checker::Verdict::Violated) << file;
    expect_fair_loop(p, r, file);
  }
  EXPECT_GE(endless, 2u);
}

}  // namespace
}  // namespace lifecheck::testing
