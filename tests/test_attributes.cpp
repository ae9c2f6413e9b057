// Attribute names of the form __x__ (rules DA1-DA4, lang/CompilerAttributes.cpp,
// model/Values.cpp). Each behaviour was observed on 3.11.7, 3.12.1, 3.13.0, 3.13.15 and 3.13.15t
// (docs/conformance.md 7.22).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "LangErrorCases.h"
#include "TestSupport.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_attributes() {
  return {
      {"DunderClassRead", "class A:\n    pass\na = A()\nc = a.__class__\n", 4, 7,
       "reading obj.__class__ is not modelled: a class is not a value"},
      {"DunderClassStore", "class A:\n    pass\nclass B:\n    pass\na = A()\na.__class__ = 1\n", 6,
       3, "assigning obj.__class__ is not modelled"},
      {"DunderDictStore", "class A:\n    pass\na = A()\na.__dict__ = {}\n", 4, 3,
       "assigning an object's __dict__ is not modelled"},
      {"DunderDictDelete", "class A:\n    pass\na = A()\ndel a.__dict__\n", 4, 7,
       "deleting an object's __dict__ is not modelled"},
      {"DunderOtherName", "class A:\n    pass\na = A()\nlog(a.__module__)\n", 4, 7,
       "reading the attribute '__module__' is not modelled"},
      {"DunderOtherStore", "class A:\n    pass\na = A()\na.__foo__ = 1\n", 4, 3,
       "assigning the attribute '__foo__' is not modelled"},
  };
}

namespace {

using Logs = std::vector<std::string>;

// DA2: obj.__dict__ is the dict vars(obj) gives, the same object.
TEST(DunderAttributes, DictIsTheDictVarsGives) {
  expect_logs_under_every_profile(
      "class A:\n    pass\n"
      "a = A()\n"
      "a.x = 1\n"
      "d = a.__dict__\n"
      "d['y'] = 2\n"
      "log(d is vars(a), a.y, len(a.__dict__))\n",
      {"True 2 2"});
}

// DA2: on an object without a __dict__, AttributeError (vars(): TypeError).
TEST(DunderAttributes, DictOfAnObjectWithoutOneIsAttributeError) {
  expect_logs_under_every_profile(
      "class S:\n    __slots__ = ('x',)\n"
      "s = S()\n"
      "for x in [s, [1]]:\n"
      "    try:\n"
      "        d = x.__dict__\n"
      "    except AttributeError:\n"
      "        log('AttributeError')\n"
      "    try:\n"
      "        d = vars(x)\n"
      "    except TypeError:\n"
      "        log('TypeError')\n",
      {"AttributeError", "TypeError", "AttributeError", "TypeError"});
}

// DA2: x.__dict__ is a LOAD_ATTR: no eval-breaker check after it, where
// vars(x), a CALL, has one.
TEST(DunderAttributes, DictReadHasNoCheckAfterIt) {
  auto check_after_vars = [](const std::string& read) {
    const model::Program p = load_text("class A:\n    pass\na = A()\nd = " + read + "\n");
    const std::vector<model::Op>& code = p.funcs[p.threads[0].body].code;
    for (size_t i = 0; i + 1 < code.size(); ++i)
      if (code[i].code == model::OpCode::Vars) return code[i + 1].code == model::OpCode::Check;
    ADD_FAILURE() << "no Vars op for " << read;
    return false;
  };
  EXPECT_TRUE(check_after_vars("vars(a)"));
  EXPECT_FALSE(check_after_vars("a.__dict__"));
}

// DA2: the dict of a function is not modelled: a model limit, not a wrong
// exception.
TEST(DunderAttributes, DictOfAFunctionIsALimit) {
  const model::Program p = load_text("f = lambda: 0\nd = f.__dict__\n");
  const model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Limit);
  EXPECT_NE(t.outcome.message.find("f.__dict__ of a function is not modelled"), std::string::npos)
      << t.outcome.message;
}

// DA3: reading __weakref__ gives the head of the weakref list (W1) or
// None; storing or deleting raises AttributeError (the value is released).
TEST(DunderAttributes, WeakrefIsTheListHeadAndReadOnly) {
  expect_logs_under_every_profile(
      "class V:\n    def __del__(self):\n        log('value dies')\n"
      "class A:\n    pass\n"
      "def cb(wr):\n    pass\n"
      "a = A()\n"
      "log(a.__weakref__ is None)\n"
      "w1 = weakref.ref(a, cb)\n"
      "w2 = weakref.ref(a, cb)\n"
      "log(a.__weakref__ is w2)\n"
      "r = weakref.ref(a)\n"
      "log(a.__weakref__ is r)\n"
      "try:\n"
      "    a.__weakref__ = V()\n"
      "except AttributeError:\n"
      "    log('read-only')\n"
      "try:\n"
      "    del a.__weakref__\n"
      "except AttributeError:\n"
      "    log('read-only')\n",
      {"True", "True", "True", "value dies", "read-only", "read-only"});
}

// DA1: without the descriptor __weakref__ is a plain name: stored in the
// dict of a class whose __slots__ names '__dict__' only; AttributeError on
// a class without a dict.
TEST(DunderAttributes, WeakrefWithoutTheDescriptorIsAPlainName) {
  expect_logs_under_every_profile(
      "class D:\n    __slots__ = ('__dict__',)\n"
      "class N:\n    __slots__ = ('x',)\n"
      "d = D()\n"
      "d.__weakref__ = 5\n"
      "log(d.__weakref__, vars(d))\n"
      "del d.__weakref__\n"
      "n = N()\n"
      "try:\n"
      "    n.__weakref__ = 5\n"
      "except AttributeError:\n"
      "    log('no attribute')\n",
      {"5 {'__weakref__': 5}", "no attribute"});
}

// DA1: the emitted script keeps the special names as written.
TEST(DunderAttributes, EmitPythonKeepsTheNames) {
  const std::string file =
      temp_file("class A:\n    pass\na = A()\nd = a.__dict__\nr = a.__weakref__\n");
  const CliResult r = run_cli({"emit-python", file});
  EXPECT_NE(r.out.find("d = a.__dict__"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("r = a.__weakref__"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("u__"), std::string::npos);
}

}  // namespace
}  // namespace lifecheck::testing
