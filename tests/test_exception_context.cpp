// Implicit exception chaining (rule X8 of docs/semantics.md): an exception
// raised while another one is handled holds it as its __context__, which
// keeps that one's traceback, and the callees' locals it kept, alive as
// long as the new exception lives. Each expected order was observed on
// CPython 3.11.7, 3.12.1 and 3.13.0 (the shipped context-*.life scenarios
// under scenarios/exceptions conform).
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

void expect_logs(const std::string& text, const std::vector<std::string>& expected) {
  expect_every_trace_logs(text, expected);
}

// f's and g's locals, the two exceptions' own frames.
const char* const kCallees = R"(
class Node:
    def __del__(self):
        log("del", self)
def f():
    a1 = Node()
    a2 = Node()
    raise KeyError
def g():
    b = Node()
    raise ValueError
)";

std::string with_callees(const char* profile, const std::string& body) {
  return std::string("profile ") + profile + "\n" + kCallees + body;
}

// The ValueError leaves the clause that handles the KeyError: f's locals
// live until the ValueError dies, then go after g's (the traceback before
// the context), each frame's in its profile's order.
TEST(ExceptionContext, NewExceptionKeepsTheHandledOnesCalleeLocals) {
  const std::string body = R"(
thread T1:
    try:
        try:
            f()
        except KeyError:
            log("handling")
            g()
    except ValueError:
        log("handled")
    log("after")
)";
  expect_logs(with_callees("3.12", body),
              {"handling", "handled", "del b", "del a1", "del a2", "after"});
  expect_logs(with_callees("3.14", body),
              {"handling", "handled", "del b", "del a2", "del a1", "after"});
}

// A try inside the clause: its handler drops the ValueError only; the
// KeyError is still handled until the outer clause ends.
TEST(ExceptionContext, InnerHandlerLeavesTheOuterOnesFrames) {
  expect_logs(with_callees("3.13", R"(
thread T1:
    try:
        f()
    except KeyError:
        try:
            g()
        except ValueError:
            log("inner handled")
        log("inner done")
    log("after")
)"),
              {"inner handled", "del b", "inner done", "del a1", "del a2", "after"});
}

// A finally clause on the exception path handles the exception in flight.
TEST(ExceptionContext, RaiseInFinallyChainsTheUnwindingException) {
  expect_logs(with_callees("3.12", R"(
thread T1:
    try:
        try:
            f()
        finally:
            g()
    except ValueError:
        log("handled")
    log("after")
)"),
              {"handled", "del b", "del a1", "del a2", "after"});
}

// X4, X8: bound inside the outer clause and stored, the ValueError keeps
// the KeyError (no longer handled, its name deleted) and f's locals.
TEST(ExceptionContext, BoundExceptionKeepsItsContext) {
  expect_logs(with_callees("3.12", R"(
err = None
thread T1:
    global err
    try:
        f()
    except KeyError as e1:
        try:
            g()
        except ValueError as e2:
            err = e2
        log("inner done")
    log("outer done")
    err = None
    log("dropped")
)"),
              {"inner done", "outer done", "del b", "del a1", "del a2", "dropped"});
}

// Three exceptions of one body, the innermost bound and stored: the chain
// is IndexError -> ValueError -> KeyError, released in that order.
TEST(ExceptionContext, ChainOfThreeHandledInOneBody) {
  expect_logs(with_callees("3.12", R"(
def h():
    c = Node()
    raise IndexError
err = None
thread T1:
    global err
    try:
        f()
    except KeyError:
        try:
            g()
        except ValueError as e1:
            try:
                h()
            except IndexError as e2:
                err = e2
            log("e2 done")
        log("e1 done")
    err = None
    log("dropped")
)"),
              {"e2 done", "e1 done", "del c", "del b", "del a1", "del a2", "dropped"});
}

// Bound, raised again with a bare `raise` and bound again by an outer
// handler of the same body: the chain still ends at the KeyError.
TEST(ExceptionContext, ReraisedBoundExceptionKeepsItsContext) {
  expect_logs(with_callees("3.13", R"(
err = None
thread T1:
    global err
    try:
        try:
            f()
        except KeyError:
            try:
                g()
            except ValueError as e:
                raise
    except ValueError as e2:
        err = e2
    log("outer done")
    err = None
    log("dropped")
)"),
              {"outer done", "del b", "del a1", "del a2", "dropped"});
}

