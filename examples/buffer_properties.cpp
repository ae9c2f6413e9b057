// Property tests for a C extension type, "Buffer", written against
// lifecheck's installed C++ API. Buffer is a GC heap type with two object
// fields, weak references and a tp_finalize; its tp_dealloc does what the
// extension's C code does, step by step (docs/extension-types.md). The
// generators put Buffer into random scenarios (objects, cycles, weakrefs
// with callbacks, finalizers, collections, 1-3 threads) and lifecheck
// explores each one exhaustively.
#include <gtest/gtest.h>
#include <lifecheck/generators.h>
#include <lifecheck/lifecheck.h>
#include <rapidcheck/gtest.h>

namespace {

// Buffer's tp_dealloc, as the C code has it.
const std::vector<std::string> kBufferDealloc = {
    "finalizer_from_dealloc", "untrack", "clear_weakrefs", "clear", "free", "decref_type"};

// A generated scenario in which the C type is Buffer.
lifecheck::gen::ScenarioSpec with_buffer(lifecheck::gen::ScenarioSpec spec,
                                         const std::vector<std::string>& dealloc) {
  lifecheck::gen::CTypeSpec buffer;
  buffer.dealloc = dealloc;
  buffer.has_finalize = true;
  if (!spec.ctypes.empty()) buffer.finalize_body = spec.ctypes.front().finalize_body;
  spec.ctypes = {buffer};
  return spec;
}

// Generated scenarios with Buffer as their C type (rapidcheck shows and
// shrinks these, Buffer included).
rc::Gen<lifecheck::gen::ScenarioSpec> buffer_scenarios(const std::vector<std::string>& dealloc) {
  return rc::gen::map(lifecheck::gen::scenario(), [dealloc](lifecheck::gen::ScenarioSpec spec) {
    return with_buffer(std::move(spec), dealloc);
  });
}

lifecheck::CheckOptions bounded() {
  lifecheck::CheckOptions o;
  o.max_states = 20000;
  return o;
}

// Whatever the scenario does with Buffers, on any thread and any
// interleaving, under the default profile, every property holds.
RC_GTEST_PROP(Buffer, DeallocIsSafeInEveryScenario, ()) {
  const auto spec = *buffer_scenarios(kBufferDealloc);
  const auto result =
      lifecheck::check(lifecheck::Scenario::parse(spec.to_life(), "buffer.life"), bounded());
  RC_PRE(result.verdict != lifecheck::Verdict::LimitReached);
  if (result.violated()) RC_FAIL(result.report);
}

// The same under every CPython profile (except what a release itself
// breaks: lifecheck::release_bugs), on smaller scenarios.
RC_GTEST_PROP(Buffer, SafeUnderEveryProfile, ()) {
  lifecheck::gen::GenConfig small;
  small.max_threads = 1;
  small.max_body = 3;
  const auto spec = with_buffer(*lifecheck::gen::scenario(small), kBufferDealloc);
  for (const std::string& profile : lifecheck::profiles()) {
    const auto result = lifecheck::check(
        lifecheck::Scenario::parse(spec.to_life(), "buffer.life", {profile, {}}), bounded());
    if (!result.violated()) continue;
    // The scenario's own code loops forever (a finalizer that re-creates
    // its object): CPython loops too, and it says nothing about Buffer.
    RC_PRE(!result.violates("termination"));
    const auto allowed = lifecheck::release_bugs(profile);
    for (const std::string& id : result.properties)
      if (std::find(allowed.begin(), allowed.end(), id) == allowed.end())
        RC_FAIL(profile + ": " + result.report);
  }
}

// A Buffer whose tp_dealloc forgets PyObject_GC_UnTrack: lifecheck must
// find a scenario that shows it, and rapidcheck shrinks it to a small one.
TEST(Buffer, ForgettingToUntrackIsCaught) {
  const std::vector<std::string> broken = {"finalizer_from_dealloc", "clear_weakrefs", "clear",
                                           "free", "decref_type"};
  std::string shown;
  const bool holds = rc::check("Buffer without untrack", [&] {
    const auto spec = *buffer_scenarios(broken);
    const auto result =
        lifecheck::check(lifecheck::Scenario::parse(spec.to_life(), "buffer.life"), bounded());
    if (result.violated()) shown = result.properties.front();
    RC_ASSERT(!result.violated());
  });
  EXPECT_FALSE(holds);
  EXPECT_FALSE(shown.empty());
}

}  // namespace
