// A function's closure tuple and defaults tuple as objects of their own
// (rules FN2a, FN4a, FN7a, FN7b of docs/semantics.md): what gc.collect()
// counts for a function in a cycle, when a defaults tuple is tracked per
// release, what a dying function releases in which order, and the
// objects MAKE_FUNCTION's operands are. The counts are CPython's (3.11.7,
// 3.12.1, 3.13.0, 3.13.15, 3.13.15t; docs/conformance.md 7.23).
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "lang/Diagnostic.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

const char* kObj = R"(
class Obj:
    pass

)";

// FN2a: the instance, its cell, the function and the closure tuple.
TEST(FunctionTuples, ClosureCycleCountsTheClosureTuple) {
  expect_logs_under_every_profile(std::string(kObj) + R"(
def make():
    o = Obj()
    def f():
        return o
    o.f = f

make()
n = gc.collect()
log("closure", n)
)",
                                  {"closure 4"});
}

// FN7a: the instance, the lambda and the defaults tuple, which holds the
// instance and so is tracked under every profile.
TEST(FunctionTuples, DefaultCycleCountsTheDefaultsTuple) {
  expect_logs_under_every_profile(std::string(kObj) + R"(
def make():
    p = Obj()
    p.fn = lambda x=p: x

make()
n = gc.collect()
log("default", n)
)",
                                  {"default 3"});
}

// FN7a: literal defaults are one constant of the code, never garbage: the
// instance, the function and its __dict__.
TEST(FunctionTuples, LiteralDefaultsAreAConstantNotCounted) {
  expect_logs_under_every_profile(std::string(kObj) + R"(
def make():
    q = Obj()
    g = lambda x=5, y="s", z=None, t=(1, "u"): x
    g.owner = q
    q.g = g

make()
n = gc.collect()
log("constant", n)
)",
                                  {"constant 3"});
}

const char* kAtomicDefault = R"(
class Obj:
    pass

n = 5

def make():
    a = Obj()
    f = lambda x=n: x
    f.owner = a
    a.f = f

def make_after_a_collection():
    a = Obj()
    f = lambda x=n: x
    gc.collect()
    f.owner = a
    a.f = f

make()
c = gc.collect()
log("fresh", c)
make_after_a_collection()
c = gc.collect()
log("survived one", c)
)";

// FN7b: a built tuple of ints is tracked at creation up to 3.13 and
// counted when garbage; the free-threaded collector untracks it in its
// walk, garbage or not; 3.14 never tracks it. After surviving one
// collection it is untracked everywhere.
TEST(FunctionTuples, AtomicDefaultsTupleCountedPerRelease) {
  for (const char* profile : {"3.11", "3.12", "3.13.0", "3.13"})
    EXPECT_EQ(logs_under(profile, kAtomicDefault), (Strings{"fresh 4", "survived one 3"}))
        << profile;
  for (const char* profile : {"3.13t", "3.14", "3.14.0", "3.14t"})
    EXPECT_EQ(logs_under(profile, kAtomicDefault), (Strings{"fresh 3", "survived one 3"}))
        << profile;
}

// FN7b: the free-threaded walk untracks a garbage tuple of atomic values,
// which the GIL build's collector counts (observed: 3.13.15t 1, 3.13.15 2).
TEST(FunctionTuples, FreeThreadedWalkUntracksGarbageAtomicTuples) {
  const char* body = R"(
n = 5
l = [(n, n)]
l.append(l)
del l
c = gc.collect()
log("collected", c)
)";
  EXPECT_EQ(logs_under("3.13", body), (Strings{"collected 2"}));
  EXPECT_EQ(logs_under("3.12", body), (Strings{"collected 2"}));
  EXPECT_EQ(logs_under("3.13t", body), (Strings{"collected 1"}));
  EXPECT_EQ(logs_under("3.14", body), (Strings{"collected 1"}));
}

// FN4a: func_clear drops the defaults tuple (its items last to first),
// the __dict__, then the closure tuple (its cells last to first); the
// same order on 3.11.7, 3.12.1, 3.13.0, 3.13.15 and 3.13.15t.
TEST(FunctionTuples, DyingFunctionReleasesDefaultsDictThenClosure) {
  expect_logs_under_every_profile(
      R"(
class Node:
    def __del__(self):
        log("del", self)

def make():
    c1 = Node()
    c2 = Node()
    d1 = Node()
    d2 = Node()
    def f(x=d1, y=d2):
        log(c1, c2)
    f.attr = Node()
    return f

g = make()
log("made")
del g
log("after del")
)",
      {"made", "del d2", "del d1", "del f.attr", "del c2", "del c1", "after del"});
}

size_t tuples_made(const std::string& text) {
  model::Program p = load_text(text);
  return allocations_of(run_first(p), model::kTupleType);
}

// FN2a, FN7a: BUILD_TUPLE makes one tuple per closure and per defaults
// that are not all literals; a function that captures nothing and has
// literal defaults makes none.
TEST(FunctionTuples, MakeFunctionOperandsAreTuples) {
  const std::string head = std::string(kObj) + "thread main:\n    o = Obj()\n";
  EXPECT_EQ(tuples_made(head + "    f = lambda: 1\n"), 0u);
  EXPECT_EQ(tuples_made(head + "    f = lambda x=1, y=\"a\": x\n"), 0u);
  EXPECT_EQ(tuples_made(head + "    f = lambda x=o: x\n"), 1u);
  EXPECT_EQ(tuples_made(head + "    def g():\n        log(o)\n"), 1u);
  EXPECT_EQ(tuples_made(head + "    def g(x=o, y=1):\n        log(o, x)\n"), 2u);
  EXPECT_EQ(tuples_made(head + "    def g(x=1):\n        log(o, x)\n"), 1u);
}

// The defaults a call leaves unbound come from the tuple, a built one or
// the constant, every call the same objects.
TEST(FunctionTuples, CallsTakeDefaultsFromTheTuple) {
  expect_logs_under_every_profile(std::string(kObj) + R"(
def make():
    o = Obj()
    f = lambda a, x=o, y=7: log(a, x is o, y)
    f(1)
    f(2, 3)
    f(4, y=5)
    g = lambda x=1, y="s": log(x, y)
    g()
    g(y=2)

make()
)",
                                  {"1 True 7", "2 False 7", "4 True 5", "1 s", "1 2"});
}

// A function holds at most 8 defaults (its tuple's items); the error names
// the ninth.
TEST(FunctionTuples, NineDefaultsAreRefused) {
  const std::string text = R"(thread main:
    f = lambda a=1, b=2, c=3, d=4, e=5, g=6, h=7, i=8, j=9: a
)";
  try {
    load_text(text);
    FAIL() << "accepted nine defaults";
  } catch (const lang::ScenarioError& e) {
    EXPECT_EQ(e.loc().line, 2);
    EXPECT_EQ(e.loc().col, 58);
    EXPECT_NE(std::string(e.what()).find("at most 8 are supported"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lifecheck::testing
