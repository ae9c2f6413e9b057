// Reductions against the plain search: thread symmetry must keep every
// verdict and give counterexamples that replay, while visiting fewer states
// where threads are interchangeable.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Symmetry.h"

namespace lifecheck {
namespace {

using testing::b1;
using testing::check;
using testing::load_text;
using testing::replay;

TEST(ThreadSymmetry, FindsIdenticalUnnamedThreads) {
  model::Program p = load_text(b1(3));
  model::ThreadSymmetry s = model::thread_symmetry(p);
  ASSERT_EQ(s.class_of.size(), 4u);
  EXPECT_TRUE(s.any);
  EXPECT_EQ(s.class_of[1], 1);
  EXPECT_EQ(s.class_of[2], 1);
  EXPECT_EQ(s.class_of[3], 1);
}

TEST(ThreadSymmetry, ThreadsNamedElsewhereOrDifferentStayApart) {
  // T2 is joined, so it is distinguishable; T3 differs from T1 by one line.
  model::Program p = load_text(
      "class Node:\n    pass\n\n"
      "thread T1:\n    a = Node()\n\n"
      "thread T2:\n    a = Node()\n\n"
      "thread T3:\n    a = Node()\n    del a\n\n"
      "thread T4:\n    T2.join()\n");
  model::ThreadSymmetry s = model::thread_symmetry(p);
  EXPECT_FALSE(s.any);
  for (size_t t = 0; t < s.class_of.size(); ++t) EXPECT_EQ(s.class_of[t], t);

  model::Program q = load_text(
      "class Node:\n    pass\n\n"
      "thread T1:\n    a = Node()\n\n"
      "thread T2:\n    a = Node()\n\n"
      "expect freed a on thread T2\n");
  EXPECT_FALSE(model::thread_symmetry(q).any) << "an expect line names T2";
}

TEST(ThreadSymmetry, OffUnderRuntimeBugsThatPickAThreadByNumber) {
  // overlapping-gc-finalizers hands work to the lowest-numbered other
  // thread: permuting threads changes what happens, so no symmetry.
  model::Program p = load_text("runtime-bug overlapping-gc-finalizers\n\n" + b1(2));
  EXPECT_FALSE(model::thread_symmetry(p).any);
  EXPECT_FALSE(model::Model(p).uses_symmetry());
}

struct Case {
  const char* name;
  const char* property;
  const char* text;
};

TEST(ThreadSymmetry, SameVerdictFewerStatesOnB1) {
  for (int threads : {2, 3}) {
    model::Program p = load_text(b1(threads));
    auto reduced = check(p);
    auto plain = check(p, {}, /*symmetry=*/false);
    EXPECT_EQ(reduced.verdict, checker::Verdict::Holds) << reduced.failure.message;
    EXPECT_EQ(plain.verdict, checker::Verdict::Holds) << plain.failure.message;
    EXPECT_LT(reduced.stats.states, plain.stats.states) << threads << " threads";
  }
  // Golden counts (GenMC-style): a change in either search shows here.
  model::Program p = load_text(b1(3));
  checker::SearchOptions no_por;
  no_por.partial_order = false;
  EXPECT_EQ(check(p, no_por).stats.states, 4640u);
  EXPECT_EQ(check(p, no_por, false).stats.states, 26710u);
}

// The persistent sets' restart (Explorer.h, Stats::reduced_keeping): a
// model whose transition explored alone keeps the progress measure. Thread
// 0 turns a clock for ever (x = 0, 1, 2, 0, ...; the measure is y, which
// its steps keep); thread 1 sets y once, which breaks "flip". Their steps
// commute, so exploring thread 0's alone is a persistent set at every
// state, but it ignores thread 1 for ever: the reduced graph is the
// clock's cycle, which no fair scheduler takes (thread 1 is enabled
// throughout), so without the restart the reduced search says "holds".
struct IgnoringClock {
  struct State {
    int x = 0;
    int y = 0;
  };
  using Choice = uint16_t;
  bool reduce = true;
  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.assign(1, 0);
    if (s.y == 0) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    checker::StepResult r;
    if (c == 0) {
      s.x = (s.x + 1) % 3;
    } else {
      s.y = 1;
      r.kind = checker::StepResult::Kind::Violation;
      r.properties = {"flip"};
      r.message = "y set";
    }
    return r;
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.y)});
  }
  static uint32_t agent(Choice c) { return c; }
  void encode_concrete(const State& s, std::string& out) const { encode(s, out); }
  uint64_t progress_measure(const State& s) const { return static_cast<uint64_t>(s.y); }
  std::optional<Choice> persistent_choice(const State&, const std::vector<Choice>& e) const {
    if (!reduce) return std::nullopt;
    return e.front();
  }
};

