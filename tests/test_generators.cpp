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

}  // namespace
}  // namespace lifecheck
