// Misuse of the language features of issue 12 (vars(), containers and
// their methods, weakref.finalize, try/except, loops, generators,
// functions as objects, ...): each is rejected at the offending token with
// a recognisable message, as tests/test_lang_errors.cpp does for the rest.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "lang/Diagnostic.h"

namespace lifecheck::testing {
namespace {

struct Misuse {
  const char* name;
  const char* text;
  int line;
  int col;
  const char* message;
};

void PrintTo(const Misuse& c, std::ostream* os) { *os << c.name; }

const std::vector<Misuse> kMisuses = {
    // vars()
    {"VarsTakesOneArgument", "class N:\n    pass\nn = N()\nlog(vars(n, n))\n", 4, 5,
     "vars() takes one argument"},
    {"VarsOfAnInt", "log(vars(3))\n", 1, 10, "an int has no attribute '__dict__'"},
    {"VarsAsAValue", "v = vars\n", 1, 5, "builtin 'vars' used as a value"},
    // weakref.finalize
    {"FinalizeWithoutFunction", "class N:\n    pass\nn = N()\nf = weakref.finalize(n)\n", 4, 13,
     "weakref.finalize() takes the object, a function"},
    {"FinalizeOfALiteral", "class N:\n    pass\nn = N()\nf = weakref.finalize(n, 3)\n", 4, 25,
     "the function of weakref.finalize must be callable"},
    {"FinalizeArity",
     "def g(x):\n    pass\nclass N:\n    pass\nn = N()\nf = weakref.finalize(n, g)\n", 6, 25,
     "passes 0 arguments to 'g', which takes"},
    {"FinalizeCallWithArguments",
     "def g():\n    pass\nclass N:\n    pass\nn = N()\nf = weakref.finalize(n, g)\nf(1)\n", 7, 3,
     "takes no arguments"},
    {"DetachWithArguments",
     "def g():\n    pass\nclass N:\n    pass\nn = N()\nf = weakref.finalize(n, g)\nf.detach(1)\n",
     7, 3, "'.detach()' does not take 1 argument"},
};

class LanguageMisuse : public ::testing::TestWithParam<Misuse> {};

TEST_P(LanguageMisuse, IsRejectedAtTheOffendingToken) {
  const Misuse& c = GetParam();
  const std::string file = std::string(c.name) + ".life";
  try {
    lang::load_scenario_text(file, c.text);
    FAIL() << "accepted:\n" << c.text;
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, c.line) << e.format();
    EXPECT_EQ(e.loc().col, c.col) << e.format();
    EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
        << "message: " << e.what() << "\nwanted: " << c.message;
    EXPECT_EQ(
        e.format().rfind(
            file + ":" + std::to_string(c.line) + ":" + std::to_string(c.col) + ": error: ", 0),
        0u)
        << e.format();
  }
}

std::string case_name(const ::testing::TestParamInfo<Misuse>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(LangFeatures, LanguageMisuse, ::testing::ValuesIn(kMisuses), case_name);

// `from M import N [as A]` and `import M as A` spell out the module's
// attribute where the name is used: the program explores the same states
// and shows the same events as the one written with `M.N`.
TEST(Imports, FromImportIsTheModuleAttributeWhereUsed) {
  const std::string body =
      "class Node:\n"
      "    def __del__(self):\n"
      "        log(\"del\", self)\n"
      "def cb(name):\n"
      "    log(\"fin\", name)\n"
      "q = DEQUE()\n"
      "q.append(Node())\n"
      "a = Node()\n"
      "r = REF(a)\n"
      "f = FIN(a, cb, \"a\")\n"
      "thread T:\n"
      "    COLLECT()\n"
      "del a\n"
      "assert r() is None\n"
      "q.clear()\n";
  auto spell = [&](const std::string& deque, const std::string& ref, const std::string& fin,
                   const std::string& collect) {
    std::string s = body;
    for (auto [from, to] :
         {std::pair{std::string("DEQUE"), deque}, {"REF", ref}, {"FIN", fin}, {"COLLECT", collect}})
      s.replace(s.find(from), from.size(), to);
    return s;
  };
  // three blank lines for the three import lines: labels carry line numbers
  const model::Program spelled_out = load_text(
      "\n\n\n" + spell("collections.deque", "weakref.ref", "weakref.finalize", "gc.collect"));
  const model::Program imported = load_text(
      "from collections import deque\n"
      "from weakref import ref, finalize as fin\n"
      "import gc as g\n" +
      spell("deque", "ref", "fin", "g.collect"));
  const auto a = check(spelled_out);
  const auto b = check(imported);
  EXPECT_EQ(a.stats.states, b.stats.states);
  EXPECT_EQ(a.stats.transitions, b.stats.transitions);
  EXPECT_GT(a.stats.states, 10u);
  const auto traces_a = all_traces(spelled_out);
  const auto traces_b = all_traces(imported);
  ASSERT_EQ(traces_a.size(), traces_b.size());
  for (size_t i = 0; i < traces_a.size(); ++i)
    EXPECT_EQ(observable(spelled_out, traces_a[i]), observable(imported, traces_b[i]));
}

// `-` before digits is a negative literal (indexes from the end) and
// print(...) is log(...).
TEST(Literals, NegativeIndexesAndPrint) {
  EXPECT_EQ(logs_under("3.12",
                       "l = [1, 2, 3]\n"
                       "print(l[-1], l[-3], -42)\n"
                       "x = l.pop(-2)\n"
                       "log(x, l[-1])\n"
                       "try:\n"
                       "    y = l[-3]\n"
                       "except IndexError:\n"
                       "    print('past the start')\n"),
            (std::vector<std::string>{"3 1 -42", "2 3", "past the start"}));
}

}  // namespace
}  // namespace lifecheck::testing
