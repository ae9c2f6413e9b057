// `break` and `continue` inside an except clause or a finally clause of a
// loop (model/CodeGenBlocks.cpp `leave_blocks`, rule IT9 of
// docs/semantics.md): leaving a clause pops its exception (POP_EXCEPT), so
// the exception and what its traceback keeps die at the jump, `except E as
// e` unbinds e, the exception handled before is the handled one again, and
// a jump out of the finally clause run for an exception swallows it; the
// shipped scenarios of scenarios/loops. The log orders were checked against
// CPython 3.11.7, 3.12.1 and 3.13.0 (and the free-threaded 3.13.15t).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "emit/PythonEmitter.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;
// A node that logs its name when it dies, made in a frame that an
// exception leaves: its traceback keeps the node (X1).
const char* kFail =
    "import threading\n"
    "L = threading.Lock()\n"
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del', self.name, L.locked())\n"
    "def fail(name):\n"
    "    n = Node()\n"
    "    n.name = name\n"
    "    raise ValueError\n";

TEST(BreakInHandler, ShippedScenariosHaveTheirVerdicts) {
  const std::vector<std::pair<std::string, std::string>> want = {
      {"break-in-except", "holds"},
      {"break-in-except-stored-bug", "violates expect"},
      {"continue-in-except-as", "holds"},
      {"break-in-finally-swallows", "holds"},
      {"break-in-finally-swallows-bug", "violates expect"},
      {"break-from-nested-except", "holds"},
      {"break-from-nested-except-order-bug", "violates expect"},
      {"continue-in-nested-except", "holds"},
      {"break-in-except-with-lock", "holds"},
      {"continue-in-finally-while", "holds"},
  };
  for (const auto& [name, verdict] : want)
    EXPECT_EQ(verdict_text(load_file("scenarios/loops/" + name + ".life")), verdict) << name;
}

// IT9: the blocks a break leaves go innermost first: the with inside the
// clause (__exit__ frees L), the clause (its exception, and the node, die),
// the finally of the try around it, then the loop's iterator (a generator
// closed).
TEST(BreakInHandler, BreakLeavesWithThenClauseThenFinallyThenLoop) {
  const std::string text = std::string(kFail) +
                           "def walk():\n"
                           "    try:\n"
                           "        yield 1\n"
                           "        yield 2\n"
                           "    finally:\n"
                           "        log('generator closed')\n"
                           "def f():\n"
                           "    for v in walk():\n"
                           "        try:\n"
                           "            try:\n"
                           "                fail('a')\n"
                           "            except ValueError as e:\n"
                           "                with L:\n"
                           "                    log('in with')\n"
                           "                    break\n"
                           "        finally:\n"
                           "            log('finally', L.locked())\n"
                           "    log('after loop')\n"
                           "f()\n";
  expect_logs_under_every_profile(
      text, {"in with", "del a False", "finally False", "generator closed", "after loop"});
}

// X4, X8: a continue from `except E as e` drops each exception before the
// next iteration and leaves e unbound.
TEST(BreakInHandler, ContinueFromExceptAsUnbindsTheName) {
  const std::string text = std::string(kFail) +
                           "def f():\n"
                           "    for i in [1, 2]:\n"
                           "        log('iteration', i)\n"
                           "        try:\n"
                           "            fail(i)\n"
                           "        except ValueError as e:\n"
                           "            continue\n"
                           "    try:\n"
                           "        log(e)\n"
                           "    except NameError:\n"
                           "        log('e unbound')\n"
                           "f()\n";
  expect_logs_under_every_profile(
      text, {"iteration 1", "del 1 False", "iteration 2", "del 2 False", "e unbound"});
}

