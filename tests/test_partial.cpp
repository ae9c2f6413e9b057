// functools.partial (model/Partial.cpp, rules PT1-PT6): the shipped
// scenarios of scenarios/callbacks, what a partial keeps and releases and
// in which order, its calls from scenario code and from the runtime, the
// per-profile count of a collected partial, and bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

TEST(Partial, ShippedScenariosHaveTheirVerdicts) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"partial-bound-method-cycle-bug", "violates expect"},
      {"partial-bound-method-cycle-collected", "holds"},
      {"partial-weakref-callback", "holds"},
      {"partial-keeps-arguments", "holds"},
      {"partial-finalize-keeps-referent-bug", "violates finalize-keeps-referent"},
      {"partial-finalize-plain-function", "holds"},
  };
  for (const auto& [name, verdict] : want)
    EXPECT_EQ(verdict_text(load_file("scenarios/callbacks/" + name + ".life")), verdict) << name;
}

// PT1, PT5, G16: the cycle instance -> partial -> bound method -> instance
// is freed by the collector only; the count is the instance, the method,
// the partial and its args tuple, plus the keywords dict where an empty
// dict is tracked (3.14, GH-127010), as observed on 3.11.7-3.13.15; the
// free-threaded collector does not count the atomic args tuple.
TEST(Partial, CollectedCycleCountsTheKeywordsDictOnlyIn314) {
  const std::string body =
      "import functools\n"
      "class H:\n"
      "    def handle(self, x):\n"
      "        pass\n"
      "h = H()\n"
      "h.cb = functools.partial(h.handle, 5)\n"
      "del h\n"
      "n = gc.collect()\n"
      "log('collected', n)\n";
  for (const char* profile : {"P311", "P312", "P313", "P313L"})
    EXPECT_EQ(logs_under(profile, body), Strings{"collected 4"}) << profile;
  for (const char* profile : {"P314g", "P314i4"})
    EXPECT_EQ(logs_under(profile, body), Strings{"collected 5"}) << profile;
  // FN7b: the free-threaded collector untracks the atomic args tuple (5,)
  // in its heap walk, garbage or not (3.13.15t: 3, gc.garbage holding H,
  // partial and method only)
  EXPECT_EQ(logs_under("P313t", body), Strings{"collected 3"});
  EXPECT_EQ(logs_under("P314t", body), Strings{"collected 4"});
  // no stored argument: the args tuple is the empty-tuple singleton
  std::string none = body;
  none.replace(none.find("h.handle, 5"), 11, "h.handle");
  EXPECT_EQ(logs_under("P313", none), Strings{"collected 3"});
  EXPECT_EQ(logs_under("P314g", none), Strings{"collected 4"});
}

// PT3, PT4: the stored arguments come first; a partial of a partial takes
// the inner one's function and arguments over; from a lambda, a method
// through an attribute, and a weakref callback.
TEST(Partial, CallsPassTheStoredArgumentsFirst) {
  expect_logs_under_every_profile(
      "import functools\n"
      "def f(a, b, c):\n"
      "    log(a, b, c)\n"
      "    return a\n"
      "p = functools.partial(f, 1)\n"
      "log('r', p(2, 3))\n"
      "q = functools.partial(p, 'x')\n"
      "q('y')\n"
      "g = functools.partial(lambda a, b: log('lambda', a, b), 9)\n"
      "g(8)\n"
      "class C:\n"
      "    def m(self, a):\n"
      "        log('m', self, a)\n"
      "c = C()\n"
      "c.cb = functools.partial(c.m, 'z')\n"
      "c.cb()\n"
      "from functools import partial\n"
      "partial(f, 4, 5)(6)\n",
      {"1 2 3", "r 1", "1 x y", "lambda 9 8", "m c z", "4 5 6"});
}

// PT4: a wrong number of arguments raises TypeError at the call, which
// `except TypeError` catches; the partial is not callable with keywords
// from the front end either way (refused below).
TEST(Partial, WrongArityRaisesTypeErrorAtTheCall) {
  expect_logs_under_every_profile(
      "import functools\n"
      "def f(a, b):\n"
      "    log(a, b)\n"
      "p = functools.partial(f, 1)\n"
      "try:\n"
      "    p(2, 3)\n"
      "except TypeError:\n"
      "    log('TypeError')\n"
      "p(2)\n",
      {"TypeError", "1 2"});
}

