// Unit tests per transition family: refcounts and deallocation, finalizers,
// the collector's phases, gc.callbacks, threads and scheduling
// points, the interpreter, and the canonical state encoding. Each test
// states the SEMANTICS.md rule it checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "TestSupport.h"
#include "model/Canonical.h"
#include "report/TextReport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;
using model::EventKind;

std::vector<EventKind> kinds_for(const model::Trace& t, const std::string& label,
                                 const model::Program& p) {
  std::vector<EventKind> out;
  for (const model::Event& e : events(t))
    if (e.label != model::kNoLabel && p.labels[e.label] == label) out.push_back(e.kind);
  return out;
}

// ---------------------------------------------------------------- refcounts

// R1.1: Py_DECREF to zero deallocates synchronously, before the statement
// that dropped the reference is followed by the next one.
TEST(Refcount, DeallocIsSynchronousOnTheDroppingThread) {
  model::Program p = load_text(R"(
class Node:
    pass
thread T1:
    a = Node()
    b = a
    del a
    log("still alive")
    del b
    log("gone")
)");
  for (const model::Trace& t : all_traces(p)) {
    ASSERT_TRUE(t.outcome.ok());
    Strings seen;
    for (const model::Event& e : events(t)) {
      if (e.kind == EventKind::Free) {
        EXPECT_EQ(e.thread, 1) << "freed on the thread that dropped it";
        seen.push_back("free");
      }
      if (e.kind == EventKind::Log) seen.push_back(e.text);
    }
    EXPECT_EQ(seen, (Strings{"still alive", "free", "gone"}));
  }
}

// Reference counts equal the references the model can see (globals,
// frames, fields, gc.garbage and the runtime's holds) after every step of
// every schedule of a scenario with threads, cycles, weakrefs and the GC.
TEST(Refcount, CountsMatchVisibleReferencesInEveryState) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        log("del")
        self.peer = None
def cb(wr):
    global keep
    keep = wr
keep = None
a = Node()
b = Node()
a.peer = b
b.peer = a
w = weakref.ref(a, cb)
thread T1:
    global a, b
    del a
    del b
thread T2:
    gc.collect()
)");
  model::Model m(p);
  size_t checked = 0;
  for (const model::Trace& t : all_traces(p)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    model::State s = m.initial();
    for (const model::TraceStep& step : t.steps) {
      ASSERT_TRUE(m.step(s, step.choice).ok());
      std::vector<int> refs = model::count_references(p, s);
      for (size_t i = 0; i < s.objects.size(); ++i) {
        const model::Object& o = s.objects[i];
        if (!o.live || o.has(model::kFreed)) continue;
        EXPECT_EQ(o.rc, refs[i]) << "object " << i << " after step with thread "
                                 << int(step.thread);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 80u);
}

// ----------------------------------------------------------------- dealloc

// R1.7b/R1.7c: subtype_dealloc's order for a class with __del__ and a
// weakref: untrack, re-track around the finalizer, untrack, weakrefs
// cleared with callbacks, dict values released, tp_free, type decref.
TEST(Dealloc, SubtypeDeallocStepOrder) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        pass
def cb(wr):
    pass
a = Node()
a.x = Node()
w = weakref.ref(a, cb)
del a
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  std::vector<EventKind> got;
  bool in_a = false;
  for (const model::Event& e : events(t)) {
    bool about_a = e.label != model::kNoLabel && p.labels[e.label] == "a";
    if (e.kind == EventKind::DeallocBegin && about_a) in_a = true;
    if (!in_a) continue;
    if (e.kind == EventKind::Incref || e.kind == EventKind::Decref) continue;
    if (about_a || e.kind == EventKind::CallbackBegin || e.kind == EventKind::DeallocBegin)
      got.push_back(e.kind);
    if (e.kind == EventKind::DeallocEnd && about_a) break;
  }
  EXPECT_EQ(
      got, (std::vector<EventKind>{EventKind::DeallocBegin, EventKind::Untrack, EventKind::Track,
                                   EventKind::FinalizeBegin, EventKind::FinalizeEnd,
                                   EventKind::Untrack, EventKind::CallbackBegin,
                                   EventKind::DeallocBegin,  // a.x, released with the dict
                                   EventKind::Free, EventKind::TypeDecref, EventKind::DeallocEnd}));
}

