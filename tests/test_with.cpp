// `with` on a user context manager (model/With.cpp, rules WT1-WT6): the
// shipped scenarios of scenarios/with, the log order per profile, the bound
// methods 3.11-3.13 make (none under 3.14), the exception paths, and bad
// input.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

TEST(With, ShippedScenariosHaveTheirVerdicts) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"closed-before-block-objects-die", "holds"},
      {"del-inside-block-keeps-object", "holds"},
      {"expect-dies-at-del-in-block-bug", "violates expect"},
      {"del-before-exit-bug", "violates expect"},
      {"exit-swallows-exception", "holds"},
      {"exit-raises-replaces-exception", "holds"},
      {"return-inside-block", "holds"},
      {"thread-exit-drops-shared", "holds"},
      {"nested-and-multiple-items", "holds"},
      {"missing-exit-typeerror", "holds"},
      {"generator-close-runs-exit", "holds"},
  };
  for (const auto& [name, verdict] : want)
    EXPECT_EQ(verdict_text(load_file("scenarios/with/" + name + ".life")), verdict) << name;
}

const char* const kManager =
    "class M:\n"
    "    def __init__(self, name):\n"
    "        self.name = name\n"
    "    def __enter__(self):\n"
    "        log('enter', self.name)\n"
    "        return self\n"
    "    def __exit__(self, exc_type, exc, tb):\n"
    "        log('exit', self.name, exc_type is None, exc is None)\n"
    "        return False\n"
    "    def __del__(self):\n"
    "        log('del', self.name)\n";

// WT1-WT3: enter, body, exit, then the subject dies (no other reference),
// before the statement after the with, under every profile.
TEST(With, NormalExitOrder) {
  expect_logs_under_every_profile(std::string(kManager) +
                                      "with M('a') as m:\n"
                                      "    del m\n"
                                      "    log('body')\n"
                                      "log('after')\n",
                                  {"enter a", "body", "exit a True True", "del a", "after"});
}

// WT3: a return, break and continue out of the block call __exit__ with
// Nones on their way out.
TEST(With, JumpsOutCallExit) {
  expect_logs_under_every_profile(
      std::string(kManager) +
          "def f():\n"
          "    with M('r'):\n"
          "        return 1\n"
          "log('f', f())\n"
          "for i in range(2):\n"
          "    with M('c'):\n"
          "        continue\n"
          "while True:\n"
          "    with M('b'):\n"
          "        break\n"
          "log('end')\n",
      {"enter r", "exit r True True", "del r", "f 1", "enter c", "exit c True True", "del c",
       "enter c", "exit c True True", "del c", "enter b", "exit b True True", "del b", "end"});
}

// WT4, WT5: the exception reaches __exit__ (not None), a false result lets
// it go on; the subject dies before the outer handler runs.
TEST(With, ExceptionReachesExitAndGoesOn) {
  expect_logs_under_every_profile(std::string(kManager) +
                                      "try:\n"
                                      "    with M('e'):\n"
                                      "        raise ValueError('x')\n"
                                      "except ValueError:\n"
                                      "    log('caught')\n",
                                  {"enter e", "exit e False False", "del e", "caught"});
}

// WT3: __exit__ raising on the normal exit propagates; the with's slot is
// released as the stack unwinds, but the traceback keeps __exit__'s frame
// and its self until the handler ends.
TEST(With, ExitRaisingOnNormalExit) {
  expect_logs_under_every_profile(
      "class M:\n"
      "    def __enter__(self):\n"
      "        return None\n"
      "    def __exit__(self, exc_type, exc, tb):\n"
      "        raise KeyError('k')\n"
      "    def __del__(self):\n"
      "        log('del')\n"
      "try:\n"
      "    with M() as n:\n"
      "        log('body', n is None)\n"
      "except KeyError:\n"
      "    log('caught')\n",
      {"body True", "caught", "del"});
}

