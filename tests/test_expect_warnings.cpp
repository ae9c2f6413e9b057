// Warnings for expect lines whose events no explored run showed
// (report/ExpectWarnings.h, new-user review finding 13): the text, its
// file:line:col, the JSON report's "warnings", the lines that get none,
// unchanged exit codes, and identical output for any --jobs.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Model.h"
#include "report/ExpectWarnings.h"

namespace lifecheck::testing {
namespace {

const char* kVacuous = R"(verdict holds

class A:
    pass

a = A()
log("made 1 object")
del a

expect log "made 2 objects" before log "deleted 2"
expect freed a before log "never logged"
expect log "made 1 object" before freed a
expect log "typo" never
expect log "typo" at most once
)";

std::vector<report::ExpectWarning> warnings_of(const std::string& text, bool symmetry = true) {
  const model::Program p = load_text(text, "w.life");
  model::Model m(p, symmetry);
  const auto r = checker::explore(m, checker::SearchOptions{});
  EXPECT_EQ(r.verdict, checker::Verdict::Holds);
  return report::expect_warnings(p, m.expect_events_seen());
}

TEST(ExpectWarnings, NamesTheLineAndTheEventsNeverSeen) {
  const auto w = warnings_of(kVacuous);
  ASSERT_EQ(w.size(), 3u);
  // (`A before B` with A never seen and B seen cannot hold: a violation)
  EXPECT_EQ(w[0].line, 10);
  EXPECT_EQ(w[0].col, 1);
  EXPECT_EQ(w[0].unseen, (std::vector<std::string>{"log \"made 2 objects\"", "log \"deleted 2\""}));
  EXPECT_EQ(w[0].message,
            "w.life:10:1: warning: expect log \"made 2 objects\" before log \"deleted 2\": 'log "
            "\"made 2 objects\"' and 'log \"deleted 2\"' never happened in the runs explored, so "
            "the line was not tested ('before' holds when its second event never happens)");
  EXPECT_EQ(w[1].line, 11);
  EXPECT_EQ(w[1].unseen, (std::vector<std::string>{"log \"never logged\""}));
  EXPECT_NE(w[1].message.find("('before' holds when its second event never happens)"),
            std::string::npos);
  // `never` is not warned about; `at most once` of nothing is
  EXPECT_EQ(w[2].line, 14);
  EXPECT_EQ(w[2].unseen, (std::vector<std::string>{"log \"typo\""}));
}

TEST(ExpectWarnings, NoneWhenEveryEventHappens) {
  EXPECT_TRUE(warnings_of(R"(
class A:
    pass
a = A()
log("x")
del a
expect log "x" before freed a
expect freed a on thread main
expect log "x" at most once
expect log "y" never
)")
                  .empty());
}

// Events after the threads end are invisible to expect lines, and so to
// the warning: a finalizer that only the final collection runs.
TEST(ExpectWarnings, EventsOfTheFinalCollectionDoNotCount) {
  const auto w = warnings_of(R"(
class N:
    def __del__(self):
        log("del")
n = N()
n.me = n
del n
log("end")
expect log "end" before log "del"
)");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].unseen, (std::vector<std::string>{"log \"del\""}));
}

// The CLI: stderr gets the warning, stdout and the exit code are those of
// a plain holds; JSON carries "warnings"; a scenario without unseen
// events has no warning and no "warnings" key.
TEST(ExpectWarnings, CheckPrintsAndReportsWithoutChangingTheVerdict) {
  const std::string path = temp_file(kVacuous);
  const CliResult r = run_cli({"check", path});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("holds under"), std::string::npos);
  EXPECT_NE(r.err.find(path + ":10:1: warning: expect log \"made 2 objects\" before log"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":11:1: warning:"), std::string::npos);
  EXPECT_EQ(r.err.find(":13:1: warning:"), std::string::npos);  // `never`
  const CliResult j = run_cli({"check", "--json", path});
  EXPECT_EQ(j.exit_code, 0);
  const nlohmann::json res = only_result(j.out);
  ASSERT_TRUE(res.contains("warnings"));
  ASSERT_EQ(res["warnings"].size(), 3u);
  EXPECT_EQ(res["warnings"][0]["kind"], "expect-not-observed");
  EXPECT_EQ(res["warnings"][0]["line"], 10);
  EXPECT_EQ(res["warnings"][0]["col"], 1);
  EXPECT_EQ(res["warnings"][1]["never_observed"][0], "log \"never logged\"");

  const std::string clean = temp_file("a = 1\nlog(\"x\")\nexpect log \"x\" eventually\n");
  const CliResult c = run_cli({"check", "--json", clean});
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.err.find("warning"), std::string::npos) << c.err;
  EXPECT_FALSE(only_result(c.out).contains("warnings"));
}

// A violation ends the search early: no warnings then, and the exit code
// is the violation's.
TEST(ExpectWarnings, NoneAfterAViolation) {
  const std::string path =
      temp_file("log(\"a\")\nexpect log \"a\" never\nexpect log \"b\" before log \"c\"\n");
  const CliResult r = run_cli({"check", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("warning:"), std::string::npos) << r.err;
}

// Parallel search: the same warnings, byte for byte, for any --jobs, in
// both search orders and with the reductions on or off.
TEST(ExpectWarnings, SameOutputForAnyJobs) {
  const std::string path = temp_file(R"(
class A:
    pass

thread T1:
    a = A()
    log("T1")
    del a

thread T2:
    log("T2")

expect log "T1" before log "T2 done"
expect log "T1" on thread T1
expect log "T3" on thread T1
)");
  std::string first;
  for (const char* jobs : {"1", "2", "4"})
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{}, {"--bfs"}, {"--no-por"}}) {
      std::vector<std::string> args = {"check", "--quiet", "--jobs", jobs, path};
      args.insert(args.end(), extra.begin(), extra.end());
      const CliResult r = run_cli(args);
      std::string warnings;
      std::istringstream lines(r.err);
      for (std::string line; std::getline(lines, line);)
        if (line.rfind(path + ":", 0) == 0 && line.find(": warning: ") != std::string::npos)
          warnings += line + "\n";
      if (first.empty()) first = warnings;
      EXPECT_EQ(warnings, first) << jobs;
    }
  EXPECT_NE(first.find("'log \"T2 done\"' never happened"), std::string::npos) << first;
}

}  // namespace
}  // namespace lifecheck::testing
