// The sys and gc builtins of issue 12 point 7 (model/GcModule.cpp):
// sys.getrefcount per profile (RC1-RC3). Misuse cases are in
// test_lang_errors.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

const char* kRefcounts =
    "class Node:\n"
    "    pass\n"
    "a = Node()\n"
    "b = [a, a]\n"
    "log(sys.getrefcount(a), sys.getrefcount(b), sys.getrefcount(Node()), "
    "sys.getrefcount(b[0]))\n"
    "thread T1:\n"
    "    x = Node()\n"
    "    y = x\n"
    "    log(sys.getrefcount(x), sys.getrefcount(a))\n"
    "    del y\n"
    "    log(sys.getrefcount(x))\n";

TEST(GetRefcount, CountsEveryReferenceAndTheArgument) {
  for (const char* profile : {"3.11", "3.12", "3.13", "3.13t"})
    EXPECT_EQ(logs_under(profile, kRefcounts), (std::vector<std::string>{"4 2 1 4", "3 4", "2"}))
        << profile;
}

TEST(GetRefcount, ALocalArgumentIsBorrowedFrom314) {
  for (const char* profile : {"3.14", "3.14t", "P314i"})
    EXPECT_EQ(logs_under(profile, kRefcounts), (std::vector<std::string>{"4 2 1 4", "2 4", "1"}))
        << profile;
}

const char* kConstants =
    "thread T1:\n"
    "    n = None\n"
    "    log(sys.getrefcount(n), sys.getrefcount(7), sys.getrefcount(()), "
    "sys.getrefcount('x'))\n"
    "    log(sys.getrefcount('name_1'), sys.getrefcount(1000), sys.getrefcount('a b'), "
    "sys.getrefcount((1, 2)))\n";

TEST(GetRefcount, ImmortalCountsPerProfile) {
  const std::string m = "(mortal)", u32 = "4294967295", i314 = "3221225472";
  EXPECT_EQ(
      logs_under("3.11", kConstants),
      (std::vector<std::string>{m + " " + m + " " + m + " " + m, m + " " + m + " " + m + " " + m}));
  EXPECT_EQ(logs_under("3.12", kConstants),
            (std::vector<std::string>{u32 + " " + u32 + " " + u32 + " " + u32,
                                      u32 + " " + m + " " + m + " " + m}));
  EXPECT_EQ(logs_under("3.13", kConstants),
            (std::vector<std::string>{u32 + " " + u32 + " " + u32 + " " + u32,
                                      m + " " + m + " " + m + " " + m}));
  EXPECT_EQ(logs_under("3.13t", kConstants),
            (std::vector<std::string>{u32 + " " + u32 + " " + u32 + " " + u32,
                                      u32 + " " + u32 + " " + m + " " + u32}));
  EXPECT_EQ(logs_under("3.14", kConstants),
            (std::vector<std::string>{i314 + " " + i314 + " " + i314 + " " + i314,
                                      m + " " + m + " " + m + " " + m}));
}

TEST(GetRefcount, FunctionsAreNotModelledAndCountsCompare) {
  auto logs = logs_under("3.13",
                         "def f(w):\n"
                         "    pass\n"
                         "class Node:\n"
                         "    pass\n"
                         "a = Node()\n"
                         "log(sys.getrefcount(f), sys.getrefcount(a) == 2)\n");
  EXPECT_EQ(logs, (std::vector<std::string>{"(not modelled) True"}));
}

// G16a: DEBUG_SAVEALL keeps the collected cycle in gc.garbage after its
// callbacks and __del__ ran; gc.garbage.clear() hands it back to the
// collector, which frees it without a second __del__. Without the flag the
// same scenario frees it in the first collection.
const char* kSaveAll =
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del')\n"
    "a = Node()\n"
    "a.me = a\n"
    "DEBUG\n"
    "del a\n"
    "n = gc.collect()\n"
    "log('first', n)\n"
    "n = gc.collect()\n"
    "log('second', n)\n"
    "gc.set_debug(0)\n"
    "gc.garbage.clear()\n"
    "n = gc.collect()\n"
    "log('third', n)\n";

