// C extension types: the recommended tp_dealloc and every single deviation
// from it (a step dropped, two steps swapped), plus the mechanics of the C
// slots: construction, field states, subtype_dealloc over a C base, legacy
// tp_del in the collector, exception state, the GIL, resources.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "TestSupport.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

Strings logs(const model::Program& p, const model::Trace& t) {
  Strings out;
  for (const std::string& s : observable(p, t))
    if (s.rfind("log: ", 0) == 0) out.push_back(s.substr(5));
  return out;
}

// ------------------------------------------------------------ mutation table

// The recommended tp_dealloc of Doc/c-api/typeobj.rst (R1.13), for a GC,
// heap, weakrefable type with a finalizer.
const Strings kRecommended = {
    "finalizer_from_dealloc", "untrack", "clear_weakrefs", "clear", "free", "decref_type"};

// Scenario A: a refcount death with a weakref whose callback collects, a
// plain weakref that outlives the object, and a payload field.
std::string scenario_a(const std::string& dealloc) {
  return "ctype Res:\n"
         "    flags: gc, heaptype, weakrefable\n"
         "    fields: data\n"
         "    dealloc: " +
         dealloc +
         "\n"
         "    def tp_finalize(self):\n"
         "        log(\"finalize sees\", self.data)\n"
         "class Payload:\n"
         "    pass\n"
         "def on_gone(wr):\n"
         "    gc.collect()\n"
         "r = Res(Payload())\n"
         "w = weakref.ref(r, on_gone)\n"
         "plain = weakref.ref(r)\n"
         "del r\n"
         "log(\"after\", plain())\n";
}

// Scenario B: the finalizer resurrects the object into a cycle, which is
// dropped and collected later.
std::string scenario_b(const std::string& dealloc) {
  return "ctype Res:\n"
         "    flags: gc, heaptype, weakrefable\n"
         "    fields: data\n"
         "    dealloc: " +
         dealloc +
         "\n"
         "    def tp_finalize(self):\n"
         "        global saved\n"
         "        saved = self\n"
         "        self.data.back = self\n"
         "class Payload:\n"
         "    pass\n"
         "saved = None\n"
         "r = Res(Payload())\n"
         "del r\n"
         "saved = None\n"
         "gc.collect()\n";
}

std::string join(const Strings& steps) {
  std::string out;
  for (const std::string& s : steps) out += (out.empty() ? "" : "; ") + s;
  return out;
}

struct Outcome {
  std::string property;  // empty: holds in both scenarios
  std::string message;
};

// The first property broken by scenario A, else by B; each counterexample
// must replay to the same violation.
Outcome outcome_of(const Strings& steps) {
  for (auto* make : {&scenario_a, &scenario_b}) {
    model::Program p = load_text((*make)(join(steps)));
    auto r = check(p);
    EXPECT_NE(r.verdict, checker::Verdict::LimitReached);
    if (r.verdict != checker::Verdict::Violated) continue;
    model::Trace t = replay(p, r.path);
    EXPECT_EQ(t.outcome.properties, r.failure.properties) << join(steps);
    return {r.failure.properties.front(), r.failure.message};
  }
  return {};
}

struct Mutation {
  std::string name;
  Strings steps;
};

