// --distributed and --swarm (cli/Mpi.h): their bad combinations are bad
// input (exit 2, one line, nothing explored) whether or not this lifecheck
// was built with MPI, and without MPI the flags themselves are. The runs
// under mpirun are tested by tests/mpi/ (ctest, when MPI is found).
#include <gtest/gtest.h>

#include <algorithm>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

const std::string kScenario = source_path("scenarios/basics/refcount-del.life");

void expect_refused(const std::vector<std::string>& args, const std::string& says) {
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "") << "nothing explored";
  EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(MpiOptions, BadCombinationsAreBadInput) {
#ifdef LIFECHECK_MPI
  const bool built = true;
#else
  const bool built = false;
#endif
  // Without MPI every one of these names the missing MPI first.
  auto says = [&](const std::string& why) { return built ? why : std::string("built with MPI"); };
  expect_refused({"check", kScenario, "--distributed", "--dfs"}, says("breadth-first"));
  expect_refused({"check", kScenario, "--distributed", "--store", "bitstate"}, says("--swarm"));
  expect_refused({"check", kScenario, "--distributed", "--no-visited-set"},
                 says("needs a visited set"));
  expect_refused({"check", kScenario, "--swarm", "--store", "exact"}, says("drop --store"));
  expect_refused({"check", kScenario, "--swarm", "--all"}, says("drop --all"));
  expect_refused({"suite", kScenario, "--swarm", "--no-visited-set"}, says("needs a visited set"));
  // Both at once: the parser refuses (exit 2 either way).
  expect_refused({"check", kScenario, "--distributed", "--swarm"}, "excludes");
  expect_refused({"check", kScenario, "--distributed=maybe"}, "lifecheck:");
}

#ifndef LIFECHECK_MPI
TEST(MpiOptions, WithoutMpiTheFlagsAreRefused) {
  expect_refused({"check", kScenario, "--distributed"},
                 "--distributed needs a lifecheck built "
                 "with MPI");
  expect_refused({"check", kScenario, "--swarm"}, "--swarm needs a lifecheck built with MPI");
}
#endif

}  // namespace
}  // namespace lifecheck::testing
