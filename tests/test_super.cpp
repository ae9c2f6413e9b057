// Calls through super() (docs/semantics.md SU1-SU4, model/Super.cpp,
// lang/CompilerSuper.cpp): the order of what runs, the super objects and
// bound methods each profile allocates, the errors CPython raises where it
// raises them, emit-python's spelling, and the inputs that stay errors
// (lang_error_cases_super, run by test_lang_errors.cpp and through the CLI
// by test_bad_input.cpp).
#include <gtest/gtest.h>

#include "LangErrorCases.h"
#include "TestSupport.h"
#include "emit/PythonEmitter.h"

namespace lifecheck::testing {

std::vector<BadScenario> lang_error_cases_super() {
  return {
      {"SuperAtModuleLevel", "class A:\n    def m(self):\n        pass\na = A()\nsuper(A, a).m()\n",
       5, 1, "super() at module level is not modelled"},
      {"SuperOneArgument",
       "class A:\n    def m(self):\n        pass\nclass B(A):\n    def m(self):\n"
       "        super(B).m()\n",
       6, 9, "super() is modelled with no arguments or with two"},
      {"SuperFirstArgumentNotAClass",
       "class A:\n    def m(self):\n        pass\nclass B(A):\n    def m(self):\n"
       "        super(self, self).m()\n",
       6, 15, "the first argument of super() must name a class of the scenario"},
      {"SuperKeyword",
       "class A:\n    def m(self):\n        pass\nclass B(A):\n    def m(self):\n"
       "        super(B, obj=self).m()\n",
       6, 22, "super() takes no keyword arguments"},
      {"SuperInLambda",
       "class A:\n    def m(self):\n        pass\nclass B(A):\n    def m(self):\n"
       "        f = lambda: super().m()\n",
       6, 21, "super() in a nested function or lambda is not modelled"},
      {"SuperOtherDunder",
       "class A:\n    pass\nclass B(A):\n    def m(self):\n        super().__repr__()\n", 5, 17,
       "super().__repr__() is not modelled"},
      {"SuperReachesList", "class L(list):\n    def m(self):\n        super().append(1)\n", 3, 17,
       "super().append() reaching the list at the root of 'L' is not modelled"},
      {"SuperDelWithRunTimeDel",
       "class A:\n    def __del__(self):\n        pass\nclass B(A):\n    def __del__(self):\n"
       "        super().__del__()\ndef f(self):\n    pass\nA.__del__ = f\n",
       6, 17, "calling a class's __del__ by name in a scenario that also sets"},
      {"SuperAsAValue", "class A:\n    pass\nclass B(A):\n    def m(self):\n        s = super()\n",
       5, 13, "super() is modelled only in a method call through it"},
      {"SuperInitOnAnExpression",
       "class A:\n    def __init__(self):\n        pass\nclass B(A):\n    def __init__(self):\n"
       "        pass\n    def m(self):\n        super(B, B()).__init__()\n",
       8, 18, "the instance passed to super() for __init__ must be a name or an attribute"},
  };
}

namespace {

const char* kChain = R"(
class Base:
    def __init__(self, name):
        self.name = name
        log("Base.__init__", name)
    def __del__(self):
        log("Base.__del__", self.name)
    def describe(self, what):
        log("describe", self.name, what)

class Sub(Base):
    def __init__(self, name, extra):
        super().__init__(name)
        self.extra = extra
        log("Sub.__init__", extra)
    def __del__(self):
        log("Sub.__del__", self.name)
        super(Sub, self).describe("dying")
        super().__del__()
    def describe(self, what):
        log("Sub.describe")
        super().describe(what=what)
)";

// SU3: each call runs the base's function with the instance first; the
// finalizer chain runs inside one tp_finalize (R1.9).
TEST(Super, InitDelAndMethodChainUnderEveryProfile) {
  expect_logs_under_every_profile(
      std::string(kChain) + R"(
s = Sub("s", 1)
s.describe("alive")
del s
log("end")
)",
      {"Base.__init__ s", "Sub.__init__ 1", "Sub.describe", "describe s alive", "Sub.__del__ s",
       "describe s dying", "Base.__del__ s", "end"});
}

const char* kThreeCalls = R"(
class A:
    def m(self, x):
        log("A.m", x)

class B(A):
    def m(self, x):
        super().m(x)

b = B()
b.m(1)
b.m(2)
b.m(3)
)";

// SU1, SU2: 3.11 makes a super object and a bound method at each call;
// 3.12+ at a site's first run only (LOAD_SUPER_ATTR_METHOD afterwards);
// 3.13t at each run (no specialization).
TEST(Super, AllocationsPerProfile) {
  const std::vector<std::pair<const char*, size_t>> expected = {
      {"3.11", 3}, {"3.12", 1}, {"3.13", 1}, {"3.14", 1}, {"3.13t", 3}, {"3.14t", 1}};
  for (const auto& [profile, made] : expected) {
    const model::Program p = load_text_under(kThreeCalls, profile);
    ASSERT_NE(p.super_type, model::kNoType);
    const model::Trace t = run_first(p);
    EXPECT_EQ(allocations_of(t, p.super_type), made) << profile;
    EXPECT_EQ(allocations_of(t, model::kMethodType), made) << profile;
    EXPECT_EQ(logs_of(p, t), (std::vector<std::string>{"A.m 1", "A.m 2", "A.m 3"})) << profile;
  }
}

