// The exact single-threaded orders of SEMANTICS.md §9.2 (observed on CPython
// 3.11.7), checked event by event on the only schedule a one-thread scenario
// has, and one two-thread order around a log (T1). Each test names the
// rule it pins down.
#include <gtest/gtest.h>

#include "TestSupport.h"
#include "model/Observe.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

Strings observed(const std::string& text) {
  model::Program p = load_text(text);
  model::Trace t = run_first(p);
  EXPECT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_TRUE(t.terminal);
  return observable(p, t);
}

// Keeps only the entries that start with one of the prefixes.
Strings only(const Strings& all, const Strings& prefixes) {
  Strings out;
  for (const std::string& s : all)
    for (const std::string& p : prefixes)
      if (s.rfind(p, 0) == 0) {
        out.push_back(s);
        break;
      }
  return out;
}

// 9.2 #1 and #3, refcount path: __del__ first, then callbacks newest first (W4).
TEST(Orders, RefcountDeathRunsDelThenCallbacksNewestFirst) {
  Strings got = observed(R"(
class Node:
    def __del__(self):
        log("del")
def cb(wr):
    pass
a = Node()
r1 = weakref.ref(a, cb)
r2 = weakref.ref(a, cb)
r3 = weakref.ref(a, cb)
del a
)");
  EXPECT_EQ(only(got, {"log:", "callback", "free a"}),
            (Strings{"log: del", "callback r3#4", "callback r2#3", "callback r1#2", "free a#1"}));
}

// 9.2 #2 and #3, GC path: callbacks newest first, all before __del__ (G12, G13).
TEST(Orders, GcDeathRunsCallbacksNewestFirstThenDel) {
  Strings got = observed(R"(
class Node:
    def __del__(self):
        log("del")
def cb(wr):
    pass
a = Node()
a.me = a
r1 = weakref.ref(a, cb)
r2 = weakref.ref(a, cb)
r3 = weakref.ref(a, cb)
del a
gc.collect()
)");
  EXPECT_EQ(only(got, {"log:", "callback", "clear", "free a"}),
            (Strings{"callback r3#4", "callback r2#3", "callback r1#2", "log: del", "clear a#1",
                     "free a#1"}));
}

// 9.2 #2 / W6: after a GC death the weakref keeps its callback pointer; after
// a refcount death it does not (test_callback_attribute_after_deletion).
TEST(Orders, CallbackPointerSurvivesGcDeathOnly) {
  for (bool gc_path : {false, true}) {
    std::string text = R"(
class Node:
    pass
def cb(wr):
    pass
a = Node()
)";
    if (gc_path) text += "a.me = a\n";
    text += "w = weakref.ref(a, cb)\ndel a\ngc.collect()\n";
    model::Program p = load_text(text);
    model::Trace t = run_first(p);
    ASSERT_TRUE(t.outcome.ok());
    const model::State& s = t.final_state;
    bool found = false;
    for (const model::Object& o : s.objects)
      if (o.live && p.types[o.type].kind == model::TypeKind::Weakref) {
        found = true;
        EXPECT_EQ(o.fields[model::kWeakrefCallback].kind() == model::ValueKind::Func, gc_path)
            << (gc_path ? "GC path keeps __callback__" : "refcount path clears __callback__");
        EXPECT_EQ(o.fields[model::kWeakrefReferent].kind(), model::ValueKind::None);
      }
    EXPECT_TRUE(found);
  }
}

// 9.2 #4 (R1.8 vs G12): a weakref to self works inside __del__ only on the
// refcount path.
TEST(Orders, WeakrefToSelfInsideDelOnlyOnRefcountPath) {
  Strings got = observed(R"(
class Node:
    def __del__(self):
        log("sees", self.wr())
a = Node()
a.wr = weakref.ref(a)
del a
b = Node()
b.wr = weakref.ref(b)
b.me = b
del b
gc.collect()
)");
  EXPECT_EQ(only(got, {"log:"}), (Strings{"log: sees a", "log: sees None"}));
}

// 9.2 #5 (R1.6a): the finalized mark is set after __del__ on the refcount
// path, before it on the GC path.
TEST(Orders, IsFinalizedInsideDelDependsOnPath) {
  Strings got = observed(R"(
class Node:
    def __del__(self):
        log(gc.is_finalized(self))
a = Node()
del a
b = Node()
b.me = b
del b
gc.collect()
)");
  EXPECT_EQ(only(got, {"log:"}), (Strings{"log: False", "log: True"}));
}