// WT2: __enter__ raising: no __exit__; the subject lives on in the
// traceback (the __enter__ frame's self) until the handler ends.
TEST(With, EnterRaising) {
  expect_logs_under_every_profile(
      "class M:\n"
      "    def __enter__(self):\n"
      "        raise ValueError('no')\n"
      "    def __exit__(self, exc_type, exc, tb):\n"
      "        log('exit')\n"
      "    def __del__(self):\n"
      "        log('del')\n"
      "try:\n"
      "    with M():\n"
      "        log('body')\n"
      "except ValueError:\n"
      "    log('caught')\n",
      {"caught", "del"});
}

// WT1: a subject without __enter__/__exit__ known only at run time raises
// TypeError; the instance dict is never consulted.
TEST(With, NoProtocolRaisesTypeError) {
  expect_logs_under_every_profile(std::string(kManager) +
                                      "class P:\n"
                                      "    pass\n"
                                      "def make():\n"
                                      "    return P()\n"
                                      "try:\n"
                                      "    with make():\n"
                                      "        log('body')\n"
                                      "except TypeError:\n"
                                      "    log('TypeError')\n",
                                  {"TypeError"});
}

// The number of method objects alive inside the block: 3.11-3.13 keep the
// bound __exit__ (WT1); 3.14 makes none.
size_t methods_alive_in_block(const char* profile) {
  const std::string text = std::string(kManager) +
                           "with M('a'):\n"
                           "    log('inside')\n"
                           "log('after')\n";
  model::Program p = load_text_under(text, profile);
  model::Model m(p);
  size_t most = 0;
  for_each_state(m, 10000, [&](const model::State& s) {
    size_t methods = 0;
    for (const model::Object& x : s.objects)
      if (x.live && x.type == model::kMethodType) ++methods;
    most = std::max(most, methods);
  });
  return most;
}

TEST(With, BoundMethodsPerProfile) {
  for (const char* profile : {"3.11", "3.12", "3.13", "3.13t"})
    EXPECT_EQ(methods_alive_in_block(profile), 2u) << profile;  // __enter__'s during its call
  for (const char* profile : {"3.14", "3.14t"})
    EXPECT_EQ(methods_alive_in_block(profile), 0u) << profile;
}

// Locks keep their own with (LK5) in scenarios without context managers.
TEST(With, LockWithUnchangedWithoutContextManagers) {
  expect_logs_under_every_profile(
      "import threading\n"
      "L = threading.Lock()\n"
      "with L:\n"
      "    log('held', L.locked())\n"
      "log('free', L.locked())\n",
      {"held True", "free False"});
}

}  // namespace

std::vector<BadScenario> lang_error_cases_with() {
  return {
      {"WithEnterParams",
       "class M:\n    def __enter__(self, x):\n        return self\n"
       "    def __exit__(self, a, b, c):\n        pass\n",
       2, 25, "__enter__ takes exactly one parameter, 'self'"},
      {"WithExitParams",
       "class M:\n    def __enter__(self):\n        return self\n"
       "    def __exit__(self, a, b):\n        pass\n",
       4, 5, "__exit__ takes exactly four parameters (self, exc_type, exc, tb)"},
      {"WithClassWithoutExit",
       "class M:\n    def __enter__(self):\n        return self\n"
       "with M():\n    pass\n",
       4, 6, "'M' object does not support the context manager protocol (missed __exit__ method)"},
      {"WithAsAttribute",
       "class M:\n    def __enter__(self):\n        return self\n"
       "    def __exit__(self, a, b, c):\n        pass\n"
       "with M() as m.x:\n    pass\n",
       6, 14, "expected ':' after the 'with' header"},
      {"WithOnInt",
       "class M:\n    def __enter__(self):\n        return self\n"
       "    def __exit__(self, a, b, c):\n        pass\n"
       "with 3 as m:\n    pass\n",
       6, 6, "'with' takes a context manager"},
  };
}

}  // namespace lifecheck::testing
