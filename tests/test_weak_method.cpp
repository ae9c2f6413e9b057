// weakref.WeakMethod (model/WeakMethod.cpp, rules WM1-WM8): the shipped
// scenarios of scenarios/weakmethod, what a WeakMethod keeps (not its
// object) and makes (seven GC objects), its call, the order of its
// callback among the object's other weakrefs, its death, and bad input.
// Every expected log was printed by 3.11.7, 3.13.0 and 3.13.15t running
// the same program (docs/conformance.md §7.29).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const std::string kReceiver =
    "class R:\n"
    "    def m(self):\n"
    "        return 1\n"
    "    def __del__(self):\n"
    "        log('del')\n"
    "def a(w):\n"
    "    log('a')\n"
    "def b(w):\n"
    "    log('b')\n"
    "def c(w):\n"
    "    log('c')\n";

TEST(WeakMethod, ShippedScenariosHaveTheirVerdicts) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"observer-plain-ref-bug", "violates expect"},
      {"observer-weakmethod-ok", "holds"},
      {"weakmethod-cycle-collected", "holds"},
      {"weakmethod-dead-object", "holds"},
      {"callback-drops-slot", "holds"},
      {"weakmethod-threads", "holds"},
      {"weakmethod-saveall", "holds"},
      {"callback-raises", "holds"},
  };
  for (const auto& [name, verdict] : want)
    EXPECT_EQ(verdict_text(load_file("scenarios/weakmethod/" + name + ".life")), verdict) << name;
}

// WM1: the WeakMethod holds its object weakly (the refcount is unchanged);
// WM4: each call makes a new bound method, which holds the object.
TEST(WeakMethod, HoldsTheObjectWeaklyAndEachCallMakesABoundMethod) {
  expect_logs_under_every_profile(kReceiver +
                                      "r = R()\n"
                                      "log('rc', sys.getrefcount(r))\n"
                                      "w = weakref.WeakMethod(r.m)\n"
                                      "log('rc', sys.getrefcount(r))\n"
                                      "m1 = w()\n"
                                      "m2 = w()\n"
                                      "log(m1 is m2, m1 == m2, sys.getrefcount(r))\n"
                                      "del m1\n"
                                      "del m2\n"
                                      "del r\n"
                                      "log(w() is None)\n",
                                  Strings{"rc 2", "rc 2", "False True 4", "del", "True"});
}

// WM5, W4: the WeakMethods' callbacks are the object's weakref callbacks,
// newest first, after __del__, among plain weakrefs'.
TEST(WeakMethod, CallbacksRunNewestFirstAmongPlainWeakrefs) {
  expect_logs_under_every_profile(kReceiver +
                                      "r = R()\n"
                                      "w1 = weakref.WeakMethod(r.m, a)\n"
                                      "w2 = weakref.ref(r, b)\n"
                                      "w3 = weakref.WeakMethod(r.m, c)\n"
                                      "del r\n"
                                      "log(w1() is None, w3() is None)\n",
                                  Strings{"del", "c", "b", "a", "True True"});
}

// WM1, WM6: an object in a cycle that holds its own WeakMethod: the
// collection frees it with the WeakMethod, _cb, the closure tuple, the two
// cells, self_wr and _func_ref (8), on every interpreter of §7.29; no
// callback runs (the WeakMethod is garbage). A WeakMethod held from
// outside keeps its seven objects and its callback runs before __del__.
TEST(WeakMethod, CollectedWithTheObjectItIsStoredOn) {
  const std::string body = kReceiver +
                           "gc.disable()\n"
                           "r = R()\n"
                           "r.me = r\n"
                           "r.slot = weakref.WeakMethod(r.m, a)\n"
                           "outside = weakref.WeakMethod(r.m, b)\n"
                           "del r\n"
                           "n = gc.collect()\n"
                           "log('collected', n)\n";
  expect_logs_under_every_profile(body, Strings{"b", "del", "collected 8"});
}