std::vector<Mutation> mutations() {
  std::vector<Mutation> out;
  for (size_t i = 0; i < kRecommended.size(); ++i) {
    Strings s = kRecommended;
    s.erase(s.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back({"drop " + kRecommended[i], s});
  }
  for (size_t i = 0; i < kRecommended.size(); ++i)
    for (size_t j = i + 1; j < kRecommended.size(); ++j) {
      Strings s = kRecommended;
      std::swap(s[i], s[j]);
      out.push_back({"swap " + kRecommended[i] + "/" + kRecommended[j], s});
    }
  return out;
}

TEST(DeallocMutations, RecommendedDeallocPassesEveryProperty) {
  EXPECT_EQ(outcome_of(kRecommended).property, "");
}

TEST(DeallocMutations, EveryDeviationIsCaughtOrHarmlessForAStatedReason) {
  // The property each deviation breaks first, or "" with the reason it is
  // harmless (also listed in docs/extension-types.md).
  const std::map<std::string, std::string> expected = {
      {"drop finalizer_from_dealloc", ""},
      {"drop untrack", "P7.9"},
      {"drop clear_weakrefs", "memory-safety"},
      {"drop clear", "quiescence"},
      {"drop free", "P7.15"},
      {"drop decref_type", "P7.15"},
      {"swap finalizer_from_dealloc/untrack", "quiescence"},
      {"swap finalizer_from_dealloc/clear_weakrefs", "P7.9"},
      {"swap finalizer_from_dealloc/clear", "P7.10"},
      {"swap finalizer_from_dealloc/free", "memory-safety"},
      {"swap finalizer_from_dealloc/decref_type", "P7.15"},
      {"swap untrack/clear_weakrefs", "P7.9"},
      {"swap untrack/clear", "P7.10"},
      {"swap untrack/free", "memory-safety"},
      {"swap untrack/decref_type", "P7.15"},
      {"swap clear_weakrefs/clear", ""},
      {"swap clear_weakrefs/free", "memory-safety"},
      {"swap clear_weakrefs/decref_type", "P7.15"},
      {"swap clear/free", "memory-safety"},
      {"swap clear/decref_type", "P7.15"},
      {"swap free/decref_type", "P7.15"},
  };
  // Why the harmless ones are harmless:
  //  - drop finalizer_from_dealloc: finalization from tp_dealloc is optional
  //    (R1.5: CPython does not guarantee tp_finalize before tp_dealloc); the
  //    finalizer simply never runs on the refcount path.
  //  - swap clear_weakrefs/clear: while tp_clear releases the fields, the
  //    object is at refcount 0, so every weakref to it already reads None (W3);
  //    the callbacks run afterwards with nothing to observe.
  std::vector<Mutation> all = mutations();
  ASSERT_EQ(all.size(), expected.size());
  for (const Mutation& m : all) {
    auto it = expected.find(m.name);
    ASSERT_NE(it, expected.end()) << m.name;
    Outcome o = outcome_of(m.steps);
    EXPECT_EQ(o.property, it->second) << m.name << ": " << o.message;
  }
}

// ------------------------------------------------------------- construction

TEST(CTypes, GcNewLeavesFieldsUninitialisedUntilInit) {
  model::Program p = load_text(R"(
ctype Buf:
    flags: gc
    fields: a, b
    new: alloc; init a; track; init b
x = Buf(None, None)
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"P7.11"});
  EXPECT_NE(t.outcome.message.find("->b"), std::string::npos) << t.outcome.message;
}

TEST(CTypes, GenericAllocZeroesAndTracksAtOnce) {
  model::Program p = load_text(R"(
ctype Buf:
    flags: gc
    fields: a
    new: generic_alloc
x = Buf()
log(gc.is_tracked(x), x.a)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"True None"}));
}

TEST(CTypes, ConstructorArgumentsInitialiseFieldsInOrder) {
  model::Program p = load_text(R"(
ctype Pair:
    flags: gc
    fields: first, second
class Node:
    pass
a = Node()
b = Node()
x = Pair(a, b)
log(x.first is a, x.second is b)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"True True"}));
}