TEST(PartialOrder, AReducedGraphWithACycleIsSearchedAgainWithoutTheReduction) {
  checker::SearchOptions bfs, bfs2, dfs, dfs2, fingerprint;
  dfs.order = dfs2.order = checker::SearchOrder::DepthFirst;
  bfs2.jobs = dfs2.jobs = 2;
  fingerprint.store = checker::StoreKind::Fingerprint;
  IgnoringClock plain;
  plain.reduce = false;
  for (const checker::SearchOptions& o : {bfs, bfs2, dfs, dfs2, fingerprint}) {
    const auto want = checker::explore(plain, o);
    const auto got = checker::explore(IgnoringClock{}, o);
    ASSERT_EQ(want.verdict, checker::Verdict::Violated);
    EXPECT_EQ(got.verdict, want.verdict);
    EXPECT_EQ(got.failure.properties, want.failure.properties);
    EXPECT_EQ(got.path, want.path);
    EXPECT_EQ(got.loop_start, want.loop_start);
    EXPECT_FALSE(want.stats.por_restarted);
  }
  // the breadth-first search itself, before explore()'s canonical search
  const auto once = checker::detail::with_kind(IgnoringClock{}, bfs);
  EXPECT_TRUE(once.stats.por_restarted);
  EXPECT_EQ(once.stats.reduced_states, 0u);  // the restart's own figures
  checker::SearchOptions no_por = bfs;
  no_por.partial_order = false;
  EXPECT_FALSE(checker::detail::with_kind(IgnoringClock{}, no_por).stats.por_restarted);
}

// B1: the collection's steps explored alone (S1) keep the measure, and B1
// has no cycle: no restart.
TEST(PartialOrder, B1KeepsTheMeasureWithoutRestarting) {
  for (int threads : {2, 3}) {
    model::Program p = load_text(b1(threads));
    checker::SearchOptions bfs;
    bfs.order = checker::SearchOrder::BreadthFirst;
    const auto r = check(p, bfs);
    EXPECT_EQ(r.verdict, checker::Verdict::Holds);
    EXPECT_GT(r.stats.reduced_keeping, 0u) << threads << " threads";
    EXPECT_FALSE(r.stats.por_restarted) << threads << " threads";
    EXPECT_FALSE(r.stats.kept_cycle) << threads << " threads";
  }
}

// Threads that each build and rewire a pair of their own objects, then
// wait for the next thread: the stores between the second call's check and
// the join touch only private objects, so that step is explored alone.
// 3 threads: 812 states and 1,744 transitions without the reduction
constexpr uint64_t kPrivateWorkStates = 452, kPrivateWorkTransitions = 640;

std::string private_work(int threads) {
  std::string s = "class Node:\n    pass\n\nfirst = Node()\nfirst.peer = None\n";
  for (int t = 1; t <= threads; ++t) {
    s += "\nthread T" + std::to_string(t) +
         ":\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n"
         "    a.peer = None\n";
    if (t < threads) s += "    T" + std::to_string(t + 1) + ".join()\n";
  }
  return s;
}