// WM5: the user's callback gets the WeakMethod; _cb holds it (`self`) until
// it returns, so a WeakMethod whose last reference the callback drops dies
// after the callback's last line.
TEST(WeakMethod, CallbackHoldsTheWeakMethodUntilItReturns) {
  expect_logs_under_every_profile(
      "class R:\n"
      "    def m(self):\n"
      "        return 1\n"
      "def gone(w):\n"
      "    global slot\n"
      "    log('gone', w is slot)\n"
      "    del slot\n"
      "    log('gone ends')\n"
      "def watcher(w):\n"
      "    log('slot freed')\n"
      "r = R()\n"
      "slot = weakref.WeakMethod(r.m, gone)\n"
      "watch = weakref.ref(slot, watcher)\n"
      "del r\n"
      "log('done')\n",
      Strings{"gone True", "gone ends", "slot freed", "done"});
}

// WM1: anything but a bound method is the TypeError of WeakMethod.__new__
// ("argument should be a bound method"), a plain function too.
TEST(WeakMethod, NonMethodIsTypeError) {
  expect_logs_under_every_profile(
      "def f():\n"
      "    return 1\n"
      "for x in [5, None, f, lambda: 1]:\n"
      "    try:\n"
      "        w = weakref.WeakMethod(x)\n"
      "    except TypeError:\n"
      "        log('TypeError')\n",
      Strings{"TypeError", "TypeError", "TypeError", "TypeError"});
}

// G16a: under DEBUG_SAVEALL every member of the garbage goes to gc.garbage,
// a tuple (no tp_clear) too, in the free-threaded collector as well: "2 2"
// on 3.11.7, 3.13.15 and 3.13.15t (a WeakMethod's closure tuple showed it).
TEST(WeakMethod, SaveAllKeepsATupleInEveryCollector) {
  expect_logs_under_every_profile(
      "class R:\n"
      "    pass\n"
      "gc.set_debug(gc.DEBUG_SAVEALL)\n"
      "r = R()\n"
      "r.t = (r,)\n"
      "del r\n"
      "n = gc.collect()\n"
      "log(n, len(gc.garbage))\n",
      Strings{"2 2"});
}

TEST(WeakMethod, ScenariosWithoutWeakMethodsDeclareNoType) {
  for (const std::string& f : scenario_files()) {
    if (f.find("scenarios/weakmethod/") != std::string::npos) continue;
    const model::Program p = load_file(f);
    EXPECT_EQ(p.weak_method_type, model::kNoType) << f;
  }
}

}  // namespace

std::vector<BadScenario> lang_error_cases_weak_method() {
  const char* cls = "class O:\n    def m(self):\n        pass\no = O()\n";
  static const std::string none = std::string(cls) + "w = weakref.WeakMethod()\n";
  static const std::string three = std::string(cls) + "w = weakref.WeakMethod(o.m, None, 3)\n";
  static const std::string keyword =
      std::string(cls) + "def cb(w):\n    pass\nw = weakref.WeakMethod(o.m, callback=cb)\n";
  static const std::string arity =
      std::string(cls) + "def cb(a, b):\n    pass\nw = weakref.WeakMethod(o.m, cb)\n";
  static const std::string call = std::string(cls) + "w = weakref.WeakMethod(o.m)\nw(1)\n";
  return {
      {"WeakMethodNoArguments", none.c_str(), 5, 13,
       "weakref.WeakMethod() takes a bound method and an optional callback"},
      {"WeakMethodThreeArguments", three.c_str(), 5, 13,
       "weakref.WeakMethod() takes a bound method and an optional callback"},
      {"WeakMethodKeywordCallback", keyword.c_str(), 7, 38,
       "keyword arguments to weakref.WeakMethod are not supported"},
      {"WeakMethodCallbackArity", arity.c_str(), 7, 29,
       "a weakref callback takes one parameter (the weakref); 'cb' takes 2 parameters"},
      {"WeakMethodCalledWithArguments", call.c_str(), 6, 3, "calling a weakref takes no arguments"},
  };
}

}  // namespace lifecheck::testing