// R1.7b step 4: a resurrected object stays tracked, with its attributes and
// weakrefs intact.
TEST(Dealloc, ResurrectionKeepsTheObjectTrackedAndIntact) {
  model::Program p = load_text(R"(
class Lazarus:
    def __del__(self):
        global saved
        saved = self
saved = None
a = Lazarus()
a.data = Lazarus()
w = weakref.ref(a)
del a
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  const model::Object* a = find_object(p, t.final_state, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->tracked());
  EXPECT_TRUE(a->has(model::kFinalized));
  EXPECT_TRUE(a->fields[0].is_obj()) << "a.data survives";
  const model::Object* w = find_object(p, t.final_state, "w");
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->fields[model::kWeakrefReferent].is_obj()) << "the weakref still works";
}

// Inline values are released in the class's shared key order (first
// insertion across all instances), not the instance's own order.
TEST(Dealloc, DictValuesReleasedInClassKeyOrder) {
  model::Program p = load_text(R"(
class Tag:
    def __del__(self):
        log("release", self)
class Node:
    pass
first = Node()
first.b = None
first.a = None
x = Node()
x.a = Tag()
x.b = Tag()
del x
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"release x.b", "release x.a"}));
}

// R1.9: a GC object's finalizer runs at most once, even across
// resurrections; the second death goes straight to clearing weakrefs.
TEST(Dealloc, FinalizerRunsOnceAcrossResurrection) {
  model::Program p = load_text(R"(
class Lazarus:
    def __del__(self):
        global saved
        saved = self
        log("del")
saved = None
a = Lazarus()
del a
saved = None
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"del"}));
  EXPECT_EQ(find_object(p, t.final_state, "a"), nullptr) << "freed at the second death";
}

// R1.10: an exception in __del__ is unraisable; deallocation completes.
TEST(Dealloc, ExceptionInDelIsUnraisable) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        raise ValueError
        log("not reached")
a = Node()
del a
log("after")
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  std::vector<EventKind> k = kinds_for(t, "a", p);
  EXPECT_NE(std::find(k.begin(), k.end(), EventKind::Unraisable), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), EventKind::Free), k.end());
  EXPECT_EQ(logs_of(p, t), (Strings{"after"}));
}

// ------------------------------------------------------------ statements

// `==` is Python's equality (containers item by item, weakrefs by referent
// while alive, bound methods by function and self, True == 1); `is` is
// identity. A list literal inside log() arguments stays in its place.
TEST(Statements, EqualityIsPythons) {
  model::Program p = load_file("scenarios/conformance/equality.life");
  model::Trace t = run_first(p);
  EXPECT_EQ(logs_of(p, t), (Strings{"eq True False 7 False True True",
                                    "refs True False True False True True False"}));
}

// A call's arguments die inside the call, before its result is stored;
// the finalizer of the argument sees the old value of the target.
TEST(Statements, ArgumentsDieBeforeTheStore) {
  model::Program p = load_file("scenarios/conformance/arguments-die-before-store.life");
  model::Trace t = run_first(p);
  EXPECT_EQ(logs_of(p, t), (Strings{"del sees None", "stored False"}));
}

// co_varnames order: a local is numbered where the compiler first meets
// it, a read included; the frame releases its locals in that order
// (first to last up to 3.13).
TEST(Statements, LocalsNumberedAtFirstMention) {
  model::Program p = load_text(R"(
profile 3.13
class Node:
    def __del__(self):
        log("del", self)
flag = False
thread T1:
    if flag:
        log(b)
    a = Node()
    b = Node()
)");
  model::Trace t = run_first(p);
  EXPECT_EQ(logs_of(p, t), (Strings{"del b", "del a"}));
}

// --------------------------------------------------------------- collector

// G10: move_unreachable leaves a chain c -> b -> a, reachable through c, in
// the order c, b, a in the next generation (the comment in deduce_unreachable).
TEST(Collector, MoveUnreachableReversesAChain) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
b = Node()
c = Node()
b.x = a
c.x = b
del a
del b
gc.collect(0)
)");
  // Run the module code only: the state right after collect(0) (one more
  // step would start the end-of-run collections).
  model::Model m(p);
  model::State s = m.initial();
  while (s.main_stage == model::MainStage::Setup) ASSERT_TRUE(m.step(s, 0).ok());
  Strings order;
  for (model::ObjId o = s.gc.lists[model::kGen1].head; o != model::kNoObj; o = s.objects[o].next)
    order.push_back(p.labels[s.objects[o].label]);
  EXPECT_EQ(order, (Strings{"c", "b", "a"}));
  EXPECT_EQ(s.gc.lists[model::kGen0].size, 0);
}

// G7: collecting generation 0 does not see garbage in generation 1; a
// collection of generation 1 does. Survivors move up one generation.
TEST(Collector, GenerationsAreCollectedSeparately) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
a.me = a
n0 = gc.collect(0)
del a
n1 = gc.collect(0)
n2 = gc.collect(1)
log(n0, n1, n2)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"0 0 1"}));
}

