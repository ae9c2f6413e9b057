// f_back (rule X5 of docs/semantics.md): a frame object that outlives its
// frame (an `except ... as` clause stored the exception whose traceback
// holds it) holds the frame object of the frame's caller, which takes the
// caller's locals, and the function the caller ran, when the caller
// returns (take_ownership in Python/frame.c). Each expected order was
// observed on CPython 3.11.7, 3.12.1 and 3.13.0 (the shipped fback-*.life
// scenarios under scenarios/exceptions conform).
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

const char* const kNode = R"(
class Node:
    def __del__(self):
        log("del", self)
err = None
)";

// f binds and stores; its callers' locals follow.
const char* const kStoringCallee = R"(
def f():
    global err
    a = Node()
    try:
        raise KeyError
    except KeyError as e:
        err = e
)";

// T1 calls m, then drops the exception.
const char* const kDropsAfterM = R"(
thread T1:
    global err
    m()
    log("m returned")
    err = None
    log("dropped")
)";

std::string program(const char* profile, const std::string& body) {
  return std::string("profile ") + profile + "\n" + kNode + kStoringCallee + body;
}

// Two callers: m's and T1's locals live on past their returns and die
// with the exception, f's frame object first, then each f_back in turn,
// each frame object's locals in the profile's order.
TEST(ExceptionFBack, CallersLocalsLiveAsLongAsTheStoredException) {
  const std::string body = R"(
def m():
    y1 = Node()
    y2 = Node()
    f()
    log("m returns")
def t():
    x = Node()
    m()
    log("t returns")
thread T1:
    global err
    t()
    log("t returned")
    err = None
    log("dropped")
)";
  expect_every_trace_logs(program("3.12", body), {"m returns", "t returns", "t returned", "del a",
                                                  "del y1", "del y2", "del x", "dropped"});
  expect_every_trace_logs(program("3.14", body), {"m returns", "t returns", "t returned", "del a",
                                                  "del y2", "del y1", "del x", "dropped"});
}

// Nothing links a frame object that dies with its frame: dropped before
// the callers return, the exception takes nothing of theirs along, and
// they release their locals when they return.
TEST(ExceptionFBack, ExceptionDroppedBeforeTheCallerReturns) {
  expect_every_trace_logs(program("3.12", R"(
def m():
    global err
    y = Node()
    f()
    err = None
    log("dropped")
thread T1:
    m()
    log("m returned")
)"),
                          {"del a", "dropped", "del y", "m returned"});
  // not stored at all: f's frame object dies at f's return (X5)
  expect_every_trace_logs(std::string("profile 3.13\n") + kNode + R"(
def g():
    a = Node()
    try:
        raise KeyError
    except KeyError as e:
        log("bound")
def m():
    y = Node()
    g()
    log("g returned")
thread T1:
    m()
    log("m returned")
)",
                          {"bound", "del a", "g returned", "del y", "m returned"});
}

// A thread's body is the last frame the model links: its locals outlive
// the thread, and die on the thread that drops the exception.
TEST(ExceptionFBack, ThreadBodyOutlivesTheThread) {
  const std::string text = program("3.12", R"(
thread T1:
    x = Node()
    f()
    log("T1 done")
thread main:
    global err
    T1.join()
    log("joined")
    err = None
    log("dropped")
)");
  expect_every_trace_logs(text, {"T1 done", "joined", "del a", "del x", "dropped"});
  EXPECT_EQ(check(load_text(text + "expect finalize x on thread main\n")).verdict,
            checker::Verdict::Holds);
}

// A __del__ links to the body whose decref ran it (the C code between adds
// no frame); a gc callback or __del__ run by a collection likewise links to
// the body that collected.
TEST(ExceptionFBack, FinalizerLinksToTheBodyThatRanIt) {
  const std::string keeper = R"(
class Keeper:
    def __del__(self):
        global err
        try:
            raise KeyError
        except KeyError as e:
            err = e
)";
  const std::vector<std::string> logs{"m returns", "m returned", "del z", "dropped"};
  expect_every_trace_logs(std::string("profile 3.12\n") + kNode + keeper + R"(
def m():
    z = Node()
    k = Keeper()
    del k
    log("m returns")
)" + kDropsAfterM,
                          logs);
  expect_every_trace_logs(std::string("profile 3.13\n") + kNode + keeper + R"(
class Pair:
    pass
def m():
    z = Node()
    p = Pair()
    p.k = Keeper()
    p.me = p
    del p
    gc.collect()
    log("m returns")
)" + kDropsAfterM,
                          logs);
}

