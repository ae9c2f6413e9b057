// Method calls, obj.NAME(args) (rules FN14-FN15 of docs/semantics.md,
// model/MethodCalls.cpp): the class's function called with the instance
// first and no bound method made; an instance attribute of the method's
// name called without self; AttributeError and TypeError where CPython
// raises them; calls from every kind of body.
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "model/Program.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const char* kFile = R"(
class Tag:
    def __init__(self, n):
        self.n = n

    def __del__(self):
        log("del tag", self.n)

class File:
    def __init__(self):
        self.closed = False

    def close(self):
        if self.closed:
            log("already closed")
            return False
        self.closed = True
        log("closed")
        return True

    def __del__(self):
        log("del file")
        self.close()
)";

// FN14: the instance is the first argument; a method's return value
// reaches the caller (FN8); __del__ calls a method on the dying object.
TEST(MethodCalls, CloseExplicitlyThenFromDel) {
  expect_logs_under_every_profile(std::string(kFile) + R"(
f = File()
r = f.close()
log("first", r)
log("second", f.close())
del f
log("end")
)",
                                  {"closed", "first True", "already closed", "second False",
                                   "del file", "already closed", "end"});
}

// FN14: LOAD_ATTR with the method flag makes no bound method object; a
// read of obj.NAME does (one, freed when the name goes).
TEST(MethodCalls, NoBoundMethodIsAllocated) {
  const std::string body = std::string(kFile) + R"(
f = File()
f.close()
f.close()
)";
  model::Program p = load_text(body);
  EXPECT_EQ(allocations_of(run_first(p), model::kMethodType), 0u);
  model::Program q = load_text(body + "m = f.close\n");
  EXPECT_EQ(allocations_of(run_first(q), model::kMethodType), 1u);
}

// FN14, FN8: the arguments move into the frame; an argument the method
// drops dies inside it, and the caller's temporary receiver lives until
// the frame ends.
TEST(MethodCalls, ArgumentsAndSelfMoveIntoTheFrame) {
  expect_logs_under_every_profile(std::string(kFile) + R"(
class Owner:
    def take(self, tag):
        tag = None
        log("dropped")

    def __del__(self):
        log("del owner")

Owner().take(Tag(1))
log("end")
)",
                                  {"del tag 1", "dropped", "del owner", "end"});
}

// FN14: AttributeError at the lookup of a method A does not have (B's;
// the arguments are never evaluated); TypeError at the call, the
// evaluated arguments released (the extra one first, then the frame's
// locals: initialize_locals).
TEST(MethodCalls, AttributeErrorAndTypeError) {
  expect_logs_under_every_profile(std::string(kFile) + R"(
class A:
    def m(self, x):
        log("m", x.n)

class B:
    def other(self, x):
        pass

a = A()
try:
    a.other(Tag(1))
except AttributeError:
    log("no attribute")
try:
    a.m()
except TypeError:
    log("too few")
try:
    a.m(Tag(2), Tag(3))
except TypeError:
    log("too many")
try:
    a.m(y=Tag(4))
except TypeError:
    log("no y")
a.m(x=Tag(5))
)",
                                  {"no attribute", "too few", "del tag 3", "del tag 2", "too many",
                                   "del tag 4", "no y", "m 5", "del tag 5"});
}

// FN15: an instance attribute of the method's name wins, called without
// self: a lambda, a bound method (its own self), a non-callable
// (TypeError); deleting it shows the method again.
TEST(MethodCalls, InstanceAttributeShadowsTheMethod) {
  expect_logs_under_every_profile(R"(
class G:
    def __init__(self, name):
        self.name = name

    def hello(self):
        log("hello", self.name)

g = G("g")
h = G("h")
g.hello = lambda: log("lambda")
g.hello()
g.hello = h.hello
g.hello()
g.hello = 1
try:
    g.hello()
except TypeError:
    log("not callable")
log(g.hello)
del g.hello
g.hello()
)",
                                  {"lambda", "hello h", "not callable", "1", "hello g"});
}

// FN14 from every kind of body: a function, a lambda, a method, a
// weakref callback, a generator and a thread.
TEST(MethodCalls, CalledFromEveryKindOfBody) {
  expect_logs_under_every_profile(
      R"(
class C:
    def m(self, where):
        log("m from", where)

    def n(self):
        self.m("method")

c = C()

def f():
    c.m("function")

def gen():
    c.m("generator")
    yield 1

class Node:
    pass

def cb(wr):
    c.m("callback")

f()
(lambda: c.m("lambda"))()
c.n()
g = gen()
next(g)
x = Node()
w = weakref.ref(x, cb)
del x

thread T1:
    c.m("thread")
)",
      {"m from function", "m from lambda", "m from method", "m from generator", "m from callback",
       "m from thread"});
}

// FN15, W16: through a proxy the lookup makes a bound method of the
// referent (allocated, then freed by CALL), and a dead referent raises
// ReferenceError.
TEST(MethodCalls, ThroughAProxy) {
  const std::string body = R"(
class Node:
    def poke(self):
        log("poke")

n = Node()
p = weakref.proxy(n)
p.poke()
del n
try:
    p.poke()
except ReferenceError:
    log("gone")
)";
  expect_logs_under_every_profile(body, {"poke", "gone"});
  EXPECT_EQ(allocations_of(run_first(load_text(body)), model::kMethodType), 1u);
}

// FN14: the method found is the one of the instance's class, whatever
// other classes define under the same name.
TEST(MethodCalls, LookupByTheInstancesClass) {
  expect_logs_under_every_profile(R"(
class A:
    def who(self):
        return "A"

class B:
    def who(self):
        return "B"

items = [A(), B()]
for x in items:
    log(x.who())
)",
                                  {"A", "B"});
}

// FN14: a call on another thread while the collector runs never sees a
// finalized self (the frame holds it, or the weakref is already dead).
TEST(MethodCalls, ThreadsAndTheCollector) {
  EXPECT_EQ(verdict_text(load_file("scenarios/methods/call-while-collected.life")), "holds");
  EXPECT_EQ(verdict_text(load_file("scenarios/methods/call-while-collected-bug.life")),
            "violates assert");
}

// What stays refused is refused where it is written (file:line:col; the
// command line's exit 2 for these: lang_error_cases, test_bad_input.cpp).
TEST(MethodCalls, RefusedCases) {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      load_text(text);
    } catch (const lang::ScenarioError& e) {
      return e.format();
    }
    return "";
  };
  EXPECT_NE(error_of("class A:\n    __slots__ = ('m',)\n    def m(self):\n        pass\n")
                .find("test.life:2:5: error: 'm' in __slots__ conflicts with class variable"),
            std::string::npos);
  EXPECT_NE(error_of("class A:\n    def m(self):\n        pass\na = A()\na.m = weakref.ref(a)\n")
                .find("test.life:5:15: error: storing a weakref"),
            std::string::npos);
}

}  // namespace
}  // namespace lifecheck::testing