// G12: a weakref whose callback drops the last reference to the weakref
// itself is freed after its callback and counted in the collection's result.
TEST(Collector, WeakrefFreedAfterItsCallbackIsCounted) {
  model::Program p = load_text(R"(
class Node:
    pass
def cb(wr):
    global w
    w = None
a = Node()
a.me = a
w = weakref.ref(a, cb)
del a
n = gc.collect()
log(n)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"2"}));
}

// G14: what a finalizer resurrects, and what it reaches, survives the
// collection with its attributes intact (test_resurrection_is_transitive).
TEST(Collector, ResurrectionIsTransitive) {
  model::Program p = load_text(R"(
class Lazarus:
    def __del__(self):
        global saved
        saved = self
class Cargo:
    pass
saved = None
laz = Lazarus()
cargo = Cargo()
laz.cargo = cargo
cargo.laz = laz
del laz
del cargo
n = gc.collect()
log(n, saved.cargo.laz is saved)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs_of(p, t), (Strings{"0 True"}));
}

// G13: finalizers may free other members in the middle of the finalize
// phase; a member freed by refcount before its turn runs its finalizer from
// its own tp_dealloc (refcount path) and the collector skips it.
TEST(Collector, MemberFreedDuringFinalizePhase) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        log("del", self)
        self.peer = None
a = Node()
b = Node()
a.peer = b
b.peer = a
del a
del b
n = gc.collect()
log(n)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs_of(p, t), (Strings{"del a", "del b", "0"}));
  std::vector<EventKind> kb = kinds_for(t, "b", p);
  EXPECT_EQ(std::count(kb.begin(), kb.end(), EventKind::FinalizeBegin), 1);
}

// G5: a collection started while one runs returns 0 at once, from any thread.
TEST(Collector, CollectFromAnotherThreadDuringACollectionReturnsZero) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        log("in del")
a = Node()
a.me = a
del a
thread T1:
    n = gc.collect()
    log("T1", n)
thread T2:
    m = gc.collect()
    log("T2", m)
)");
  bool overlapped = false;
  for (const model::Trace& t : all_traces(p)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    for (const model::Event& e : events(t))
      if (e.kind == EventKind::GcReentrant) overlapped = true;
    Strings l = logs_of(p, t);
    EXPECT_TRUE(std::count(l.begin(), l.end(), "T1 1") + std::count(l.begin(), l.end(), "T2 1") ==
                1)
        << "exactly one collection finds the cycle";
  }
  EXPECT_TRUE(overlapped) << "some schedule runs one collection inside the other";
}

// -------------------------------------------------------------- gc.callbacks

// G6: an exception in a gc callback is unraisable; later callbacks still run.
TEST(GcCallbacks, ExceptionIsUnraisableAndOthersRun) {
  model::Program p = load_text(R"(
def bad(phase, info):
    raise RuntimeError
def good(phase, info):
    log(phase)
gc.callbacks.append(bad)
gc.callbacks.append(good)
gc.collect()
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"start", "stop"}));
  size_t unraisable = 0;
  for (const model::Event& e : events(t)) unraisable += e.kind == EventKind::Unraisable;
  EXPECT_EQ(unraisable, 2u);
}

// G4: the end-of-run collections do not call gc.callbacks.
TEST(GcCallbacks, FinalCollectionsCallNoCallbacks) {
  model::Program p = load_text(R"(
def on_gc(phase, info):
    log(phase)
gc.callbacks.append(on_gc)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), Strings{});
}

// ----------------------------------------------------------------- threads

// T1: threads switch only at eval-breaker checks: each thread body has
// five (its entry, and each log's entry and return), so its log lines fall
// in separate steps: C(10,5) = 252 interleavings, showing the C(4,2) = 6
// orders of the log lines.
TEST(Threads, InterleavingsAtEvalBreakerChecks) {
  model::Program p = load_text(R"(
thread T1:
    log("a1")
    log("a2")
thread T2:
    log("b1")
    log("b2")
)");
  std::vector<model::Trace> traces = all_traces(p);
  std::set<Strings> orders;
  for (const model::Trace& t : traces) orders.insert(logs_of(p, t));
  EXPECT_EQ(orders.size(), 6u);
  EXPECT_EQ(traces.size(), 252u);
}

// T1: no switch inside a runtime step: between tp_dealloc's start and the
// first statement of __del__, no other thread runs.
TEST(Threads, NoSwitchInsideRuntimeSteps) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        log("del")
thread T1:
    a = Node()
    del a
