// The generic engine: the exact visited set, replay tokens, limits, and
// the agreement between search orders. A toy model (a counter puzzle) keeps
// these tests independent of CPython.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "TestSupport.h"
#include "checker/Explorer.h"
#include "checker/Hash.h"
#include "checker/Lasso.h"
#include "checker/RandomScheduler.h"
#include "checker/Schedule.h"
#include "checker/Store.h"

namespace lifecheck::testing {
namespace {

// Two counters, each incremented by its own "thread" up to a bound; a
// violation when both reach `bad` at once.
struct CounterModel {
  struct State {
    int x = 0;
    int y = 0;
  };
  using Choice = uint16_t;
  int bound = 4;
  int bad = -1;

  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.clear();
    if (s.x < bound) out.push_back(0);
    if (s.y < bound) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    (c == 0 ? s.x : s.y) += 1;
    checker::StepResult r;
    if (s.x == bad && s.y == bad) {
      r.kind = checker::StepResult::Kind::Violation;
      r.properties = {"both"};
      r.message = "both counters reached " + std::to_string(bad);
    }
    return r;
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.y)});
  }
};

// A clock: thread 0 moves x from 0 up to n-1 and then, when `wraps`, back
// to `loop_to`; thread 1 flips y once. With `wraps` every run is endless:
// the cycle x = loop_to .. n-1 is reachable with y = 0 and with y = 1.
struct ClockModel {
  struct State {
    int x = 0;
    int y = 0;
  };
  using Choice = uint16_t;
  int n = 5;
  int loop_to = 2;
  bool wraps = true;
  bool cycles_violate = true;

  const char* cycle_property() const { return cycles_violate ? "ends" : nullptr; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.clear();
    if (s.x < n - 1 || wraps) out.push_back(0);
    if (s.y == 0) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 0)
      s.x = s.x == n - 1 ? loop_to : s.x + 1;
    else
      s.y = 1;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.y)});
  }
};

// Every store against std::set on random keys with many near-duplicates,
// cut into parts at random places (ExactStore keeps the parts apart).
template <class Store>
void check_membership(Store& store, bool exact) {
  std::mt19937_64 rng(7);
  std::vector<std::string> keys;
  std::set<std::string> distinct;
  for (int i = 0; i < 20000; ++i) {
    std::string k(1 + rng() % 40, '\0');
    for (char& c : k) c = static_cast<char>(rng() % 4);
    keys.push_back(k);
  }
  auto cuts_of = [](const std::string& k) {
    std::vector<uint32_t> cuts;
    // up to 19 parts: more than ExactStore keeps apart (the rest is one)
    for (uint32_t c = 3; c < k.size() && cuts.size() < 18; c += 2) cuts.push_back(c);
    return cuts;
  };
  std::vector<uint64_t> id_of(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    auto cuts = cuts_of(keys[i]);
    uint64_t h = checker::hash_bytes(keys[i]);
    bool known = distinct.count(keys[i]) > 0;
    EXPECT_EQ(store.lookup(keys[i], cuts, h).has_value(), known);
    checker::Inserted in = store.insert(keys[i], cuts, h);
    EXPECT_EQ(in.fresh, distinct.insert(keys[i]).second);
    id_of[i] = in.id;
  }
  EXPECT_EQ(store.size(), distinct.size());
  std::set<uint64_t> ids(id_of.begin(), id_of.end());
  if (exact) {
    EXPECT_EQ(ids.size(), distinct.size()) << "distinct states, distinct ids";
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    auto cuts = cuts_of(keys[i]);
    checker::Inserted in = store.insert(keys[i], cuts, checker::hash_bytes(keys[i]));
    EXPECT_FALSE(in.fresh);
    EXPECT_EQ(in.id, id_of[i]);
  }
  EXPECT_GT(store.memory_bytes(), 0u);
}

TEST(Stores, ExactMembership) {
  for (unsigned shards : {1u, 16u}) {
    checker::ExactStore store(shards);
    check_membership(store, true);
  }
}

