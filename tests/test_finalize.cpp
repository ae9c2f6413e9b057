// weakref.finalize (model/Finalize.cpp, rules W10-W14): the order of its
// call against __del__ and weakref callbacks on both paths, at most one
// call, detach/peek/alive/atexit, the exit function, the property
// finalize-keeps-referent, and bad input through the CLI (the misuse
// cases are in test_lang_features.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

const char* kHeader =
    "class Node:\n"
    "    def __del__(self):\n"
    "        log(\"del\", self)\n"
    "\n"
    "def cb(wr):\n"
    "    log(\"weakref callback\")\n"
    "\n"
    "def done(name):\n"
    "    log(\"finalized\", name)\n"
    "\n";

std::vector<std::string> logs_of(const std::string& body) {
  model::Program p = load_text(std::string(kHeader) + body);
  std::vector<std::string> out;
  for (const std::string& s : observable(p, run_first(p)))
    if (s.rfind("log: ", 0) == 0) out.push_back(s.substr(5));
  return out;
}

TEST(Finalize, RefcountDeathRunsAfterDelAmongCallbacksNewestFirst) {
  auto logs = logs_of(
      "a = Node()\n"
      "w1 = weakref.ref(a, cb)\n"
      "f = weakref.finalize(a, done, 'a')\n"
      "w2 = weakref.ref(a, cb)\n"
      "del a\n");
  EXPECT_EQ(logs, (std::vector<std::string>{"del a", "weakref callback", "finalized a",
                                            "weakref callback"}));
}

TEST(Finalize, CollectionRunsItBeforeDel) {
  auto logs = logs_of(
      "a = Node()\n"
      "a.me = a\n"
      "w1 = weakref.ref(a, cb)\n"
      "f = weakref.finalize(a, done, 'a')\n"
      "del a\n"
      "gc.collect()\n"
      "log(f.alive)\n");
  EXPECT_EQ(logs, (std::vector<std::string>{"finalized a", "weakref callback", "del a", "False"}));
}

TEST(Finalize, CalledAtMostOnceAndDetachPreventsTheCall) {
  auto logs = logs_of(
      "a = Node()\n"
      "f = weakref.finalize(a, done, 'a')\n"
      "log(f.peek())\n"
      "r = f()\n"
      "r = f()\n"
      "log(r, f.alive, f.atexit, f.peek(), f.detach())\n"
      "b = Node()\n"
      "g = weakref.finalize(b, done, 'b')\n"
      "log(g.detach(), g.alive)\n"
      "del b\n"
      "del a\n");
  EXPECT_EQ(logs, (std::vector<std::string>{"(a, done, ('a',), {})", "finalized a",
                                            "None False False None None",
                                            "(b, done, ('b',), {}) False", "del b", "del a"}));
}

TEST(Finalize, ExitFunctionCallsLiveAtexitFinalizersNewestFirst) {
  model::Program p = load_text(std::string(kHeader) +
                               "def fails():\n"
                               "    raise ValueError\n"
                               "k1 = Node()\n"
                               "k2 = Node()\n"
                               "f1 = weakref.finalize(k1, done, 'one')\n"
                               "f2 = weakref.finalize(k2, fails)\n"
                               "f3 = weakref.finalize(k2, done, 'two')\n"
                               "f4 = weakref.finalize(k1, done, 'off')\n"
                               "f4.atexit = False\n"
                               "log('end')\n");
  model::Trace t = run_first(p);
  std::vector<std::string> seen;
  for (const model::Event& e : events(t))
    if (e.kind == model::EventKind::Log || e.kind == model::EventKind::ExceptHook)
      seen.push_back(e.text);
  // after the program: two, the exception, one; `off` never (atexit False,
  // and called by nothing once _shutdown is set)
  EXPECT_EQ(seen,
            (std::vector<std::string>{"end", "finalized two", "ValueError", "finalized one"}));
}

TEST(Finalize, ExceptionFromAnExplicitCallReachesTheCaller) {
  model::Program p = load_text(std::string(kHeader) +
                               "def fails():\n"
                               "    raise KeyError\n"
                               "a = Node()\n"
                               "f = weakref.finalize(a, fails)\n"
                               "f()\n"
                               "log('not reached')\n");
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, std::vector<std::string>{"uncaught-exception"});
  EXPECT_NE(r.failure.message.find("KeyError"), std::string::npos) << r.failure.message;
}

TEST(Finalize, KeepsReferentPropertyFailsAndHolds) {
  auto bad = check(load_file("scenarios/contract/finalize-keeps-referent-bug.life"));
  ASSERT_EQ(bad.verdict, checker::Verdict::Violated);
  EXPECT_EQ(bad.failure.properties, std::vector<std::string>{"finalize-keeps-referent"});
  // the same finalizer with arguments that do not reach the object holds
  auto ok = check(load_text(std::string(kHeader) + "a = Node()\n"
                                                   "f = weakref.finalize(a, done, 'a')\n"
                                                   "del a\n"));
  EXPECT_EQ(ok.verdict, checker::Verdict::Holds);
  auto args = check(load_text(std::string(kHeader) + "a = Node()\n"
                                                     "f = weakref.finalize(a, done, [a])\n"));
  ASSERT_EQ(args.verdict, checker::Verdict::Violated);
  EXPECT_EQ(args.failure.properties, std::vector<std::string>{"finalize-keeps-referent"});
}

TEST(Finalize, TheRegistryKeepsAFinalizerTheProgramDropped) {
  // the program drops its finalizer: the registry keeps it, and the
  // referent's death still calls it
  auto logs = logs_of(
      "a = Node()\n"
      "weakref.finalize(a, done, 'a')\n"
      "del a\n");
  EXPECT_EQ(logs, (std::vector<std::string>{"del a", "finalized a"}));
}

TEST(Finalize, BadInputThroughTheCliExitsTwo) {
  std::string path = temp_file("class N:\n    pass\nn = N()\nf = weakref.finalize(n, 3)\n");
  CliResult r = run_cli({"check", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":4:25: error: the function of weakref.finalize"), std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace lifecheck::testing