thread T2:
    log("t2")
    log("t2")
)");
  for (const model::Trace& t : all_traces(p)) {
    bool inside = false;
    for (const model::Event& e : events(t)) {
      if (e.kind == EventKind::DeallocBegin) inside = true;
      if (inside) {
        EXPECT_EQ(e.thread, 1) << "T2 ran inside T1's deallocation";
      }
      if (e.kind == EventKind::FinalizeBegin) inside = false;
    }
  }
}

// join waits for the thread; main's final collection runs after all threads.
TEST(Threads, JoinWaitsAndFinalCollectionComesLast) {
  model::Program p = load_text(R"(
thread T1:
    T2.join()
    log("after join")
thread T2:
    log("t2")
)");
  for (const model::Trace& t : all_traces(p)) {
    EXPECT_EQ(logs_of(p, t), (Strings{"t2", "after join"}));
    const model::Event* last_end = nullptr;
    for (const auto& step : t.steps)
      for (const model::Event& e : step.events)
        if (e.kind == EventKind::EndOfThreads) last_end = &e;
    ASSERT_NE(last_end, nullptr);
  }
}

// ------------------------------------------------------------- interpreter

// Whitespace-only and comment lines may contain tabs, as in Python.
TEST(Interpreter, TabsOnBlankLinesAreFine) {
  model::Program p = load_text("a = 1\n\t\n  \t# comment\nlog(a)\n");
  EXPECT_EQ(logs_of(p, run_first(p)), (Strings{"1"}));
}

// Python scoping: without `global`, an assignment in __del__ makes a local,
// so this "resurrection" does not keep the object.
TEST(Interpreter, AssignmentWithoutGlobalIsLocal) {
  model::Program p = load_text(R"(
class Node:
    def __del__(self):
        saved = self
saved = None
a = Node()
del a
log(saved)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"None"}));
  EXPECT_EQ(find_object(p, t.final_state, "a"), nullptr);
}

// Reading a missing attribute raises AttributeError, like Python.
TEST(Interpreter, MissingAttributeRaises) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
log(a.nothing)
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_NE(t.outcome.message.find("AttributeError"), std::string::npos);
}

TEST(Interpreter, IfElifElseAndComparisons) {
  model::Program p = load_text(R"(
class Node:
    pass
a = Node()
n = 3
if n == 2:
    log("two")
elif n != 3:
    log("not three")
elif a is None:
    log("none")
else:
    log("three")
if not a:
    log("falsy")
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok());
  EXPECT_EQ(logs_of(p, t), (Strings{"three"}));
}

// ---------------------------------------------------------- canonical form

// States that differ only in which slots hold the objects encode
// identically: here b lands in slot 0 or slot 1 depending on the order.
// (Allocation order itself is not a symmetry: it fixes the GC list order,
// which decides the order of later finalizers.)
TEST(Canonical, SlotReuseIsARenaming) {
  model::Program p = load_text(R"(
class Node:
    pass
thread T1:
    a = Node()
    del a
    log("t1")
thread T2:
    b = Node()
    log("t2")
)");
  model::Model m(p);
  auto run = [&](std::vector<uint16_t> order) {
    model::State s = m.initial();
    for (uint16_t c : order) EXPECT_TRUE(m.step(s, c).ok());
    return s;
  };
  model::State s1 = run({0, 2, 1, 1});  // b in slot 0
  model::State s2 = run({0, 1, 2, 1});  // b in slot 1
  auto slot_of_b = [&](const model::State& s) {
    for (size_t i = 0; i < s.objects.size(); ++i)
      if (s.objects[i].live) return i;
    return size_t{99};
  };
  ASSERT_NE(slot_of_b(s1), slot_of_b(s2)) << "the slots really differ";
  std::string e1, e2;
  m.encode(s1, e1);
  m.encode(s2, e2);
  EXPECT_EQ(e1, e2);
}

// Display-only data (serial numbers) is not encoded; semantic data is.
TEST(Canonical, SerialsAreNotEncodedFlagsAre) {
  model::Program p = load_text("class Node:\n    pass\na = Node()\n");
  model::Model m(p);
  model::State s = m.initial();
  ASSERT_TRUE(m.step(s, 0).ok());
  std::string base, other;
  m.encode(s, base);
  model::State t = s;
  for (model::Object& o : t.objects) o.serial = static_cast<uint16_t>(o.serial + 7);
  m.encode(t, other);
  EXPECT_EQ(base, other);
  for (model::Object& o : t.objects) {
    if (o.live) o.flags |= model::kFinalized;
  }
  m.encode(t, other);
  EXPECT_NE(base, other);
}

}  // namespace
}  // namespace lifecheck::testing
