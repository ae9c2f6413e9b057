// super().__init__() that reaches object.__init__ (rule SU5, model/Super.cpp):
// nothing happens with no arguments, TypeError with any; what the lookup
// allocates per profile (a super object and a method-wrapper where SU1 and
// SU2's generic run allocate a bound method); the shipped scenarios.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Model.h"

namespace lifecheck::testing {
namespace {

const char* kThreeResets = R"(
class A:
    def reset(self, n):
        super().__init__()
        log("reset", n)

a = A()
a.reset(1)
a.reset(2)
a.reset(3)
)";

// SU5 with SU1, SU2: 3.11 and 3.13t make a super object and a
// method-wrapper at every call; 3.12+ at the site's first run only.
TEST(ObjectInit, AllocationsPerProfile) {
  const std::vector<std::pair<const char*, size_t>> expected = {
      {"3.11", 3}, {"3.12", 1}, {"3.13", 1}, {"3.14", 1}, {"3.13t", 3}, {"3.14t", 1}};
  for (const auto& [profile, made] : expected) {
    const model::Program p = load_text_under(kThreeResets, profile);
    ASSERT_NE(p.method_wrapper_type, model::kNoType);
    EXPECT_EQ(p.types[p.method_wrapper_type].name, "method-wrapper");
    const model::Trace t = run_first(p);
    EXPECT_EQ(t.outcome.kind, checker::StepResult::Kind::Ok) << profile;
    EXPECT_EQ(allocations_of(t, p.super_type), made) << profile;
    EXPECT_EQ(allocations_of(t, p.method_wrapper_type), made) << profile;
    EXPECT_EQ(allocations_of(t, model::kMethodType), 0u) << profile;  // no bound method
    EXPECT_EQ(logs_of(p, t), (std::vector<std::string>{"reset 1", "reset 2", "reset 3"}))
        << profile;
  }
}

// object_init: no arguments, nothing; a positional or a keyword argument,
// TypeError (excess_args), in every profile, through both forms of super.
TEST(ObjectInit, ExcessArgumentsRaiseTypeError) {
  expect_logs_under_every_profile(R"(
class Plain:
    def __init__(self):
        super().__init__()
        log("plain")

class Positional:
    def __init__(self, x):
        super().__init__(x)

class Keyword:
    def __init__(self):
        super(Keyword, self).__init__(k=1)

p = Plain()
try:
    Positional(1)
except TypeError:
    log("positional TypeError")
try:
    Keyword()
except TypeError:
    log("keyword TypeError")
log("end")
)",
                                  {"plain", "positional TypeError", "keyword TypeError", "end"});
}

// The chain still runs the nearest base's __init__ when one defines it;
// only the top of the chain reaches object.__init__.
TEST(ObjectInit, ChainReachesObjectAtTheTop) {
  expect_logs_under_every_profile(R"(
class Base:
    def __init__(self):
        super().__init__()
        log("Base")

class Mid(Base):
    def __init__(self):
        super().__init__()
        log("Mid")

class Leaf(Mid):
    pass

x = Leaf()
log("made")
)",
                                  {"Base", "Mid", "made"});
}

// The lookup past a class whose chain ends at a list finds no __init__
// of the model's: still refused (a list subclass's own __init__ is).
TEST(ObjectInit, ChainEndingAtAListStillRefused) {
  EXPECT_THROW(load_text("class L(list):\n    def __init__(self):\n"
                         "        super().__init__()\nx = L()\n"),
               std::exception);
}

// The lines that were refused before are ordinary input now: the CLI
// checks them (exit 0, no error).
TEST(ObjectInit, OnceRefusedInputIsChecked) {
  const std::string file =
      temp_file("class A:\n    def __init__(self):\n        super().__init__()\nA()\n");
  const CliResult r = run_cli({"check", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("error"), std::string::npos) << r.err;
}

TEST(ObjectInit, ShippedScenariosHaveTheirVerdicts) {
  EXPECT_EQ(verdict_text(load_file("scenarios/super/init-reaches-object.life")), "holds");
  const char* auto_gc = "scenarios/super/object-init-auto-gc-by-profile.life";
  EXPECT_EQ(verdict_text(load_file(auto_gc)), "holds");  // its profile, 3.12
  const std::string text = read_all(source_path(auto_gc));
  EXPECT_EQ(verdict_under("3.11", text), "violates expect");
  EXPECT_EQ(verdict_under("3.13t", text), "violates expect");
  EXPECT_EQ(verdict_under("3.14", text), "holds");
}

}  // namespace
}  // namespace lifecheck::testing
