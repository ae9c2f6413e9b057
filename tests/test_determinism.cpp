// Same input and options, same bytes: every command runs twice on the same
// inputs and its stdout (and any file it writes) must be identical, text
// and --json alike. conform runs where a python3 is on PATH.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string scenario(const std::string& rel) { return source_path("scenarios/" + rel); }

// Runs `args` twice; expects the exit code `code` and the same stdout.
std::string same_twice(const std::vector<std::string>& args, int code) {
  CliResult a = run_cli(args), b = run_cli(args);
  std::string shown;
  for (const std::string& s : args) shown += s + " ";
  EXPECT_EQ(a.exit_code, code) << shown << "\n" << a.err;
  EXPECT_EQ(b.exit_code, code) << shown;
  EXPECT_FALSE(a.out.empty()) << shown;
  EXPECT_EQ(a.out, b.out) << shown;
  return a.out;
}

// The same bytes for every number of workers and every store, on a
// counterexample, a loop (termination), a verdict that holds and a state
// limit; depth-first gives the same verdicts and counterexamples (its
// "max_depth" is its own).
TEST(Determinism, SameOutputForEveryJobsAndStore) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"contract/P7.5-bug.life", 1},
      {"contract/resource-affinity-bug.life", 1},
      {"basics/threads-shared-cycle.life", 0},
  };
  for (const auto& [file, code] : cases)
    for (const char* format : {"", "--json"}) {
      std::string first;
      for (const std::vector<std::string>& extra :
           std::vector<std::vector<std::string>>{{"--jobs", "1"},
                                                 {"--jobs", "2"},
                                                 {"--jobs", "5"},
                                                 {"--jobs", "3", "--store", "fingerprint"}}) {
        std::vector<std::string> args = {"check"};
        if (*format) args.push_back(format);
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(scenario(file));
        CliResult r = run_cli(args);
        EXPECT_EQ(r.exit_code, code) << file << " " << extra[1] << "\n" << r.err;
        if (first.empty())
          first = r.out;
        else if (*format && extra.size() > 2)  // the store is named in --json
          EXPECT_EQ(only_result(r.out)["verdict"], only_result(first)["verdict"]);
        else
          EXPECT_EQ(r.out, first) << file << " with " << extra[0] << " " << extra[1];
      }
      if (code == 1 && !*format) {
        CliResult d = run_cli({"check", "--dfs", scenario(file)});
        EXPECT_EQ(d.exit_code, 1);
        EXPECT_EQ(d.out, first) << file << ": depth-first finds another counterexample";
      }
    }
  // Depth-first on several workers: the same bytes as on one (the deepest
  // stack, which depends on timing, is left out of both), run after run.
  for (const auto& [file, code] : cases)
    for (const char* format : {"", "--json"}) {
      std::string first;
      for (const char* jobs : {"1", "2", "4", "2"}) {
        std::vector<std::string> args = {"check", "--dfs", "--jobs", jobs};
        if (*format) args.push_back(format);
        args.push_back(scenario(file));
        CliResult r = run_cli(args);
        EXPECT_EQ(r.exit_code, code) << file << " --dfs --jobs " << jobs << "\n" << r.err;
        if (first.empty())
          first = r.out;
        else
          EXPECT_EQ(r.out, first) << file << " --dfs --jobs " << jobs << " " << format;
      }
    }
  // a state limit: where the search stops does not depend on the workers
  std::string one = run_cli({"check", "--json", "--jobs", "1", "--max-states", "10",
                             scenario("basics/threads-shared-cycle.life")})
                        .out;
  std::string two = run_cli({"check", "--json", "--jobs", "2", "--max-states", "10",
                             scenario("basics/threads-shared-cycle.life")})
                        .out;
  EXPECT_EQ(one, two);
  EXPECT_EQ(only_result(one)["stats"]["states"], 10);
}

