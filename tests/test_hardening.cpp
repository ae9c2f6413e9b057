// Regression tests for issue 9 (hardening), one or more per numbered item;
// the bad-input corpus (test_bad_input.cpp) and the token tests
// (test_tokens.cpp) cover the rest.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "TestSupport.h"
#include "lang/Diagnostic.h"
#include "lang/Load.h"
#include "lang/Parser.h"

namespace lifecheck::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Item 1: the nesting limit is exact: kMaxNesting levels load, one more is
// an error at the token that goes past it.
TEST(Hardening, NestingLimitIsExact) {
  const int n = lang::kMaxNesting;
  // x = ((...(1)...)): the statement's expression is one level, each '(' one more
  load_text("x = " + repeat("(", n - 1) + "1" + repeat(")", n - 1) + "\n");
  try {
    load_text("x = " + repeat("(", n) + "1" + repeat(")", n) + "\n");
    FAIL() << "accepted";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, 1);
    EXPECT_EQ(e.loc().col, 5 + n);  // the innermost '1', at the 201st level
    EXPECT_NE(std::string(e.what()).find("nested too deeply (at most 200 levels"),
              std::string::npos)
        << e.what();
  }
  // blocks and expressions share the bound: n - 1 nested ifs, each with
  // its one-level condition
  std::string ifs;
  for (int i = 0; i < n - 1; ++i) ifs += std::string(4 * i, ' ') + "if True:\n";
  load_text(ifs + std::string(4 * (n - 1), ' ') + "pass\n");
  try {
    load_text(ifs + std::string(4 * (n - 1), ' ') + "if True:\n" + std::string(4 * n, ' ') +
              "pass\n");
    FAIL() << "accepted";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, n);
    EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos);
  }
}

// Item 2: a non-empty dict (or list) passed to a C-type constructor: the
// construction's arguments no longer point into the dict's own entries.
TEST(Hardening, ContainerArgumentsOfACTypeConstructor) {
  std::string file = temp_file(
      "ctype Box:\n    flags: gc\n    fields: a, b\n"
      "b = Box({\"k\": 1}, [2, 3])\nassert b.a[\"k\"] == 1\nassert b.b[1] == 3\ndel b\n");
  CliResult r = run_cli({"check", file});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  CliResult suite = run_cli({"suite", file, source_path("scenarios/basics/cycle2-del.life")});
  EXPECT_NE(suite.out.find("2 scenarios"), std::string::npos) << suite.out << suite.err;
}

// Item 7: positions are 32-bit in errors, traces and JSON.
TEST(Hardening, PositionsPastLine65535) {
  std::string text = repeat("#\n", 70002) + "x = 1\nassert x == 2, \"no\"\n";
  std::string file = temp_file(text);
  CliResult r = run_cli({"check", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("assertion failed at line 70004: no"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("line 70003: x = 1"), std::string::npos);
  json c = first_counterexample(run_cli({"check", "--json", file}).out);
  EXPECT_EQ(c["steps"][0]["line"], 70003);
  try {
    load_text(repeat("#\n", 70002) + "x = 1\n" + repeat(" ", 70000) + "# deep\ny = x[0]\n");
    FAIL() << "accepted";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, 70005);
    EXPECT_EQ(e.loc().col, 5);
  }
  try {
    load_text("x = 1" + repeat(" ", 70000) + "$\n");
    FAIL() << "accepted";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().col, 70006);
  }
}

// A run that never ends under simulate: ignore termination, so only the
// step and memory limits stop it.
const char* kEndless =
    "profile 3.12\n"
    "ignore termination \"the test wants a run without end\"\n"
    "class Phoenix:\n    def __del__(self):\n        child = Phoenix()\n"
    "p = Phoenix()\ndel p\n";

