// while loops (issue 12; rules IT7, IT8 of docs/semantics.md): the test on
// every iteration, continue/break/else, the bytecode's shape (the check
// after a passing test), spin-waits that end and one that never does, and
// a loop that keeps growing a list ending at the model's limit.
#include <gtest/gtest.h>

#include <algorithm>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const char* const kProfiles[] = {"3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"};

Strings logs_of(const char* profile, const std::string& body) {
  Strings out = logs_under(profile, body);
  if (!out.empty() && out.front().rfind("profile", 0) == 0) out.erase(out.begin());
  return out;
}

checker::SearchResult<model::Model::Choice> check_file(const char* file, const char* profile) {
  return check(load_text_under(read_all(source_path(file)), profile));
}

// IT7: the test runs before every iteration; continue goes back to it,
// break skips the else, and the else runs when the test fails.
TEST(While, TestsBeforeEveryIteration) {
  const std::string body =
      "todo = [1, 2, 3, 4]\n"
      "while todo:\n"
      "    n = todo.pop()\n"
      "    if n == 3:\n"
      "        continue\n"
      "    log('got', n)\n"
      "    if n == 2:\n"
      "        break\n"
      "else:\n"
      "    log('not reached')\n"
      "k = [1]\n"
      "while k:\n"
      "    k.pop()\n"
      "else:\n"
      "    log('else', len(k))\n"
      "while False:\n"
      "    log('never')\n"
      "log('after')\n";
  const Strings expected = {"got 4", "got 2", "else 0", "after"};
  for (const char* profile : kProfiles) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// IT7: the shape CPython's compiler gives the loop: a test, the body, the
// test again, then the backward jump's check and the jump to the body; a
// true constant has no test.
TEST(While, LoweredAsCPythonCompilesIt) {
  const model::Program p = load_text(
      "x = True\n"
      "while x:\n"
      "    x = False\n"
      "while True:\n"
      "    break\n");
  std::vector<model::OpCode> ops;
  for (const model::Op& op : p.funcs[0].code) ops.push_back(op.code);
  using O = model::OpCode;
  const std::vector<O> tested = {O::WhileLoop,      O::LoadGlobal,  O::PopJumpIfFalse,
                                 O::LoadConst,      O::StoreGlobal, O::LoadGlobal,
                                 O::PopJumpIfFalse, O::Check,       O::Jump};
  auto at = std::search(ops.begin(), ops.end(), tested.begin(), tested.end());
  ASSERT_NE(at, ops.end());
  const size_t top = static_cast<size_t>(at - ops.begin());
  const std::vector<model::Op>& code = p.funcs[0].code;
  EXPECT_EQ(code[top + 7].b, model::kWhileBackCheck);
  EXPECT_EQ(code[top + 8].a, top + 3);  // back to the body, not to the first test
  EXPECT_EQ(code[top].a, top + 9);
  EXPECT_EQ(code[top + 2].a, top + 9);
  EXPECT_EQ(code[top + 6].a, top + 9);
  // while True: the marker, then the body (break: a jump), the check, the jump
  EXPECT_EQ(code[top + 9].code, O::WhileLoop);
  EXPECT_EQ(code[top + 10].code, O::Jump);
  EXPECT_EQ(code[top + 11].code, O::Check);
  EXPECT_EQ(code[top + 12].code, O::Jump);
}

// IT8: a spin-wait that another thread or a finalizer ends holds under
// every profile; one that nothing ends is a lasso (termination).
TEST(While, SpinWaits) {
  for (const char* profile : kProfiles) {
    for (const char* file :
         {"scenarios/loops/while-spin-finalizer.life", "scenarios/loops/while-spin-collect.life",
          "scenarios/loops/while-chain.life"}) {
      auto r = check_file(file, profile);
      EXPECT_EQ(r.verdict, checker::Verdict::Holds)
          << file << " " << profile << ": " << r.failure.message << r.limit;
    }
    auto r = check_file("scenarios/loops/while-spin-forever-bug.life", profile);
    EXPECT_EQ(r.verdict, checker::Verdict::Violated) << profile << r.limit;
    EXPECT_EQ(r.failure.properties, Strings{"termination"}) << profile;
    EXPECT_TRUE(r.loop_start.has_value()) << profile;
  }
}

// IT8: alone, a spin never ends, also with no test (while True: pass) and
// in module code; a spin on the main thread's join stage too.
TEST(While, ASpinAloneNeverEnds) {
  for (const char* text :
       {"while True:\n    pass\n", "done = False\nthread T1:\n    while not done:\n        pass\n",
        "done = False\nthread T1:\n    while True:\n        if done:\n"
        "            break\nthread T2:\n    pass\n"}) {
    auto r = check(load_text(text));
    EXPECT_EQ(r.verdict, checker::Verdict::Violated) << text << r.limit;
    EXPECT_EQ(r.failure.properties, Strings{"termination"}) << text;
  }
}

// Two threads that wait for each other's flag spin for ever; a thread that
// sets the other's flag first lets both end.
TEST(While, TwoSpinningThreads) {
  const std::string both_wait =
      "a = False\n"
      "b = False\n"
      "thread T1:\n"
      "    global a\n"
      "    while not b:\n"
      "        pass\n"
      "    a = True\n"
      "thread T2:\n"
      "    global b\n"
      "    while not a:\n"
      "        pass\n"
      "    b = True\n";
  auto r = check(load_text(both_wait));
  EXPECT_EQ(r.verdict, checker::Verdict::Violated) << r.limit;
  EXPECT_EQ(r.failure.properties, Strings{"termination"});
  const std::string one_sets =
      "a = False\n"
      "b = False\n"
      "thread T1:\n"
      "    global a\n"
      "    a = True\n"
      "    while not b:\n"
      "        pass\n"
      "thread T2:\n"
      "    global b\n"
      "    while not a:\n"
      "        pass\n"
      "    b = True\n";
  for (const char* profile : kProfiles) {
    auto ok = check(load_text_under(one_sets, profile));
    EXPECT_EQ(ok.verdict, checker::Verdict::Holds) << profile << ok.failure.message << ok.limit;
  }
}

// A loop that keeps changing the state is not bounded by a count: it ends
// at a limit of the model (8 items in a list), without a verdict.
TEST(While, AGrowingListEndsAtTheLimit) {
  auto r =
      check(load_text("class Node:\n"
                      "    pass\n"
                      "items = []\n"
                      "while True:\n"
                      "    items.append(Node())\n"));
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
}

// The backward jump is a check after the test (IT7): another thread runs
// between a test that passed and the body, so the body can find false what
// the test found true. (Were the check before the test, T1's first
// iteration and its second test would run atomically: no violation.)
TEST(While, TheCheckComesAfterThePassingTest) {
  const std::string text =
      "flag = True\n"
      "thread T1:\n"
      "    first = True\n"
      "    while flag:\n"
      "        assert flag, 'the test passed, then another thread ran'\n"
      "        if first:\n"
      "            first = False\n"
      "        else:\n"
      "            break\n"
      "thread T2:\n"
      "    global flag\n"
      "    flag = False\n";
  for (const char* profile : {"3.11", "3.12", "3.13", "3.14"}) {
    auto r = check(load_text_under(text, profile));
    EXPECT_EQ(r.verdict, checker::Verdict::Violated) << profile << r.limit;
    EXPECT_EQ(r.failure.properties, Strings{"assert"}) << profile;
  }
}

// IT9: break and continue in a try's body run its finally clause, and
// those of the try statements around it, innermost first; an exception the
// inlined finally raises is caught by the try outside it (the break is
// then abandoned), as in CPython (checked on 3.11.2: inner caught outer
// inner caught outer after).
TEST(While, BreakAndContinueRunTheFinallyClauses) {
  const std::string nested =
      "for i in range(2):\n"
      "    try:\n"
      "        try:\n"
      "            break\n"
      "        finally:\n"
      "            log('inner')\n"
      "            raise ValueError\n"
      "    except ValueError:\n"
      "        log('caught')\n"
      "    finally:\n"
      "        log('outer')\n"
      "log('after')\n";
  const Strings nested_logs = {"inner", "caught", "outer", "inner", "caught", "outer", "after"};
  const std::string loops =
      "todo = [1, 2, 3]\n"
      "while todo:\n"
      "    n = todo.pop()\n"
      "    try:\n"
      "        try:\n"
      "            if n == 3:\n"
      "                continue\n"
      "            if n == 2:\n"
      "                break\n"
      "        finally:\n"
      "            log('inner', n)\n"
      "    finally:\n"
      "        log('outer', n)\n"
      "    log('not reached')\n"
      "log('after')\n";
  const Strings loops_logs = {"inner 3", "outer 3", "inner 2", "outer 2", "after"};
  for (const char* profile : kProfiles) {
    EXPECT_EQ(logs_of(profile, nested), nested_logs) << profile;
    EXPECT_EQ(logs_of(profile, loops), loops_logs) << profile;
  }
  for (const char* file : {"scenarios/loops/break-in-try-finally.life",
                           "scenarios/loops/continue-in-try-finally.life"}) {
    auto r = check_file(file, "3.12");
    EXPECT_EQ(r.verdict, checker::Verdict::Holds) << file << r.failure.message << r.limit;
  }
}

}  // namespace
}  // namespace lifecheck::testing