// R1.17: `setref F` / `xsetref F` in new: is tp_init's Py_SETREF(self->F,
// Py_NewRef(arg)): the argument replaces what tp_new stored, which is
// released; a second plain `init F` leaks it; Py_SETREF of a NULL or an
// uninitialised field is a memory error, Py_XSETREF skips a NULL.
TEST(CTypes, SetrefInNewReplacesTheFieldAndReleasesTheOldValue) {
  auto outcome = [](const std::string& new_line) {
    model::Program p = load_text("ctype Buf:\n    flags: gc\n    fields: a\n    new: " + new_line +
                                 "\nclass Node:\n    pass\nn = Node()\nx = Buf(n)\n"
                                 "log(x.a is n)\ndel n\ndel x\n");
    model::Trace t = run_first(p);
    if (!t.outcome.ok()) return t.outcome.properties;
    EXPECT_EQ(logs(p, t), (Strings{"True"})) << new_line;
    return Strings{};
  };
  EXPECT_EQ(outcome("generic_alloc; init a; setref a"), Strings{});
  EXPECT_EQ(outcome("generic_alloc; init a; xsetref a"), Strings{});
  EXPECT_EQ(outcome("generic_alloc; xsetref a"), Strings{});  // the old value is NULL
  EXPECT_EQ(outcome("generic_alloc; init a; init a"), Strings{"quiescence"});
  EXPECT_EQ(outcome("generic_alloc; setref a"), Strings{"memory-safety"});  // Py_DECREF(NULL)
  EXPECT_EQ(outcome("alloc; setref a; track"), Strings{"memory-safety"});   // uninitialised
}

// ---------------------------------------------------------------- fields

// Py_DECREF without NULL leaves a stale pointer, which dangles once the
// object dies; touching it again is a use after free.
TEST(CTypes, DecrefWithoutNullLeavesADanglingPointer) {
  model::Program p = load_text(R"(
ctype Buf:
    fields: data
    dealloc: decref data; clear data; free
class Node:
    pass
x = Buf(Node())
del x
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"memory-safety"});
  EXPECT_NE(t.outcome.message.find("freed memory"), std::string::npos) << t.outcome.message;
}

TEST(CTypes, NullWithoutDecrefLeaks) {
  model::Program p = load_text(R"(
ctype Buf:
    fields: data
    dealloc: null data; free
class Node:
    pass
x = Buf(Node())
del x
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"quiescence"});
}

// 12.3: a cycle through a field tp_traverse does not visit is invisible to
// the collector, so a __del__ in it never runs. The final rounds find
// nothing unreachable, so the leftover is a leak (quiescence, with the
// hint), not finalizers still making garbage (a limit), under every profile.
TEST(CTypes, UnvisitedCycleWithFinalizerIsALeakNotALimit) {
  const std::string body = R"(
class Holder:
    def __del__(self):
        log("holder del")
ctype Bag:
    flags: gc
    fields: first, hidden
    dealloc: untrack; clear first; clear hidden; free
    clear: clear first; clear hidden
    traverse: visit first
h = Holder()
b = Bag(None, h)
h.bag = b
del h
del b
)";
  for (const char* profile : kEveryProfile) {
    model::Program p = load_text(std::string("profile ") + profile + "\n" + body);
    model::Trace t = run_first(p);
    ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation)
        << profile << ": " << t.outcome.message;
    EXPECT_EQ(t.outcome.properties, Strings{"quiescence"}) << profile;
    EXPECT_NE(t.outcome.message.find("the last collection found none of them unreachable"),
              std::string::npos)
        << profile << ": " << t.outcome.message;
  }
}

// The hint is given only when the last final collection found nothing. A
// cycle of two C objects without tp_clear is found unreachable by every
// round, which cannot break it: a leak the collector sees, no hint.
TEST(CTypes, LeakHintOnlyWhenTheCollectorFoundNothing) {
  model::Program p = load_text(R"(
ctype Pair:
    flags: gc
    fields: other
    dealloc: untrack; clear other; free
    clear: none
    traverse: visit other
a = Pair(None)
b = Pair(a)
a.other = b
del a
del b
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation) << t.outcome.message;
  EXPECT_EQ(t.outcome.properties, Strings{"quiescence"});
  EXPECT_EQ(t.outcome.message.find("the last collection found none"), std::string::npos)
      << t.outcome.message;
}

// ------------------------------------------------------ subclass of a C type