// A frame that handled the KeyError and raised the ValueError unwinds
// through its caller: its frame object is in both tracebacks, so it dies
// after f's locals, and its caller's (held as f_back) after it.
TEST(ExceptionContext, HandlingFrameOutlivesBothTracebacks) {
  const std::string body = R"(
def body():
    x = Node()
    try:
        f()
    except KeyError:
        g()
def c1():
    y = Node()
    body()
thread T1:
    try:
        c1()
    except ValueError:
        log("handled")
    log("after")
)";
  expect_logs(with_callees("3.12", body),
              {"handled", "del b", "del a1", "del a2", "del x", "del y", "after"});
  // bound by `as` and stored: the frame objects built for it hold their
  // callers the same way
  expect_logs(with_callees("3.13", R"(
err = None
def body():
    x = Node()
    try:
        f()
    except KeyError:
        raise ValueError
def m():
    y = Node()
    body()
thread T1:
    global err
    try:
        m()
    except ValueError as e:
        err = e
    log("T1 done")
    err = None
    log("dropped")
)"),
              {"T1 done", "del a1", "del a2", "del x", "del y", "dropped"});
}

// X8: unraisable, the exception goes before its traceback, so its
// context's frames die first: the reverse of a handled exception.
TEST(ExceptionContext, UnraisableExceptionGoesBeforeItsTraceback) {
  expect_logs(with_callees("3.12", R"(
def k():
    z = Node()
    try:
        f()
    except KeyError:
        g()
class Victim:
    def __del__(self):
        w = Node()
        k()
thread T1:
    v = Victim()
    v = None
    log("after")
)"),
              {"del a1", "del a2", "del b", "del z", "del w", "after"});
}

// threading.excepthook reports it inside an except clause of the
// thread's bootstrap: dropped as a handled exception.
TEST(ExceptionContext, UncaughtInAThreadIsDroppedAsHandled) {
  expect_logs(with_callees("3.12", R"(
ignore uncaught-exception "the thread ends with it"
thread T1:
    x = Node()
    try:
        f()
    except KeyError:
        g()
thread main:
    T1.join()
    log("joined")
)"),
              {"del b", "del a1", "del a2", "del x", "joined"});
}

// A cycle through __context__: only the collector frees `a`, which a
// model without the context frees when the KeyError's clause ends.
TEST(ExceptionContext, CycleThroughContextIsCollected) {
  const std::string text = R"(
profile 3.12
class Node:
    def __del__(self):
        log("del", self)
class Holder:
    pass
def f(h):
    a = Node()
    a.h = h
    raise KeyError
thread T1:
    h = Holder()
    try:
        f(h)
    except KeyError:
        try:
            raise ValueError
        except ValueError as e:
            h.e = e
    log("T1 done")
thread main:
    T1.join()
    log("joined")
    gc.collect()
    log("collected")
)";
  expect_logs(text, {"T1 done", "joined", "del a", "collected"});
  EXPECT_EQ(check(load_text(text + "expect finalize a by gc once\n")).verdict,
            checker::Verdict::Holds);
}

// Each pass of a loop chains and drops its own pair: nothing piles up.
TEST(ExceptionContext, ChainsInALoopStayApart) {
  expect_logs(with_callees("3.12", R"(
errs = []
thread T1:
    global errs
    for i in range(2):
        try:
            f()
        except KeyError:
            try:
                g()
            except ValueError as e:
                errs.append(e)
    log("looped")
    errs = None
    log("dropped")
)"),
              {"looped", "del b", "del a1", "del a2", "del b", "del a1", "del a2", "dropped"});
}

// The limit: binding, in a called function, an exception whose context
// chain reaches an exception a calling body handles with frames to keep.
TEST(ExceptionContext, BindUnderACallersHandledChainIsALimit) {
  const std::string callee_binds = R"(
def h():
    try:
        raise ValueError
    except ValueError as e:
        log("bound")
thread T1:
    try:
        f()
    except KeyError:
        h()
)";
  auto r = check(load_text(with_callees("3.12", callee_binds)));
  EXPECT_EQ(r.verdict, checker::Verdict::LimitReached);
  EXPECT_NE(r.limit.find("__context__"), std::string::npos) << r.limit;
  EXPECT_NE(r.limit.find("calling frame"), std::string::npos) << r.limit;
  // a caller's handled exception that kept no frame is no limit
  expect_logs(with_callees("3.12", R"(
def h():
    try:
        g()
    except ValueError as e:
        log("bound")
    log("h done")
thread T1:
    try:
        raise KeyError
    except KeyError:
        h()
    log("after")
)"),
              {"bound", "del b", "h done", "after"});
}

}  // namespace
}  // namespace lifecheck::testing
