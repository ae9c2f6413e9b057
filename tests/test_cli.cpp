// The command line end to end: exit codes 0/1/2/3, --json content,
// byte-for-byte determinism of stdout, replay tokens, simulate, suite, DOT,
// and no progress line in a pipe.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using nlohmann::json;

std::string scenario(const std::string& rel) { return source_path("scenarios/" + rel); }

TEST(Cli, ExitCodesForHoldsViolationAndLimit) {
  EXPECT_EQ(run_cli({"check", scenario("basics/cycle2-del.life")}).exit_code, 0);
  EXPECT_EQ(run_cli({"check", scenario("contract/P7.5-bug.life")}).exit_code, 1);
  CliResult limited =
      run_cli({"check", "--max-states", "3", scenario("basics/threads-shared-cycle.life")});
  EXPECT_EQ(limited.exit_code, 3);
  EXPECT_NE(limited.out.find("no verdict"), std::string::npos);
  EXPECT_NE(limited.out.find("state limit"), std::string::npos);
  EXPECT_NE(limited.out.find("partial"), std::string::npos);
  // several files: a violation anywhere wins over holds
  EXPECT_EQ(
      run_cli({"check", scenario("basics/cycle2-del.life"), scenario("contract/P7.5-bug.life")})
          .exit_code,
      1);
}

// The memory limit ends a search with a partial result (exit 3); by
// default it is three quarters of physical memory, shown in --help.
TEST(Cli, MemoryLimitEndsWithAPartialResult) {
  // 16 MiB: enough to load the scenario (lang/Load.h), not to explore it
  CliResult r = run_cli(
      {"check", "--max-memory", "16", scenario("cpython-tests/test_gc-test_trashcan.life")});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("memory limit (16 MiB)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("partial"), std::string::npos);
  CliResult help = run_cli({"check", "--help"});
  EXPECT_NE(help.out.find("--max-memory UINT="), std::string::npos) << help.out;
}

TEST(Cli, CounterexampleTextNamesThePropertyAndItsSource) {
  CliResult r = run_cli({"check", scenario("contract/P7.5-bug.life")});
  ASSERT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("VIOLATION of P7.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Doc/reference/datamodel.rst"), std::string::npos);
  EXPECT_NE(r.out.find("replay:        lifecheck replay"), std::string::npos);
  EXPECT_NE(r.out.find("step 1"), std::string::npos);
  EXPECT_NE(r.out.find("at the failing state:"), std::string::npos);
  EXPECT_NE(r.out.find("globals:"), std::string::npos);
}

TEST(Cli, JsonCounterexampleHasTheSameContent) {
  CliResult r = run_cli({"check", "--json", scenario("contract/P7.20-bug.life")});
  ASSERT_EQ(r.exit_code, 1);
  json j = only_result(r.out);
  EXPECT_EQ(j["verdict"], "violated");
  json c = j["counterexamples"][0];
  EXPECT_EQ(c["violation"]["properties"][0]["id"], "P7.20");
  EXPECT_FALSE(c["violation"]["properties"][0]["source"].get<std::string>().empty());
  EXPECT_EQ(c["violation"]["properties"][0]["rules"], json::array({"W1", "W4", "G12"}));
  EXPECT_TRUE(c["replay_reproduces"].get<bool>());
  ASSERT_TRUE(c["steps"].is_array());
  EXPECT_GT(c["steps"].size(), 3u);
  EXPECT_TRUE(c["steps"][0].contains("thread"));
  EXPECT_TRUE(c["steps"][0].contains("events"));
  EXPECT_TRUE(c["heap"].contains("objects"));
  EXPECT_EQ(c["replay_command"], "lifecheck replay " + scenario("contract/P7.20-bug.life") + " " +
                                     c["replay"].get<std::string>());
  EXPECT_EQ(j["profile"], "P314g+callbacks-oldest-first");
  EXPECT_FALSE(j["stats"].contains("seconds")) << "timings only with --timing";
  json t = only_result(
      run_cli({"check", "--json", "--timing", scenario("contract/P7.20-bug.life")}).out);
  EXPECT_TRUE(t["stats"].contains("seconds"));
}

