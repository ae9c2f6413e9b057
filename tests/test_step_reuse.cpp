// The search back ends take the successors the model computed while it
// chose a persistent set (checker/Stepped.h) instead of stepping the same
// choice from the same state again: the depth-first searches (one worker
// and several, with a visited set and as a tree search), the
// breadth-first search, and sleep sets. Each must find exactly what it
// finds stepping every choice itself: the same verdict, counts,
// counterexample and properties. The search stepping itself runs over
// Adapter<false>, model::Model without the persistent_choice that hands
// successors back; Adapter<true> forwards that one too. Both count the
// steps the search asks for, so the tests also see that the successors
// are taken. (--distributed: tests/mpi/same-results.sh compares it with
// the one-process search.)
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "checker/Dfs.h"
#include "checker/Fairness.h"
#include "checker/ParallelDfs.h"

namespace lifecheck {
namespace {

using testing::b1;
using testing::load_file;
using testing::load_text;

// model::Model with every member the back ends look for, and the
// persistent_choice that hands back successors only when kHandsBack.
template <bool kHandsBack>
class Adapter {
 public:
  using State = model::Model::State;
  using Choice = model::Model::Choice;
  using Footprint = model::Model::Footprint;
  using Renaming = model::Model::Renaming;

  explicit Adapter(const model::Model& model) : model_(model) {}

  State initial() const { return model_.initial(); }
  void enabled(const State& s, std::vector<Choice>& out) const { model_.enabled(s, out); }
  checker::StepResult step(State& s, Choice c) const {
    steps_.fetch_add(1, std::memory_order_relaxed);
    return model_.step(s, c);
  }
  checker::StepResult terminal(State& s) const { return model_.terminal(s); }
  void encode(const State& s, std::string& out) const { model_.encode(s, out); }
  void encode(const State& s, std::string& out, std::vector<uint32_t>& cuts) const {
    model_.encode(s, out, cuts);
  }
  void encode(const State& s, std::string& out, std::vector<uint32_t>& cuts, Renaming& r) const {
    model_.encode(s, out, cuts, r);
  }
  static Choice rename_choice(Choice c, const Renaming& r) {
    return model::Model::rename_choice(c, r);
  }
  State decode(std::string_view bytes) const { return model_.decode(bytes); }
  const char* cycle_property() const { return model_.cycle_property(); }
  static uint32_t agent(Choice c) { return model::Model::agent(c); }
  void encode_concrete(const State& s, std::string& out) const { model_.encode_concrete(s, out); }
  uint64_t progress_measure(const State& s) const { return model_.progress_measure(s); }
  std::optional<Choice> persistent_choice(const State& s, const std::vector<Choice>& en) const {
    return model_.persistent_choice(s, en);
  }
  std::optional<Choice> persistent_choice(
      const State& s, const std::vector<Choice>& en,
      checker::SteppedList<State, Choice>& stepped) const requires kHandsBack {
    return model_.persistent_choice(s, en, stepped);
  }
  bool sleep_sets_sound() const { return model_.sleep_sets_sound(); }
  checker::StepResult step_footprint(const State& before, State& next, Choice c,
                                     const std::vector<Choice>& en, Footprint& fp) const {
    steps_.fetch_add(1, std::memory_order_relaxed);
    return model_.step_footprint(before, next, c, en, fp);
  }
  bool independent(const Footprint& a, const Footprint& b) const {
    return model_.independent(a, b);
  }

  // The steps the search asked for (the model's own trial steps aside).
  uint64_t steps() const { return steps_.load(); }