// The frontier of a breadth-first search is kept as ids (Bfs.h kRecall):
// the bytes must come back exactly, whatever the cuts were.
TEST(Stores, ExactGivesBackTheBytesOfAnId) {
  checker::ExactStore store(16);
  std::mt19937_64 rng(11);
  std::vector<std::pair<uint64_t, std::string>> kept;
  for (int i = 0; i < 5000; ++i) {
    std::string k(rng() % 60, '\0');
    for (char& c : k) c = static_cast<char>(rng() % 256);
    std::vector<uint32_t> cuts;
    for (uint32_t c = static_cast<uint32_t>(rng() % 5); c <= k.size() && cuts.size() < 20;
         c += 1 + static_cast<uint32_t>(rng() % 9))
      cuts.push_back(c);
    kept.emplace_back(store.insert(k, cuts, checker::hash_bytes(k)).id, k);
  }
  std::string out = "junk";
  for (const auto& [id, k] : kept) {
    store.bytes_of(id, out);
    ASSERT_EQ(out, k);
  }
}

// A lookup that misses tells the later insert which parts it found
// (Bfs.h kKnownParts): the insert gives the id a plain insert gives, and
// the bytes come back. States here share most of their parts, as
// successors do.
TEST(Stores, ExactInsertTakesThePartsALookupFound) {
  checker::ExactStore with_known(16), plain(16);
  std::mt19937_64 rng(5);
  const std::vector<std::string> pieces = {"head", "thread-a", "thread-b", "objs-1", "objs-2", ""};
  for (int i = 0; i < 3000; ++i) {
    std::string k;
    std::vector<uint32_t> cuts;
    for (int p = 0; p < 6; ++p) {
      k += pieces[rng() % pieces.size()] + std::to_string(rng() % 7);
      cuts.push_back(static_cast<uint32_t>(k.size()));
    }
    cuts.pop_back();
    const uint64_t h = checker::hash_bytes(k);
    checker::KnownParts known;
    auto found = with_known.lookup(k, cuts, h, known);
    ASSERT_EQ(found.has_value(), plain.lookup(k, cuts, h).has_value()) << i;
    checker::Inserted a = found ? checker::Inserted{*found, false}
                                : with_known.insert(k, cuts, h, known);
    checker::Inserted b = plain.insert(k, cuts, h);
    ASSERT_EQ(a.id, b.id) << i;
    ASSERT_EQ(a.fresh, b.fresh) << i;
    std::string out;
    with_known.bytes_of(a.id, out);
    ASSERT_EQ(out, k) << i;
  }
  EXPECT_EQ(with_known.size(), plain.size());
}

TEST(Stores, FingerprintMembership) {
  checker::FingerprintStore store(4);
  check_membership(store, true);  // 20000 keys: a 64-bit collision is not expected
  EXPECT_LE(store.memory_bytes(), 16 * store.size() + 64 * 8 * 4);
}

TEST(Stores, BitstateRemembersWhatItSaw) {
  checker::BitstateStore store(20, 3);
  std::string a = "alpha", b = "beta";
  EXPECT_TRUE(store.insert(a, {}, checker::hash_bytes(a)).fresh);
  EXPECT_FALSE(store.insert(a, {}, checker::hash_bytes(a)).fresh);
  EXPECT_TRUE(store.lookup(a, {}, checker::hash_bytes(a)).has_value());
  EXPECT_FALSE(store.lookup(b, {}, checker::hash_bytes(b)).has_value());
  EXPECT_LT(store.false_positive_rate(), 1e-9);
}

TEST(Stores, LongEntriesAndEmptyEntry) {
  checker::ExactStore store;
  std::string big(3 << 20, 'x');  // larger than one arena block
  auto ins = [&](const std::string& k) {
    std::vector<uint32_t> cuts{static_cast<uint32_t>(k.size() / 2)};
    return store.insert(k, cuts, checker::hash_bytes(k)).fresh;
  };
  EXPECT_TRUE(ins(big));
  EXPECT_TRUE(ins(""));
  EXPECT_FALSE(ins(big));
  big.back() = 'y';
  EXPECT_TRUE(ins(big));
}

TEST(Explorer, CountsTheGridOfTheToyModel) {
  CounterModel m;
  auto r = checker::explore(m, {});
  EXPECT_EQ(r.verdict, checker::Verdict::Holds);
  EXPECT_EQ(r.stats.states, 25u);       // (bound + 1)^2
  EXPECT_EQ(r.stats.transitions, 40u);  // 2 * bound * (bound + 1)
  EXPECT_EQ(r.stats.max_depth, 8u);
}