TEST(Cli, OutputIsDeterministic) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"check", scenario("contract/P7.29-bug.life")},
        std::vector<std::string>{"check", "--json", scenario("basics/threads-shared-cycle.life")},
        std::vector<std::string>{"simulate", "--seed", "17",
                                 scenario("basics/nested-collect.life")},
        std::vector<std::string>{"check", "--bfs", scenario("contract/P7.7-bug.life")}}) {
    CliResult a = run_cli(args), b = run_cli(args);
    EXPECT_EQ(a.exit_code, b.exit_code);
    EXPECT_EQ(a.out, b.out) << args[1];
    EXPECT_FALSE(a.out.empty());
  }
}

TEST(Cli, ReplayTokenReproducesTheViolation) {
  for (const char* rel : {"contract/P7.1-bug.life", "contract/P7.7-bug.life",
                          "contract/deadlock-bug.life", "contract/quiescence-bug.life"}) {
    json j = first_counterexample(run_cli({"check", "--json", scenario(rel)}).out);
    std::string token = j["replay"];
    CliResult r = run_cli({"replay", scenario(rel), token});
    EXPECT_EQ(r.exit_code, 1) << rel << "\n" << r.out << r.err;
    std::string prop = j["violation"]["properties"][0]["id"];
    EXPECT_NE(r.out.find("VIOLATION of " + prop), std::string::npos) << rel;
  }
}

// An endless run: the counterexample is a lasso, marked where the loop
// begins, in text and JSON, by both search orders; its token replays to the
// same violation (the replay sees the run come back to the loop's state);
// and a random run notices the loop instead of running to its step limit.
TEST(Cli, EndlessRunIsALassoThatReplays) {
  const std::string file = scenario("contract/termination-bug.life");
  CliResult text = run_cli({"check", file});
  ASSERT_EQ(text.exit_code, 1) << text.out << text.err;
  EXPECT_NE(text.out.find("VIOLATION of termination"), std::string::npos);
  const size_t marker = text.out.find("--- loop: steps ");
  ASSERT_NE(marker, std::string::npos) << text.out;
  EXPECT_LT(text.out.find("step 1 "), marker);
  EXPECT_NE(text.out.find("repeat forever", marker), std::string::npos);
  for (const char* order : {"--dfs", "--bfs"}) {
    std::vector<std::string> args{"check", "--json", file};
    if (std::string(order) == "--bfs") args.push_back("--bfs");
    json j = first_counterexample(run_cli(args).out);
    EXPECT_EQ(j["violation"]["properties"][0]["id"], "termination") << order;
    EXPECT_TRUE(j["replay_reproduces"].get<bool>()) << order;
    const size_t loop = j["loop_start"];
    ASSERT_LT(loop, j["steps"].size()) << order;
    EXPECT_FALSE(j["steps"][loop - 1].contains("loop")) << order;
    EXPECT_TRUE(j["steps"][loop]["loop"].get<bool>()) << order;
    CliResult r = run_cli({"replay", file, j["replay"]});
    EXPECT_EQ(r.exit_code, 1) << order << r.err;
    EXPECT_NE(r.out.find("VIOLATION of termination"), std::string::npos) << order;
    EXPECT_NE(r.out.find("--- loop: steps " + std::to_string(loop + 1) + "-"), std::string::npos)
        << order;
  }
  CliResult sim = run_cli({"simulate", "--seed", "1", "--json", file});
  EXPECT_EQ(sim.exit_code, 1);
  EXPECT_EQ(only_result(sim.out)["run"]["violation"]["properties"][0]["id"], "termination");
  // `ignore termination`: the same loop is explored to the end and holds
  std::ifstream in(file);
  std::stringstream body;
  body << in.rdbuf() << "ignore termination \"the loop is the point\"\n";
  std::string text_ignored = body.str();
  text_ignored.replace(text_ignored.find("verdict violates termination"),
                       std::string("verdict violates termination").size(), "verdict holds");
  CliResult ignored = run_cli({"check", temp_file(text_ignored)});
  EXPECT_EQ(ignored.exit_code, 0) << ignored.out << ignored.err;
}

