// `except ... as` binding an exception that came out of called functions
// (rules X4, X5, FN8 of docs/semantics.md): the exception holds the callee
// frames' frame objects, which hold their locals and functions.
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

void expect_logs(const std::string& text, const std::vector<std::string>& expected) {
  expect_every_trace_logs(text, expected);
}

const char* const kNode = R"(
class Node:
    def __del__(self):
        log("del", self)
def work():
    x = Node()
    y = Node()
    raise ValueError
)";

// X4, X5: with `as` the callee's locals die where they die without it, in
// the frame's order per profile.
TEST(ExceptionsFromCalls, BoundExceptionDropsCalleeLocalsAtClauseEnd) {
  for (const char* as : {" as e", ""}) {
    const std::string body = std::string(kNode) + R"(
thread T1:
    try:
        work()
    except ValueError)" + as +
                             R"(:
        log("handled")
    log("after")
)";
    expect_logs("profile 3.12\n" + body, {"handled", "del x", "del y", "after"});
    expect_logs("profile 3.14\n" + body, {"handled", "del y", "del x", "after"});
  }
}

// X4: stored elsewhere, the exception keeps the callee's locals until it
// dies; two levels of calls release the innermost frame first.
TEST(ExceptionsFromCalls, EscapedExceptionKeepsCalleeLocals) {
  expect_logs(std::string("profile 3.13\n") + kNode + R"(
err = None
def outer():
    z = Node()
    work()
thread T1:
    global err
    try:
        outer()
    except ValueError as e:
        err = e
    log("T1 done")
    err = None
    log("dropped")
)",
              {"T1 done", "del x", "del y", "del z", "dropped"});
}

// X5: a frame object releases the function before the locals; a frame that
// returns releases its locals first (FN8).
TEST(ExceptionsFromCalls, FrameObjectReleasesTheFunctionFirst) {
  const std::string text = R"(
profile 3.12
class Node:
    def __del__(self):
        log("del", self)
def make(fail):
    def work():
        x = Node()
        if fail:
            raise ValueError
    work.tag = Node()
    return work
thread T1:
    try:
        make(True)()
    except ValueError as e:
        log("bound")
    make(False)()
    log("returned")
)";
  expect_logs(text, {"bound", "del work.tag", "del x", "del x", "del work.tag", "returned"});
}

// A clause of a called frame binds the exception and raises it again: the
// caller's `as` gets a new object that keeps the earlier one, the same
// frames in the same order.
TEST(ExceptionsFromCalls, ReraisedThroughABindingCallee) {
  expect_logs(R"(
profile 3.12
class Node:
    def __del__(self):
        log("del", self)
def inner():
    a = Node()
    raise KeyError
def middle():
    m = Node()
    try:
        inner()
    except KeyError as e1:
        raise
thread T1:
    try:
        middle()
    except KeyError as e:
        log("caught")
    log("after")
)",
              {"caught", "del a", "del m", "after"});
}

auto check_text(const std::string& text) { return check(load_text(text)); }

// The limits that stay: a generator's frame in the traceback, and a bind
// whose __context__ chain would reach an exception a calling body handles
// with a traceback that keeps called frames (X8). A bind inside another
// clause of the same body is modelled: the handled exception becomes the
// bound one's context (tests/test_exception_context.cpp).
TEST(ExceptionsFromCalls, LimitsThatStay) {
  auto generator = check_text(R"(
def gen():
    x = 1
    yield x
    raise KeyError
thread T1:
    g = gen()
    next(g)
    try:
        next(g)
    except KeyError as e:
        pass
)");
  EXPECT_EQ(generator.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(generator.limit.find("left a generator's frame"), std::string::npos) << generator.limit;
  auto caller = check_text(R"(
def work():
    raise KeyError
def bind():
    try:
        raise ValueError
    except ValueError as e:
        pass
thread T1:
    try:
        work()
    except KeyError:
        bind()
)");
  EXPECT_EQ(caller.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(caller.limit.find("__context__"), std::string::npos) << caller.limit;
  // the same bind inside another clause of the same body is modelled
  EXPECT_EQ(check_text(R"(
def work():
    raise KeyError
thread T1:
    try:
        raise ValueError
    except ValueError:
        try:
            work()
        except KeyError as e:
            pass
)")
                .verdict,
            checker::Verdict::Holds);
}

}  // namespace
}  // namespace lifecheck::testing
