// weakref.proxy (model/Proxies.cpp, W15-W17) and a class's __del__ set or
// deleted at run time (model/ClassDel.cpp, R1.14). Misuse cases are in
// test_lang_errors.cpp; the scenarios in scenarios/proxies and
// scenarios/class-del pin the same rules against real interpreters.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

const char* kProfiles[] = {"3.11", "3.12", "3.13", "3.14", "3.13t"};

TEST(Proxy, ForwardsToTheReferentAndIsShared) {
  const char* body =
      "class A:\n"
      "    pass\n"
      "a = A()\n"
      "p = weakref.proxy(a)\n"
      "q = weakref.proxy(a)\n"
      "p.x = 5\n"
      "log(p is q, p is a, p == a, a.x, p.x, gc.is_tracked(p))\n"
      "del a.x\n"
      "log(vars(p))\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body),
              (std::vector<std::string>{"True False True 5 5 True", "{}"}))
        << profile;
}

TEST(Proxy, DeadProxyRaisesReferenceErrorOnEveryUse) {
  const char* body =
      "class A:\n"
      "    pass\n"
      "a = A()\n"
      "a.x = 1\n"
      "p = weakref.proxy(a)\n"
      "del a\n"
      "try:\n"
      "    y = p.x\n"
      "except ReferenceError:\n"
      "    log('read')\n"
      "try:\n"
      "    p.x = 2\n"
      "except ReferenceError:\n"
      "    log('store')\n"
      "try:\n"
      "    if p:\n"
      "        pass\n"
      "except ReferenceError:\n"
      "    log('truth')\n"
      "try:\n"
      "    log(p == None)\n"
      "except ReferenceError:\n"
      "    log('compare')\n"
      "log(p is None)\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body),
              (std::vector<std::string>{"read", "store", "truth", "compare", "False"}))
        << profile;
}

TEST(Proxy, NotHashableNotCallableNotWeaklyReferenceable) {
  const char* body =
      "class A:\n"
      "    pass\n"
      "a = A()\n"
      "p = weakref.proxy(a)\n"
      "try:\n"
      "    s = {p}\n"
      "except TypeError:\n"
      "    log('unhashable')\n"
      "try:\n"
      "    w = weakref.ref(p)\n"
      "except TypeError:\n"
      "    log('no weakref')\n";
  EXPECT_EQ(logs_under("3.12", body), (std::vector<std::string>{"unhashable", "no weakref"}));
}

TEST(Proxy, CallbacksRunNewestFirstWithTheirOwnWeakrefObject) {
  const char* body =
      "class A:\n"
      "    pass\n"
      "def cb(w):\n"
      "    log('cb', w)\n"
      "a = A()\n"
      "p1 = weakref.proxy(a, cb)\n"
      "r = weakref.ref(a, cb)\n"
      "p2 = weakref.proxy(a, cb)\n"
      "log(p1 is p2)\n"
      "del a\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body),
              (std::vector<std::string>{"False", "cb p2", "cb r", "cb p1"}))
        << profile;
}

TEST(Proxy, ClearedBeforeFinalizersInACollection) {
  const std::string cls =
      "class A:\n"
      "    def __del__(self):\n"
      "        try:\n"
      "            log(self.me.name)\n"
      "        except ReferenceError:\n"
      "            log('dead')\n"
      "a = A()\n"
      "a.name = 'a'\n"
      "a.me = weakref.proxy(a)\n";
  for (const char* profile : kProfiles) {
    EXPECT_EQ(logs_under(profile, cls + "del a\n"), (std::vector<std::string>{"a"})) << profile;
    EXPECT_EQ(logs_under(profile, cls + "a.c = a\ndel a\ngc.collect()\n"),
              (std::vector<std::string>{"dead"}))
        << profile;
  }
}

TEST(ClassDel, SetAfterCreationRunsAtDeathAndDeleteStopsIt) {
  const char* body =
      "class C:\n"
      "    pass\n"
      "def f(self):\n"
      "    log('f', self.n)\n"
      "a = C()\n"
      "a.n = 1\n"
      "b = C()\n"
      "b.n = 2\n"
      "b.c = b\n"
      "C.__del__ = f\n"
      "del a\n"
      "gc.collect()\n"
      "del b\n"
      "del C.__del__\n"
      "gc.collect()\n"
      "c = C()\n"
      "c.n = 3\n"
      "C.__del__ = f\n"
      "del C.__del__\n"
      "del c\n"
      "try:\n"
      "    del C.__del__\n"
      "except AttributeError:\n"
      "    log('none left')\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body), (std::vector<std::string>{"f 1", "none left"})) << profile;
}

TEST(ClassDel, ReplacedDelRunsTheNewFunctionInACollection) {
  const char* body =
      "class C:\n"
      "    def __del__(self):\n"
      "        log('old')\n"
      "def g(self):\n"
      "    log('new')\n"
      "b = C()\n"
      "b.c = b\n"
      "del b\n"
      "C.__del__ = g\n"
      "n = gc.collect()\n"
      "log(n)\n";
  for (const char* profile : kProfiles)
    EXPECT_EQ(logs_under(profile, body), (std::vector<std::string>{"new", "1"})) << profile;
}

}  // namespace
}  // namespace lifecheck::testing