// R1.16 for comparison: a call through the class allocates nothing anywhere,
// and a scenario without super() has no super type.
TEST(Super, CallThroughTheClassAllocatesNothing) {
  const std::string text =
      "class A:\n    def m(self):\n        pass\nclass B(A):\n    def m(self):\n"
      "        A.m(self)\nb = B()\nb.m()\nb.m()\n";
  for (const char* profile : kEveryProfile) {
    const model::Program p = load_text_under(text, profile);
    EXPECT_EQ(p.super_type, model::kNoType);
    EXPECT_EQ(allocations_of(run_first(p), model::kMethodType), 0u) << profile;
  }
}

// SU1, SU2, G3: with automatic collection on, a call through super() can
// start a collection where it allocates: every call under 3.11 and 3.13t,
// only a site's first run from 3.12 on.
TEST(Super, AutomaticCollectionInsideTheCallDependsOnTheProfile) {
  const std::string text = R"(
class Cycle:
    def __del__(self):
        log("cycle collected")
class A:
    def m(self):
        pass
class B(A):
    def m(self):
        super().m()
b = B()
b.m()
c = Cycle()
c.me = c
del c
gc.enable()
b.m()
gc.disable()
expect log "cycle collected" never
)";
  for (const char* profile : {"3.11", "3.13t"})
    EXPECT_EQ(verdict_under(profile, text), "violates expect") << profile;
  for (const char* profile : {"3.12", "3.13", "3.14", "3.14t"})
    EXPECT_EQ(verdict_under(profile, text), "holds") << profile;
  // the site's first run allocates everywhere
  const std::string first_run = text.substr(0, text.find("b.m()\nc = Cycle()")) +
                                "c = Cycle()\nc.me = c\ndel c\ngc.enable()\nb.m()\n"
                                "gc.disable()\nexpect log \"cycle collected\" never\n";
  for (const char* profile : kEveryProfile)
    EXPECT_EQ(verdict_under(profile, first_run), "violates expect") << profile;
}

// SU3: AttributeError at the lookup, before the arguments exist; TypeError
// for an instance not of the class; SU4: RuntimeError without __class__.
TEST(Super, ErrorsWhereCPythonRaisesThem) {
  expect_logs_under_every_profile(
      R"(
class Arg:
    def __del__(self):
        log("del arg")
class A:
    def m(self, x):
        pass
class B(A):
    def missing(self):
        super().nothing(Arg())
    def wrong(self, other):
        super(B, other).m(Arg())
def outside(x):
    super().m(x)
b = B()
for i in range(2):
    try:
        b.missing()
    except AttributeError:
        log("AttributeError")
    try:
        b.wrong(A())
    except TypeError:
        log("TypeError")
try:
    outside(b)
except RuntimeError:
    log("RuntimeError")
log("end")
)",
      {"AttributeError", "TypeError", "AttributeError", "TypeError", "RuntimeError", "end"});
}

// super().__del__() with no __del__ past the class: AttributeError inside
// the finalizer, reported as unraisable; the object still dies.
TEST(Super, MissingBaseDelIsUnraisable) {
  expect_logs_under_every_profile(
      "class A:\n    pass\nclass B(A):\n    def __del__(self):\n        log(\"B.__del__\")\n"
      "        super().__del__()\n        log(\"not reached\")\nb = B()\ndel b\nlog(\"end\")\n",
      {"B.__del__", "end"});
}

// FN15: x.NAME(args) where no class defines NAME: AttributeError at the
// lookup, before the argument, or the instance attribute's function.
TEST(Super, UnknownMethodNameIsARunTimeAttributeError) {
  expect_logs_under_every_profile(R"(
class Arg:
    def __del__(self):
        log("del arg")
class A:
    pass
a = A()
try:
    a.nothing(Arg())
except AttributeError:
    log("AttributeError")
a.f = lambda x: log("f", x)
a.f(2)
)",
                                  {"AttributeError", "f 2"});
}

// Two threads running the same body: each body's site warms on its own
// (thread symmetry pairs the sites), and the search finds no violation.
TEST(Super, SymmetricThreadsWarmTheirOwnSites) {
  const std::string text = R"(
class A:
    def m(self):
        log("A.m")
class B(A):
    def m(self):
        super().m()
thread T1:
    b = B()
    b.m()
    b.m()
thread T2:
    b = B()
    b.m()
    b.m()
)";
  for (const char* profile : kEveryProfile) EXPECT_EQ(verdict_under(profile, text), "holds");
}

// emit-python writes the call in the form CPython compiles to
// LOAD_SUPER_ATTR, with 3.11's check after the call of super.
TEST(Super, EmitPythonSpelling) {
  const std::string text = std::string(kChain) + "s = Sub(\"s\", 1)\n";
  const std::string py312 = emit::emit_python(load_text_under(text, "3.12"));
  EXPECT_NE(py312.find("super(Sub, self).describe('dying')"), std::string::npos) << py312;
  EXPECT_NE(py312.find("super().__del__()"), std::string::npos);
  EXPECT_NE(py312.find("super().describe(what=what)"), std::string::npos);
  EXPECT_NE(py312.find("super().__init__(_lc_init_label(_lc_labels.get(id(self)), name))"),
            std::string::npos);
  const std::string py311 = emit::emit_python(load_text_under(text, "3.11"));
  EXPECT_NE(py311.find("_lc_ck(super()).__del__()"), std::string::npos) << py311;
}

TEST(Super, ShippedScenariosMeetTheirVerdicts) {
  const CliResult r = run_cli({"suite", "--quiet", source_path("scenarios/super")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A bad super() through the CLI: one located error, exit 2.
TEST(Super, BadInputThroughTheCli) {
  const std::string file =
      temp_file("class A:\n    pass\nclass B(A):\n    def m(self):\n        super().__repr__()\n");
  const CliResult r = run_cli({"check", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(file + ":5:17: error: super().__repr__() is not modelled"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace lifecheck::testing
