// The scenario generators (include/lifecheck/generators.h): what they make
// is always a valid scenario, rendering is deterministic, and sizes grow
// with rapidcheck's size.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "TestSupport.h"
#include "lifecheck/generators.h"
#include "lifecheck/lifecheck.h"

namespace lifecheck {
namespace {

gen::GenConfig with_broken_ctypes() {
  gen::GenConfig c;
  c.broken_ctypes = true;
  return c;
}

RC_GTEST_PROP(Generators, EveryScenarioCompiles, ()) {
  const auto spec = *gen::scenario(with_broken_ctypes());
  const std::string text = spec.to_life();
  try {
    Scenario::parse(text);
  } catch (const ScenarioError& e) {
    RC_FAIL(std::string(e.what()) + "\n" + text);
  }
  RC_ASSERT(spec.to_life() == text);  // rendering is a function of the spec
}

// With the newer statements too: valid text, and each of them can occur
// (the tags count scenarios that use them).
RC_GTEST_PROP(Generators, EveryScenarioWithTheNewerStatementsCompiles, ()) {
  gen::GenConfig config = with_broken_ctypes();
  config.language = true;
  const auto spec = *gen::scenario(config);
  const std::string text = spec.to_life();
  for (const std::string profile : {"3.11", "3.13", "3.13t"}) {
    try {
      Scenario::parse(text, "generated.life", LoadOptions{profile, {}});
    } catch (const ScenarioError& e) {
      RC_FAIL(profile + ": " + e.what() + "\n" + text);
    }
  }
  RC_ASSERT(spec.to_life() == text);
  for (const char* word : {"next(", ".close()", "except ValueError", "finally:", "sys.getrefcount",
                           "gc.is_tracked", "gc.freeze", "DEBUG_SAVEALL"})
    if (text.find(word) != std::string::npos) RC_TAG(word);
}

// Each newer statement renders as the scenario language spells it.
TEST(Generators, NewerStatementsRender) {
  gen::ScenarioSpec spec;
  spec.globals = 2;
  spec.generators = 1;
  spec.classes = {gen::ClassSpec{}};
  using gen::Op;
  spec.setup = {{Op::New, 0, 0, 0},       {Op::GenNew, 0, 0, 0},    {Op::GenLink, 0, 0, 0},
                {Op::GenNext, 0, 0, 0},   {Op::Refcount, 0, 0, 0},  {Op::IsTracked, 0, 0, 0},
                {Op::TryExcept, 0, 1, 0}, {Op::Freeze, 0, 0, 0},    {Op::Freeze, 1, 0, 0},
                {Op::SaveAll, 0, 0, 0},   {Op::SaveAll, 1, 0, 0},   {Op::GenClose, 0, 0, 0},
                {Op::GenDrop, 0, 0, 0},   {Op::TryFinally, 0, 0, 0}};
  spec.threads = {{{Op::GenNext, 0, 0, 0}}};
  const std::string text = spec.to_life();
  for (const char* want :
       {"def gen0(x):", "q0 = gen0(g0)", "g0.f0 = q0", "log(\"next\", next(q0))",
        "sys.getrefcount(g0)", "gc.is_tracked(g0)", "except ValueError:\n    g1 = None",
        "gc.freeze()", "gc.unfreeze()", "gc.set_debug(gc.DEBUG_SAVEALL)", "gc.garbage.clear()",
        "q0.close()", "q0 = None", "finally:\n    gc.collect()", "    s = q0\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  const Scenario s = Scenario::parse(text, "generated.life");
  // the generator ends in a cycle with g0 (g0.f0 = q0, its frame holds g0):
  // its finally runs in the final collection or at close()
  const CheckResult r = check(s, CheckOptions{});
  EXPECT_FALSE(r.violated()) << r.message << "\n" << text;
}

}  // namespace
}  // namespace lifecheck