TEST(Explorer, DfsBfsAndTreeSearchAgree) {
  CounterModel m;
  m.bad = 3;
  checker::SearchOptions bfs;
  bfs.order = checker::SearchOrder::BreadthFirst;
  checker::SearchOptions tree;
  tree.use_visited_set = false;
  auto a = checker::explore(m, {});
  auto b = checker::explore(m, bfs);
  auto c = checker::explore(m, tree);
  for (auto* r : {&a, &b, &c}) {
    ASSERT_EQ(r->verdict, checker::Verdict::Violated);
    EXPECT_EQ(r->failure.properties, std::vector<std::string>{"both"});
    // the path really leads to the violation
    CounterModel::State s;
    checker::StepResult last;
    for (uint16_t ch : r->path) last = m.step(s, ch);
    EXPECT_EQ(last.kind, checker::StepResult::Kind::Violation);
  }
  EXPECT_EQ(b.path.size(), 6u) << "BFS finds a shortest counterexample";
}

// Every search order finds the endless run, as a lasso: the state after the
// whole path is the state after its first loop_start steps, and no state
// repeats before the end (so a replay sees the loop close at the last step).
TEST(Explorer, EveryOrderFindsAnEndlessRunAsALasso) {
  ClockModel m;
  checker::SearchOptions dfs, bfs, tree, dfs_workers;
  bfs.order = checker::SearchOrder::BreadthFirst;
  tree.use_visited_set = false;
  dfs_workers.jobs = 3;  // a cycle may run through several workers' stacks
  for (const auto& o : {dfs, bfs, tree, dfs_workers}) {
    auto r = checker::explore(m, o);
    ASSERT_EQ(r.verdict, checker::Verdict::Violated);
    EXPECT_EQ(r.failure.properties, std::vector<std::string>{"ends"});
    ASSERT_TRUE(r.loop_start);
    ASSERT_LT(*r.loop_start, r.path.size());
    std::vector<std::string> seen;
    ClockModel::State s;
    std::string bytes;
    m.encode(s, bytes);
    seen.push_back(bytes);
    for (uint16_t c : r.path) {
      m.step(s, c);
      m.encode(s, bytes);
      seen.push_back(bytes);
    }
    EXPECT_EQ(seen.back(), seen[*r.loop_start]);
    std::set<std::string> distinct(seen.begin(), seen.end() - 1);
    EXPECT_EQ(distinct.size(), seen.size() - 1) << "a state repeats before the loop closes";
    EXPECT_NE(r.failure.message.find("steps " + std::to_string(*r.loop_start + 1) + "-" +
                                     std::to_string(r.path.size()) + " repeat forever"),
              std::string::npos)
        << r.failure.message;
  }
  // BFS: the loop is entered at the shallowest state on a cycle, (2, 0), and
  // goes once round x = 2, 3, 4.
  auto b = checker::explore(m, bfs);
  EXPECT_EQ(*b.loop_start, 2u);
  EXPECT_EQ(b.path.size(), 5u);
}

// A limit does not hide a loop already seen: breadth-first, the loop of
// the clock closes when the states at depth 4 are expanded.
TEST(Explorer, BfsReportsALoopAmongTheStatesSeenWhenALimitStopsIt) {
  ClockModel m;
  checker::SearchOptions o;
  o.order = checker::SearchOrder::BreadthFirst;
  o.limits.max_depth = 4;
  EXPECT_EQ(checker::explore(m, o).verdict, checker::Verdict::LimitReached);
  o.limits.max_depth = 5;
  auto r = checker::explore(m, o);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.loop_start, 2u);
  EXPECT_EQ(r.path.size(), 5u);
}

// The clock with a progress measure (Engine.h): y, which only grows. Only
// the transitions of thread 0 keep it, so only they are kept for the cycle
// check. `broken`: a measure that goes down (x, which wraps): the search
// must notice and search again keeping every transition.
struct MeasuredClock : ClockModel {
  bool broken = false;
  uint64_t progress_measure(const State& s) const {
    return static_cast<uint64_t>(broken ? s.x : s.y);
  }
};