TEST(Cli, ReplayRejectsTokensOfOtherScenarios) {
  json j =
      first_counterexample(run_cli({"check", "--json", scenario("contract/P7.1-bug.life")}).out);
  CliResult r = run_cli({"replay", scenario("contract/P7.2-bug.life"), j["replay"]});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fingerprint"), std::string::npos);
  // the same scenario under another profile is another model too
  CliResult p =
      run_cli({"replay", "--profile", "P311", scenario("contract/P7.1-bug.life"), j["replay"]});
  EXPECT_EQ(p.exit_code, 2);
}

TEST(Cli, SimulateIsSeededAndReplayable) {
  std::string file = scenario("basics/threads-shared-cycle.life");
  CliResult a = run_cli({"simulate", "--seed", "3", "--json", file});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  json j = only_result(a.out)["run"];
  EXPECT_EQ(j["outcome"], "completed");
  CliResult r = run_cli({"replay", file, j["replay"]});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("no violation"), std::string::npos);
  std::set<std::string> tokens;
  for (int seed = 0; seed < 12; ++seed)
    tokens.insert(only_result(run_cli({"simulate", "--seed", std::to_string(seed), "--json", file})
                                  .out)["run"]["replay"]);
  EXPECT_GT(tokens.size(), 1u) << "different seeds explore different schedules";
}

TEST(Cli, NoProgressLineInAPipe) {
  CliResult r = run_cli({"check", scenario("basics/threads-shared-cycle.life")});
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_EQ(r.err.rfind("summary: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("states/s"), std::string::npos);
}

TEST(Cli, ListPropertiesAndProfiles) {
  CliResult r = run_cli({"list-properties"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* id : {"P7.1", "P7.9", "P7.18", "P7.23", "P7.25", "P7.29", "quiescence",
                         "memory-safety", "no-second-weakref-pass"})
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  json j = json::parse(run_cli({"list-properties", "--json"}).out);
  EXPECT_GE(j["properties"].size(), 20u);
  CliResult prof = run_cli({"list-profiles"});
  EXPECT_NE(prof.out.find("P314g"), std::string::npos);
  EXPECT_NE(prof.out.find("3.14.5+"), std::string::npos);
}

TEST(Cli, DotFileOfTheFailingHeap) {
  std::string dot = temp_file("", ".dot");
  CliResult r = run_cli({"check", "--dot", dot, scenario("contract/P7.22-bug.life")});
  EXPECT_EQ(r.exit_code, 1);
  std::ifstream in(dot);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("digraph", 0), 0u) << first;
}

TEST(Cli, SuiteComparesVerdictLines) {
  CliResult ok = run_cli({"suite", source_path("scenarios/contract")});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("0 failed"), std::string::npos);
  std::string wrong = temp_file(
      "verdict holds\nruntime-bug skip-tp-clear\nclass A:\n    pass\n"
      "a = A()\na.me = a\ndel a\ngc.collect()\n");
  CliResult bad = run_cli({"suite", wrong});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("FAIL"), std::string::npos);
  EXPECT_NE(bad.out.find("expected holds"), std::string::npos);
}

TEST(Cli, BfsCounterexampleIsNoLonger) {
  json d =
      first_counterexample(run_cli({"check", "--json", scenario("contract/assert-bug.life")}).out);
  json b = first_counterexample(
      run_cli({"check", "--json", "--bfs", scenario("contract/assert-bug.life")}).out);
  EXPECT_EQ(b["violation"]["properties"][0]["id"], "assert");
  EXPECT_LE(b["steps"].size(), d["steps"].size());
}

