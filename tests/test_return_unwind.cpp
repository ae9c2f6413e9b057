// `return` inside try (its body, except clauses, else and finally) and
// inside `with L:` (model/CodeGenBlocks.cpp, rules FN8a and FN8b of
// docs/semantics.md): the finally clauses and lock exits a return leaves
// run innermost first, its value is held while they run, a return in a
// finally clause overrides the pending return and swallows the pending
// exception, an except clause left by a return unbinds its name and stops
// handling its exception; the shipped scenarios of scenarios/return-unwind.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;
const char* kNode =
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del', self)\n";

TEST(ReturnUnwind, ShippedScenariosHaveTheirVerdicts) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"return-runs-finally", "holds"},
      {"return-value-kept-through-finally", "holds"},
      {"return-value-dies-in-finally-bug", "violates expect"},
      {"return-in-finally-overrides", "holds"},
      {"return-in-finally-swallows", "holds"},
      {"return-in-finally-swallows-bug", "violates expect"},
      {"return-from-except-as", "holds"},
      {"return-from-except-as-stored-bug", "violates expect"},
      {"return-in-with-releases-lock", "holds"},
      {"return-with-inner-finally-deadlock-bug", "violates deadlock"},
      {"return-with-outer-finally", "holds"},
      {"return-from-loop-closes-iterator-first", "holds"},
      {"return-in-del-and-callback", "holds"},
  };
  for (const auto& [name, verdict] : want)
    EXPECT_EQ(verdict_text(load_file("scenarios/return-unwind/" + name + ".life")), verdict)
        << name;
}

// FN8a: the finally runs after the return's value is evaluated and before
// the frame's locals go; the value is held through it, so `del x` there
// does not free it.
TEST(ReturnUnwind, ValueIsEvaluatedFirstAndHeldThroughTheFinally) {
  const std::string text = std::string(kNode) +
                           "def note(v):\n"
                           "    log('evaluated')\n"
                           "    return v\n"
                           "def f():\n"
                           "    x = Node()\n"
                           "    y = Node()\n"
                           "    try:\n"
                           "        return note(x)\n"
                           "    finally:\n"
                           "        del x\n"
                           "        log('finally')\n"
                           "        del y\n"
                           "        log('finally done')\n"
                           "r = f()\n"
                           "log('got')\n"
                           "del r\n"
                           "log('end')\n";
  expect_logs_under_every_profile(
      text, {"evaluated", "finally", "del y", "finally done", "got", "del x", "end"});
}

// FN8a: every kind of body that may return: a nested def, a __del__
// method and a weakref callback.
TEST(ReturnUnwind, FinallyRunsInEveryKindOfBody) {
  const std::string text =
      "class C:\n"
      "    def __del__(self):\n"
      "        try:\n"
      "            return 5\n"
      "        finally:\n"
      "            log('del finally')\n"
      "def outer():\n"
      "    def inner():\n"
      "        try:\n"
      "            return 'inner'\n"
      "        finally:\n"
      "            log('inner finally')\n"
      "    return inner()\n"
      "def gone(wr):\n"
      "    try:\n"
      "        return 1\n"
      "    finally:\n"
      "        log('callback finally')\n"
      "c = C()\n"
      "log(outer())\n"
      "w = weakref.ref(c, gone)\n"
      "del c\n"
      "log('end')\n";
  expect_logs_under_every_profile(
      text, {"inner finally", "inner", "del finally", "callback finally", "end"});
}

// FN8b: a return in the finally clause overrides the pending return: the
// first value is dropped after the second is evaluated, before the locals;
// and it swallows an exception that is unwinding.
TEST(ReturnUnwind, ReturnInFinallyOverridesAndSwallows) {
  const std::string text = std::string(kNode) +
                           "def second():\n"
                           "    log('second evaluated')\n"
                           "    return 2\n"
                           "def f():\n"
                           "    a = Node()\n"
                           "    keep = Node()\n"
                           "    try:\n"
                           "        return a\n"
                           "    finally:\n"
                           "        del a\n"
                           "        return second()\n"
                           "def g():\n"
                           "    try:\n"
                           "        raise ValueError\n"
                           "    finally:\n"
                           "        return 'swallowed'\n"
                           "def h():\n"
                           "    try:\n"
                           "        log('h body')\n"
                           "    finally:\n"
                           "        return 'h'\n"
                           "log(f())\n"
                           "try:\n"
                           "    log(g())\n"
                           "except ValueError:\n"
                           "    log('not reached')\n"
                           "log(h())\n";
  expect_logs_under_every_profile(
      text, {"second evaluated", "del a", "del keep", "2", "swallowed", "h body", "h"});
}

