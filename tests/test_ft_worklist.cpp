// The free-threaded collector's worklist (SEMANTICS.md §4.3, F-G2;
// CPython Python/gc_free_threading.c): membership is the ob_tid link,
// which untracking and tracking leave alone, so an untracked member is
// still finalized, a member tracked again is treated as tracked in its
// place, and the stop-the-world merge of the queues releases objects in
// the order of the interpreter's thread list. Each test walks every state
// of a review scenario (tests/canonical-reviews) without symmetry.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

model::Program review(const std::string& name) {
  return load_file("tests/canonical-reviews/" + name);
}

// Calls `visit(before, events)` for every transition from every state.
void for_each_step(const model::Program& p,
                   const std::function<void(const model::State&, const std::vector<model::Event>&,
                                            const model::State&)>& visit) {
  const model::Model m(p, false);
  std::vector<model::Model::Choice> choices;
  for_each_state(m, 200000, [&](const model::State& s) {
    m.enabled(s, choices);
    for (model::Model::Choice c : std::vector<model::Model::Choice>(choices)) {
      model::State t = s;
      std::vector<model::Event> trace;
      if (m.step(t, c, &trace).ok()) visit(s, trace, t);
    }
  });
}

// finalize_garbage has no tracked check: a member untracked after the
// first stop (here by its own racing tp_dealloc) gets its tp_finalize.
TEST(FtWorklist, UntrackedMemberIsFinalized) {
  const model::Program p = review("ft-finalize-untracked-member.life");
  bool untracked_finalized = false;
  for_each_step(p, [&](const model::State& s, const std::vector<model::Event>& events,
                       const model::State&) {
    for (const model::Event& e : events)
      if (e.kind == model::EventKind::FinalizeBegin && e.path == 1 && e.obj < s.objects.size() &&
          !s.objects[e.obj].tracked() && s.objects[e.obj].has(model::kOnWorklist))
        untracked_finalized = true;
  });
  EXPECT_TRUE(untracked_finalized);
}

// A member tracked again is back on the worklist's list in its place: no
// state has a tracked member with a place off that list, and the
// collector finalizes none of the isolate after clearing another member
// (the model's false P7.3 before).
TEST(FtWorklist, RetrackedMemberKeepsItsPlace) {
  const model::Program p = load_file("tests/canonical-reviews/ft-retracked-member.life");
  size_t retracked = 0;
  for_each_step(p, [&](const model::State&, const std::vector<model::Event>& events,
                       const model::State& after) {
    for (const model::Object& x : after.objects) {
      if (x.live && x.tracked() && x.has(model::kOnWorklist) && x.wl_rank != 0) {
        EXPECT_EQ(x.list, model::kFinalUnreachable) << "a tracked member off the worklist";
      }
    }
    for (const model::Event& e : events)
      if (e.kind == model::EventKind::Track && e.obj < after.objects.size() &&
          after.objects[e.obj].has(model::kOnWorklist))
        ++retracked;
  });
  EXPECT_GT(retracked, 0u);
  checker::SearchOptions o;
  o.jobs = 1;
  EXPECT_EQ(check(p, o, false).verdict, checker::Verdict::Holds);
}

// Under free-garbage-mid-collection the worklist holds no reference, and
// none is dropped for a member untracked before the second stop: no count
// goes below zero.
TEST(FtWorklist, FreeGarbageMutationDropsNoReferenceItNeverTook) {
  const model::Program p = review("ft-free-garbage-bug-untracked.life");
  size_t steps = 0;
  for_each_step(
      p, [&](const model::State&, const std::vector<model::Event>&, const model::State& after) {
        ++steps;
        for (const model::Object& x : after.objects) {
          if (x.live) {
            EXPECT_GE(x.rc, 0) << "a refcount below zero";
          }
        }
      });
  EXPECT_GT(steps, 20u);
}

}  // namespace
}  // namespace lifecheck::testing
