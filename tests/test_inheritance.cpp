// Classes deriving from classes (docs/semantics.md R1.14a, R1.15-R1.16):
// what a subclass inherits, the order in which the __slots__ of several
// levels are released, a run-time __del__ reaching subclasses, calls of a
// base's functions through the base class, emit-python's class lines, and
// the inputs that stay errors (lang_error_cases_inheritance, run by
// test_lang_errors.cpp and through the CLI by test_bad_input.cpp).
#include <gtest/gtest.h>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "emit/PythonEmitter.h"
#include "model/CodeGen.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_inheritance() {
  return {
      {"BaseUnknown", "class B(A):\n    pass\n", 1, 9, "unknown base class 'A'"},
      {"BaseCycle", "class A(C):\n    pass\nclass C(A):\n    pass\n", 3, 9,
       "class 'C' cannot derive from 'A': the bases form a cycle (A -> C -> A)"},
      {"BaseIsItself", "class A(A):\n    pass\n", 1, 9, "the bases form a cycle (A -> A)"},
      {"InitUnderAListChain",
       "class L(list):\n    pass\nclass M(L):\n    def __init__(self):\n        pass\n", 4, 5,
       "__init__ is modelled for classes whose bases end at object only ('M' derives from list)"},
      {"SlotsUnderACTypeChain",
       "ctype C:\n    flags: basetype\nclass A(C):\n    pass\nclass B(A):\n"
       "    __slots__ = ('x',)\n",
       6, 5, "__slots__ are supported on classes whose bases end at object only"},
      {"SlotHidesABaseMember",
       "class A:\n    __slots__ = ('x',)\nclass B(A):\n    __slots__ = ('x', 'y')\n", 4, 5,
       "'x' is already a member of a base of 'B'"},
      {"DictSlotTwice", "class A:\n    pass\nclass B(A):\n    __slots__ = ('__dict__',)\n", 4, 5,
       "'__dict__' in __slots__: the instances of 'A' have a dict already"},
      {"WeakrefSlotTwice",
       "class A:\n    __slots__ = ('__weakref__',)\nclass B(A):\n    __slots__ = "
       "('__weakref__',)\n",
       4, 5, "'__weakref__' in __slots__: the instances of 'A' are weakrefable already"},
      {"CallThroughClassUnknown", "class A:\n    pass\nclass B(A):\n    pass\nb = B()\nB.m(b)\n", 6,
       3, "'B.m' is not a function defined by 'B' or by a class it derives from"},
      {"CallThroughClassObjectInit", "class A:\n    pass\na = A()\nA.__init__(a)\n", 4, 3,
       "'A.__init__' is not a function defined by 'A'"},
      {"CallThroughClassArity", "class A:\n    def m(self, x):\n        pass\na = A()\nA.m(a)\n", 5,
       3, "'A.m' takes 2 parameters (self included), not 1"},
      {"CallThroughCType", "ctype C:\n    fields: d\nc = C(None)\nC.tp_finalize(c)\n", 4, 1,
       "'C' is a C type: calling its slots by name is not modelled"},
      {"InitCallOnAnExpression",
       "class A:\n    def __init__(self):\n        pass\nclass B(A):\n    pass\n"
       "B.__init__(B())\n",
       6, 12, "the instance passed to 'B.__init__' must be a name or an attribute"},
      {"ExplicitDelWithRunTimeDel",
       "class A:\n    def __del__(self):\n        pass\nclass B(A):\n    def __del__(self):\n"
       "        A.__del__(self)\ndef f(self):\n    pass\nA.__del__ = f\n",
       6, 11, "calling a class's __del__ by name in a scenario that also sets"},
      {"SetDelUnderAListChain",
       "class L(list):\n    pass\nclass M(L):\n    pass\ndef f(self):\n    pass\nM.__del__ = f\n",
       7, 1,
       "setting __del__ is modelled only on a class whose bases end at object ('M' derives "
       "from list)"},
  };
}

