// Scenarios on which a review found a reduction giving a wrong verdict
// (tests/reduction-reviews/*.life, each naming the property it violates on
// its first line, "# violates: NAME"), or a step explored alone that is not
// persistent although no verdict showed it (first line "# holds"): every
// reduction must reach the plain search's verdict (a violation with a
// counterexample that replays), and every step the default search explores
// alone must pass the persistence check (testing::persistent_choice_holds).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck {
namespace {

std::vector<std::string> review_files() {
  std::vector<std::string> out;
  for (const auto& e :
       std::filesystem::directory_iterator(testing::source_path("tests/reduction-reviews")))
    if (e.path().extension() == ".life") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string violated_property(const std::string& text) {
  const std::string tag = "# violates: ";
  if (!text.starts_with(tag)) return "";
  return text.substr(tag.size(), text.find('\n') - tag.size());
}

class ReductionReview : public ::testing::TestWithParam<std::string> {};

TEST_P(ReductionReview, EveryReductionFindsTheViolation) {
  const std::string relative = "tests/reduction-reviews/" + GetParam();
  const std::string text = testing::read_all(testing::source_path(relative));
  const std::string property = violated_property(text);
  const bool holds = text.starts_with("# holds\n");
  ASSERT_TRUE(holds || property != "")
      << relative << " lacks its '# violates: NAME' or '# holds' line";
  const model::Program p = testing::load_file(relative);

  checker::SearchOptions plain;
  plain.partial_order = false;
  checker::SearchOptions sleep;
  sleep.sleep_sets = true;
  checker::SearchOptions two_jobs_dfs;
  two_jobs_dfs.jobs = 2;
  two_jobs_dfs.order = checker::SearchOrder::DepthFirst;
  const std::pair<const char*, checker::SearchOptions> runs[] = {{"--no-por", plain},
                                                                 {"default", {}},
                                                                 {"--sleep-sets", sleep},
                                                                 {"--dfs --jobs 2", two_jobs_dfs}};
  for (const auto& [name, options] : runs) {
    const auto r = testing::check(p, options);
    if (holds) {
      EXPECT_EQ(r.verdict, checker::Verdict::Holds) << GetParam() << ", " << name;
      continue;
    }
    ASSERT_EQ(r.verdict, checker::Verdict::Violated) << GetParam() << ", " << name;
    const auto& broken = r.failure.properties;
    EXPECT_NE(std::find(broken.begin(), broken.end(), property), broken.end())
        << GetParam() << ", " << name << ": " << r.failure.message;
    if (!r.loop_start) {
      const model::Trace t = testing::replay(p, r.path);
      EXPECT_EQ(t.outcome.properties, broken) << GetParam() << ", " << name;
    }
  }
}

TEST_P(ReductionReview, StepsExploredAloneArePersistent) {
  const model::Program p = testing::load_file("tests/reduction-reviews/" + GetParam());
  const model::Model m(p, false);
  std::vector<model::Model::Choice> enabled;
  std::string failed;
  testing::for_each_state(m, 5000, [&](const model::State& s) {
    if (!failed.empty()) return;
    m.enabled(s, enabled);
    if (enabled.size() >= 2 && m.persistent_choice(s, enabled))
      failed = testing::persistent_choice_holds(m, s, 2000);
  });
  EXPECT_EQ(failed, "") << GetParam();
}

std::string file_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.substr(0, info.param.size() - 5);
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Reviews, ReductionReview, ::testing::ValuesIn(review_files()), file_name);

}  // namespace
}  // namespace lifecheck
