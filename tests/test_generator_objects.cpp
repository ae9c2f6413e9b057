// Generator objects (issue 12 point 5; rules Y1-Y6 of docs/semantics.md):
// next(), yield, close(), the generator's finalizer on the refcount path
// and in a collection, and what differs by profile. (The scenario
// generators of the property tests are test_generators.cpp.)
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

Strings logs(const model::Program& p, const model::Trace& t) { return logs_of(p, t); }

Strings only_logs(const model::Program& p) {
  std::vector<model::Trace> traces = all_traces(p);
  EXPECT_EQ(traces.size(), 1u);
  EXPECT_TRUE(traces[0].outcome.ok()) << traces[0].outcome.message;
  return logs(p, traces[0]);
}

const char* kNode = R"(
class Node:
    def __del__(self):
        log("del", self)
)";

// Y1, Y2: the call runs nothing; next() runs to the yield, the value comes
// back; the end of the body raises StopIteration; a StopIteration raised in
// the body becomes RuntimeError.
TEST(GeneratorObjects, NextRunsToTheYieldAndStopsAtTheEnd) {
  model::Program p = load_text(std::string(kNode) + R"(
def walk(n):
    log("start")
    yield n
    yield 2
    log("end")
def inner():
    raise StopIteration
    yield 1
g = walk(Node())
log("made")
log("first", next(g))
log("second", next(g))
try:
    next(g)
except StopIteration:
    log("stop")
h = inner()
try:
    next(h)
except RuntimeError:
    log("pep 479")
)");
  EXPECT_EQ(only_logs(p), (Strings{"made", "start", "first Node@14", "second 2", "end",
                                   "del Node@14", "stop", "pep 479"}));
}

// Y2: next() of a generator that returns raises StopIteration, whatever
// lies below on the caller's stack (here another suspended generator).
TEST(GeneratorObjects, StopIterationWithAnotherGeneratorOnTheStack) {
  model::Program p = load_text(R"(
def one():
    yield 1
def none():
    log("ran")
    if False:
        yield 1
other = one()
next(other)
g = none()
try:
    log(other, next(g))
except StopIteration:
    log("stop")
)");
  EXPECT_EQ(only_logs(p), (Strings{"ran", "stop"}));
}

// Y2: while a generator runs, resuming it raises ValueError; a generator
// object holds its suspended frame (gen_traverse).
TEST(GeneratorObjects, ARunningGeneratorCannotBeResumed) {
  model::Program p = load_text(R"(
g = None
def selfish():
    global g
    try:
        next(g)
    except ValueError:
        log("already executing")
    yield 1
g = selfish()
next(g)
)");
  EXPECT_EQ(only_logs(p), (Strings{"already executing"}));
}

// Y6: at a refcount death the weakref callbacks come first, then the
// finalizer closes the generator (finally), then the frame's locals die.
TEST(GeneratorObjects, RefcountDeathCallbacksThenFinallyThenLocals) {
  model::Program p = load_file("scenarios/generators/finally-at-refcount-death.life");
  EXPECT_EQ(only_logs(p),
            (Strings{"start", "got x", "generator gone", "finally", "del x", "after del"}));
}

// Y6, G13: in a cycle the collector's finalizer pass closes the generator
// inside gc.collect(); the generator is finalized once, by the collector.
TEST(GeneratorObjects, CollectorFinalizesAGeneratorInACycle) {
  model::Program p = load_file("scenarios/generators/finally-in-collection.life");
  std::vector<model::Trace> traces = all_traces(p);
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(logs(p, traces[0]), (Strings{"collecting", "del x", "finally", "collected"}));
  int gen_finalized_by_gc = 0;
  for (const model::Event& e : events(traces[0]))
    if (e.kind == model::EventKind::FinalizeBegin && e.type == p.generator_type) {
      EXPECT_EQ(e.path, 1) << "the collector's path";
      ++gen_finalized_by_gc;
    }
  EXPECT_EQ(gen_finalized_by_gc, 1);
}

// Y4: an ignored GeneratorExit makes close() raise RuntimeError; at a death
// the finalizer reports it as unraisable in the generator, every profile.
TEST(GeneratorObjects, IgnoredGeneratorExitIsUnraisableInTheGenerator) {
  for (const char* profile : {"3.11", "3.14"}) {
    model::Program p = load_text(std::string("profile ") + profile + R"(
def stubborn():
    try:
        yield 1
    except GeneratorExit:
        log("ignoring")
    yield 2
h = stubborn()
next(h)
del h
)");
    std::vector<model::Trace> traces = all_traces(p);
    ASSERT_EQ(traces.size(), 1u);
    Strings unraisable;
    for (const std::string& line : observable(p, traces[0]))
      if (line.rfind("unraisable ", 0) == 0) unraisable.push_back(line.substr(11));
    EXPECT_EQ(unraisable, (Strings{"RuntimeError in generator"})) << profile;
  }
}

// Y4: closing a just-created generator releases its arguments in close()
// under 3.11 and 3.14; 3.12 (and 3.13.0) keep them until the generator dies.
TEST(GeneratorObjects, CloseOfAnUnstartedGeneratorPerProfile) {
  const std::string body = std::string(kNode) + R"(
def walk(n):
    yield n
g = walk(Node())
g.close()
log("closed")
del g
log("end")
)";
  EXPECT_EQ(only_logs(load_text("profile 3.11\n" + body)),
            (Strings{"del Node@9", "closed", "end"}));
  EXPECT_EQ(only_logs(load_text("profile 3.14\n" + body)),
            (Strings{"del Node@9", "closed", "end"}));
  EXPECT_EQ(only_logs(load_text("profile 3.12\n" + body)),
            (Strings{"closed", "del Node@9", "end"}));
  EXPECT_EQ(only_logs(load_text("profile P313\n" + body)),
            (Strings{"closed", "del Node@9", "end"}));
}

// Y2, X1: an exception leaving the generator goes on in the caller; the
// generator frame's locals stay with the traceback until the caller's
// except clause ends.
TEST(GeneratorObjects, AnExceptionFromTheGeneratorKeepsItsLocalsUntilHandled) {
  model::Program p = load_text(std::string(kNode) + R"(
def failing(n):
    yield 1
    raise KeyError
g = failing(Node())
next(g)
try:
    next(g)
except KeyError:
    log("handling")
log("handled")
)");
  EXPECT_EQ(only_logs(p), (Strings{"handling", "del Node@9", "handled"}));
}

// Y1: a generator function the runtime calls (here through a variable, as
// a weakref callback) only makes a generator, dropped at once.
TEST(GeneratorObjects, CalledFromTheRuntimeItOnlyMakesAGenerator) {
  model::Program q = load_text(R"(
class A:
    pass
def gen(wr):
    log("never")
    yield 1
holder = A()
holder.cb = gen
a = A()
w = weakref.ref(a, holder.cb)
del a
log("after")
)");
  EXPECT_EQ(only_logs(q), (Strings{"after"}));
}

}  // namespace
}  // namespace lifecheck::testing
