// Unit tests of the weakref transitions: shared and callback refs, reading a
// dead referent, callbacks (what they receive, what they may drop, how a
// failing one is reported), and trash weakrefs. Each test states the rule
// of docs/semantics.md it checks. Split from test_transitions.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;
using model::EventKind;

// weakref.ref accepts any callback; one that is not callable fails when
// called, reported as unraisable TypeError.
TEST(Weakrefs, NonCallableCallbackFailsWhenCalled) {
  model::Program p = load_file("scenarios/conformance/noncallable-weakref-callback.life");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Ok) << t.outcome.message;
  EXPECT_EQ(logs_of(p, t), (Strings{"created"}));
  std::vector<std::string> seen = testing::observable(p, t);
  // X7: the 3.14 message names the callable, here by its type
  EXPECT_NE(std::find(seen.begin(), seen.end(),
                      "unraisable TypeError while calling weakref callback int"),
            seen.end());
}

// W1: weakref.ref(o) without a callback is shared; with a callback it is not.
TEST(Weakrefs, BasicRefIsReusedCallbackRefsAreNot) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    pass
a = Node()
w1 = weakref.ref(a)
w2 = weakref.ref(a)
c1 = weakref.ref(a, cb)
c2 = weakref.ref(a, cb)
assert w1 is w2
assert c1 is not c2
assert c1 is not w1
)");
  model::Trace t = run_first(p);
  EXPECT_TRUE(t.outcome.ok()) << t.outcome.message;
}

// W3: calling a weakref gives the object while it lives, None afterwards.
TEST(Weakrefs, DereferenceAfterDeathIsNone) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
w = weakref.ref(a)
log(w())
del a
log(w())
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"a", "None"}));
}

// W1: weakref objects themselves are not weakly referenceable (TypeError),
// and None is not either; the exception escapes the thread.
TEST(Weakrefs, WeakrefToAWeakrefRaisesTypeError) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
w = weakref.ref(a)
ww = weakref.ref(w)
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, (Strings{"uncaught-exception"}));
  EXPECT_NE(t.outcome.message.find("TypeError"), std::string::npos);
}

// W7: the callback receives the weakref object, which is already dead.
TEST(Weakrefs, CallbackReceivesTheDeadWeakref) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    log(wr is w, wr())
a = Node()
w = weakref.ref(a, cb)
del a
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"True None"}));
}

// W4 step 3: a dying weakref (one whose own refcount is 0) is skipped; and a
// callback that drops the last reference to its own weakref is fine.
TEST(Weakrefs, CallbackMayDropItsOwnWeakref) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    global w
    w = None
    log("cb")
a = Node()
w = weakref.ref(a, cb)
del a
log("done")
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs_of(p, t), (Strings{"cb", "done"}));
  EXPECT_EQ(find_object(p, t.final_state, "w"), nullptr);
}

// G12 step 1 (bpo-38006): a weakref that is garbage loses its referent even
// when the referent stays alive; its callback never runs.
TEST(Weakrefs, TrashWeakrefToLiveObjectIsClearedWithoutCallback) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    log("callback")
alive = Node()
g = Node()
g.me = g
g.wr = weakref.ref(alive, cb)
del g
gc.collect()
del alive
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), Strings{});
}

// A callable with the wrong number of parameters, reached through a
// variable, raises TypeError when called back; it is reported as unraisable
// and holds no reference afterwards.
TEST(Weakrefs, CallbackWithWrongArityIsATypeError) {
  model::Program p = load_text(R"(
class Node:
    def one(self):
        log("never called")
a = Node()
b = Node()
g = b.one
w = weakref.ref(a, g)
del g
del a
del w
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  size_t type_errors = 0;
  for (const model::Event& e : events(t))
    type_errors += e.kind == EventKind::Unraisable &&
                   e.text == "TypeError while calling weakref callback Node.one";  // X7
  EXPECT_EQ(type_errors, 1u);
  EXPECT_EQ(logs_of(p, t), Strings{});
}

// A function stored in an attribute works as a callback.
TEST(Weakrefs, CallbackFromAnAttribute) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    log("cb")
holder = Node()
holder.f = cb
a = Node()
w = weakref.ref(a, holder.f)
del a
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs_of(p, t), (Strings{"cb"}));
}
}  // namespace
}  // namespace lifecheck::testing
