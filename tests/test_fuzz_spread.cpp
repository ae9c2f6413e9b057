// The fuzz loop with its checks handed out in batches (gen::FuzzSpread, what
// `lifecheck fuzz --distributed` does over MPI ranks): every batch width
// gives the one-by-one loop's result, run numbers, seeds, set-aside counts,
// minimal scenario and shrink counts alike, even when the batch's checks
// run in another order. The runs under mpirun: tests/mpi/fuzz.sh.
#include <gtest/gtest.h>

#include <algorithm>

#include "lifecheck/fuzz.h"

namespace lifecheck {
namespace {

// A spread of `width` checks run last to first (as ranks finishing in any
// order would), counting the checks it ran.
gen::FuzzSpread backwards(size_t width, int& checks) {
  gen::FuzzSpread s;
  s.width = width;
  s.run = [&checks](size_t count, const std::function<int(size_t)>& check) {
    std::vector<int> codes(count);
    for (size_t i = count; i-- > 0;) {
      codes[i] = check(i);
      ++checks;
    }
    return codes;
  };
  return s;
}

void expect_same(const gen::FuzzOptions& o, const std::string& what) {
  const gen::FuzzResult one = gen::fuzz(o);
  for (size_t width : {2u, 3u, 8u, 64u}) {
    SCOPED_TRACE(what + ", width " + std::to_string(width));
    int checks = 0;
    std::vector<std::string> lines, lines_one;
    const gen::FuzzResult many = gen::fuzz(
        o, [&](const std::string& l) { lines.push_back(l); }, backwards(width, checks));
    gen::fuzz(o, [&](const std::string& l) { lines_one.push_back(l); });
    EXPECT_GT(checks, 0);
    EXPECT_EQ(many.runs, one.runs);
    EXPECT_EQ(many.limited, one.limited);
    EXPECT_EQ(many.found, one.found);
    EXPECT_EQ(many.found_at, one.found_at);
    EXPECT_EQ(many.property, one.property);
    EXPECT_EQ(many.shrink_steps, one.shrink_steps);
    EXPECT_EQ(many.shrink_checks, one.shrink_checks);
    EXPECT_EQ(many.text, one.text);
    EXPECT_EQ(many.original.to_life(), one.original.to_life());
    EXPECT_EQ(many.result.replay_token, one.result.replay_token);
    EXPECT_EQ(lines, lines_one);
  }
}

TEST(FuzzSpread, AnyBatchWidthGivesTheOneByOneResult) {
  struct Case {
    const char* what;
    uint64_t seed;
    int runs;
    uint64_t max_states;
    std::vector<std::string> runtime_bugs;
  };
  const std::vector<Case> cases = {
      {"correct runtime", 3, 40, 20000, {}},
      // Many scenarios set aside: the batches' guessed sizes are often wrong.
      {"small state limit", 5, 60, 300, {}},
      {"everything set aside", 5, 3, 1, {}},
      {"a runtime bug", 3, 100, 20000, {"no-finalized-mark"}},
      // Found after a scenario set aside: a batch that holds both guessed
      // the violation's size wrong.
      {"a runtime bug after a scenario set aside", 4, 30, 300, {"no-finalized-mark"}},
  };
  for (const Case& c : cases) {
    gen::FuzzOptions o;
    o.seed = c.seed;
    o.runs = c.runs;
    o.max_states = c.max_states;
    o.runtime_bugs = c.runtime_bugs;
    expect_same(o, c.what);
  }
}

// The checks really are handed out in batches of the width asked for (the
// test above would pass trivially with batches of one).
TEST(FuzzSpread, BatchesHoldSeveralChecks) {
  gen::FuzzOptions o;
  o.seed = 3;
  o.runs = 100;
  o.runtime_bugs = {"no-finalized-mark"};
  size_t largest = 0;
  gen::FuzzSpread s;
  s.width = 4;
  s.run = [&](size_t count, const std::function<int(size_t)>& check) {
    largest = std::max(largest, count);
    std::vector<int> codes;
    for (size_t i = 0; i < count; ++i) codes.push_back(check(i));
    return codes;
  };
  const gen::FuzzResult r = gen::fuzz(o, {}, s);
  EXPECT_EQ(largest, 4u);
  EXPECT_TRUE(r.found);
}

}  // namespace
}  // namespace lifecheck