TEST(Determinism, Check) {
  for (const char* format : {"", "--json"})
    for (const char* order : {"", "--bfs"}) {
      std::vector<std::string> args = {"check"};
      for (const char* o : {format, order})
        if (*o) args.push_back(o);
      same_twice(
          [&] {
            auto a = args;
            a.push_back(scenario("contract/P7.5-bug.life"));
            return a;
          }(),
          1);
      auto holds = args;
      holds.push_back(scenario("basics/threads-shared-cycle.life"));
      same_twice(holds, 0);
      auto limited = args;
      limited.insert(limited.end(),
                     {"--max-states", "10", scenario("basics/threads-shared-cycle.life")});
      same_twice(limited, 3);
    }
  // (the free-threaded profiles finalize the cycle in heap order, not in
  // list order: the scenario's first expect line fails there, exit 1)
  same_twice({"check", "--profile", "all", scenario("basics/cycle2-del.life")}, 1);
  same_twice({"check", "--profile", "all", "--json", scenario("contract/P7.5-bug.life")}, 1);
  // the DOT file too
  std::string dot1 = temp_file("", ".dot"), dot2 = temp_file("", ".dot");
  run_cli({"check", "--dot", dot1, scenario("contract/P7.5-bug.life")});
  run_cli({"check", "--dot", dot2, scenario("contract/P7.5-bug.life")});
  EXPECT_FALSE(read_all(dot1).empty());
  EXPECT_EQ(read_all(dot1), read_all(dot2));
}

TEST(Determinism, Suite) {
  std::string dir = temp_file("") + ".suite";
  fs::create_directories(dir + "/sub");
  fs::copy_file(scenario("basics/cycle2-del.life"), dir + "/a.life");
  fs::copy_file(scenario("contract/P7.5-bug.life"), dir + "/sub/b.life");
  fs::copy_file(scenario("contract/P7.5-ok.life"), dir + "/sub/c.life");
  same_twice({"suite", dir}, 0);
  same_twice({"suite", "--bfs", dir}, 0);
  fs::remove_all(dir);
}

TEST(Determinism, SimulateAndReplay) {
  std::string file = scenario("basics/threads-shared-cycle.life");
  for (const char* seed : {"1", "7"}) {
    same_twice({"simulate", file, "--seed", seed}, 0);
    std::string out = same_twice({"simulate", file, "--seed", seed, "--json"}, 0);
    std::string token = only_result(out)["run"]["replay"];
    same_twice({"replay", file, token}, 0);
    same_twice({"replay", file, token, "--json", "--verbose"}, 0);
  }
  std::string bug = scenario("contract/P7.5-bug.life");
  std::string token = first_counterexample(run_cli({"check", "--json", bug}).out)["replay"];
  same_twice({"replay", bug, token}, 1);
}

TEST(Determinism, EmitPython) {
  std::string file = scenario("basics/threads-shared-cycle.life");
  same_twice({"emit-python", file}, 0);
  std::string out = run_cli({"simulate", file, "--seed", "3", "--json"}).out;
  std::string token = only_result(out)["run"]["replay"];
  same_twice({"emit-python", file, "--replay", token}, 0);
}

TEST(Determinism, Conform) {
  if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  // forced schedules only: free runs let the interpreter's own scheduling
  // choose which traces show
  same_twice({"conform", scenario("basics/cycle2-del.life"), "--python", "python3", "--runs", "0",
              "--forced", "2"},
             0);
}

TEST(Determinism, Fuzz) {
  std::string a = temp_file("") + ".fuzz-a", b = temp_file("") + ".fuzz-b";
  for (const char* format : {"", "--json"}) {
    std::vector<std::string> args = {"fuzz",          "--seed",           "3", "--runs", "100",
                                     "--runtime-bug", "no-finalized-mark"};
    if (*format) args.push_back(format);
    auto with_out = [&](const std::string& dir) {
      auto x = args;
      x.insert(x.end(), {"--out", dir});
      return x;
    };
    CliResult ra = run_cli(with_out(a)), rb = run_cli(with_out(b));
    EXPECT_EQ(ra.exit_code, 1) << ra.out << ra.err;
    EXPECT_EQ(rb.exit_code, 1);
    // the same output but for the folder name, and the same files
    std::string out_b = rb.out;
    for (size_t at; (at = out_b.find(b)) != std::string::npos;) out_b.replace(at, b.size(), a);
    EXPECT_EQ(ra.out, out_b);
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(a)) files.push_back(e.path().filename());
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    std::string in_b = read_all(b + "/" + f);  // its header names its folder
    for (size_t at; (at = in_b.find(b)) != std::string::npos;) in_b.replace(at, b.size(), a);
    EXPECT_EQ(read_all(a + "/" + f), in_b) << f;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace lifecheck::testing
