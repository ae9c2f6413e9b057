// emit-python's loops (emit/PythonWhile.cpp, rules IT7 and IT9 of
// docs/semantics.md): a loop with a continue inside a try or with
// statement runs its body inside a one-pass `while True`, so that the
// blocks the continue leaves (a finally clause, a with's __exit__, an
// except clause's POP_EXCEPT) run before the script's _turn(), where the
// model has the backward jump's check; other loops keep their plain shape;
// a while loop's else clause with a break or continue in it follows the
// loop under a flag.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "TestSupport.h"
#include "emit/PythonEmitter.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

// The name the script gives the loop's jump flag, from the line that a
// jump of it at `source_line` became (`_lc_jumpN = K; break  # line L`).
std::string jump_flag(const std::string& script, int value, int source_line) {
  std::smatch m;
  const std::regex re("(_lc_jump[0-9]+) = " + std::to_string(value) + "; break  # line " +
                      std::to_string(source_line) + "\n");
  if (!std::regex_search(script, m, re)) return "";
  return m[1];
}

// Whether `script` has the lines `block`, each $ in them the flag's name.
bool has_block(const std::string& script, const std::string& flag, std::string block) {
  for (size_t at = block.find('$'); at != std::string::npos; at = block.find('$', at + flag.size()))
    block.replace(at, 1, flag);
  return script.find(block) != std::string::npos;
}

std::string emitted(const std::string& text) {
  const model::Program p = load_text(text);
  EXPECT_FALSE(emit::interpreter_problem(p).has_value()) << *emit::interpreter_problem(p);
  return emit::emit_python(p);
}

TEST(EmitLoops, ContinueInAnExceptClauseLeavesItBeforeTheCheck) {
  const std::string py = emitted(
      "for i in [1, 2]:\n"
      "    try:\n"
      "        raise ValueError\n"
      "    except ValueError:\n"
      "        continue\n"
      "    log(i)\n");
  const std::string j = jump_flag(py, 1, 5);
  ASSERT_FALSE(j.empty()) << py;
  EXPECT_TRUE(has_block(py, j,
                        "    for i in [1, 2]:  # line 1\n"
                        "        while True:  # the body, once: break and continue leave it\n"
                        "            try:  # line 2\n"
                        "                raise _lc_exc('ValueError')  # line 3\n"
                        "            except _lc_exc('ValueError'):  # line 4\n"
                        "                $ = 1; break  # line 5\n"
                        "            _lc_ck(_lc_log(i))  # line 6\n"
                        "            $ = 0\n"
                        "            break\n"
                        "        if $ == 2:  # the loop's break\n"
                        "            break\n"
                        "        _turn()  # the backward jump's check\n"))
      << py;
}

// A while loop: a continue's check comes before the test, the check at the
// end of the body after it (model/CodeGenBlocks.cpp while_loop).
TEST(EmitLoops, ContinueInAFinallyClauseOfAWhileLoop) {
  const std::string py = emitted(
      "items = [1, 2]\n"
      "while items:\n"
      "    x = items.pop()\n"
      "    try:\n"
      "        if x == 1:\n"
      "            break\n"
      "    finally:\n"
      "        continue\n"
      "else:\n"
      "    log('else')\n");
  const std::string j = jump_flag(py, 1, 8);
  ASSERT_FALSE(j.empty()) << py;
  EXPECT_EQ(jump_flag(py, 2, 6), j) << py;  // the break, through the same flag
  EXPECT_TRUE(has_block(py, j,
                        "                $ = 0\n"
                        "                break\n"
                        "            if $ == 2:  # the loop's break\n"
                        "                break\n"
                        "            if $ == 1:\n"
                        "                _turn()  # the continue's backward jump\n"
                        "            if not (items):  # line 2\n"
                        "                _lc_ck(_lc_log('else'))  # line 10\n"
                        "                break\n"
                        "            if $ == 0:\n"
                        "                _turn()  # the backward jump's check, after the test\n"
                        "    else:\n"))
      << py;
}

TEST(EmitLoops, ContinueInAWithBlock) {
  const std::string py = emitted(
      "import threading\n"
      "L = threading.Lock()\n"
      "for i in [1, 2]:\n"
      "    with L:\n"
      "        continue\n");
  const std::string j = jump_flag(py, 1, 5);
  ASSERT_FALSE(j.empty()) << py;
  EXPECT_NE(py.find("        while True:  # the body, once: break and continue leave it\n"
                    "            with _lc_with("),
            std::string::npos)
      << py;
}

// Loops without a continue in a try or with statement keep their shape.
TEST(EmitLoops, OtherLoopsKeepTheirShape) {
  const std::string py = emitted(
      "todo = [1, 2, 3]\n"
      "while todo:\n"
      "    n = todo.pop()\n"
      "    if n == 3:\n"
      "        continue\n"
      "    try:\n"
      "        if n == 2:\n"
      "            break\n"
      "    finally:\n"
      "        log(n)\n"
      "for i in [1, 2]:\n"
      "    continue\n");
  EXPECT_EQ(py.find("_lc_jump"), std::string::npos) << py;
  EXPECT_NE(py.find("                _turn()  # line 5\n"
                    "                if not (todo):  # line 2\n"
                    "                    break\n"
                    "                continue  # line 5\n"),
            std::string::npos)
      << py;
  EXPECT_NE(py.find("                break  # line 8\n"), std::string::npos) << py;
  EXPECT_NE(py.find("        _turn(); continue  # line 12\n"), std::string::npos) << py;
}

// A while loop's else clause with a jump of an outer loop in it (also in
// the else clause of a for loop in it) cannot stand inside the script's
// own `while True`: it follows the loop, under a flag that the failing
// test sets and a break clears.
TEST(EmitLoops, AWhileElseWithAJumpFollowsTheLoop) {
  const std::string head =
      "for i in [1]:\n"
      "    k = [1]\n"
      "    while k:\n"
      "        if k.pop() == 2:\n"
      "            break\n"
      "    else:\n";
  const std::string for_else =
      "        for j in [1]:\n"
      "            pass\n"
      "        else:\n"
      "            break\n";
  for (const std::string& tail : {std::string("        continue\n"), for_else}) {
    const std::string py = emitted(head + tail);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(py, m, std::regex("(_lc_else[0-9]+) = True  # until a break")))
        << py;
    const std::string flag = m[1];
    EXPECT_TRUE(has_block(py, flag,
                          "        $ = True  # until a break\n"
                          "        if k:  # line 3\n"
                          "            while True:  # line 3\n"
                          "                if (_lc_ck(k.pop()) == 2):  # line 4\n"
                          "                    $ = False; break  # line 5\n"
                          "                if not (k):  # line 3\n"
                          "                    $ = True\n"
                          "                    break\n"
                          "                _turn()  # the backward jump's check, after the test\n"
                          "        if $:\n"))
        << py;
  }
  // a while loop's else clause without jumps stays where it was
  const std::string py = emitted(head + "        log(i)\n");
  EXPECT_EQ(py.find("_lc_else"), std::string::npos) << py;
  EXPECT_NE(py.find("                    _lc_ck(_lc_log(i))  # line 7\n"
                    "                    break\n"),
            std::string::npos)
      << py;
}

}  // namespace
}  // namespace lifecheck::testing