// Partial-order reduction keeps the verdict and cuts states and
// transitions (golden counts), the same for every search order and number
// of workers. On B1 private steps find nothing: with switches only at
// eval-breaker checks, every step of a B1 thread calls (an allocation,
// weakref.ref, gc.collect), and a call is never private; only a thread's
// end (rule S2, tests/test_persistent.cpp) is explored alone there.
TEST(PartialOrder, SameVerdictFewerStatesOnPrivateWork) {
  checker::SearchOptions no_por;
  no_por.partial_order = false;
  for (int threads : {2, 3}) {
    model::Program p = load_text(private_work(threads));
    auto reduced = check(p);
    auto full = check(p, no_por);
    EXPECT_EQ(reduced.verdict, checker::Verdict::Holds) << reduced.failure.message;
    EXPECT_EQ(full.verdict, checker::Verdict::Holds) << full.failure.message;
    EXPECT_LT(reduced.stats.states, full.stats.states) << threads << " threads";
    EXPECT_LT(reduced.stats.transitions, full.stats.transitions) << threads << " threads";
    EXPECT_GT(reduced.stats.reduced_states, 0u);
  }
  model::Program p = load_text(private_work(3));
  auto reduced = check(p);
  auto full = check(p, no_por);
  EXPECT_EQ(full.stats.states, 812u);
  EXPECT_EQ(full.stats.transitions, 1744u);
  EXPECT_EQ(reduced.stats.states, kPrivateWorkStates);
  EXPECT_EQ(reduced.stats.transitions, kPrivateWorkTransitions);
  checker::SearchOptions bfs, parallel;
  bfs.order = checker::SearchOrder::BreadthFirst;
  parallel.order = checker::SearchOrder::BreadthFirst;
  parallel.jobs = 3;
  for (const auto& o : {bfs, parallel}) {
    auto r = check(p, o);
    EXPECT_EQ(r.stats.states, reduced.stats.states);
    EXPECT_EQ(r.stats.transitions, reduced.stats.transitions);
  }
  // B1 T=3 (golden): 4,640 states, 11,911 transitions without
  model::Program b = load_text(b1(3));
  const auto on_b1 = check(b);
  EXPECT_EQ(on_b1.stats.states, 2728u);  // 3,946 and 8,890 before S1
  EXPECT_EQ(on_b1.stats.transitions, 5612u);
}

// A private step is never explored alone where a property could observe
// it or another thread could touch what it touches: violations that need
// the other order are still found, and their counterexamples replay.
TEST(PartialOrder, KeepsViolationsThatNeedTheOtherOrder) {
  const Case cases[] = {
      // T1's store is private until T1 publishes the object; T2 must still
      // see the published object either before or after the store.
      {"published object", "assert",
       "class Node:\n    pass\n\ng = None\n\n"
       "thread T1:\n    global g\n    a = Node()\n    b = Node()\n    a.peer = b\n"
       "    g = a\n    a.peer = None\n\n"
       "thread T2:\n    global g\n    x = g\n    if x is not None:\n"
       "        assert x.peer is not None, \"peer gone\"\n"},
      // The last reference to a cycle dropped by T1 makes it garbage that
      // T2's collection finds only if the `del` comes first.
      {"garbage for another thread's collection", "assert",
       "class Node:\n    def __del__(self):\n        log(\"del\")\n\n"
       "thread T1:\n    a = Node()\n    a.peer = a\n    del a\n\n"
       "thread T2:\n    n = gc.collect()\n    assert n == 0, \"collected\"\n"},
  };
  checker::SearchOptions no_por;
  no_por.partial_order = false;
  for (const Case& c : cases) {
    model::Program p = load_text(c.text);
    auto reduced = check(p);
    auto full = check(p, no_por);
    ASSERT_EQ(full.verdict, checker::Verdict::Violated) << c.name;
    ASSERT_EQ(reduced.verdict, checker::Verdict::Violated) << c.name;
    EXPECT_EQ(reduced.failure.properties, full.failure.properties) << c.name;
    model::Trace t = replay(p, reduced.path);
    EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << c.name;
    EXPECT_EQ(t.outcome.properties, reduced.failure.properties) << c.name;
  }
}

