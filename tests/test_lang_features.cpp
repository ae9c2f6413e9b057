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

}  // namespace
}  // namespace lifecheck::testing
