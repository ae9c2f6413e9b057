// for loops over values (issue 12; rules IT1-IT6 of docs/semantics.md):
// the iterator's reference to the container, the generator resumed by
// FOR_ITER and finalized by break, RuntimeError on a dict or set that
// changed size, the bound on a growing list, and range(A, B).
#include <gtest/gtest.h>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const char* kNode =
    "class Node:\n"
    "    def __del__(self):\n"
    "        log('del', self.name)\n";

Strings logs_of(const char* profile, const std::string& body) {
  Strings out = logs_under(profile, body);
  if (!out.empty() && out.front().rfind("profile", 0) == 0) out.erase(out.begin());
  return out;
}

// IT1, IT2: the list lives until the loop ends, whatever the body drops;
// then it dies with its last item before the statement after the loop.
TEST(Iteration, TheIteratorKeepsTheListUntilTheLoopEnds) {
  const std::string body = std::string(kNode) +
                           "a = Node()\n"
                           "a.name = 'a'\n"
                           "b = Node()\n"
                           "b.name = 'b'\n"
                           "items = [a, b]\n"
                           "del a\n"
                           "del b\n"
                           "for x in items:\n"
                           "    items = None\n"
                           "    log('visit', x.name)\n"
                           "log('loop done')\n"
                           "del x\n"
                           "log('end')\n";
  const Strings expected = {"visit a", "visit b", "del a", "loop done", "del b", "end"};
  for (const char* profile : kEveryProfile) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// IT3, IT4, Y6: the generator runs as the loop goes; break drops the only
// reference and its finally runs before the statement after the loop.
TEST(Iteration, BreakFinalizesTheGenerator) {
  const std::string body =
      "def numbers():\n"
      "    try:\n"
      "        log('start')\n"
      "        yield 1\n"
      "        yield 2\n"
      "        log('not reached')\n"
      "    finally:\n"
      "        log('finally')\n"
      "for n in numbers():\n"
      "    log('got', n)\n"
      "    if n == 1:\n"
      "        continue\n"
      "    break\n"
      "log('after')\n";
  const Strings expected = {"start", "got 1", "got 2", "finally", "after"};
  for (const char* profile : kEveryProfile) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// IT3: a generator run to its end ends the loop without an exception.
TEST(Iteration, AnExhaustedGeneratorEndsTheLoop) {
  const std::string body =
      "def numbers():\n"
      "    yield 1\n"
      "    log('end of generator')\n"
      "g = numbers()\n"
      "for n in g:\n"
      "    log('got', n)\n"
      "for n in g:\n"
      "    log('again', n)\n"
      "log('after')\n";
  const Strings expected = {"got 1", "end of generator", "after"};
  for (const char* profile : kEveryProfile) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// IT3: dict, set and deque iterators raise RuntimeError once the size
// changed; a tuple constant, a set and a deque are iterated in order; a
// list the body appends to is visited to its new end.
TEST(Iteration, ContainersAndSizeChanges) {
  const std::string body =
      "import collections\n"
      "d = {'a': 1, 'b': 2}\n"
      "for k in d:\n"
      "    log('key', k)\n"
      "try:\n"
      "    for k in d:\n"
      "        d['c'] = 3\n"
      "except RuntimeError:\n"
      "    log('dict changed')\n"
      "s = {1}\n"
      "try:\n"
      "    for v in s:\n"
      "        s.add(2)\n"
      "except RuntimeError:\n"
      "    log('set changed')\n"
      "q = collections.deque([1, 2])\n"
      "for v in q:\n"
      "    log('deque', v)\n"
      "for v in (1, 2):\n"
      "    log('tuple', v)\n"
      "items = [1]\n"
      "for v in items:\n"
      "    log('list', v)\n"
      "    if v == 1:\n"
      "        items.append(2)\n"
      "box = [3]\n"
      "try:\n"
      "    for v in box[0]:\n"
      "        pass\n"
      "except TypeError:\n"
      "    log('not iterable')\n";
  const Strings expected = {"key a",   "key b",   "dict changed", "set changed",
                            "deque 1", "deque 2", "tuple 1",      "tuple 2",
                            "list 1",  "list 2",  "not iterable"};
  for (const char* profile : kEveryProfile) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// for ... else: the else clause runs when the loop ends without a break;
// a break in it leaves the outer loop. A generator run to its end has
// finished its finally before the else clause.
TEST(Iteration, ForElse) {
  const std::string body =
      "def numbers():\n"
      "    try:\n"
      "        yield 1\n"
      "    finally:\n"
      "        log('gen finally')\n"
      "for n in numbers():\n"
      "    if n == 5:\n"
      "        break\n"
      "else:\n"
      "    log('no break')\n"
      "for i in range(3):\n"
      "    if i == 1:\n"
      "        break\n"
      "else:\n"
      "    log('never')\n"
      "for x in [1, 2]:\n"
      "    for y in [3]:\n"
      "        pass\n"
      "    else:\n"
      "        log('inner else', x)\n"
      "        break\n"
      "log('end')\n";
  const Strings expected = {"gen finally", "no break", "inner else 1", "end"};
  for (const char* profile : kEveryProfile) EXPECT_EQ(logs_of(profile, body), expected) << profile;
}

// range(A, B): A .. B-1, none when B <= A.
TEST(Iteration, RangeWithAStart) {
  const std::string body =
      "for i in range(2, 4):\n"
      "    log('i', i)\n"
      "for i in range(3, 1):\n"
      "    log('never')\n";
  EXPECT_EQ(logs_of("3.12", body), (Strings{"i 2", "i 3"}));
}

// IT6: a loop over more than 64 items ends the search with a limit, not an
// endless one (a list the body keeps growing meets the model's container
// size first); a violating and a holding scenario of the loops folder.
TEST(Iteration, VerdictsAndTheBound) {
  auto grow =
      check(load_text("items = [1]\n"
                      "for v in items:\n"
                      "    items.append(v)\n"));
  EXPECT_EQ(grow.verdict, checker::Verdict::LimitReached);
  auto r =
      check(load_text("def many():\n"
                      "    for i in range(64):\n"
                      "        for j in range(2):\n"
                      "            yield i\n"
                      "for v in many():\n"
                      "    pass\n"));
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(r.limit.find("a for loop over more than 64 items"), std::string::npos) << r.limit;
  for (const char* profile : kEveryProfile) {
    EXPECT_EQ(
        check(load_text_under(read_all(source_path("scenarios/loops/iterator-keeps-list-bug.life")),
                              profile))
            .verdict,
        checker::Verdict::Violated)
        << profile;
    EXPECT_EQ(
        check(load_text_under(read_all(source_path("scenarios/loops/break-closes-generator.life")),
                              profile))
            .verdict,
        checker::Verdict::Holds)
        << profile;
  }
}

// Two threads looping over one shared generator; T1 nests a loop over a
// list, T2 leaves by break.
const char* kSharedGenerator =
    "def numbers():\n"
    "    yield 1\n"
    "    yield 2\n"
    "g = numbers()\n"
    "thread T1:\n"
    "    try:\n"
    "        for n in g:\n"
    "            for m in [n, n]:\n"
    "                log('T1', m)\n"
    "    except ValueError:\n"
    "        log('busy')\n"
    "thread T2:\n"
    "    try:\n"
    "        for n in g:\n"
    "            log('T2', n)\n"
    "            break\n"
    "    except ValueError:\n"
    "        log('busy')\n";

// IT5: each FOR_ITER resumes the shared generator, so one thread's loop
// can find it running (ValueError) under the GIL too; the search is finite.
TEST(Iteration, TwoThreadsShareAGenerator) {
  auto r = check(load_text_under(kSharedGenerator, "3.12"));
  EXPECT_EQ(r.verdict, checker::Verdict::Holds) << r.failure.message << r.limit;
}

// IT6: the progress measure never decreases along a transition, in every
// scenario of the loops folder (Canonical.ProgressMeasureNeverDecreases
// covers the default profile) and in the shared generator, with and
// without the GIL (without it next() can pause at the loop's head, Y7).
TEST(Iteration, TheProgressMeasureIsMonotone) {
  std::vector<std::string> texts{kSharedGenerator};
  for (const std::string& f : scenario_files())
    if (f.find("scenarios/loops/") != std::string::npos) texts.push_back(read_all(f));
  ASSERT_GE(texts.size(), 10u);
  for (const std::string& text : texts)
    for (const char* profile : {"3.12", "3.13t"}) {
      const model::Program p = load_text_under(text, profile);
      const model::Model m(p, false);
      std::vector<model::Model::Choice> choices;
      size_t steps = 0;
      for_each_state(m, 20000, [&](const model::State& state) {
        const uint64_t before = m.progress_measure(state);
        m.enabled(state, choices);
        for (model::Model::Choice c : choices) {
          model::State next = state;
          if (!m.step(next, c).ok()) continue;
          ++steps;
          EXPECT_GE(m.progress_measure(next), before) << profile << "\n" << text;
        }
      });
      EXPECT_GT(steps, 0u) << profile;
    }
}

}  // namespace
}  // namespace lifecheck::testing