// PT6: when the partial dies, fn goes first (the bound method's owner),
// then the args tuple, which releases its items last to first (observed
// on all five interpreters: "del fnowner, del arg2, del arg1").
TEST(Partial, DeathReleasesFnThenArgsLastToFirst) {
  expect_logs_under_every_profile(
      "import functools\n"
      "class B:\n"
      "    def m(self, a, b):\n"
      "        pass\n"
      "    def __del__(self):\n"
      "        log('del', self)\n"
      "owner = B()\n"
      "a1 = B()\n"
      "a2 = B()\n"
      "p = functools.partial(owner.m, a1, a2)\n"
      "del owner\n"
      "del a1\n"
      "del a2\n"
      "log('holding')\n"
      "del p\n",
      {"holding", "del owner", "del a2", "del a1"});
}

// PT4: CALL keeps the partial and its arguments until the callee returned:
// an argument made for the call dies after the callee's frame, and a
// partial only the call holds dies after its function returned.
TEST(Partial, CallHoldsThePartialAndArgumentsUntilItReturns) {
  expect_logs_under_every_profile(
      "import functools\n"
      "class R:\n"
      "    def __del__(self):\n"
      "        log('del', self)\n"
      "def f(tag, r):\n"
      "    log('in f', tag)\n"
      "holder = R()\n"
      "p = functools.partial(f, holder)\n"
      "del holder\n"
      "p(R())\n"
      "log('next')\n"
      "functools.partial(f, 'tmp')(None)\n"
      "log('end')\n",
      {"in f holder", "del R@11", "next", "in f tmp", "end"});
}

// A weakref to a partial: its callback runs when the partial dies (PT6
// clears the weakrefs before fn and args go).
TEST(Partial, WeakrefToAPartialIsClearedFirst) {
  expect_logs_under_every_profile(
      "import functools\n"
      "class B:\n"
      "    def __del__(self):\n"
      "        log('del b')\n"
      "def f(x):\n"
      "    pass\n"
      "def gone(wr):\n"
      "    log('partial gone')\n"
      "p = functools.partial(f, B())\n"
      "w = weakref.ref(p, gone)\n"
      "del p\n",
      {"partial gone", "del b"});
}

// PT1: the partial, its args tuple and keywords dict are tracked as in
// CPython: the dict lazily (3.11-3.13) or at creation (3.14).
TEST(Partial, TrackingOfTheMembers) {
  const std::string text =
      "import functools\n"
      "def f(a):\n"
      "    pass\n"
      "p = functools.partial(f, 1)\n"
      "log(gc.is_tracked(p), gc.is_tracked(p.args), gc.is_tracked(p.keywords))\n";
  for (const char* profile : {"P311", "P312", "P313", "P313t"})
    EXPECT_EQ(logs_under(profile, text), Strings{"True True False"}) << profile;
  EXPECT_EQ(logs_under("P314g", text), Strings{"True True True"});
}

TEST(Partial, ScenariosWithoutPartialsDeclareNoPartialType) {
  for (const std::string& f : scenario_files()) {
    if (f.find("scenarios/callbacks/") != std::string::npos) continue;
    const model::Program p = load_file(f);
    EXPECT_EQ(p.partial_type, model::kNoType) << f;
  }
}

}  // namespace

std::vector<BadScenario> lang_error_cases_partial() {
  return {
      {"PartialNoArguments", "import functools\np = functools.partial()\n", 2, 15,
       "functools.partial() takes a function and its first arguments"},
      {"PartialNotCallable", "import functools\np = functools.partial(5, 1)\n", 2, 23,
       "the first argument of functools.partial must be callable"},
      {"PartialTooManyStored",
       "import functools\ndef f(a):\n    pass\np = functools.partial(f, 1, 2)\n", 4, 23,
       "functools.partial() stores 2 arguments, but 'f' takes 1 parameter"},
      {"PartialKeywords", "import functools\ndef f(a):\n    pass\np = functools.partial(f, a=1)\n",
       4, 28, "keyword arguments to functools.partial are not supported"},
      {"PartialOtherFunction", "import functools\np = functools.reduce(f, 1)\n", 2, 15,
       "'functools.reduce()' is not part of the scenario language; functools has partial"},
      {"PartialWeakrefCallbackArity",
       "import functools\ndef cb(a, b, wr):\n    pass\nclass O:\n    pass\no = O()\n"
       "w = weakref.ref(o, functools.partial(cb, 1))\n",
       7, 38,
       "functools.partial() stores 1 argument and the weakref callback's call passes the "
       "weakref, but 'cb' takes 3 parameters"},
      {"PartialOfClass", "import functools\nclass O:\n    pass\np = functools.partial(O)\n", 4, 23,
       "a functools.partial of a class is not modelled"},
      {"PartialImportOther", "from functools import reduce\n", 1, 1,
       "'functools.reduce' is not part of the scenario language"},
  };
}

}  // namespace lifecheck::testing