// FN8b: a break or continue in the finally clause run for an exception
// swallows it; inside a nested except clause the break leaves that clause
// first and then the finally clause (inner exception first).
TEST(BreakInHandler, JumpOutOfFinallySwallowsTheException) {
  const std::string text = std::string(kFail) +
                           "def g():\n"
                           "    for v in [1, 2]:\n"
                           "        try:\n"
                           "            fail('b')\n"
                           "        finally:\n"
                           "            try:\n"
                           "                fail('c')\n"
                           "            except ValueError:\n"
                           "                log('inner')\n"
                           "                break\n"
                           "    log('after g')\n"
                           "def h():\n"
                           "    for v in [1, 2]:\n"
                           "        try:\n"
                           "            fail(v)\n"
                           "        except ValueError:\n"
                           "            try:\n"
                           "                pass\n"
                           "            finally:\n"
                           "                log('inner finally')\n"
                           "                continue\n"
                           "    log('after h')\n"
                           "try:\n"
                           "    g()\n"
                           "    h()\n"
                           "except ValueError:\n"
                           "    log('not reached')\n";
  expect_logs_under_every_profile(
      text, {"inner", "del c False", "del b False", "after g", "inner finally", "del 1 False",
             "inner finally", "del 2 False", "after h"});
}

// X8: a continue that leaves an inner clause only makes the outer
// exception the handled one again: a bare raise after the loop raises it,
// and it lives until its own clause ends. A while loop, with a test.
TEST(BreakInHandler, OuterExceptionIsHandledAgain) {
  const std::string text = std::string(kFail) +
                           "items = [1, 2]\n"
                           "def f():\n"
                           "    try:\n"
                           "        try:\n"
                           "            fail('outer')\n"
                           "        except ValueError:\n"
                           "            while items:\n"
                           "                x = items.pop()\n"
                           "                try:\n"
                           "                    fail(x)\n"
                           "                except ValueError:\n"
                           "                    continue\n"
                           "            log('after loop')\n"
                           "            raise\n"
                           "    except ValueError:\n"
                           "        log('outer again')\n"
                           "    log('end')\n"
                           "f()\n";
  expect_logs_under_every_profile(
      text, {"del 2 False", "del 1 False", "after loop", "outer again", "del outer False", "end"});
}

// Statements after the jump in its clause are compiled at the clause's
// stack depth: an exception they would raise still finds the clause's
// handlers (here the jump is behind an if).
TEST(BreakInHandler, CodeAfterAConditionalJumpKeepsTheClause) {
  const std::string text = std::string(kFail) +
                           "def f(stop):\n"
                           "    for i in [1, 2]:\n"
                           "        try:\n"
                           "            fail(i)\n"
                           "        except ValueError as e:\n"
                           "            if stop:\n"
                           "                break\n"
                           "            raise KeyError\n"
                           "        finally:\n"
                           "            log('finally', i)\n"
                           "    return 'done'\n"
                           "log(f(True))\n"
                           "try:\n"
                           "    f(False)\n"
                           "except KeyError:\n"
                           "    log('KeyError')\n";
  expect_logs_under_every_profile(
      text, {"del 1 False", "finally 1", "done", "finally 1", "KeyError", "del 1 False"});
}

// emit-python writes a break or continue that leaves a clause: the loop's
// body is a one-pass `while True` that the jump leaves (the clause pops its
// exception on the way), before the script's check (tests/test_emit_loops.cpp).
TEST(BreakInHandler, EmitPythonWritesJumpsLeavingAClause) {
  const std::string loop =
      "for i in [1, 2]:\n"
      "    try:\n"
      "        raise ValueError\n"
      "    except ValueError:\n"
      "        ";
  EXPECT_FALSE(emit::interpreter_problem(load_text(loop + "continue\n")).has_value());
  EXPECT_FALSE(emit::interpreter_problem(load_text(loop + "break\n")).has_value());
  const std::string in_finally =
      "for i in [1, 2]:\n"
      "    try:\n"
      "        pass\n"
      "    finally:\n"
      "        for j in [1]:\n"
      "            continue\n"
      "        continue\n";
  const model::Program p = load_text(in_finally);
  EXPECT_FALSE(emit::interpreter_problem(p).has_value());
  const std::string py = emit::emit_python(p);
  EXPECT_NE(py.find("_turn(); continue  # line 6\n"), std::string::npos) << py;  // the inner's
  EXPECT_NE(py.find(" = 1; break  # line 7\n"), std::string::npos) << py;
}

}  // namespace
}  // namespace lifecheck::testing