TEST(Explorer, AProgressMeasureFindsTheSameLassoAsEveryTransition) {
  ClockModel plain;
  for (bool broken : {false, true}) {
    MeasuredClock m;
    m.broken = broken;
    for (unsigned jobs : {1u, 3u}) {
      checker::SearchOptions o;
      o.jobs = jobs;
      auto want = checker::explore(plain, o);
      auto got = checker::explore(m, o);
      ASSERT_EQ(got.verdict, checker::Verdict::Violated);
      EXPECT_EQ(got.path, want.path);
      EXPECT_EQ(got.loop_start, want.loop_start);
      EXPECT_EQ(got.stats.states, want.stats.states);
      EXPECT_EQ(got.stats.progress_decreased, broken);
      o.use_progress_measure = false;
      EXPECT_FALSE(checker::explore(m, o).stats.progress_decreased);
    }
  }
  // A measure that keeps no transition of the loop would hide it: here the
  // loop's transitions are those of thread 0, which keep y.
  MeasuredClock ends;
  ends.wraps = false;
  EXPECT_EQ(checker::explore(ends, checker::SearchOptions{}).verdict, checker::Verdict::Holds);
}

TEST(Explorer, CyclesAreAllowedUnlessTheModelNamesAProperty) {
  ClockModel m;
  m.cycles_violate = false;
  checker::SearchOptions bfs;
  bfs.order = checker::SearchOrder::BreadthFirst;
  for (const auto& o : {checker::SearchOptions{}, bfs}) {
    auto r = checker::explore(m, o);
    EXPECT_EQ(r.verdict, checker::Verdict::Holds);
    EXPECT_EQ(r.stats.states, 10u);  // x in 0..4, y in 0..1
    EXPECT_FALSE(r.loop_start);
  }
  ClockModel ends;  // no wrap: every run ends, the check finds nothing
  ends.wraps = false;
  for (const auto& o : {checker::SearchOptions{}, bfs}) {
    auto r = checker::explore(ends, o);
    EXPECT_EQ(r.verdict, checker::Verdict::Holds);
    EXPECT_EQ(r.stats.states, 10u);
  }
}

TEST(Lasso, FindsTheCycleThroughTheLowestStateOnAnyCycle) {
  using checker::GraphEdge;
  // 0 -> 1 -> 2 -> 3 -> 1, and 0 -> 4 -> 4 (a self-loop): state 1 is the
  // lowest on a cycle; the way round is 1 -> 2 -> 3 -> 1.
  std::vector<GraphEdge> edges{{0, 1}, {0, 4}, {1, 2}, {2, 3}, {3, 1}, {4, 4}};
  auto c = checker::find_cycle(5, edges);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->entry, 1u);
  EXPECT_EQ(c->edges, (std::vector<size_t>{2, 3, 4}));
  // a self-loop alone
  auto self = checker::find_cycle(5, {{0, 1}, {1, 2}, {2, 2}});
  ASSERT_TRUE(self);
  EXPECT_EQ(self->entry, 2u);
  EXPECT_EQ(self->edges, std::vector<size_t>{2});
  // the shortest way round the entry, not the first found
  auto shortest = checker::find_cycle(4, {{0, 1}, {1, 2}, {1, 0}, {2, 3}, {3, 0}});
  ASSERT_TRUE(shortest);
  EXPECT_EQ(shortest->entry, 0u);
  EXPECT_EQ(shortest->edges, (std::vector<size_t>{0, 2}));
  // a diamond has no cycle
  EXPECT_FALSE(checker::find_cycle(4, {{0, 1}, {0, 2}, {1, 3}, {2, 3}}));
  EXPECT_FALSE(checker::find_cycle(0, {}));
  // the edges come sorted by source, as a search adds them
  EXPECT_THROW(checker::find_cycle(3, {{1, 2}, {0, 1}}), std::invalid_argument);
}

// Two threads step through the same random table (a thread's next local
// state depends on its own and the other's), and the encoding is the sorted
// pair: states that differ by swapping the threads
// are one state, as with thread symmetry. A lasso is found from merged
// states, yet its choices must replay on the real ones: the first state to
// come back does so at the last step, to the state after loop_start steps.
struct TwinModel {
  struct State {
    int a = 0;
    int b = 0;
  };
  using Choice = uint16_t;
  int n = 0;
  std::vector<int> next;  // [mine * n + other's]; -1: this thread cannot move
  int b0 = 0;             // where the second thread starts

  const char* cycle_property() const { return "ends"; }
  State initial() const { return {0, b0}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.clear();
    if (next[s.a * n + s.b] >= 0) out.push_back(0);
    if (next[s.b * n + s.a] >= 0) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 0)
      s.a = next[s.a * n + s.b];
    else
      s.b = next[s.b * n + s.a];
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(std::min(s.a, s.b)), static_cast<char>(std::max(s.a, s.b))});
  }
};