 private:
  const model::Model& model_;
  mutable std::atomic<uint64_t> steps_{0};
};

// Both adapters are what model::Model is to the back ends, but for the
// successors handed back.
template <class M>
constexpr bool kSameFace = checker::DecodableModel<M>&& checker::ReducibleModel<M>&&
    checker::RenamingModel<M>&& checker::ProgressModel<M>&& checker::FairModel<M>;
static_assert(kSameFace<model::Model> && kSameFace<Adapter<true>> && kSameFace<Adapter<false>>);
static_assert(checker::SteppingReducibleModel<model::Model>);
static_assert(checker::SteppingReducibleModel<Adapter<true>>);
static_assert(!checker::SteppingReducibleModel<Adapter<false>>);

using Result = checker::SearchResult<model::Model::Choice>;

// What differs between two results ("" when nothing); `depth`: compare the
// depth too (not for several depth-first workers, whose depth is timing's).
std::string differs(const Result& a, const Result& b, bool depth) {
  auto num = [](uint64_t x, uint64_t y, const char* what) {
    return x == y ? std::string()
                  : std::string(what) + " " + std::to_string(x) + " against " + std::to_string(y);
  };
  if (a.verdict != b.verdict) return "another verdict";
  for (std::string d : {num(a.stats.states, b.stats.states, "states"),
                        num(a.stats.transitions, b.stats.transitions, "transitions"),
                        num(a.stats.reduced_states, b.stats.reduced_states, "reduced states"),
                        num(a.stats.pruned_transitions, b.stats.pruned_transitions, "pruned"),
                        num(a.stats.reduced_keeping, b.stats.reduced_keeping, "reduced keeping"),
                        depth ? num(a.stats.max_depth, b.stats.max_depth, "depth") : ""})
    if (!d.empty()) return d;
  if (a.stats.por_restarted != b.stats.por_restarted) return "another restart";
  if (a.path != b.path || a.loop_start != b.loop_start) return "another counterexample";
  if (a.failure.kind != b.failure.kind || a.failure.properties != b.failure.properties ||
      a.failure.message != b.failure.message)
    return "another failure";
  if (a.limit != b.limit) return "another limit";
  return "";
}

// A back end: a search over an adapter.
enum class Backend { Dfs, DfsTree, ParallelDfs, Bfs, SleepSets, SleepSets2 };
const char* name(Backend b) {
  switch (b) {
    case Backend::Dfs:
      return "dfs";
    case Backend::DfsTree:
      return "dfs tree";
    case Backend::ParallelDfs:
      return "dfs, 2 jobs";
    case Backend::Bfs:
      return "bfs";
    case Backend::SleepSets:
      return "sleep sets";
    case Backend::SleepSets2:
      return "sleep sets, 2 jobs";
  }
  return "";
}

checker::SearchOptions options_of(Backend b) {
  checker::SearchOptions o;
  o.limits.max_states = 200000;
  o.order = b == Backend::Dfs || b == Backend::DfsTree || b == Backend::ParallelDfs
                ? checker::SearchOrder::DepthFirst
                : checker::SearchOrder::BreadthFirst;
  o.jobs = b == Backend::ParallelDfs || b == Backend::SleepSets2 ? 2 : 1;
  o.sleep_sets = b == Backend::SleepSets || b == Backend::SleepSets2;
  if (b == Backend::DfsTree) {
    o.use_visited_set = false;
    o.limits.max_states = 20000;
  }
  if (b == Backend::ParallelDfs) o.limits.max_states = 0;  // else the sequential search runs
  if (b == Backend::SleepSets2) o.bfs_slice = 1;
  return o;
}

// The back end's own result: the sequential depth-first searches are run
// directly (explore() would replace their counterexample by the
// breadth-first search's), the others through explore().
template <class M>
Result search(const M& model, Backend b) {
  const checker::SearchOptions o = options_of(b);
  if (b == Backend::Dfs || b == Backend::DfsTree) {
    checker::ExactStore store;
    return checker::Dfs<M, checker::ExactStore>(model, o, store).run();
  }
  return checker::explore(model, o);
}

struct Compared {
  std::string failure;       // "" when the results are the same
  uint64_t steps_taken = 0;  // with the successors handed back
  uint64_t steps_all = 0;    // without
  checker::Verdict verdict{};
  uint64_t reduced_states = 0;
};

Compared compare(const model::Program& program, Backend b, bool symmetry = true) {
  const model::Model model(program, symmetry);
  const Adapter<true> taking(model);
  const Adapter<false> stepping(model);
  const Result with = search(taking, b);
  const Result without = search(stepping, b);
  Compared c;
  c.failure = differs(with, without, b != Backend::ParallelDfs);
  if (!c.failure.empty()) c.failure = std::string(name(b)) + ": " + c.failure;
  c.steps_taken = taking.steps();
  c.steps_all = stepping.steps();
  c.verdict = without.verdict;
  c.reduced_states = without.stats.reduced_states;
  return c;
}

constexpr Backend kAll[] = {Backend::Dfs, Backend::DfsTree,   Backend::ParallelDfs,
                            Backend::Bfs, Backend::SleepSets, Backend::SleepSets2};

// B1 (bench/b1.py): the same results, and fewer steps asked of the model
// (each back end takes the successor at a reduced state; sleep sets only
// where nothing is asleep; the tree search stops at its state limit, at
// the same point either way).
TEST(StepReuse, B1SameResultsFewerSteps) {
  for (int threads : {2, 3}) {
    const model::Program p = load_text(b1(threads));
    for (Backend b : kAll) {
      const Compared c = compare(p, b);
      EXPECT_EQ(c.failure, "") << "B1 T=" << threads;
      if (b != Backend::DfsTree) {  // which stops at its state limit
        EXPECT_EQ(c.verdict, checker::Verdict::Holds) << name(b) << " T=" << threads;
      }
      EXPECT_GT(c.reduced_states, 0u) << name(b) << " T=" << threads;
      EXPECT_LT(c.steps_taken, c.steps_all) << name(b) << " T=" << threads;
    }
  }
}

// Without thread symmetry, where a state's threads are not renamed.
TEST(StepReuse, B1WithoutSymmetry) {
  const model::Program p = load_text(b1(2));
  for (Backend b : kAll) EXPECT_EQ(compare(p, b, false).failure, "");
}

// Shipped scenarios where persistent sets apply, violated ones (their
// counterexample and failure too) among them, on every back end.
TEST(StepReuse, ReducedScenariosOnEveryBackend) {
  const char* files[] = {"scenarios/containers/len-race-bug.life",
                         "scenarios/contract/resource-affinity-bug.life",
                         "scenarios/threadlocal/value-outlives-join-bug.life",
                         "scenarios/functions/closure-cycle-bug.life",
                         "scenarios/functions/call-on-two-threads.life",
                         "scenarios/contract/P7.11-ok.life"};
  for (const char* f : files) {
    const model::Program p = load_file(f);
    for (Backend b : kAll) EXPECT_EQ(compare(p, b).failure, "") << f;
  }
}

// The scenarios on which reviews found holes in the reductions
// (tests/reduction-reviews: S1, S2, S3, sleep sets), on every back end.
TEST(StepReuse, ReductionReviewsOnEveryBackend) {
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::directory_iterator(testing::source_path("tests/reduction-reviews")))
    if (e.path().extension() == ".life") files.push_back(e.path().filename().string());
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    const model::Program p = load_file("tests/reduction-reviews/" + f);
    for (Backend b : kAll) EXPECT_EQ(compare(p, b).failure, "") << f;
  }
}

// "scenarios/basics/cycle2-del.life" -> "basics_cycle2_del"
std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = std::filesystem::path(info.param).replace_extension().string();
  n.erase(0, n.find('/') + 1);
  std::replace_if(
      n.begin(), n.end(), [](unsigned char c) { return !std::isalnum(c); }, '_');
  return n;
}

class StepReuseShipped : public ::testing::TestWithParam<std::string> {};

// Every shipped scenario, on the sequential back ends that take
// successors (the parallel ones on B1 and the scenarios above).
TEST_P(StepReuseShipped, SameResults) {
  const model::Program p = load_file(GetParam());
  for (Backend b : {Backend::Dfs, Backend::Bfs, Backend::SleepSets})
    EXPECT_EQ(compare(p, b).failure, "") << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Shipped, StepReuseShipped, ::testing::ValuesIn(testing::scenario_files()),
                         param_name);

}  // namespace
}  // namespace lifecheck
