// LangErrors cases (statements: try, generators, loops and joins): malformed scenarios rejected at
// the offending token; test_lang_errors.cpp runs them all.
#include "LangErrorCases.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_statements() {
  return {
      // Statements outside the language, and misplaced ones.
      {"AsyncStatement",
       "async x:\n"
       "    pass\n",
       1, 1, "'async' is not part of the scenario language"},
      // while loops (IT7; the session of 2026-12-04, sixth)
      {"WhileWithoutCondition", "while:\n    pass\n", 1, 6, "expected an expression, found ':'"},
      {"WhileTestIsLog", "while log(1):\n    pass\n", 1, 7, "log(...) is a statement, not a value"},
      {"WhileTestUnknownName", "while ready:\n    pass\n", 1, 7, "unknown name 'ready'"},
      {"WhileWithoutColon", "while True\n    pass\n", 1, 11,
       "expected ':' after the 'while' header, found end of line"},
      {"WhileWithoutBlock", "while True:\npass\n", 2, 1,
       "expected an indented block after the 'while' header"},
      {"BreakInWhileElse", "while True:\n    pass\nelse:\n    break\n", 4, 5,
       "'break' outside a loop"},
      {"ContinueInWhileElse", "x = [1]\nwhile x:\n    x.pop()\nelse:\n    continue\n", 5, 5,
       "'continue' outside a loop"},
      // in an except or finally clause a jump needs a loop around the try
      // (inside one it is part of the language: IT9)
      {"ContinueInExceptOutsideLoop",
       "try:\n"
       "    pass\n"
       "except ValueError:\n"
       "    continue\n",
       4, 5, "'continue' outside a loop"},
      {"ReturnInModuleCode", "x = 1\nreturn x\n", 2, 1, "'return' outside function"},
      // try/except/else/finally (issue 12 point 3, X2-X6)
      {"ExceptWithoutTry", "except ValueError:\n    pass\n", 1, 1,
       "'except' without a matching 'try'"},
      {"FinallyWithoutTry", "x = 1\nfinally:\n    pass\n", 2, 1,
       "'finally' without a matching 'try'"},
      {"TryWithoutHandler", "try:\n    pass\nx = 1\n", 3, 1,
       "expected 'except' or 'finally' after the 'try' block, found"},
      {"TryElseWithoutExcept", "try:\n    pass\nelse:\n    pass\n", 3, 1,
       "'else' after 'try' needs an 'except' clause"},
      {"BareExceptNotLast", "try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass\n", 5,
       1, "a bare 'except:' must be the last except clause"},
      {"BareExceptWithAs", "try:\n    pass\nexcept as e:\n    pass\n", 3, 8,
       "a bare 'except' cannot bind a name with 'as'"},
      {"ExceptAsWithoutName", "try:\n    pass\nexcept ValueError as:\n    pass\n", 3, 21,
       "expected a name after 'as'"},
      {"ExceptNoNames", "try:\n    pass\nexcept ():\n    pass\n", 3, 9,
       "expected an exception name after 'except'"},
      {"ExceptAsBindsAClass",
       "class Node:\n    pass\ntry:\n    pass\nexcept ValueError as Node:\n    pass\n", 5, 22,
       "cannot assign to 'Node'"},
      // Generators (issue 12 point 5, Y1-Y6)
      {"YieldInModuleCode", "x = 1\nyield x\n", 2, 1,
       "'yield' is only supported in a module-level def (not in module code)"},
      {"YieldInThread", "thread T1:\n    yield 1\n", 2, 5,
       "'yield' is only supported in a module-level def (not in a thread body)"},
      {"YieldInMethod", "class A:\n    def __del__(self):\n        yield 1\n", 3, 9,
       "'yield' is only supported in a module-level def (not in a method)"},
      {"DefaultOnModuleLevelDef", "def f(a=1):\n    pass\n", 1, 9,
       "default values are only supported on a nested def or a lambda"},
      {"GeneratorWrongArity", "def g(a):\n    yield a\nx = g()\n", 3, 5,
       "'g' takes 1 parameter, not 0"},
      {"GeneratorAsWeakrefCallback",
       "class A:\n    pass\ndef g(wr):\n    yield wr\na = A()\nw = weakref.ref(a, g)\n", 6, 20,
       "'g' is a generator function: calling it only creates a generator"},
      {"GeneratorAsGcCallback", "def g(phase, info):\n    yield 1\ngc.callbacks.append(g)\n", 3, 21,
       "'g' is a generator function"},
      {"NextWithDefault", "def g():\n    yield 1\nx = g()\ny = next(x, None)\n", 4, 5,
       "next() takes one argument here, a generator (no default)"},
      {"CloseWithArgument", "def g():\n    yield 1\nx = g()\nx.close(1)\n", 4, 9,
       "'.close()' takes no arguments"},
      // Bounded loops (issue 12 point 4): `for NAME in range(N):`, range(A, B)
      {"ForRangeOfAVariable",
       "n = 3\n"
       "for x in range(n):\n"
       "    pass\n",
       2, 16, "range() takes whole numbers here (the loop's bounds), found 'n'"},
      {"ForRangeTooLong",
       "for x in range(65):\n"
       "    pass\n",
       1, 16, "a loop runs at most 64 times, not 65"},
      {"ForRangeThreeArguments",
       "for x in range(1, 3, 1):\n"
       "    pass\n",
       1, 20, "expected ')' after range()'s bound"},
      {"ForRangeStartTooLarge",
       "for x in range(65, 66):\n"
       "    pass\n",
       1, 16, "a loop runs at most 64 times, not 65"},
      // Loops over values (IT1-IT6)
      {"ForOverAnInt",
       "for x in 3:\n"
       "    pass\n",
       1, 10, "cannot iterate over an int: a loop goes over a list, tuple, dict, set, deque"},
      {"ForOverAnIntVariable",
       "n = 3\n"
       "for x in n:\n"
       "    pass\n",
       2, 10, "cannot iterate over an int"},
      {"ForOverAWeakref",
       "class A:\n"
       "    pass\n"
       "a = A()\n"
       "w = weakref.ref(a)\n"
       "for x in w:\n"
       "    pass\n",
       5, 10, "cannot iterate over a weakref"},
      {"ForOverNone",
       "for x in None:\n"
       "    pass\n",
       1, 10, "cannot iterate over None"},
      {"ForOverAString",
       "for c in \"ab\":\n"
       "    pass\n",
       1, 10, "iterating over a string is not part of the scenario language"},
      {"BreakOutsideLoop", "x = 1\nbreak\n", 2, 1, "'break' outside a loop"},
      {"ContinueOutsideLoop", "continue\n", 1, 1, "'continue' outside a loop"},
      {"BreakInDefInLoop",
       "for x in range(2):\n"
       "    def f():\n"
       "        break\n",
       3, 9, "'break' outside a loop"},
      {"BreakInFinallyOfDefInLoop",
       "for x in range(2):\n"
       "    def f():\n"
       "        try:\n"
       "            pass\n"
       "        finally:\n"
       "            break\n",
       6, 13, "'break' outside a loop"},
      {"BreakWithValue",
       "for x in range(2):\n"
       "    break 1\n",
       2, 11, "expected end of line"},
      {"ForWithoutIn",
       "for x range(3):\n"
       "    pass\n",
       1, 7, "expected 'in' after the loop variable"},
      {"ForNotAName",
       "for 1 in range(3):\n"
       "    pass\n",
       1, 5, "expected a loop variable after 'for'"},
      {"ForWithoutColon",
       "for x in range(3)\n"
       "    pass\n",
       1, 18, "expected ':' after the 'for' header"},
      {"ForOverAClass",
       "class C:\n"
       "    pass\n"
       "for C in range(3):\n"
       "    pass\n",
       3, 5, "cannot assign to 'C'"},
      {"ImportStatement", "import os\n", 1, 8, "module 'os' is not part of the scenario language"},
      {"MinusWithASpace", "x = - 3\n", 1, 5,
       "'-' is not supported: the scenario language has no arithmetic"},
      {"MinusBeforeAName", "y = 1\nx = -y\n", 2, 5,
       "'-' is not supported: the scenario language has no arithmetic"},
      {"NegativeLiteralTooLarge", "x = -1234567\n", 1, 5, "integer literal too large"},
      // Joins: only thread bodies join, and never themselves or main.
      {"JoinUnknownThread",
       "thread main:\n"
       "    T9.join()\n",
       2, 5, "unknown name 'T9'"},
      {"ThreadJoinsItself",
       "thread T1:\n"
       "    T1.join()\n",
       2, 5, "thread 'T1' cannot join itself"},
      {"JoinAtModuleLevel",
       "thread T1:\n"
       "    pass\n"
       "T1.join()\n",
       3, 4, "join them from 'thread main:'"},
      {"JoinInFunction",
       "thread T1:\n"
       "    pass\n"
       "def cb(wr):\n"
       "    T1.join()\n",
       4, 8, "join() is only allowed in thread bodies"},
      {"JoinMainThread",
       "thread T1:\n"
       "    main.join()\n",
       2, 5, "the main thread cannot be joined"},
      {"JoinWithArgument",
       "thread T1:\n"
       "    pass\n"
       "thread main:\n"
       "    T1.join(1)\n",
       4, 8, "join() takes no arguments"},
  };
}

}  // namespace lifecheck::testing