TEST(Explorer, LassosOfMergedStatesReplayOnTheRealOnes) {
  std::mt19937 rng(2026);
  int lassos = 0;
  for (int round = 0; round < 5000; ++round) {
    TwinModel m;
    const int n = 2 + static_cast<int>(rng() % 5);
    m.n = n;
    for (int i = 0; i < n * n; ++i)
      m.next.push_back(rng() % 4 == 0 ? -1 : static_cast<int>(rng() % n));
    m.b0 = static_cast<int>(rng() % n);
    checker::SearchOptions bfs, tree;
    bfs.order = checker::SearchOrder::BreadthFirst;
    tree.use_visited_set = false;
    tree.limits.max_states = 100000;
    for (const auto& o : {checker::SearchOptions{}, bfs, tree}) {
      auto r = checker::explore(m, o);
      if (r.verdict != checker::Verdict::Violated) continue;
      ++lassos;
      ASSERT_TRUE(r.loop_start);
      std::map<std::string, size_t> seen;
      TwinModel::State s = m.initial();
      std::string bytes;
      m.encode(s, bytes);
      seen.emplace(bytes, 0);
      std::vector<uint16_t> choices;
      for (size_t i = 0; i < r.path.size(); ++i) {
        m.enabled(s, choices);
        ASSERT_NE(std::find(choices.begin(), choices.end(), r.path[i]), choices.end())
            << "round " << round << ": step " << i + 1 << " cannot be taken";
        m.step(s, r.path[i]);
        m.encode(s, bytes);
        auto [it, fresh] = seen.emplace(bytes, i + 1);
        if (i + 1 < r.path.size()) {
          ASSERT_TRUE(fresh) << "round " << round << ": a state repeats at step " << i + 1;
        } else {
          ASSERT_FALSE(fresh) << "round " << round << ": the loop does not close";
          EXPECT_EQ(it->second, *r.loop_start) << "round " << round;
        }
      }
    }
  }
  EXPECT_GT(lassos, 1000);
}

