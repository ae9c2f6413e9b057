// atexit (model/Atexit.cpp, rules AX1-AX4) and `shutdown modules`
// (model/Shutdown.cpp, SD1-SD5): the order of the exit functions with
// weakref.finalize's, exceptions, unregister, when what an entry holds is
// released per profile, the module dict's collection at shutdown, and the
// emitted script. Misuse: tests/bad-input/atexit-*, import-*, shutdown-*.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "emit/PythonEmitter.h"

namespace lifecheck::testing {
namespace {

const char* kHeader =
    "import atexit\n"
    "class Node:\n"
    "    def __del__(self):\n"
    "        log(\"del\", self)\n"
    "    def m(self, other):\n"
    "        log(\"m of\", self)\n"
    "\n"
    "def bye(name):\n"
    "    log(\"bye\", name)\n"
    "\n"
    "def done(name):\n"
    "    log(\"finalized\", name)\n"
    "\n";

std::vector<std::string> logs(const char* profile, const std::string& body) {
  return logs_under(profile, std::string(kHeader) + body);
}

bool holds(const model::Program& p) { return check(p).verdict == checker::Verdict::Holds; }

TEST(Atexit, NewestFirstWithTheFinalizeExitFunctionInItsPlace) {
  auto out = logs("3.13",
                  "keep = Node()\n"
                  "atexit.register(bye, 'first')\n"
                  "f = weakref.finalize(keep, done, 'keep')\n"
                  "g = atexit.register(bye, 'last')\n"
                  "log(g is bye)\n");
  EXPECT_EQ(out, (std::vector<std::string>{"True", "bye last", "finalized keep", "bye first"}));
}

TEST(Atexit, AnExceptionIsUnraisableAndTheNextStillRuns) {
  model::Program p = load_text(std::string(kHeader) +
                               "def fails():\n"
                               "    raise ValueError\n"
                               "atexit.register(bye, 'x')\n"
                               "atexit.register(fails)\n");
  std::vector<std::string> obs = observable(p, run_first(p));
  auto at = [&](const std::string& s) { return std::find(obs.begin(), obs.end(), s); };
  ASSERT_NE(at("log: bye x"), obs.end());
  ASSERT_NE(at("unraisable ValueError"), obs.end()) << ::testing::PrintToString(obs);
  EXPECT_LT(at("unraisable ValueError"), at("log: bye x"));
}

TEST(Atexit, EntriesAreReleasedAfterTheLastCallInTheProfilesOrder) {
  const std::string body =
      "a = Node()\n"
      "b = Node()\n"
      "atexit.register(a.m, b)\n"
      "atexit.register(bye, 'x')\n"
      "del a\n"
      "del b\n"
      "log('deleted')\n";
  for (const char* v : {"3.11", "3.12", "3.13"})
    EXPECT_EQ(logs(v, body),
              (std::vector<std::string>{"deleted", "bye x", "m of a", "del a", "del b"}))
        << v;
  EXPECT_EQ(logs("3.14", body),
            (std::vector<std::string>{"deleted", "bye x", "m of a", "del b", "del a"}));
}

TEST(Atexit, UnregisterMatchesAnEqualBoundMethodAndReleasesAtOnce) {
  const std::string b2 =
      "a = Node()\n"
      "b = Node()\n"
      "atexit.register(bye, 'x')\n"
      "atexit.register(a.m, b)\n"
      "c = a.m\n"
      "del a\n"
      "del b\n"
      "atexit.unregister(c)\n"
      "log('unregistered')\n"
      "del c\n";
  EXPECT_EQ(logs("3.12", b2),
            (std::vector<std::string>{"del b", "unregistered", "del a", "bye x"}));
  EXPECT_EQ(logs("3.14", b2),
            (std::vector<std::string>{"del b", "unregistered", "del a", "bye x"}));
}

TEST(Atexit, UnregisteredWhileExitingIsCalledOnlyIn314) {
  const std::string body =
      "def second():\n"
      "    log('second')\n"
      "def first():\n"
      "    log('first')\n"
      "    atexit.unregister(second)\n"
      "atexit.register(second)\n"
      "atexit.register(first)\n";
  EXPECT_EQ(logs("3.13", body), (std::vector<std::string>{"first"}));
  EXPECT_EQ(logs("3.14", body), (std::vector<std::string>{"first", "second"}));
}

TEST(Atexit, ANonCallableRaisesTypeErrorAtRegister) {
  auto out = logs("3.14",
                  "x = Node()\n"
                  "try:\n"
                  "    atexit.register(x)\n"
                  "except TypeError:\n"
                  "    log('TypeError')\n");
  EXPECT_EQ(out, (std::vector<std::string>{"TypeError"}));
}

TEST(Shutdown, GlobalsAreFinalizedAtExitInCreationOrderAndStillReadable) {
  const std::string body =
      "shutdown modules\n"
      "class N:\n"
      "    def __del__(self):\n"
      "        log('del', self, tag)\n"
      "a = N()\n"
      "b = N()\n"
      "tag = 'here'\n"
      "c = N()\n";
  for (const char* v : {"3.11", "3.13", "3.14", "P314i"})
    EXPECT_EQ(logs_under(v, body),
              (std::vector<std::string>{"del a here", "del b here", "del c here"}))
        << v;
  // without the directive the globals keep them alive to the end
  EXPECT_TRUE(logs_under("3.13", body.substr(body.find('\n') + 1)).empty());
}

TEST(Shutdown, AGlobalWeakrefIsGarbageAndItsCallbackNeverRuns) {
  auto out = logs("3.12",
                  "shutdown modules\n"
                  "def cb(wr):\n"
                  "    log('callback')\n"
                  "a = Node()\n"
                  "w = weakref.ref(a, cb)\n");
  EXPECT_EQ(out, (std::vector<std::string>{"del a"}));
}

TEST(Shutdown, EverythingIsFreedAndTheScenariosHoldOrViolateAsTheySay) {
  for (const char* f : {"scenarios/shutdown/globals-die-at-exit.life",
                        "scenarios/shutdown/atexit-then-modules.life"})
    EXPECT_TRUE(holds(load_file(f))) << f;
  auto r = check(load_file("scenarios/shutdown/weakref-garbage-no-callback-bug.life"));
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, std::vector<std::string>{"assert"});
  EXPECT_TRUE(holds(load_file("scenarios/shutdown/weakref-garbage-no-callback.life")));
}

TEST(Shutdown, TheEmittedScriptLetsTheInterpreterShutDown) {
  model::Program p = load_file("scenarios/shutdown/atexit-then-modules.life");
  std::string py = emit::emit_python(p, emit::EmitOptions{});
  EXPECT_NE(py.find("_LC_SHUTDOWN = True"), std::string::npos);
  EXPECT_NE(py.find("_lc_atexit.register("), std::string::npos);
  model::Program q = load_file("scenarios/shutdown/weakref-garbage-no-callback.life");
  EXPECT_NE(emit::emit_python(q, emit::EmitOptions{}).find("_LC_SHUTDOWN = False"),
            std::string::npos);
}

// G6b: a function left in gc.callbacks keeps __main__'s dict, so no global
// is finalized at exit; once removed, the globals die at SD3 again.
TEST(Shutdown, AFunctionInGcCallbacksKeepsTheGlobals) {
  const std::string body =
      "shutdown modules\n"
      "def on_gc(phase, info):\n"
      "    pass\n"
      "a = Node()\n"
      "gc.callbacks.append(on_gc)\n";
  for (const char* v : {"3.11", "3.13", "3.14"}) EXPECT_TRUE(logs(v, body).empty()) << v;
  EXPECT_TRUE(logs("3.12", body + "cb = lambda phase, info: None\n"
                                  "gc.callbacks.remove(on_gc)\n"
                                  "gc.callbacks.append(cb)\n")
                  .empty());
  EXPECT_EQ(logs("3.12", body + "gc.callbacks.remove(on_gc)\n"),
            (std::vector<std::string>{"del a"}));
  EXPECT_TRUE(holds(load_file("scenarios/shutdown/gc-callback-keeps-globals.life")));
  auto r = check(load_file("scenarios/shutdown/gc-callback-removed-bug.life"));
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, std::vector<std::string>{"assert"});
}

}  // namespace
}  // namespace lifecheck::testing
