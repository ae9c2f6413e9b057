// A lock's `with` in a scenario whose classes are context managers (rule
// LK5a, model/CodeGenWith.cpp: OpCode::JumpIfLock), and the check after a
// lock's __enter__ per profile (LK5, Profile::with_enter_checks; 3.13t
// still compiles BEFORE_WITH).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Model.h"
#include "model/Profile.h"

namespace lifecheck::testing {
namespace {

// LK5: BEFORE_WITH (3.11-3.13, 3.13t too) calls __enter__ without a check;
// 3.14's LOAD_SPECIAL and CALL check after it.
TEST(WithLockMix, EnterCheckPinnedPerProfile) {
  const std::vector<std::pair<const char*, bool>> want = {
      {"P311", false}, {"P312", false},  {"P313", false}, {"P313L", false}, {"P313t", false},
      {"P314i", true}, {"P314i4", true}, {"P314g", true}, {"P314t", true}};
  ASSERT_EQ(model::all_profiles().size(), want.size());
  for (const auto& [name, checks] : want) {
    const auto p = model::find_profile(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(p->with_enter_checks, checks) << name;
  }
}

// scenarios/locks/ft-with-enter-no-check.life: a merge pending when the
// acquire returns runs __del__ before the body under 3.14t, after the
// body's first store under 3.13t.
TEST(WithLockMix, FreeThreadedEnterCheckIsObservable) {
  const char* file = "scenarios/locks/ft-with-enter-no-check.life";
  const std::string text = read_all(source_path(file));
  EXPECT_EQ(verdict_under("3.13t", text), "violates expect");
  EXPECT_EQ(verdict_under("3.14t", text), "holds");
  EXPECT_EQ(verdict_under("3.13", text), "holds");
  EXPECT_EQ(verdict_under("3.14", text), "holds");
}

const char* kResource = R"(
import threading

L = threading.Lock()

class Resource:
    def __enter__(self):
        log("enter", L.locked())
        return self
    def __exit__(self, exc_type, exc, tb):
        log("exit", exc_type is None)
        return False
)";

// LK5a: both withs in one scenario, nested either way, the lock's `as`
// binding True, and an exception leaving both blocks.
TEST(WithLockMix, LockAndManagerInOneScenario) {
  expect_logs_under_every_profile(
      std::string(kResource) + R"(
with L as held:
    with Resource() as r:
        log("inside", held, L.locked())
log("after", L.locked())
with Resource():
    with L:
        log("inner", L.locked())
log("after 2", L.locked())
try:
    with L:
        with Resource():
            raise ValueError("x")
except ValueError:
    log("caught", L.locked())
)",
      {"enter True", "inside True True", "exit True", "after False", "enter False", "inner True",
       "exit True", "after 2 False", "enter True", "exit False", "caught False"});
}

// A lock reached through a name the compiler cannot tell from a context
// manager (a parameter), with break, continue and return leaving it.
TEST(WithLockMix, JumpsOutOfALockWithRelease) {
  expect_logs_under_every_profile(std::string(kResource) + R"(
def f(m):
    with m:
        return m.locked()
log("f", f(L), L.locked())
for i in range(2):
    with L:
        continue
while True:
    with L:
        break
log("end", L.locked())
)",
                                  {"f True False", "end False"});
}

// lock-order-enter-check.life among context managers: the lock's with
// keeps LK5's checks, so the deadlock needs 3.14's check after __enter__.
TEST(WithLockMix, LockOrderFollowsTheProfile) {
  const std::string text = std::string(kResource) + R"(
A = threading.Lock()
B = threading.Lock()

thread T1:
    with A:
        with B:
            log("T1 has both")

thread T2:
    with B:
        with A:
            log("T2 has both")
)";
  EXPECT_EQ(verdict_under("3.13", text), "holds");
  EXPECT_EQ(verdict_under("3.11", text), "holds");
  EXPECT_EQ(verdict_under("3.14", text), "violates deadlock");
  EXPECT_EQ(verdict_under("3.13t", text), "violates deadlock");
}

// A scenario without locks keeps its code: no JumpIfLock.
TEST(WithLockMix, NoLockNoDispatch) {
  const model::Program p = load_text(std::string(R"(
class M:
    def __enter__(self):
        return self
    def __exit__(self, a, b, c):
        return False
with M():
    log("x")
)"));
  for (const model::FuncInfo& f : p.funcs)
    for (const model::Op& op : f.code) EXPECT_NE(op.code, model::OpCode::JumpIfLock);
}

TEST(WithLockMix, ShippedScenarioHolds) {
  EXPECT_EQ(verdict_text(load_file("scenarios/with/lock-and-context-manager.life")), "holds");
}

}  // namespace
}  // namespace lifecheck::testing
