// try/except/else/finally, exception objects and the frame objects their
// tracebacks keep, and what the unraisable hook receives per profile
// (issue 12 point 3; rules X2-X7 of docs/semantics.md).
#include <gtest/gtest.h>

#include <algorithm>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

// The observable lines of one kind ("log: ", "unraisable "), that word cut.
Strings lines_of(const std::string& kind, const model::Program& p, const model::Trace& t) {
  Strings out;
  for (const std::string& line : observable(p, t))
    if (line.rfind(kind, 0) == 0) out.push_back(line.substr(kind.size()));
  return out;
}
Strings logs(const model::Program& p, const model::Trace& t) { return lines_of("log: ", p, t); }

// X3: a clause matches the class or a base of it.
TEST(Exceptions, ClausesMatchTheBuiltInHierarchy) {
  EXPECT_TRUE(model::exception_matches("KeyError", "LookupError"));
  EXPECT_TRUE(model::exception_matches("KeyError", "Exception"));
  EXPECT_TRUE(model::exception_matches("UnboundLocalError", "NameError"));
  EXPECT_TRUE(model::exception_matches("MyError", "Exception"));
  EXPECT_TRUE(model::exception_matches("GeneratorExit", "BaseException"));
  EXPECT_FALSE(model::exception_matches("GeneratorExit", "Exception"));
  EXPECT_FALSE(model::exception_matches("ValueError", "KeyError"));
  EXPECT_FALSE(model::exception_matches("LookupError", "KeyError"));
}

// X2, X6: finally runs while the exception unwinds, before the outer
// handler; what it drops dies there.
TEST(Exceptions, FinallyRunsWhileUnwindingAndDropsLocals) {
  model::Program p = load_file("scenarios/exceptions/finally-drops-locals.life");
  for (const model::Trace& t : all_traces(p)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    EXPECT_EQ(logs(p, t), (Strings{"finally", "del x", "caught"}));
  }
}

// X4, X5: a local holding the caught exception ties a cycle through the
// frame object, which keeps every local alive after the body returned,
// until a collection. Without the extra reference, `e` is deleted at the end
// of the clause and the local dies with the frame.
TEST(Exceptions, TracebackCycleKeepsLocalsUntilACollection) {
  const std::string text = R"(
class Node:
    def __del__(self):
        log("del", self)
thread T1:
    x = Node()
    try:
        raise ValueError
    except ValueError as e:
        KEEP
    log("body ends")
thread main:
    T1.join()
    log("joined")
    gc.collect()
    log("collected")
)";
  auto with = [&](const std::string& keep) {
    std::string s = text;
    s.replace(s.find("KEEP"), 4, keep);
    return load_text(s);
  };
  model::Program kept = with("err = e");
  for (const model::Trace& t : all_traces(kept)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    EXPECT_EQ(logs(kept, t), (Strings{"body ends", "joined", "del x", "collected"}));
  }
  model::Program dropped = with("pass");
  for (const model::Trace& t : all_traces(dropped)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    Strings l = logs(dropped, t);
    auto del = std::find(l.begin(), l.end(), "del x");
    auto joined = std::find(l.begin(), l.end(), "joined");
    ASSERT_NE(del, l.end());
    EXPECT_LT(del, joined);
  }
}

// X4: the name bound by `as` is deleted at the end of the clause; reading
// it raises UnboundLocalError, a NameError. X6: a bare raise re-raises.
TEST(Exceptions, ExceptAsDeletesTheNameAndBareRaiseReraises) {
  model::Program p = load_text(R"(
thread T1:
    try:
        raise KeyError
    except KeyError as e:
        log("bound", e is None)
    try:
        log(e)
    except NameError:
        log("unbound")
    try:
        try:
            raise IndexError
        except LookupError:
            log("inner")
            raise
        finally:
            log("finally")
    except IndexError:
        log("outer")
    else:
        log("not reached")
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"bound False", "unbound", "inner", "finally", "outer"}));
}

// X2: an exception no clause matches (or one raised inside a clause) goes
// on out of the body: uncaught in a thread.
TEST(Exceptions, UnmatchedExceptionEscapesTheThread) {
  model::Program p = load_text(R"(
thread T1:
    try:
        raise ValueError
    except KeyError:
        log("not reached")
)");
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, (Strings{"uncaught-exception"}));
  model::Program caught = load_text(R"(
thread T1:
    try:
        raise ValueError
    except (KeyError, ValueError):
        log("caught")
)");
  EXPECT_EQ(check(caught).verdict, checker::Verdict::Holds);
}

// X7: up to 3.13 the hook gets the callable; 3.14 a message naming it.
TEST(Exceptions, UnraisableHookArgumentsPerProfile) {
  const std::string body = R"(
class Node:
    def __del__(self):
        raise ValueError
class Other:
    pass
def cb(wr):
    raise KeyError
def on_gc(phase, info):
    if phase == "start":
        raise IndexError
a = Node()
b = Other()
w = weakref.ref(b, cb)
del a
del b
gc.callbacks.append(on_gc)
gc.collect()
)";
  model::Program p312 = load_text("profile 3.12\n" + body);
  EXPECT_EQ(lines_of("unraisable ", p312, run_first(p312)),
            (Strings{"ValueError in Node.__del__", "KeyError in cb", "IndexError in on_gc"}));
  model::Program p314 = load_text("profile 3.14\n" + body);
  EXPECT_EQ(lines_of("unraisable ", p314, run_first(p314)),
            (Strings{"ValueError while calling deallocator Node.__del__",
                     "KeyError while calling weakref callback cb",
                     "IndexError while calling GC callback on_gc"}));
}

// X2: the ops inside a try are never private steps: a raise there jumps to
// a handler the walk does not follow.
TEST(Exceptions, PartialOrderKeepsStateCountsWithHandlers) {
  model::Program p = load_text(R"(
class Node:
    pass
shared = Node()
thread T1:
    x = Node()
    try:
        y = x.missing
    except AttributeError as e:
        shared.err = e
thread T2:
    z = Node()
    try:
        del shared.err
    except AttributeError:
        pass
)");
  checker::SearchOptions reduced, full;
  full.partial_order = false;
  auto a = check(p, reduced);
  auto b = check(p, full);
  EXPECT_EQ(a.verdict, checker::Verdict::Holds);
  EXPECT_EQ(b.verdict, checker::Verdict::Holds);
  EXPECT_LE(a.stats.states, b.stats.states);
}

}  // namespace
}  // namespace lifecheck::testing
