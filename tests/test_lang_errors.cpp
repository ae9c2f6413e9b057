// Malformed scenarios: each one must be rejected by the front end with a
// ScenarioError at the exact line and column of the offending token and a
// recognisable message, before anything reaches the explorer. The CLI tests
// check the same promise end to end: bad input exits 2 and explores nothing.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "lang/Compiler.h"
#include "lang/Diagnostic.h"

namespace lifecheck::testing {
namespace {

// Every case, the files' order.
std::vector<BadScenario> all_cases() {
  std::vector<BadScenario> all;
  for (auto part :
       {lang_error_cases_syntax, lang_error_cases_classes, lang_error_cases_calls,
        lang_error_cases_statements, lang_error_cases_locks, lang_error_cases_inheritance,
        lang_error_cases_super, lang_error_cases_with, lang_error_cases_cfield,
        lang_error_cases_attributes, lang_error_cases_partial, lang_error_cases_class_attributes,
        lang_error_cases_weak_method, lang_error_cases_ctype_init})
    for (const BadScenario& c : part()) all.push_back(c);
  return all;
}

const std::vector<BadScenario> kBadScenarios = all_cases();

class ScenarioText : public ::testing::TestWithParam<BadScenario> {};

TEST_P(ScenarioText, IsRejectedAtTheOffendingToken) {
  const BadScenario& c = GetParam();
  const std::string file = std::string(c.name) + ".life";
  try {
    lang::load_scenario_text(file, c.text);
    FAIL() << "accepted:\n" << c.text;
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, c.line) << e.format();
    EXPECT_EQ(e.loc().col, c.col) << e.format();
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << "message: " << e.what() << "\nwanted: " << c.message;
    // The form editors parse: "file:line:col: error: message".
    EXPECT_EQ(e.format(), file + ":" + std::to_string(c.line) + ":" + std::to_string(c.col) +
                              ": error: " + e.what());
  }
}

std::string case_name(const ::testing::TestParamInfo<BadScenario>& param) {
  return param.param.name;
}

INSTANTIATE_TEST_SUITE_P(LangErrors, ScenarioText, ::testing::ValuesIn(kBadScenarios), case_name);

// Built in a loop rather than spelled out: main plus 16 more threads is one
// too many, and the error names the first thread over the limit.
TEST(LangErrors, TooManyThreads) {
  std::string text;
  for (int i = 1; i <= 16; ++i) text += "thread T" + std::to_string(i) + ":\n    pass\n";
  try {
    lang::load_scenario_text("threads.life", text);
    FAIL() << "accepted 16 threads besides main";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, 31) << e.format();
    EXPECT_EQ(e.loc().col, 1) << e.format();
    EXPECT_NE(std::string(e.what()).find("too many threads"), std::string::npos) << e.what();
  }
}

// ---------------------------------------------------------------- CLI

const char* kGoodScenario =
    "verdict holds\n"
    "\n"
    "class Node:\n"
    "    def __del__(self):\n"
    "        pass\n"
    "\n"
    "a = Node()\n"
    "del a\n";

// "unknown name 'Nod'" at 1:5.
const char* kBadScenario = "a = Nod()\n";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The control for the tests below: on its own the good file is explored and
// reported, so a missing "summary:" line there really means "not explored".
TEST(CliErrors, GoodScenarioAloneIsExplored) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"check", good});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "summary: " + good)) << r.err;
}

TEST(CliErrors, BadScenarioExitsTwoWithLocatedError) {
  std::string bad = temp_file(kBadScenario);
  CliResult r = run_cli({"check", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, bad + ":1:5: error: unknown name 'Nod'")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
}

// All files are loaded before any is explored: a bad file anywhere in the
// list means no exploration at all, not a partial run.
TEST(CliErrors, GoodThenBadExploresNothing) {
  std::string good = temp_file(kGoodScenario);
  std::string bad = temp_file(kBadScenario);
  CliResult r = run_cli({"check", good, bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, bad + ":1:5: error:")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, MissingFileExitsTwo) {
  std::string missing = temp_file("") + ".does-not-exist.life";
  CliResult r = run_cli({"check", missing});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot read the file")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, ReplayWithGarbageTokenExitsTwo) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"replay", good, "garbage-token"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "not a lifecheck replay token")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliErrors, UnknownProfileOptionExitsTwo) {
  std::string good = temp_file(kGoodScenario);
  CliResult r = run_cli({"check", "--profile", "nonsense", good});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown profile 'nonsense'")) << r.err;
  EXPECT_FALSE(contains(r.err, "summary:")) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace

std::vector<LangErrorCase> lang_error_cases() {
  std::vector<LangErrorCase> out;
  for (const BadScenario& c : kBadScenarios)
    out.push_back({c.name, c.text, c.line, c.col, c.message});
  return out;
}

}  // namespace lifecheck::testing
