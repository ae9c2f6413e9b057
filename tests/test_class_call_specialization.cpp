// FN13a: a class call site CPython has specialized (CALL_ALLOC_AND_ENTER_INIT,
// 3.13+) moves its arguments into __init__'s frame. The orders below are
// what pyenv 3.12.1, 3.13.0 and the built 3.13.15 / 3.13.15t print for the
// same programs (scenarios/init/specialized-site-moves-arguments.life).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/TestSupport.h"

namespace lifecheck::testing {
namespace {

std::string loop_body(const std::string& node_class) {
  return "class Other:\n"
         "    def __init__(self, n):\n"
         "        self.n = n\n"
         "    def __del__(self):\n"
         "        log('del other', self.n)\n" +
         node_class +
         "    def __init__(self, o):\n"
         "        n = o.n\n"
         "        o = None\n"
         "        log('init done', n)\n"
         "for i in range(3):\n"
         "    node = Node(Other(i))\n"
         "    log('made', i)\n";
}

const std::vector<std::string> kGeneric = {"init done 0", "del other 0", "made 0",
                                           "init done 1", "del other 1", "made 1",
                                           "init done 2", "del other 2", "made 2"};
const std::vector<std::string> kSpecialized = {"init done 0", "del other 0", "made 0",
                                               "del other 1", "init done 1", "made 1",
                                               "del other 2", "init done 2", "made 2"};

TEST(ClassCallSpecialization, SecondRunMovesTheArgumentsFrom313On) {
  const std::string body = loop_body("class Node:\n");
  for (const char* profile : {"3.11", "3.12", "3.13t"})
    EXPECT_EQ(logs_under(profile, body), kGeneric) << profile;
  for (const char* profile : {"3.13", "3.13.13", "3.14", "3.14t"})
    EXPECT_EQ(logs_under(profile, body), kSpecialized) << profile;
}

TEST(ClassCallSpecialization, In313OnlyClassesWithInlineValues) {
  // (observed on 3.13.0: ('__dict__',) specializes, () and ('y',) do not)
  const std::string members = loop_body("class Node:\n    __slots__ = ('y',)\n");
  const std::string empty = loop_body("class Node:\n    __slots__ = ()\n");
  const std::string dict = loop_body("class Node:\n    __slots__ = ('__dict__',)\n");
  EXPECT_EQ(logs_under("3.13", members), kGeneric);
  EXPECT_EQ(logs_under("3.13", empty), kGeneric);
  EXPECT_EQ(logs_under("3.13", dict), kSpecialized);
  EXPECT_EQ(logs_under("3.14", members), kSpecialized);  // (inferred: see FN13a)
}

TEST(ClassCallSpecialization, AChangeToTheClassDeoptimizesTheSite) {
  // (as 3.13.0 prints it: scenarios/conformance/class-call-deopt.life)
  const std::string body =
      loop_body("class Node:\n") + "    if i == 1:\n        Node.__del__ = gone\n";
  const std::string with_gone = "def gone(self):\n    log('gone')\n" + body;
  const std::vector<std::string> expected = {
      "init done 0", "del other 0", "made 0",      "del other 1", "init done 1",
      "made 1",      "init done 2", "del other 2", "gone",        "made 2"};
  EXPECT_EQ(logs_under("3.13", with_gone), expected);
}

TEST(ClassCallSpecialization, KeywordCallsStayGeneric) {
  const std::string body =
      "class Other:\n"
      "    def __init__(self, n):\n"
      "        self.n = n\n"
      "    def __del__(self):\n"
      "        log('del other', self.n)\n"
      "class Node:\n"
      "    def __init__(self, o, tag):\n"
      "        n = o.n\n"
      "        o = None\n"
      "        log('init done', n, tag)\n"
      "for i in range(2):\n"
      "    node = Node(tag='t', o=Other(i))\n"
      "    log('made', i)\n";
  const std::vector<std::string> expected = {"init done 0 t", "del other 0", "made 0",
                                             "init done 1 t", "del other 1", "made 1"};
  for (const char* profile : {"3.11", "3.13", "3.14"})
    EXPECT_EQ(logs_under(profile, body), expected) << profile;
}

TEST(ClassCallSpecialization, ASpecializedCallHasNoCheckAfterIt) {
  // The check after a class call is a point where the other thread may
  // take the GIL (T1). The same program with the call spelt with a keyword
  // (never specialized) keeps that check on the second run; positionally,
  // from 3.13 on, it does not: fewer states. Under 3.12 both are generic.
  auto body = [](const std::string& call) {
    return "class Node:\n"
           "    def __init__(self, x):\n"
           "        self.x = x\n"
           "thread T1:\n"
           "    for i in range(2):\n"
           "        n = " +
           call +
           "\n"
           "        n = None\n"
           "thread T2:\n"
           "    log('t2')\n";
  };
  auto states = [&](const char* profile, const std::string& call) {
    return check(load_text_under(body(call), profile)).stats.states;
  };
  EXPECT_EQ(states("3.12", "Node(i)"), states("3.12", "Node(x=i)"));
  EXPECT_LT(states("3.13", "Node(i)"), states("3.13", "Node(x=i)"));
  EXPECT_EQ(states("3.13t", "Node(i)"), states("3.13t", "Node(x=i)"));
}

}  // namespace
}  // namespace lifecheck::testing