// A frame that unwinds while a stored exception holds its frame object
// links it too: the caller that handles the new exception keeps its locals
// past its return.
TEST(ExceptionFBack, UnwindingFrameLinksItsCaller) {
  expect_every_trace_logs(program("3.12", std::string(R"(
def h():
    global err
    try:
        raise KeyError
    except KeyError as e:
        err = e
    raise ValueError
def m():
    y = Node()
    try:
        h()
    except ValueError:
        log("caught")
    log("m returns")
)") + kDropsAfterM),
                          {"caught", "m returns", "m returned", "del y", "dropped"});
}

// g stores the IndexError it binds, then raises a ValueError while it
// handles f's KeyError: g's frame object, linked to m's as g unwinds, is
// in the traceback m's clause binds and in that of its context (the
// KeyError). It is linked once (g's 7 locals and f_back fill its 8 items:
// a second link is a model limit), and whichever exception goes first, g's
// and m's locals die when the last one does (f's with the ValueError).
TEST(ExceptionFBack, LinkedFrameObjectInABoundContextChain) {
  const std::string m = R"(
def f():
    b = Node()
    raise KeyError
def g():
    global err
    a = Node()
    a2 = 2
    a3 = 3
    a4 = 4
    a5 = 5
    a6 = 6
    a7 = 7
    try:
        raise IndexError
    except IndexError as e:
        err = e
    try:
        f()
    except KeyError:
        raise ValueError
def m():
    global err2
    y = Node()
    try:
        g()
    except ValueError as e:
        err2 = e
    log("m returns")
)";
  auto text = [&](const char* first, const char* second) {
    return std::string("profile 3.12\n") + kNode + "err2 = None\n" + m +
           "thread T1:\n    global err, err2\n    m()\n    " + first + " = None\n    log(\"" +
           first + "\")\n    " + second + " = None\n    log(\"" + second + "\")\n";
  };
  expect_every_trace_logs(text("err", "err2"),
                          {"m returns", "err", "del b", "del a", "del y", "err2"});
  expect_every_trace_logs(text("err2", "err"),
                          {"m returns", "del b", "err2", "del a", "del y", "err"});
}

// take_ownership copies f_funcobj: a function object nothing else holds
// lives in the frame object and is released before its locals.
TEST(ExceptionFBack, FrameObjectHoldsTheFunctionItRan) {
  expect_every_trace_logs(
      std::string("profile 3.12\n") + kNode + R"(
def make():
    def inner():
        global err
        try:
            raise KeyError
        except KeyError as e:
            err = e
    inner.tag = Node()
    return inner
def wrap():
    def mid():
        x = Node()
        make()()
        log("mid returns")
    mid.tag = Node()
    return mid
thread T1:
    global err
    wrap()()
    log("called")
    err = None
    log("dropped")
)",
      {"mid returns", "called", "del inner.tag", "del mid.tag", "del x", "dropped"});
}

// A cycle through a returned caller's frame object (h -> exception ->
// f's frame object -> f_back -> t's frame object -> h): the collector frees
// it, and t's `x` with it.
TEST(ExceptionFBack, CycleThroughTheCallersFrameObject) {
  const std::string text = std::string("profile 3.14\n") + kNode + R"(
class Holder:
    pass
def f(h):
    try:
        raise KeyError
    except KeyError as e:
        h.e = e
def t():
    x = Node()
    h = Holder()
    f(h)
    log("t returns")
thread T1:
    t()
    log("t returned")
    gc.collect()
    log("collected")
)";
  expect_every_trace_logs(text, {"t returns", "t returned", "del x", "collected"});
  EXPECT_EQ(check(load_text(text + "expect finalize x by gc once\n")).verdict,
            checker::Verdict::Holds);
}

// A generator's frame on either side of the link is a model limit.
TEST(ExceptionFBack, GeneratorFrameIsALimit) {
  auto r = check(load_text(program("3.12", R"(
def gen():
    f()
    yield 1
thread T1:
    g = gen()
    next(g)
)")));
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(r.limit.find("generator"), std::string::npos) << r.limit;
  EXPECT_NE(r.limit.find("f_back"), std::string::npos) << r.limit;
}

// The shipped scenarios observe the difference: each one's expectations
// hold, and the order the model had before f_back (the caller's locals
// dying at its return) violates an expectation written for it.
TEST(ExceptionFBack, ShippedScenariosRejectTheOldOrder) {
  const std::pair<const char*, const char*> kOld[] = {
      {"scenarios/exceptions/fback-keeps-caller-local.life",
       "expect finalize x before log \"joined\""},
      {"scenarios/exceptions/fback-chain-of-callers.life",
       "expect finalize y before log \"m returned\""},
      {"scenarios/exceptions/fback-del-caller.life", "expect finalize z before log \"joined\""},
      {"scenarios/exceptions/fback-unwound-binder.life", "expect finalize y before log \"joined\""},
      {"scenarios/exceptions/fback-cycle-through-caller.life",
       "expect finalize x by refcount once"},
      {"scenarios/exceptions/fback-frame-keeps-function.life",
       "expect finalize inner.tag before log \"called\""},
  };
  for (const auto& [path, old] : kOld) {
    const std::string text = read_all(source_path(path));
    EXPECT_EQ(check(load_text(text)).verdict, checker::Verdict::Holds) << path;
    EXPECT_EQ(check(load_text(text + old + "\n")).verdict, checker::Verdict::Violated)
        << path << ": " << old;
  }
}

}  // namespace
}  // namespace lifecheck::testing