// R1.7b: subtype_dealloc runs the class's finalizer, clears weakrefs when the
// class introduced the weakref list, drops the dict, re-tracks for the GC
// base and calls the base's tp_dealloc, which frees and releases the type.
TEST(CTypes, SubclassDeallocWrapsTheBaseDealloc) {
  model::Program p = load_text(R"(
ctype Base:
    flags: gc, heaptype, basetype
    fields: data
    dealloc: untrack; clear data; free; decref_type
class Sub(Base):
    def __del__(self):
        log("Sub.__del__", self.data, self.extra)
class Node:
    def __del__(self):
        log("released", self)
def cb(wr):
    log("callback")
s = Sub(Node())
s.extra = Node()
w = weakref.ref(s, cb)
del s
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  // the argument Node() is labelled by its own site, Node@LINE
  EXPECT_EQ(logs(p, t), (Strings{"Sub.__del__ Node@14 s.extra", "callback", "released s.extra",
                                 "released Node@14"}));
}

// A class deriving from a C type with a legacy tp_del is uncollectable in a
// cycle (G11, G17): it lands in gc.garbage with what it reaches.
TEST(CTypes, LegacyTpDelCycleGoesToGcGarbage) {
  model::Program p = load_text(R"(
ctype Legacy:
    flags: gc, heaptype
    fields: other
    def tp_del(self):
        log("tp_del")
class Node:
    pass
l = Legacy(None)
n = Node()
l.other = n
n.back = l
del l
del n
c = gc.collect()
log("collect", c)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"collect 2"}));
  EXPECT_EQ(t.final_state.gc.garbage.size(), 1u);
}

// ------------------------------------------------------------ exception state

// The runtime saves a propagating exception around the finalizers it runs
// during unwinding (R1.10): a temporary dropped from the value stack dies
// then, and the thread still ends with its own exception. The locals of
// the frame it leaves are kept by the traceback: they die only after
// threading.excepthook has reported it.
TEST(CTypes, UnwindingExceptionSurvivesFinalizers) {
  const char* body = R"(
class Temp:
    def __del__(self):
        log("temporary dies while unwinding")
class Node:
    def __del__(self):
        log("local dies after the report")
thread T1:
    a = Node()
    log(Temp().missing)
)";
  model::Program p = load_text(body);
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"uncaught-exception"});
  EXPECT_NE(t.outcome.message.find("AttributeError"), std::string::npos) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"temporary dies while unwinding"}));

  model::Program q =
      load_text(std::string("ignore uncaught-exception \"reported by excepthook\"\n") + body);
  model::Trace u = run_first(q);
  ASSERT_EQ(u.outcome.kind, checker::StepResult::Kind::Ok) << u.outcome.message;
  EXPECT_EQ(testing::observable(q, u),
            (Strings{"finalize Temp@11#2", "log: temporary dies while unwinding", "free Temp@11#2",
                     "exception AttributeError", "finalize a#1", "log: local dies after the report",
                     "free a#1", "gc start", "gc stop"}));
}

// A __del__ that raises: its locals (self too) stay with the traceback
// until PyErr_WriteUnraisable has reported it, and then die before the
// deallocator checks for resurrection; innermost frames' locals first.
TEST(CTypes, RaisingFinalizerLocalsDieAfterTheReport) {
  model::Program p = load_text(R"(
class Tag:
    def __del__(self):
        log("tag dies")
class Node:
    def __del__(self):
        t = Tag()
        raise ValueError
a = Node()
del a
log("after")
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Ok) << t.outcome.message;
  EXPECT_EQ(testing::observable(p, t),
            (Strings{"finalize a#1", "unraisable ValueError while calling deallocator Node.__del__",
                     "finalize t#2", "log: tag dies", "free t#2", "free a#1", "log: after",
                     "gc start", "gc stop"}));
}

// A C tp_finalize must not leave an exception set (P7.14); a class's
// __del__ may raise (slot_tp_finalize reports it).
TEST(CTypes, CFinalizerThatRaisesBreaksP714) {
  model::Program p = load_text(R"(
ctype Buf:
    flags: gc, heaptype
    fields: data
    def tp_finalize(self):
        raise ValueError
x = Buf(None)
del x
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"P7.14"});
}

// ------------------------------------------------------------------- GIL