// Interchangeable threads that can break a property: the reduced search
// must still find it, and its counterexample (in real thread numbers, not
// canonical ones) must replay to the same violation.
const Case kViolating[] = {
    {"resource freed on another thread", "resource-affinity",
     "ctype Handle:\n    flags: gc, heaptype\n    fields: peer\n    resource: affinity\n"
     "    dealloc: untrack; release_resource; clear peer; free; decref_type\n\n"
     "class Node:\n    pass\n\n"
     "thread T1:\n    h = Handle(None)\n    n = Node()\n    n.h = h\n    h.peer = n\n"
     "    del h\n    del n\n    log(\"dropped\")\n    gc.collect()\n\n"
     "thread T2:\n    h = Handle(None)\n    n = Node()\n    n.h = h\n    h.peer = n\n"
     "    del h\n    del n\n    log(\"dropped\")\n    gc.collect()\n"},
    {"assert on a shared object", "assert",
     "class Node:\n    pass\n\n"
     "a = Node()\nw = weakref.ref(a)\n\n"
     "thread T1:\n    global a\n    assert w() is not None, \"still alive\"\n    a = None\n\n"
     "thread T2:\n    global a\n    assert w() is not None, \"still alive\"\n    a = None\n"},
};

TEST(ThreadSymmetry, ViolationsFoundAndReplayed) {
  for (const Case& c : kViolating) {
    model::Program p = load_text(c.text);
    ASSERT_TRUE(model::Model(p).uses_symmetry()) << c.name;
    auto reduced = check(p);
    auto plain = check(p, {}, /*symmetry=*/false);
    ASSERT_EQ(reduced.verdict, checker::Verdict::Violated) << c.name;
    ASSERT_EQ(plain.verdict, checker::Verdict::Violated) << c.name;
    for (const auto* r : {&reduced, &plain}) {
      const auto& props = r->failure.properties;
      EXPECT_NE(std::find(props.begin(), props.end(), c.property), props.end())
          << c.name << ": " << r->failure.message;
      model::Trace t = replay(p, r->path);
      EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << c.name;
      EXPECT_EQ(t.outcome.properties, r->failure.properties) << c.name;
    }
    // Breadth-first: shortest counterexamples have the same length either way.
    checker::SearchOptions bfs;
    bfs.order = checker::SearchOrder::BreadthFirst;
    EXPECT_EQ(check(p, bfs).path.size(), check(p, bfs, false).path.size()) << c.name;
  }
}

// The command line: --no-symmetry turns the reduction off; the verdict is
// the same and the JSON says which search ran.
TEST(ThreadSymmetry, CommandLineSwitch) {
  std::string file = testing::temp_file(b1(2));
  auto on = testing::run_cli({"check", "--json", "--no-por", file});
  auto off = testing::run_cli({"check", "--json", "--no-por", "--no-symmetry", file});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_NE(on.out.find("\"symmetry\": true"), std::string::npos) << on.out;
  EXPECT_NE(off.out.find("\"symmetry\": false"), std::string::npos) << off.out;
  EXPECT_NE(on.out.find("\"states\": 134"), std::string::npos) << on.out;
  EXPECT_NE(off.out.find("\"states\": 258"), std::string::npos) << off.out;
  std::remove(file.c_str());
}

// --no-por turns partial-order reduction off; the verdict is the same, the
// JSON says so and the counts are the full search's.
TEST(PartialOrder, CommandLineSwitch) {
  std::string file = testing::temp_file(private_work(2));
  auto on = testing::run_cli({"check", "--json", file});
  auto off = testing::run_cli({"check", "--json", "--no-por", file});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_NE(on.out.find("\"partial_order\": true"), std::string::npos) << on.out;
  EXPECT_NE(off.out.find("\"partial_order\": false"), std::string::npos) << off.out;
  const auto on_stats = testing::only_result(on.out)["stats"];
  const auto off_stats = testing::only_result(off.out)["stats"];
  EXPECT_GT(on_stats.value("reduced_states", 0u), 0u) << on.out;
  EXPECT_FALSE(off_stats.contains("reduced_states")) << off.out;
  EXPECT_LT(on_stats["states"].get<uint64_t>(), off_stats["states"].get<uint64_t>());
  model::Program p = load_text(private_work(2));
  checker::SearchOptions no_por;
  no_por.partial_order = false;
  EXPECT_EQ(off_stats["states"].get<uint64_t>(), check(p, no_por).stats.states);
  EXPECT_EQ(on_stats["states"].get<uint64_t>(), check(p).stats.states);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace lifecheck