// Item 8: simulate --max-steps is bounded in memory: --max-memory ends the
// run with a partial trace (exit 3); its token replays.
TEST(Hardening, SimulateStopsAtTheMemoryLimit) {
  std::string file = temp_file(kEndless);
  CliResult r =
      run_cli({"simulate", file, "--seed", "1", "--max-steps", "100000000", "--max-memory", "24"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find("run stopped: memory limit (24 MiB)"), std::string::npos)
      << r.out.substr(r.out.size() > 2000 ? r.out.size() - 2000 : 0);
  size_t at = r.out.find("lc2:");
  ASSERT_NE(at, std::string::npos);
  std::string token = r.out.substr(at, r.out.find('\n', at) - at);
  CliResult rep = run_cli({"replay", file, token, "--max-memory", "400"});
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_NE(rep.out.find("no violation"), std::string::npos);
}

// Item 10: control characters never reach the terminal raw.
TEST(Hardening, ControlCharactersAreEscaped) {
  EXPECT_EQ(lang::escape_control(std::string("a\0b\x1b[2J\r\n\t\x7f", 11)),
            "a\\0b\\x1b[2J\\r\\n\\t\\x7f");
  lang::ScenarioError e("f\x1b.life", {1, 2}, std::string("bad \0 char", 10));
  EXPECT_EQ(e.format(), "f\\x1b.life:1:2: error: bad \\0 char");
}

// Runs the binary as another user (nobody), so that a folder without read
// permission really cannot be read when the tests run as root.
CliResult run_cli_as_nobody(const std::vector<std::string>& args) {
  std::string out = temp_file("", ".out"), err = temp_file("", ".err");
  chmod(out.c_str(), 0666);
  chmod(err.c_str(), 0666);
  pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(99);
    if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(98);
    std::vector<char*> argv{const_cast<char*>(LIFECHECK_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(LIFECHECK_BINARY, argv.data());
    _exit(97);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream o(out), e(err);
  r.out.assign(std::istreambuf_iterator<char>(o), {});
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// Item 12: suite survives an unreadable subfolder: it reports it and checks
// the rest (it aborted with an uncaught filesystem_error).
TEST(Hardening, SuiteReportsAnUnreadableFolder) {
  std::string dir = temp_file("") + ".suite";
  fs::create_directories(dir + "/locked");
  fs::copy_file(source_path("scenarios/basics/cycle2-del.life"), dir + "/a.life");
  chmod(dir.c_str(), 0755);
  chmod((dir + "/locked").c_str(), 0);
  CliResult r = run_cli_as_nobody({"suite", dir});
  if (r.exit_code == 97 || r.exit_code == 99) GTEST_SKIP() << "cannot run as another user";
  // reported, skipped, and the rest still checked; exit 2 at the end
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(dir + "/locked:0:0: error: cannot read it"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("PASS  " + dir + "/a.life"), std::string::npos) << r.out;
  chmod((dir + "/locked").c_str(), 0755);
  fs::remove_all(dir);
}

// Item 13: SIGINT and SIGTERM end a long search like a limit: the partial
// result is printed and the exit code is 3.
void expect_interrupt_reports_partial(int sig, const char* name) {
  // Five threads: millions of states, far more than the search reaches
  // before the signal arrives.
  std::string text = "class Node:\n    def __del__(self):\n        pass\n";
  for (int t = 1; t <= 5; ++t)
    text += "thread T" + std::to_string(t) +
            ":\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n"
            "    del a\n    del b\n    gc.collect()\n";
  std::string file = temp_file(text);
  std::string out = temp_file("", ".out");
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(out.c_str(), "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(98);
    execl(LIFECHECK_BINARY, LIFECHECK_BINARY, "check", "--no-symmetry", "--max-seconds", "600",
          file.c_str(), static_cast<char*>(nullptr));
    _exit(97);
  }
  // Wait until the handlers are installed (the process catches the
  // signal), then send it: the outcome does not depend on when.
  const std::string status = "/proc/" + std::to_string(pid) + "/status";
  for (int i = 0; i < 6000; ++i) {
    std::ifstream in(status);
    std::string line;
    bool caught = false;
    while (std::getline(in, line))
      if (line.rfind("SigCgt:", 0) == 0)
        caught = (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
    if (caught) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, sig);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFEXITED(st)) << "ended by the signal";
  EXPECT_EQ(WEXITSTATUS(st), 3);
  std::ifstream in(out);
  std::string text_out((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text_out.find(std::string("no verdict under P314g: interrupted (") + name + ") after"),
            std::string::npos)
      << text_out;
  EXPECT_NE(text_out.find("partial"), std::string::npos) << text_out;
}

TEST(Hardening, SigintEndsTheSearchWithAPartialResult) {
  expect_interrupt_reports_partial(SIGINT, "SIGINT");
}

TEST(Hardening, SigtermEndsTheSearchWithAPartialResult) {
  expect_interrupt_reports_partial(SIGTERM, "SIGTERM");
}

// Item 14: --profile all spends one budget over all profiles: the states
// of every profile add up to at most --max-states, and the profiles after
// it ran out are not explored.
TEST(Hardening, ProfileAllSharesOneBudget) {
  std::string file = source_path("scenarios/basics/threads-shared-cycle.life");
  CliResult r = run_cli({"check", "--profile", "all", "--max-states", "100", "--json", file});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  uint64_t total = 0;
  bool skipped = false;
  json result = only_result(r.out);
  for (const json& row : result["profiles"]) {
    if (row.contains("stats")) total += row["stats"]["states"].get<uint64_t>();
    skipped = skipped || (row.contains("explored") && !row["explored"].get<bool>());
  }
  EXPECT_LE(total, 100u);
  EXPECT_TRUE(skipped) << r.out;
}

}  // namespace
}  // namespace lifecheck::testing