// Py_BEGIN_ALLOW_THREADS is a scheduling point: another thread can run in
// the middle of tp_dealloc.
TEST(CTypes, ReleasingTheGilLetsOtherThreadsRun) {
  model::Program p = load_text(R"(
ctype File:
    flags: gc, heaptype
    fields: name
    dealloc: untrack; release_gil; acquire_gil; clear name; free; decref_type
thread T1:
    f = File(None)
    del f
thread T2:
    log("t2")
)");
  bool interleaved = false;
  for (const model::Trace& t : all_traces(p)) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    bool in_dealloc = false;
    for (const model::Event& e : events(t)) {
      if (e.kind == model::EventKind::DeallocBegin) in_dealloc = true;
      if (e.kind == model::EventKind::DeallocEnd) in_dealloc = false;
      if (in_dealloc && e.kind == model::EventKind::Log) interleaved = true;
    }
  }
  EXPECT_TRUE(interleaved);
}

// ------------------------------------------- regressions from the doc review

TEST(CTypes, SavedExceptionIsRestoredWhenTheFinalizerResurrects) {
  model::Program p = load_text(R"(
ctype Buf:
    flags: gc, heaptype
    fields: data
    dealloc: save_error; finalizer_from_dealloc; untrack; clear data; free; decref_type; restore_error
    def tp_finalize(self):
        global keep
        keep = self
keep = None
thread T1:
    b = Buf(None)
    raise KeyError
)");
  model::Trace t = run_first(p);
  ASSERT_EQ(t.outcome.kind, checker::StepResult::Kind::Violation);
  EXPECT_EQ(t.outcome.properties, Strings{"uncaught-exception"});
  EXPECT_NE(t.outcome.message.find("KeyError"), std::string::npos);
}

TEST(CTypes, StaticBaseThatReleasesTheTypeTwice) {
  model::Program p = load_text(R"(
ctype Base:
    flags: gc, basetype
    fields: data
    dealloc: untrack; clear data; free; decref_type
class Sub(Base):
    pass
s = Sub(None)
del s
)");
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, Strings{"P7.15"});
}

TEST(CTypes, ResurrectionFromTpClearBreaksP717) {
  model::Program p = load_text(R"(
ctype Buf:
    flags: gc, heaptype
    fields: data
    clear: store_self cache; clear data
cache = None
b = Buf(None)
b.data = b
del b
gc.collect()
)");
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, Strings{"P7.17"});
}

TEST(CTypes, GilNeverTakenBackBreaksP727) {
  model::Program p = load_text(R"(
ctype File:
    flags: gc, heaptype
    fields: name
    dealloc: untrack; clear name; free; decref_type; release_gil
f = File(None)
del f
log("after")
)");
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, Strings{"P7.27"});
}

TEST(CTypes, SubclassOfANonGcTypeIsTrackedAndCollected) {
  model::Program p = load_text(R"(
ctype Plain:
    flags: basetype
    fields: data
class Sub(Plain):
    pass
s = Sub(None)
s.me = s
log(gc.is_tracked(s))
del s
n = gc.collect()
log(n)
)");
  model::Trace t = run_first(p);
  ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
  EXPECT_EQ(logs(p, t), (Strings{"True", "1"}));
}

TEST(CTypes, P729SeesWeakrefsHeldInCFields) {
  std::ifstream in(source_path("scenarios/contract/P7.29-bug.life"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // The holder becomes a C type whose field holds the weakref.
  size_t at = text.find("class Holder:");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("class Holder:").size(),
               "ctype Holder:\n    flags: gc, heaptype\n    fields: wr\n");
  size_t del = text.find("    def __del__(self):\n        log(\"late sees\", self.wr())");
  ASSERT_NE(del, std::string::npos);
  text.replace(del, std::string("    def __del__(self):").size(), "    def tp_finalize(self):");
  model::Program p = load_text(text);
  auto r = check(p);
  ASSERT_EQ(r.verdict, checker::Verdict::Violated) << text;
  EXPECT_EQ(r.failure.properties, Strings{"P7.29"});
}

}  // namespace
}  // namespace lifecheck::testing