std::string with_debug(const std::string& line) {
  std::string s = kSaveAll;
  return s.replace(s.find("DEBUG"), 5, line);
}

TEST(SaveAll, KeepsTheCycleInGcGarbageUntilCleared) {
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14", "P314i", "3.13t", "3.14t"})
    EXPECT_EQ(logs_under(profile, with_debug("gc.set_debug(gc.DEBUG_SAVEALL)")),
              (std::vector<std::string>{"del", "first 1", "second 0", "third 1"}))
        << profile;
}

TEST(SaveAll, WithoutTheFlagTheCycleIsFreedAtOnce) {
  for (const char* profile : {"3.11", "3.14", "3.13t"})
    EXPECT_EQ(logs_under(profile, with_debug("gc.set_debug(0)")),
              (std::vector<std::string>{"del", "first 1", "second 0", "third 0"}))
        << profile;
}

// Reading gc.garbage: its length, its items in the collector's order (a
// new reference each: x, a.peer and the argument make 3), IndexError past
// the end; per profile.
TEST(SaveAll, GcGarbageIsReadByLenAndIndex) {
  const std::string body =
      "class Node:\n"
      "    pass\n"
      "gc.set_debug(gc.DEBUG_SAVEALL)\n"
      "a = Node()\n"
      "a.name = 'a'\n"
      "b = Node()\n"
      "b.name = 'b'\n"
      "a.peer = b\n"
      "b.peer = a\n"
      "del a\n"
      "del b\n"
      "log(len(gc.garbage))\n"
      "n = gc.collect()\n"
      "gc.set_debug(0)\n"
      "log(len(gc.garbage), gc.garbage[0].name, gc.garbage[1].name)\n"
      "x = gc.garbage[1]\n"
      "gc.garbage.clear()\n"
      "log(len(gc.garbage), sys.getrefcount(x))\n"
      "try:\n"
      "    y = gc.garbage[0]\n"
      "except IndexError:\n"
      "    log('empty')\n";
  for (const char* profile : {"3.11", "3.12", "3.14", "3.13t"})
    EXPECT_EQ(logs_under(profile, body), (std::vector<std::string>{"0", "2 a b", "0 3", "empty"}))
        << profile;
}

// G7a: a frozen cycle survives every collection until gc.unfreeze(), then
// waits in the oldest generation (the free-threaded collector has none).
const char* kFreeze =
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del')\n"
    "a = Node()\n"
    "a.me = a\n"
    "gc.freeze()\n"
    "del a\n"
    "n = gc.collect()\n"
    "log('frozen', n)\n"
    "gc.unfreeze()\n"
    "n = gc.collect(1)\n"
    "log('young', n)\n"
    "n = gc.collect()\n"
    "log('full', n)\n";

TEST(Freeze, FrozenCycleWaitsForUnfreezeAndAFullCollection) {
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14", "P314i"})
    EXPECT_EQ(logs_under(profile, kFreeze),
              (std::vector<std::string>{"frozen 0", "young 0", "del", "full 1"}))
        << profile;
  EXPECT_EQ(logs_under("3.13t", kFreeze),
            (std::vector<std::string>{"frozen 0", "del", "young 1", "full 0"}));
}

TEST(Freeze, WithoutFreezeTheCycleIsCollectedAtOnce) {
  std::string text = kFreeze;
  text.replace(text.find("gc.freeze()"), 11, "gc.enable()");
  text.replace(text.find("gc.unfreeze()"), 13, "gc.disable()");
  EXPECT_EQ(logs_under("3.12", text),
            (std::vector<std::string>{"del", "frozen 1", "young 0", "full 0"}));
}

}  // namespace
}  // namespace lifecheck::testing