TEST(Explorer, LimitsEndWithAPartialResult) {
  CounterModel m;
  m.bound = 50;
  checker::SearchOptions o;
  o.limits.max_states = 100;
  auto r = checker::explore(m, o);
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(r.limit.find("state limit"), std::string::npos);
  EXPECT_EQ(r.stats.states, 100u);

  checker::SearchOptions d;
  d.limits.max_depth = 10;
  auto rd = checker::explore(m, d);
  EXPECT_EQ(rd.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(rd.limit.find("depth limit"), std::string::npos);
  EXPECT_LE(rd.stats.max_depth, 10u);

  checker::SearchOptions b;
  b.order = checker::SearchOrder::BreadthFirst;
  b.limits.max_depth = 10;
  EXPECT_EQ(checker::explore(m, b).verdict, checker::Verdict::LimitReached);
}

// Depth-first on several workers sharing the store: the same states and
// transitions as on one worker and breadth-first, whatever the timing, on
// the toy grid and on shipped scenarios (holding and violated ones: a
// violation's counts are the canonical search's).
TEST(Explorer, ParallelDfsCountsWhatOneWorkerCounts) {
  CounterModel grid;
  checker::SearchOptions o;
  o.order = checker::SearchOrder::DepthFirst;
  for (unsigned jobs : {2u, 3u, 8u}) {
    o.jobs = jobs;
    auto r = checker::explore(grid, o);
    EXPECT_EQ(r.verdict, checker::Verdict::Holds);
    EXPECT_EQ(r.stats.states, 25u) << jobs;
    EXPECT_EQ(r.stats.transitions, 40u) << jobs;
  }
  for (const char* file :
       {"scenarios/basics/threads-shared-cycle.life", "scenarios/contract/P7.5-bug.life",
        "scenarios/contract/termination-bug.life"}) {
    model::Program p = load_file(file);
    model::Model m(p);
    checker::SearchOptions one;
    one.order = checker::SearchOrder::DepthFirst;
    auto base = checker::explore(m, one);
    ASSERT_NE(base.verdict, checker::Verdict::LimitReached) << file;
    for (unsigned jobs : {2u, 4u}) {
      checker::SearchOptions many = one;
      many.jobs = jobs;
      for (checker::StoreKind store :
           {checker::StoreKind::Exact, checker::StoreKind::Fingerprint}) {
        many.store = store;
        auto r = checker::explore(m, many);
        EXPECT_EQ(r.verdict, base.verdict) << file << " jobs " << jobs;
        EXPECT_EQ(r.stats.states, base.stats.states) << file << " jobs " << jobs;
        EXPECT_EQ(r.stats.transitions, base.stats.transitions) << file << " jobs " << jobs;
        EXPECT_EQ(r.path, base.path) << file << " jobs " << jobs;
        EXPECT_EQ(r.loop_start, base.loop_start) << file << " jobs " << jobs;
      }
    }
  }
}

// Breadth-first expands a level a slice at a time (to bound the memory the
// candidates take): the slice size changes nothing else. Tiny slices on the
// toy models (a violation, a lasso, a state limit) and on shipped scenarios,
// on one worker and three.
TEST(Explorer, BfsSlicesChangeNothingButMemory) {
  auto same = [](const auto& model, checker::SearchOptions o, const std::string& what) {
    const auto want = checker::explore(model, o);
    for (size_t slice : {1u, 2u, 7u}) {
      o.bfs_slice = slice;
      const auto got = checker::explore(model, o);
      EXPECT_EQ(got.verdict, want.verdict) << what << " slice " << slice;
      EXPECT_EQ(got.stats.states, want.stats.states) << what << " slice " << slice;
      EXPECT_EQ(got.stats.transitions, want.stats.transitions) << what << " slice " << slice;
      EXPECT_EQ(got.stats.max_depth, want.stats.max_depth) << what << " slice " << slice;
      EXPECT_EQ(got.path, want.path) << what << " slice " << slice;
      EXPECT_EQ(got.loop_start, want.loop_start) << what << " slice " << slice;
      EXPECT_EQ(got.limit, want.limit) << what << " slice " << slice;
    }
  };
  for (unsigned jobs : {1u, 3u}) {
    checker::SearchOptions o;
    o.jobs = jobs;
    CounterModel grid;
    same(grid, o, "grid");
    grid.bad = 3;
    same(grid, o, "grid with a violation");
    ClockModel clock;
    same(clock, o, "clock");
    MeasuredClock measured;
    same(measured, o, "measured clock");
    CounterModel big;
    big.bound = 50;
    checker::SearchOptions limited = o;
    limited.limits.max_states = 100;
    same(big, limited, "state limit");
    for (const char* file :
         {"scenarios/basics/threads-shared-cycle.life", "scenarios/contract/P7.5-bug.life",
          "scenarios/contract/termination-bug.life"}) {
      model::Program p = load_file(file);
      model::Model m(p);
      same(m, o, file);
      checker::SearchOptions fp = o;
      fp.store = checker::StoreKind::Fingerprint;
      same(m, fp, std::string(file) + " fingerprint");
    }
  }
}

TEST(Explorer, DeterministicStatistics) {
  model::Program p = load_file("scenarios/basics/threads-shared-cycle.life");
  auto a = check(p);
  auto b = check(p);
  EXPECT_EQ(a.stats.states, b.stats.states);
  EXPECT_EQ(a.stats.transitions, b.stats.transitions);
  EXPECT_EQ(a.stats.max_depth, b.stats.max_depth);
}

// The model's own bound (call-stack depth, here from deallocating a long
// chain in one go) stops the search with a partial result, not a crash.
TEST(Explorer, ModelLimitIsAPartialResult) {
  std::string text = "class Node:\n    pass\nhead = None\n";
  for (int i = 0; i < 600; ++i) text += "n = Node()\nn.next = head\nhead = n\n";
  text += "n = None\nhead = None\n";
  model::Program p = load_text(text);
  auto r = check(p);
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(r.limit.find("call stack deeper"), std::string::npos) << r.limit;
}

TEST(RandomScheduler, SameSeedSameChoices) {
  std::vector<checker::ScheduleChoice> enabled{0, 1, 2, 3};
  checker::RandomScheduler a(42), b(42), c(43);
  std::vector<size_t> xa, xb, xc;
  for (int i = 0; i < 50; ++i) {
    xa.push_back(*a.pick(enabled));
    xb.push_back(*b.pick(enabled));
    xc.push_back(*c.pick(enabled));
  }
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
}

}  // namespace
}  // namespace lifecheck::testing
