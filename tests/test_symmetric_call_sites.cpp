// Thread symmetry over bodies with call sites that specialize (State::warm:
// FN13a's class calls, T1a's list.append and len). Each thread body is a
// code object of its own, so its sites are its own: identical bodies are
// interchangeable once each thread's warm bytes move with it
// (ThreadSymmetry::sites). A function both threads call is one code
// object, and its sites stay shared. Every figure is checked against the
// search without symmetry: the same verdict, fewer states, one state per
// orbit of the concrete states, counterexamples that replay.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "Orbits.h"
#include "TestSupport.h"
#include "model/Canonical.h"
#include "model/Symmetry.h"

namespace lifecheck::testing {
namespace {

const char* const kOwnSites = "scenarios/init/symmetric-threads-own-call-sites.life";
const char* const kAppendThenPop = "scenarios/containers/symmetric-append-then-pop.life";
const char* const kLenRace = "scenarios/containers/symmetric-len-race-bug.life";

model::Program load_under(const std::string& file, const char* profile) {
  return load_text_under(read_all(source_path(file)), profile, file);
}

// Two identical bodies warming a class call site, a list.append site, a
// len site and a gc.callbacks.append site of their own.
const char* const kEverySite =
    "profile 3.14\n"
    "class Node:\n    def __init__(self, x):\n        self.x = x\n\n"
    "def on_gc(phase, info):\n    pass\n\n"
    "items = []\n\n"
    "thread T1:\n    for i in range(2):\n        n = Node(i)\n        items.append(n)\n"
    "        k = len(items)\n    gc.callbacks.append(on_gc)\n\n"
    "thread T2:\n    for i in range(2):\n        n = Node(i)\n        items.append(n)\n"
    "        k = len(items)\n    gc.callbacks.append(on_gc)\n";

TEST(SymmetricCallSites, BodiesWithTheirOwnSitesAreInterchangeable) {
  const model::Program p = load_text(kEverySite);
  const model::ThreadSymmetry s = model::thread_symmetry(p);
  ASSERT_TRUE(s.any);
  EXPECT_TRUE(s.any_sites);
  EXPECT_EQ(s.class_of[2], 1);
  ASSERT_EQ(s.sites.size(), 3u);
  EXPECT_TRUE(s.sites[0].empty());
  // the class call, the append, len, gc.callbacks.append: at the same
  // places, each body its own
  ASSERT_EQ(s.sites[1].size(), 4u);
  ASSERT_EQ(s.sites[2].size(), 4u);
  for (size_t j = 0; j < 4; ++j) EXPECT_NE(s.sites[1][j], s.sites[2][j]) << j;
  // still apart: a body whose ops differ elsewhere
  const model::Program q = load_text(
      "items = []\n\nthread T1:\n    items.append(1)\n\nthread T2:\n    items.append(2)\n");
  EXPECT_FALSE(model::thread_symmetry(q).any);
}

// The searches with and without symmetry: the same verdict, and (golden
// figures) fewer states with it, for each profile's search.
struct Figures {
  const char* file;
  const char* profile;
  checker::Verdict verdict;
  size_t with, without;  // states, default search (partial-order reduction on)
};

TEST(SymmetricCallSites, FewerStatesSameVerdicts) {
  const auto holds = checker::Verdict::Holds, violated = checker::Verdict::Violated;
  const Figures figures[] = {
      {kOwnSites, "3.14", holds, 662, 1317},        {kOwnSites, "3.13", holds, 662, 1317},
      {kOwnSites, "3.14t", holds, 1320, 2630},      {kOwnSites, "3.12", violated, 237, 469},
      {kAppendThenPop, "3.14", holds, 310, 586},    {kAppendThenPop, "3.12", holds, 310, 586},
      {kAppendThenPop, "3.11", violated, 319, 582}, {kAppendThenPop, "3.13t", violated, 4209, 8289},
      {kLenRace, "3.14", violated, 54, 105},        {kLenRace, "3.13t", violated, 508, 996},
  };
  for (const Figures& f : figures) {
    const std::string what = std::string(f.file) + " under " + f.profile;
    const model::Program p = load_under(f.file, f.profile);
    ASSERT_TRUE(model::Model(p).uses_symmetry()) << what;
    const auto with = check(p), without = check(p, {}, false);
    EXPECT_EQ(with.verdict, f.verdict) << what << ": " << with.failure.message;
    EXPECT_EQ(without.verdict, f.verdict) << what << ": " << without.failure.message;
    EXPECT_EQ(with.failure.properties, without.failure.properties) << what;
    EXPECT_EQ(with.stats.states, f.with) << what;
    EXPECT_EQ(without.stats.states, f.without) << what;
  }
}

// A search with symmetry keeps one state per orbit of the states found
// without it (the canonical encodings of every concrete state), and every
// permutation of a concrete state's symmetric threads encodes alike.
TEST(SymmetricCallSites, OneStatePerOrbit) {
  struct Case {
    std::string what;
    model::Program p;
  };
  std::vector<Case> cases;
  cases.push_back({"every site", load_text(kEverySite)});
  cases.push_back({"own sites 3.14", load_under(kOwnSites, "3.14")});
  cases.push_back({"own sites 3.14t", load_under(kOwnSites, "3.14t")});
  cases.push_back({"append then pop 3.14", load_under(kAppendThenPop, "3.14")});
  cases.push_back({"append then pop 3.12", load_under(kAppendThenPop, "3.12")});
  // the orbits, and the concrete states they are orbits of
  const std::pair<size_t, size_t> want[] = {
      {396, 771}, {677, 1348}, {1352, 2694}, {322, 639}, {322, 639}};
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(orbit_encodings_differ(c.p, 200000), "") << c.what;
    size_t states = 0;
    const size_t orbits = orbit_count(c.p, 200000, &states);
    EXPECT_EQ(orbits, want[i].first) << c.what;
    EXPECT_EQ(states, want[i].second) << c.what;
    checker::SearchOptions o;
    o.partial_order = false;
    for (unsigned jobs : {1u, 2u})
      for (auto order : {checker::SearchOrder::BreadthFirst, checker::SearchOrder::DepthFirst}) {
        o.jobs = jobs;
        o.order = order;
        const auto r = check(c.p, o, true);
        EXPECT_EQ(r.verdict, checker::Verdict::Holds) << c.what;
        EXPECT_EQ(r.stats.states, orbits) << c.what << ", jobs " << jobs;
      }
  }
}

// The failing scenarios: the counterexample of the search with symmetry,
// found over concrete states (one worker) or decoded ones (two), is in
// the real threads' numbers and replays to the same violation.
TEST(SymmetricCallSites, CounterexamplesReplay) {
  const std::pair<const char*, const char*> cases[] = {
      {kLenRace, "3.14"}, {kLenRace, "3.13t"}, {kAppendThenPop, "3.11"}, {kOwnSites, "3.12"}};
  for (const auto& [file, profile] : cases) {
    const model::Program p = load_under(file, profile);
    for (unsigned jobs : {1u, 2u}) {
      const std::string what =
          std::string(file) + " under " + profile + ", jobs " + std::to_string(jobs);
      checker::SearchOptions o;
      o.jobs = jobs;
      const auto r = check(p, o);
      ASSERT_EQ(r.verdict, checker::Verdict::Violated) << what;
      EXPECT_EQ(r.failure.properties, std::vector<std::string>{"assert"}) << what;
      const model::Trace t = replay(p, r.path);
      EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << what;
      EXPECT_EQ(t.outcome.properties, r.failure.properties) << what;
    }
  }
  // and on the command line, with its replay token
  const std::string file = source_path(kLenRace);
  for (const char* jobs : {"1", "2"}) {
    const nlohmann::json j =
        first_counterexample(run_cli({"check", "--json", "--jobs", jobs, file}).out);
    EXPECT_TRUE(j["replay_reproduces"].get<bool>()) << jobs;
    const CliResult r = run_cli({"replay", file, j["replay"]});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("VIOLATION of assert"), std::string::npos) << r.out;
  }
}

