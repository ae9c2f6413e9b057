// Y7: generators without the GIL (model/GeneratorsFreeThreaded.cpp). The
// check and the store of gi_frame_state in gen_send_ex2 are two steps when
// another running thread can reach the generator, so two threads can both
// resume it (a crash: memory-safety); the read-back after a yield can find
// the generator resumed by another thread (StopIteration). With the GIL
// neither window exists.
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Canonical.h"
#include "model/SwitchPoints.h"

namespace lifecheck::testing {
namespace {

model::Program under(const std::string& text, const char* profile) {
  return load_text_under(text, profile, "gen-ft-test.life");
}

std::string shipped(const char* name) {
  return read_all(source_path(std::string("scenarios/free-threading/") + name));
}

// Some reachable state satisfies `pred`.
template <class Pred>
bool some_state(const model::Program& p, Pred pred) {
  model::Model m(p, false);
  bool found = false;
  for_each_state(m, 200000, [&](const model::State& s) { found = found || pred(s); });
  return found;
}

// A thread stands between next()'s read of the frame state and its store.
bool inside_the_check_window(const model::State& s) {
  for (const model::Thread& th : s.threads)
    if (!th.frames.empty() && th.frames.back().kind == model::FrameKind::Body &&
        th.frames.back().stage != 0)
      return true;
  return false;
}

TEST(GeneratorsFreeThreaded, TwoThreadsResumingOneGeneratorCrashOnlyWithoutTheGil) {
  const std::string text = shipped("generator-two-threads-resume-bug.life");
  for (const char* profile : {"P313t", "P314t"}) {
    const auto r = check(under(text, profile));
    ASSERT_EQ(r.verdict, checker::Verdict::Violated) << profile;
    EXPECT_EQ(r.failure.properties, std::vector<std::string>{"memory-safety"});
    EXPECT_NE(r.failure.message.find("gen_send_ex2"), std::string::npos) << r.failure.message;
  }
  for (const char* profile : {"P313", "P313L", "P314g"})
    EXPECT_EQ(check(under(text, profile)).verdict, checker::Verdict::Holds) << profile;
}

TEST(GeneratorsFreeThreaded, NextStopsBetweenItsCheckAndItsStoreOnlyWithoutTheGil) {
  const std::string text = shipped("generator-two-threads-resume-bug.life");
  EXPECT_TRUE(some_state(under(text, "P313t"), inside_the_check_window));
  EXPECT_FALSE(some_state(under(text, "P313"), inside_the_check_window));
}

TEST(GeneratorsFreeThreaded, AGeneratorNoOtherThreadReachesHasNoWindow) {
  // The generator is the worker's alone: its next() cannot race, and the
  // search finds no violation and no state inside the window.
  const char* text = R"(
def numbers():
    yield 1
    yield 2

thread worker:
    g = numbers()
    log("got", next(g))
    log("got", next(g))
    del g

thread other:
    log("other")
)";
  const model::Program p = under(text, "P313t");
  EXPECT_EQ(check(p).verdict, checker::Verdict::Holds);
  EXPECT_FALSE(some_state(p, inside_the_check_window));
}

TEST(GeneratorsFreeThreaded, AYieldReadBackCanBeLostOnlyWithoutTheGil) {
  const std::string text = shipped("generator-yield-taken-for-return.life");
  const auto ft = check(under(text, "P313t"));
  ASSERT_EQ(ft.verdict, checker::Verdict::Violated);
  EXPECT_EQ(ft.failure.properties, std::vector<std::string>{"expect"});
  EXPECT_EQ(check(under(text, "P313")).verdict, checker::Verdict::Holds);
  // Without the ignore line the crash is what the search reports.
  std::string crash = text;
  crash.erase(crash.find("ignore memory-safety"), crash.find('\n', crash.find("ignore memory")) -
                                                      crash.find("ignore memory-safety") + 1);
  const auto r = check(under(crash, "P313t"));
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, std::vector<std::string>{"memory-safety"});
}

// gen_dealloc clears the generator's weakrefs before it calls
// _PyGen_Finalize (Y6), so once its deallocation has begun no other thread
// can reach it: even without the GIL the finalizer call needs no switch
// point of its own (the finally block is Python code with its own).
TEST(GeneratorsFreeThreaded, NoOtherThreadReachesAGeneratorAtItsFinalizer) {
  const std::string text = shipped("generator-finally-on-owner.life");
  const model::Program p = under(text, "P313t");
  bool finalizing = false;
  EXPECT_FALSE(some_state(p, [&](const model::State& s) {
    for (size_t t = 0; t < s.threads.size(); ++t) {
      const auto& frames = s.threads[t].frames;
      for (const model::Frame& f : frames)
        if (f.kind == model::FrameKind::FinalizeFromDealloc) {
          finalizing = true;
          if (model::objects_shared_with_others(p, s, static_cast<model::ThreadId>(t))[f.obj])
            return true;
        }
    }
    return false;
  }));
  EXPECT_TRUE(finalizing);
  EXPECT_EQ(check(p).verdict, checker::Verdict::Holds);
}

}  // namespace
}  // namespace lifecheck::testing