// 9.2 #6: a weakref with a callback created to self in __del__: on the
// refcount path its callback runs right after __del__ (W8); on the GC path of
// 3.14.5+ the second weakref pass clears it silently (G15).
TEST(Orders, WeakrefCreatedInDel) {
  const std::string body = R"(
class Node:
    def __del__(self):
        global late
        late = weakref.ref(self, cb)
        log("del")
def cb(wr):
    log("late callback")
late = None
a = Node()
)";
  EXPECT_EQ(only(observed(body + "del a\n"), {"log:"}),
            (Strings{"log: del", "log: late callback"}));
  EXPECT_EQ(only(observed(body + "a.me = a\ndel a\ngc.collect()\n"), {"log:"}),
            (Strings{"log: del"}));
}

// 9.2 #7: a fresh ring's finalizers run in creation order (G13, list order).
TEST(Orders, RingFinalizersRunInCreationOrder) {
  Strings got = observed(R"(
class F:
    def __del__(self):
        log("del", self)
f0 = F()
f1 = F()
f2 = F()
f3 = F()
f4 = F()
f0.n = f1
f1.n = f2
f2.n = f3
f3.n = f4
f4.n = f0
del f0
del f1
del f2
del f3
del f4
gc.collect()
)");
  EXPECT_EQ(only(got, {"log:"}),
            (Strings{"log: del f0", "log: del f1", "log: del f2", "log: del f3", "log: del f4"}));
}

// 9.2 #8: a resurrecting self-cycle: the callback runs before __del__, the
// plain weakref is dead afterwards, and the next collection frees it (1).
TEST(Orders, ResurrectingSelfCycle) {
  Strings got = observed(R"(
class Lazarus:
    def __del__(self):
        global saved
        saved = self
        log("del")
def cb(wr):
    log("callback")
saved = None
a = Lazarus()
a.me = a
w = weakref.ref(a, cb)
plain = weakref.ref(a)
del a
n = gc.collect()
log("first", n, plain())
saved = None
m = gc.collect()
log("second", m)
)");
  EXPECT_EQ(only(got, {"log:"}),
            (Strings{"log: callback", "log: del", "log: first 0 None", "log: second 1"}));
}

// 9.2 #9 (G5, G6): gc.collect() inside a GC-run __del__ returns 0; the
// callbacks see ("start", 2, 0) and ("stop", 2, 1).
TEST(Orders, NestedCollectAndCallbackCounts) {
  Strings got = observed(R"(
class Node:
    def __del__(self):
        n = gc.collect()
        log("inner", n)
def on_gc(phase, info):
    log(phase, info["generation"], info["collected"])
gc.callbacks.append(on_gc)
a = Node()
a.me = a
del a
gc.collect()
)");
  EXPECT_EQ(only(got, {"log:"}), (Strings{"log: start 2 0", "log: inner 0", "log: stop 2 1"}));
}

// T1: log(...) is a call of Python code, checked on entry and again after
// it returns, so another thread can run between the line and the caller's
// next statement (D14: 3.12.1 showed Maker's log, then Reader's
// AttributeError before Maker stored the attribute).
TEST(Orders, AnotherThreadCanRunRightAfterALog) {
  const std::string text = R"(
class Node:
    def __init__(self, name):
        global shared
        shared = self
        log("published")
        self.name = name

shared = None

thread Maker:
    x = Node("a")

thread Reader:
    s = shared
    if s is not None:
        log("reads", s.name)
)";
  for (const char* profile : {"P311", "P312", "P314g"}) {
    model::TraceSet set = model::observable_traces(load_text_under(text, profile));
    ASSERT_TRUE(set.complete) << profile;
    // after the log: the log line, then Reader finds no attribute
    EXPECT_TRUE(
        set.traces.count(Strings{"Maker: log published", "Reader: exception AttributeError"}))
        << profile;
    // before it (the callee's entry check): Reader raises first
    EXPECT_TRUE(set.traces.count(Strings{"Reader: exception AttributeError"})) << profile;
  }
}

}  // namespace
}  // namespace lifecheck::testing