// ------------------------------------------------------------------ fuzz

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// lifecheck fuzz: a broken runtime gives exit 1 and a minimal .life file
// that check, replay and suite reproduce; the same seed gives the same
// bytes; the correct runtime gives exit 0; bad options exit 2.
TEST(Cli, FuzzWritesAReproducibleMinimalScenario) {
  std::string dir = ::testing::TempDir() + "lifecheck-fuzz-" + std::to_string(getpid());
  std::vector<std::string> args = {
      "fuzz", "--seed", "3", "--runs", "100", "--runtime-bug", "no-finalized-mark", "--out", dir};
  CliResult a = run_cli(args);
  ASSERT_EQ(a.exit_code, 1) << a.out << a.err;
  CliResult b = run_cli(args);
  EXPECT_EQ(a.out, b.out) << "same seed, same output";
  std::string path = dir + "/fuzz-seed3-run";
  size_t at = a.out.find(path);
  ASSERT_NE(at, std::string::npos) << a.out;
  std::string file = a.out.substr(at, a.out.find(".life", at) + 5 - at);
  std::string text = read_file(file);
  EXPECT_NE(text.find("# Found by: lifecheck fuzz --seed 3 --runs 100"), std::string::npos) << text;
  EXPECT_NE(text.find("verdict violates P7."), std::string::npos) << text;
  EXPECT_NE(text.find("runtime-bug no-finalized-mark"), std::string::npos) << text;

  CliResult check = run_cli({"check", file});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  CliResult suite = run_cli({"suite", file});
  EXPECT_EQ(suite.exit_code, 0) << suite.out;
  size_t t = text.find("lc2:");
  ASSERT_NE(t, std::string::npos);
  std::string token = text.substr(t, text.find('\n', t) - t);
  CliResult rep = run_cli({"replay", file, token});
  EXPECT_EQ(rep.exit_code, 1) << rep.out << rep.err;
  EXPECT_NE(rep.out.find("VIOLATION of P7."), std::string::npos) << rep.out;

  CliResult quiet = run_cli({"fuzz", "--seed", "3", "--runs", "50", "--out", dir});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.out;
  EXPECT_NE(quiet.out.find("no violation in 50 scenarios"), std::string::npos) << quiet.out;
  EXPECT_EQ(run_cli({"fuzz", "--property", "P9.9"}).exit_code, 2);
  EXPECT_EQ(run_cli({"fuzz", "--runtime-bug", "nonsense"}).exit_code, 2);
  EXPECT_EQ(run_cli({"fuzz", "--profile", "3.99"}).exit_code, 2);
}

// Comment-only lines do not change a scenario's fingerprint: a replay
// token stays valid when the file is annotated, and not when code changes.
TEST(Cli, ReplayTokensSurviveComments) {
  std::string body =
      "class Node:\n    def __del__(self):\n        log(\"del\")\nruntime-bug no-finalized-mark\n"
      "a = Node()\na.me = a\ndel a\ngc.collect()\n";
  std::string plain = temp_file(body);
  json j = only_result(run_cli({"check", "--json", plain}).out);
  ASSERT_EQ(j["verdict"], "violated");
  std::string token = j["counterexamples"][0]["replay"];
  std::string annotated = temp_file("# a note\n# replay: " + token + "\n" + body + "   # end\n");
  EXPECT_EQ(run_cli({"replay", annotated, token}).exit_code, 1);
  std::string changed = temp_file(body + "log(\"x\")\n");
  EXPECT_EQ(run_cli({"replay", changed, token}).exit_code, 2);
  std::string trailing = body;
  trailing.replace(trailing.find("del a"), 5, "del a  # drop it");
  EXPECT_EQ(run_cli({"replay", temp_file(trailing), token}).exit_code, 2)
      << "a comment after code is part of its line";
}

}  // namespace
}  // namespace lifecheck::testing