namespace {

// R1.15: the finalizer, __init__ and methods of a base found at any
// depth, the base declared after its subclass.
TEST(Inheritance, SubclassInheritsFinalizerInitAndMethods) {
  expect_logs_under_every_profile(
      "class C(B):\n"
      "    pass\n"
      "class B(A):\n"
      "    pass\n"
      "class A:\n"
      "    def __init__(self, n):\n"
      "        self.n = n\n"
      "    def __del__(self):\n"
      "        log('A.__del__', self.n)\n"
      "    def seen(self, wr):\n"
      "        log('seen', self.n)\n"
      "c = C(1)\n"
      "watch = C(2)\n"
      "w = weakref.ref(c, watch.seen)\n"
      "del c\n"
      "log('end')\n",
      {"A.__del__ 1", "seen 2", "end"});
}

// R1.15a: subtype_dealloc clears each level's members, the class's first,
// each level sorted by name, then the dict.
TEST(Inheritance, SlotsReleasedPerLevelFromTheClassDown) {
  expect_logs_under_every_profile(
      "class V:\n"
      "    def __init__(self, n):\n"
      "        self.n = n\n"
      "    def __del__(self):\n"
      "        log(self.n)\n"
      "class A:\n"
      "    __slots__ = ('b', 'a')\n"
      "class B(A):\n"
      "    __slots__ = ('d', 'c')\n"
      "class C(B):\n"
      "    pass\n"
      "x = C()\n"
      "x.a = V('a')\n"
      "x.b = V('b')\n"
      "x.c = V('c')\n"
      "x.d = V('d')\n"
      "x.e = V('e')\n"
      "del x\n",
      {"c", "d", "a", "b", "e"});
}

TEST(Inheritance, SlotLevelsAreFlattenedInDeallocOrder) {
  model::Program p = load_text(
      "class A:\n    __slots__ = ('y', 'x')\nclass B(A):\n    __slots__ = ('z', '__dict__')\n"
      "class C(B):\n    pass\n");
  const model::TypeInfo* c = nullptr;
  for (const model::TypeInfo& t : p.types)
    if (t.name == "C") c = &t;
  ASSERT_NE(c, nullptr);
  std::vector<std::string> names;
  for (model::FieldId f : c->slots) names.push_back(p.field_names[f]);
  // from 3.13 the dict is a dict object, held by a last member (R1.15c)
  EXPECT_EQ(names, (std::vector<std::string>{"z", "x", "y", "__dict__"}));
  EXPECT_EQ(p.field_names[c->dict_field], "__dict__");
  EXPECT_TRUE(c->has_dict);
  EXPECT_TRUE(c->weakrefable);
  EXPECT_FALSE(c->declares_slots);
  EXPECT_EQ(p.types[c->py_base].name, "B");
}

// R1.15c: up to 3.12 the dict of an instance with members keeps its
// values beside the object; from 3.13 it is a dict object, which a
// collection counts (observed on 3.11.7, 3.12.1 and 3.13.0).
TEST(Inheritance, DictBesideMembersIsAnObjectFrom313) {
  const std::string body =
      "class S:\n    __slots__ = ('a',)\n"
      "class D(S):\n    pass\n"
      "x = D()\n"
      "x.a = x\n"
      "x.b = [1]\n"
      "log(len(x.b))\n"
      "del x.b\n"
      "x.b = x\n"
      "del x\n"
      "n = gc.collect()\n"
      "log(n)\n";
  for (const char* profile : {"3.11", "3.12"})
    EXPECT_EQ(logs_under(profile, body), (std::vector<std::string>{"1", "1"})) << profile;
  for (const char* profile : {"3.13", "3.14", "3.13t", "3.14t"})
    EXPECT_EQ(logs_under(profile, body), (std::vector<std::string>{"1", "2"})) << profile;
}

// R1.15b: no __slots__ under a slotted base: a dict and weakrefs; a
// slotted class under a class with a dict keeps the dict.
TEST(Inheritance, DictAndWeakrefsAcrossLevels) {
  expect_logs_under_every_profile(
      "class S:\n"
      "    __slots__ = ('a',)\n"
      "class Open(S):\n"
      "    pass\n"
      "class W:\n"
      "    pass\n"
      "class N(W):\n"
      "    __slots__ = ('n',)\n"
      "o = Open()\n"
      "o.other = 1\n"
      "r = weakref.ref(o)\n"
      "n = N()\n"
      "n.other = 2\n"
      "q = weakref.ref(n)\n"
      "log(o.other, n.other, r() is o, q() is n)\n"
      "s = S()\n"
      "try:\n"
      "    s.other = 3\n"
      "except AttributeError:\n"
      "    log('no dict')\n",
      {"1 2 True True", "no dict"});
}

// R1.16: explicit calls of a base's __init__, __del__ and method.
TEST(Inheritance, ExplicitBaseCalls) {
  expect_logs_under_every_profile(
      "class A:\n"
      "    def __init__(self, n):\n"
      "        self.n = n\n"
      "        log('A init', n)\n"
      "    def __del__(self):\n"
      "        log('A del', self.n)\n"
      "    def show(self, a, b):\n"
      "        log('show', self.n, a, b)\n"
      "class B(A):\n"
      "    def __init__(self, n):\n"
      "        A.__init__(self, n)\n"
      "        log('B init')\n"
      "    def __del__(self):\n"
      "        log('B del')\n"
      "        A.__del__(self)\n"
      "b = B(7)\n"
      "B.show(b, 1, 2)\n"
      "A.show(b, b=4, a=3)\n"
      "del b\n",
      {"A init 7", "B init", "show 7 1 2", "show 7 3 4", "B del", "A del 7"});
}

// An exception in a base function called through its class propagates
// to the caller like any function's (FN8); in __del__ it is then
// unraisable (R1.10).
TEST(Inheritance, ExceptionFromABaseCallPropagates) {
  expect_logs_under_every_profile(
      "class A:\n"
      "    def fail(self):\n"
      "        raise ValueError\n"
      "class B(A):\n"
      "    def __del__(self):\n"
      "        try:\n"
      "            A.fail(self)\n"
      "        except ValueError:\n"
      "            log('caught')\n"
      "b = B()\n"
      "del b\n"
      "log('end')\n",
      {"caught", "end"});
}

// R1.14a: a __del__ set on a base reaches a subclass without its own, and
// one set on the subclass wins; deleting the subclass's brings the base's
// back, and deleting it again raises.
TEST(Inheritance, RunTimeDelReachesSubclasses) {
  expect_logs_under_every_profile(
      "class A:\n"
      "    pass\n"
      "class B(A):\n"
      "    pass\n"
      "class C(B):\n"
      "    pass\n"
      "def f(self):\n"
      "    log('f')\n"
      "def g(self):\n"
      "    log('g')\n"
      "x = C()\n"
      "A.__del__ = f\n"
      "del x\n"
      "B.__del__ = g\n"
      "x = C()\n"
      "del x\n"
      "del B.__del__\n"
      "x = C()\n"
      "del x\n"
      "try:\n"
      "    del B.__del__\n"
      "except AttributeError:\n"
      "    log('none of its own')\n"
      "del A.__del__\n"
      "x = C()\n"
      "del x\n"
      "log('end')\n",
      {"f", "g", "f", "none of its own", "end"});
}

// Without R1.14a the race below has one outcome; with it, a thread's
// assignment on the base decides whether the subclass instance runs it.
TEST(Inheritance, RunTimeDelRaceHasBothOutcomes) {
  EXPECT_EQ(verdict_under("3.12",
                          "class A:\n    pass\nclass B(A):\n    pass\n"
                          "def f(self):\n    log('f')\n"
                          "b = B()\n"
                          "thread T1:\n    A.__del__ = f\n"
                          "thread T2:\n    global b\n    del b\n"
                          "expect log \"f\" never\n"),
            "violates expect");
}

// FN13a under inheritance: a subclass that keeps its attributes inline
// specializes its class call in 3.13; one with a __slots__ member only
// from 3.14 on.
TEST(Inheritance, InitCallSpecializationFollowsTheLayout) {
  model::Program p = load_text_under(
      "class A:\n    def __init__(self):\n        pass\nclass B(A):\n    pass\n"
      "class S(A):\n    __slots__ = ('s',)\n",
      "3.13");
  EXPECT_TRUE(model::init_call_specializes(p, p.types.size() - 2));
  EXPECT_FALSE(model::init_call_specializes(p, p.types.size() - 1));
  model::Program q = load_text_under(
      "class A:\n    def __init__(self):\n        pass\nclass S(A):\n    __slots__ = ('s',)\n",
      "3.14");
  EXPECT_TRUE(model::init_call_specializes(q, q.types.size() - 1));
}

// Inherited __del__ resurrecting: the object survives its first death.
TEST(Inheritance, InheritedDelResurrects) {
  for (const char* profile : kEveryProfile)
    EXPECT_EQ(verdict_under(profile,
                            "class A:\n    def __del__(self):\n        global keep\n"
                            "        keep = self\nclass B(A):\n    pass\nkeep = None\n"
                            "b = B()\ndel b\nkeep = None\nexpect resurrect b never\n"),
              "violates expect")
        << profile;
}

// emit-python writes a base before its subclasses, each class with only
// what it defines itself, and a base's function through its class.
TEST(Inheritance, EmitPythonWritesClassLines) {
  const std::string py = emit::emit_python(load_text(
      "class B(A):\n    __slots__ = ('y',)\n    def __del__(self):\n        A.__del__(self)\n"
      "class A:\n    __slots__ = ('x',)\n    def __del__(self):\n        pass\n"
      "class C(B):\n    pass\n"));
  const size_t a = py.find("\nclass A:"), b = py.find("\nclass B(A):"),
               c = py.find("\nclass C(B):");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_NE(py.find("    __slots__ = ('y', )"), std::string::npos);
  EXPECT_NE(py.find("A.__del__(self)"), std::string::npos);
  EXPECT_EQ(py.find("__slots__ = ('y', 'x'"), std::string::npos);
  const std::string after_c = py.substr(c, py.find('\n', py.find('\n', c + 1) + 1) - c);
  EXPECT_NE(after_c.find("pass"), std::string::npos) << after_c;
}

// The shipped scenarios of scenarios/inheritance through the CLI.
TEST(Inheritance, ShippedScenariosMeetTheirVerdicts) {
  const CliResult r = run_cli({"suite", "--quiet", source_path("scenarios/inheritance")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A cycle in the bases through the CLI: one located error, exit 2.
TEST(Inheritance, CycleIsABadInputThroughTheCli) {
  const std::string file = temp_file("class A(B):\n    pass\nclass B(A):\n    pass\n");
  const CliResult r = run_cli({"check", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file + ":3:9: error: class 'B' cannot derive from 'A'"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace lifecheck::testing