// FN8a, X4, X8: a return from `except E as e` deletes e and stops handling
// the exception; a bare raise in the caller's clause raises the caller's
// exception again. A return in the else clause runs the finally too.
TEST(ReturnUnwind, ReturnFromAClauseEndsIt) {
  const std::string text = std::string(kNode) +
                           "def f():\n"
                           "    x = Node()\n"
                           "    try:\n"
                           "        raise ValueError\n"
                           "    except ValueError as e:\n"
                           "        return 'from handler'\n"
                           "    finally:\n"
                           "        log('finally')\n"
                           "def g():\n"
                           "    try:\n"
                           "        log('body')\n"
                           "    except ValueError:\n"
                           "        log('not reached')\n"
                           "    else:\n"
                           "        return 'from else'\n"
                           "    finally:\n"
                           "        log('g finally')\n"
                           "try:\n"
                           "    try:\n"
                           "        raise KeyError\n"
                           "    except KeyError:\n"
                           "        log(f())\n"
                           "        raise\n"
                           "except KeyError:\n"
                           "    log('KeyError again')\n"
                           "log(g())\n";
  expect_logs_under_every_profile(text, {"finally", "del x", "from handler", "KeyError again",
                                         "body", "g finally", "from else"});
  // The traceback's frame object holds no local once e is gone: x dies by
  // refcount, no collection needed.
  EXPECT_EQ(verdict_text(load_text(text + "expect finalize x by refcount once\n")), "holds");
}

// IT9, FN8a: code a return inlined out of a try is not covered by that
// try's handlers: an exception its finally raises goes to the outer try,
// not to the same try's except clause, nor to the `as` clause's cleanup
// (which would delete the name a second time).
TEST(ReturnUnwind, ExceptionFromAnInlinedFinallyGoesOutward) {
  const std::string text =
      "def f():\n"
      "    try:\n"
      "        try:\n"
      "            return 1\n"
      "        except KeyError:\n"
      "            log('same try')\n"
      "        finally:\n"
      "            raise KeyError\n"
      "    except KeyError:\n"
      "        log('outer try')\n"
      "    return 2\n"
      "def g():\n"
      "    try:\n"
      "        try:\n"
      "            raise ValueError\n"
      "        except ValueError as e:\n"
      "            return 1\n"
      "        finally:\n"
      "            raise KeyError\n"
      "    except KeyError:\n"
      "        log('KeyError')\n"
      "    except NameError:\n"
      "        log('not reached')\n"
      "    return 3\n"
      "log(f())\n"
      "log(g())\n";
  expect_logs_under_every_profile(text, {"outer try", "2", "KeyError", "3"});
}

// LK5, FN8a: a return inside `with L:` releases L; nested blocks unwind
// innermost first (a finally inside the with runs while L is held, one
// outside after it is released); an RLock is released once per with.
TEST(ReturnUnwind, ReturnInsideWithReleasesInnermostFirst) {
  const std::string text =
      "import threading\n"
      "L = threading.Lock()\n"
      "R = threading.RLock()\n"
      "def f():\n"
      "    try:\n"
      "        with L:\n"
      "            try:\n"
      "                return 'f'\n"
      "            finally:\n"
      "                log('inner', L.locked())\n"
      "    finally:\n"
      "        log('outer', L.locked())\n"
      "def g():\n"
      "    with R:\n"
      "        with R:\n"
      "            for i in range(3):\n"
      "                return 'g'\n"
      "def h():\n"
      "    while True:\n"
      "        with L:\n"
      "            return 'h'\n"
      "log(f(), L.locked())\n"
      "log(g())\n"
      "with R:\n"
      "    log('R free')\n"
      "log(h(), L.locked())\n";
  expect_logs_under_every_profile(
      text, {"inner True", "outer False", "f False", "g", "R free", "h False"});
}

// FN8a: leaving a for loop drops its iterator before the finally clauses
// outside the loop run; a finally inside the loop runs first.
TEST(ReturnUnwind, LoopIteratorGoesBeforeOuterFinally) {
  const std::string text =
      "def walk():\n"
      "    try:\n"
      "        yield 1\n"
      "    finally:\n"
      "        log('generator closed')\n"
      "def f():\n"
      "    try:\n"
      "        for v in walk():\n"
      "            try:\n"
      "                return v\n"
      "            finally:\n"
      "                log('in loop')\n"
      "    finally:\n"
      "        log('outside loop')\n"
      "log(f())\n";
  expect_logs_under_every_profile(text, {"in loop", "generator closed", "outside loop", "1"});
}

// Step boundaries: returning from inside `with L:` runs __exit__ with the
// normal exit's check and then RETURN_VALUE, which has none: the same
// checks as leaving the block and returning after it, so the same states
// and the same interleavings with another thread.
TEST(ReturnUnwind, ReturnInsideWithHasTheNormalExitsChecks) {
  auto program = [](const char* body) {
    return std::string(
               "import threading\n"
               "L = threading.Lock()\n"
               "def take(who):\n") +
           body +
           "thread T1:\n"
           "    take('T1')\n"
           "    log('T1 back')\n"
           "thread T2:\n"
           "    take('T2')\n";
  };
  const std::string inside = program(
      "    with L:\n"
      "        log('in', who)\n"
      "        return 1\n");
  const std::string after = program(
      "    with L:\n"
      "        log('in', who)\n"
      "    return 1\n");
  for (const char* profile : kEveryProfile) {
    const auto a = check(load_text_under(inside, profile));
    const auto b = check(load_text_under(after, profile));
    EXPECT_EQ(a.verdict, checker::Verdict::Holds) << profile;
    EXPECT_EQ(a.stats.states, b.stats.states) << profile;
    EXPECT_EQ(a.stats.transitions, b.stats.transitions) << profile;
  }
}

}  // namespace
}  // namespace lifecheck::testing
