// Every shipped scenario: its verdict matches its `verdict` line, its state
// and transition counts match the golden file (GenMC-style: a silent change
// in the search shows up here), every counterexample replays to the same
// violation, and breadth-first and tree search agree with the default DFS.
//
// After a deliberate change to the model, regenerate the golden file with
//   LIFECHECK_UPDATE_GOLDEN=1 build/tests/lifecheck_tests --gtest_filter='Scenarios*'
// and say why the counts moved in the commit message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "model/Properties.h"

namespace lifecheck::testing {
namespace {

const char* kGolden = "tests/golden/scenario-states.txt";

struct Golden {
  uint64_t states = 0;
  uint64_t transitions = 0;
  uint64_t full_states = 0;  // without partial-order reduction
  uint64_t full_transitions = 0;
};

std::map<std::string, Golden> read_golden() {
  std::map<std::string, Golden> g;
  std::ifstream in(source_path(kGolden));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string file;
    Golden v;
    ss >> file >> v.states >> v.transitions >> v.full_states >> v.full_transitions;
    g[file] = v;
  }
  return g;
}

bool updating() {
  const char* v = std::getenv("LIFECHECK_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

// In update mode, collect the measured counts and rewrite the file at exit.
class GoldenWriter {
 public:
  static GoldenWriter& get() {
    static GoldenWriter w;
    return w;
  }
  void record(const std::string& file, Golden g) {
    std::lock_guard<std::mutex> lock(mu_);
    rows_[file] = g;
  }
  ~GoldenWriter() {
    if (rows_.empty()) return;
    std::map<std::string, Golden> all = read_golden();
    for (auto& [f, g] : rows_) all[f] = g;
    std::ofstream out(source_path(kGolden));
    out << "# scenario  states  transitions  (default DFS with the visited set), then the same "
           "without partial-order reduction\n";
    for (auto& [f, g] : all)
      out << f << " " << g.states << " " << g.transitions << " " << g.full_states << " "
          << g.full_transitions << "\n";
  }

 private:
  std::mutex mu_;
  std::map<std::string, Golden> rows_;
};

class Scenarios : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenarios, VerdictGoldenCountsAndReplay) {
  const std::string file = GetParam();
  model::Program p = load_file(file);
  // "verdict under PROFILE" lines: the outcome each profile expects.
  for (const model::Verdict& v : p.profile_verdicts) {
    lang::CompileOptions o;
    o.profile_override = *model::find_profile(v.profile);
    model::Program under = lang::load_scenario(source_path(file), o);
    auto r = check(under);
    ASSERT_NE(r.verdict, checker::Verdict::LimitReached) << file << " under " << v.profile;
    if (v.holds) {
      EXPECT_EQ(r.verdict, checker::Verdict::Holds)
          << file << " under " << v.profile << ": " << r.failure.message;
    } else {
      ASSERT_EQ(r.verdict, checker::Verdict::Violated) << file << " under " << v.profile;
      EXPECT_NE(std::find(r.failure.properties.begin(), r.failure.properties.end(), v.property),
                r.failure.properties.end())
          << file << " under " << v.profile << ": " << r.failure.message;
      model::Trace t = replay(under, r.path);
      EXPECT_EQ(t.outcome.properties, r.failure.properties);
    }
  }
  if (!p.verdict) {
    ASSERT_FALSE(p.profile_verdicts.empty()) << file << " has no verdict line";
    return;
  }

  auto dfs = check(p);
  ASSERT_NE(dfs.verdict, checker::Verdict::LimitReached) << dfs.limit;
  if (p.verdict->holds) {
    EXPECT_EQ(dfs.verdict, checker::Verdict::Holds) << file << ": " << dfs.failure.message;
  } else {
    ASSERT_EQ(dfs.verdict, checker::Verdict::Violated) << file;
    const auto& props = dfs.failure.properties;
    EXPECT_NE(std::find(props.begin(), props.end(), p.verdict->property), props.end())
        << file << " should name " << p.verdict->property << "; got: " << dfs.failure.message;
    // The counterexample replays to the same violation.
    model::Trace t = replay(p, dfs.path);
    ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << file;
    EXPECT_EQ(t.outcome.properties, dfs.failure.properties);
    EXPECT_EQ(t.outcome.message, dfs.failure.message);
    EXPECT_EQ(t.steps.size(), dfs.path.size());
  }

  // Breadth-first search: same verdict, and a counterexample no longer.
  checker::SearchOptions bfs_opts;
  bfs_opts.order = checker::SearchOrder::BreadthFirst;
  auto bfs = check(p, bfs_opts);
  EXPECT_EQ(bfs.verdict, dfs.verdict) << file;
  if (dfs.verdict == checker::Verdict::Violated) {
    EXPECT_LE(bfs.path.size(), dfs.path.size());
    model::Trace t = replay(p, bfs.path);
    EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
    EXPECT_EQ(t.outcome.properties, bfs.failure.properties);
  } else {
    EXPECT_EQ(bfs.stats.states, dfs.stats.states) << "BFS and DFS visit the same states";
  }

  // Thread symmetry merges states; the plain search must agree on the
  // verdict and the properties named, and visit at least as many states.
  if (model::Model(p).uses_symmetry()) {
    auto plain = check(p, {}, /*symmetry=*/false);
    ASSERT_NE(plain.verdict, checker::Verdict::LimitReached) << file;
    EXPECT_EQ(plain.verdict, dfs.verdict) << file;
    if (plain.verdict == checker::Verdict::Violated) {
      const auto& props = plain.failure.properties;
      EXPECT_NE(std::find(props.begin(), props.end(), p.verdict->property), props.end()) << file;
    }
    EXPECT_GE(plain.stats.states, dfs.stats.states) << file;
  }

  // Partial-order reduction explores some private steps alone; the search
  // without it must agree on the verdict and the properties named, and
  // visit at least as many states.
  checker::SearchOptions full_opts;
  full_opts.partial_order = false;
  auto full = check(p, full_opts);
  ASSERT_NE(full.verdict, checker::Verdict::LimitReached) << file;
  EXPECT_EQ(full.verdict, dfs.verdict) << file;
  if (full.verdict == checker::Verdict::Violated) {
    const auto& props = full.failure.properties;
    EXPECT_NE(std::find(props.begin(), props.end(), p.verdict->property), props.end()) << file;
  }
  if (full.verdict == checker::Verdict::Holds) {
    EXPECT_GE(full.stats.states, dfs.stats.states) << file;
  }

  // Tree search without the visited set (where it stays small): same verdict.
  checker::SearchOptions tree_opts;
  tree_opts.use_visited_set = false;
  tree_opts.limits.max_states = 200000;
  auto tree = check(p, tree_opts);
  if (tree.verdict != checker::Verdict::LimitReached) {
    EXPECT_EQ(tree.verdict, dfs.verdict) << file;
  }

  Golden measured{dfs.stats.states, dfs.stats.transitions, full.stats.states,
                  full.stats.transitions};
  if (updating()) {
    GoldenWriter::get().record(file, measured);
    return;
  }
  auto golden = read_golden();
  auto it = golden.find(file);
  ASSERT_NE(it, golden.end()) << "no golden counts for " << file << "; add the line\n"
                              << file << " " << measured.states << " " << measured.transitions
                              << " " << measured.full_states << " " << measured.full_transitions;
  EXPECT_EQ(measured.states, it->second.states) << file << ": state count changed";
  EXPECT_EQ(measured.transitions, it->second.transitions) << file << ": transition count changed";
  EXPECT_EQ(measured.full_states, it->second.full_states)
      << file << ": state count without partial-order reduction changed";
  EXPECT_EQ(measured.full_transitions, it->second.full_transitions)
      << file << ": transition count without partial-order reduction changed";
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  if (n.rfind("scenarios/", 0) == 0) n = n.substr(10);
  if (n.size() > 5) n = n.substr(0, n.size() - 5);
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shipped, Scenarios, ::testing::ValuesIn(scenario_files()), test_name);

// Every scenario in the golden file still exists (a removed scenario must
// leave the golden file too).
TEST(ScenarioGolden, NoStaleEntries) {
  if (updating()) GTEST_SKIP();
  auto files = scenario_files();
  for (auto& [file, g] : read_golden())
    EXPECT_NE(std::find(files.begin(), files.end(), file), files.end()) << "stale: " << file;
}

// The shipped suite covers what the core issue lists (at least 15 basic
// scenarios), and every built-in property has a passing and a failing one;
// the registry lists no property without them.
TEST(ScenarioGolden, EveryPropertyHasOkAndBugScenarios) {
  auto files = scenario_files();
  for (const char* prop : {"P7.1",       "P7.2",          "P7.3",
                           "P7.4",       "P7.5",          "P7.6",
                           "P7.7",       "P7.8",          "P7.9",
                           "P7.10",      "P7.11",         "P7.12",
                           "P7.13",      "P7.14",         "P7.15",
                           "P7.16",      "P7.17",         "P7.18",
                           "P7.19",      "P7.20",         "P7.21",
                           "P7.22",      "P7.23",         "P7.24",
                           "P7.25",      "P7.26",         "P7.27",
                           "P7.28",      "P7.29",         "P7.30",
                           "quiescence", "memory-safety", "resource-affinity",
                           "data-race",  "deadlock",      "uncaught-exception",
                           "assert",     "expect"}) {
    for (const char* kind : {"-ok.life", "-bug.life"}) {
      std::string f = std::string("scenarios/contract/") + prop + kind;
      EXPECT_NE(std::find(files.begin(), files.end(), f), files.end()) << "missing " << f;
    }
  }
  for (const model::PropertyInfo& p : model::all_properties()) {
    std::string f = std::string("scenarios/contract/") + p.id + "-bug.life";
    EXPECT_NE(std::find(files.begin(), files.end(), f), files.end())
        << "no bug scenario for " << p.id;
  }
  size_t basics = 0;
  for (const std::string& f : files) basics += f.rfind("scenarios/basics/", 0) == 0;
  EXPECT_GE(basics, 15u);
}

}  // namespace
}  // namespace lifecheck::testing
