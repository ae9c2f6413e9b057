// `lifecheck` and `lifecheck-full` (cli/HandOver.h): the everyday program
// loads neither libclang nor MPI, and hands the commands that need them to
// lifecheck-full beside it; alone, it refuses them as bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kBinary = LIFECHECK_BINARY;

bool two_executables() { return fs::exists(kBinary.parent_path() / "lifecheck-full"); }

// The shared libraries a program loads, as the dynamic loader lists them.
std::string loaded_libraries(const fs::path& program) {
  const std::string out = temp_file("", ".libs");
  const std::string cmd =
      "LD_TRACE_LOADED_OBJECTS=1 '" + program.string() + "' > '" + out + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::string libs = read_all(out);
  std::remove(out.c_str());
  return libs;
}

TEST(HandOver, EverydayProgramLoadsNeitherLibclangNorMpi) {
  if (!two_executables()) GTEST_SKIP() << "built without libclang and MPI: one executable";
  const std::string lean = loaded_libraries(kBinary);
  EXPECT_EQ(lean.find("libclang"), std::string::npos) << lean;
  EXPECT_EQ(lean.find("libLLVM"), std::string::npos) << lean;
  EXPECT_EQ(lean.find("libmpi"), std::string::npos) << lean;
  const std::string full = loaded_libraries(kBinary.parent_path() / "lifecheck-full");
  EXPECT_TRUE(full.find("libclang") != std::string::npos ||
              full.find("libmpi") != std::string::npos)
      << full;
}

TEST(HandOver, ExtractRunsThroughTheFullProgram) {
  if (!two_executables()) GTEST_SKIP() << "built without libclang and MPI: one executable";
  const std::string c = temp_file("int x;\n", ".c");
  CliResult r = run_cli({"extract", c});
  // No type in it: lifecheck-full's extract says so (bad input), rather
  // than lifecheck saying it was built without libclang.
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("without libclang"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("lifecheck-full"), std::string::npos) << r.err;
  std::remove(c.c_str());
}

TEST(HandOver, AloneItRefusesWhatNeedsTheFullProgram) {
  if (!two_executables()) GTEST_SKIP() << "built without libclang and MPI: one executable";
  const fs::path dir = fs::path(temp_file("", ".dir"));
  fs::remove(dir);
  fs::create_directories(dir);
  const fs::path alone = dir / "lifecheck";
  fs::copy_file(kBinary, alone);
  const std::string out = (dir / "out").string(), err = (dir / "err").string();
  const std::string scenario = source_path("scenarios/basics/refcount-del.life");
  auto run = [&](const std::string& args) {
    const std::string cmd =
        "'" + alone.string() + "' " + args + " > '" + out + "' 2> '" + err + "'";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  // What it has itself works alone.
  EXPECT_EQ(run("check --quiet '" + scenario + "'"), 0) << read_all(err);
  for (const std::string& args :
       {std::string("extract x.c"), "check --distributed '" + scenario + "'",
        "check --swarm '" + scenario + "'"}) {
    EXPECT_EQ(run(args), 2) << args;
    const std::string said = read_all(err);
    EXPECT_NE(said.find("needs lifecheck-full"), std::string::npos) << said;
    EXPECT_EQ(read_all(out), "") << args;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lifecheck::testing