// A function both threads call is one code object: its class call site is
// shared, so exactly one of the two calls (the second to reach it) is the
// specialized one that moves its argument, with or without symmetry.
TEST(SymmetricCallSites, HelperFunctionsShareTheirSites) {
  const model::Program p = load_text(
      "profile 3.14\n"
      "class Other:\n    pass\n\n"
      "class Node:\n    def __init__(self, o):\n        w = weakref.ref(o)\n        o = None\n"
      "        self.moved = w() is None\n\n"
      "def make():\n    o = Other()\n    return o\n\n"
      "def build():\n    n = Node(make())\n    if n.moved:\n        log(\"moved\")\n\n"
      "thread T1:\n    build()\n\n"
      "thread T2:\n    build()\n\n"
      "expect log \"moved\" once\n");
  const model::ThreadSymmetry s = model::thread_symmetry(p);
  ASSERT_TRUE(s.any);
  EXPECT_FALSE(s.any_sites) << "the bodies have no site of their own";
  const auto with = check(p), without = check(p, {}, false);
  EXPECT_EQ(with.verdict, checker::Verdict::Holds) << with.failure.message;
  EXPECT_EQ(without.verdict, checker::Verdict::Holds) << without.failure.message;
  EXPECT_LT(with.stats.states, without.stats.states);
  EXPECT_EQ(orbit_encodings_differ(p, 20000), "");
}

// reorder_threads moves each thread's warm bytes with it: the state with
// its threads swapped has T1's bytes at T2's sites and the other way round.
TEST(SymmetricCallSites, ReorderMovesTheWarmBytes) {
  const model::Program p = load_text(kEverySite);
  const model::ThreadSymmetry sym = model::thread_symmetry(p);
  const model::Model plain(p, false);
  size_t found = 0;
  for_each_state(plain, 20000, [&](const model::State& s) {
    const auto& a = sym.sites[1];
    const auto& b = sym.sites[2];
    bool differ = false;
    for (size_t j = 0; j < a.size(); ++j) differ = differ || s.warm[a[j]] != s.warm[b[j]];
    if (!differ) return;
    ++found;
    model::State t = s;
    model::reorder_threads(t, {0, 2, 1}, &sym);
    for (size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(t.warm[a[j]], s.warm[b[j]]);
      EXPECT_EQ(t.warm[b[j]], s.warm[a[j]]);
    }
  });
  EXPECT_GT(found, 0u);
}

}  // namespace
}  // namespace lifecheck::testing
