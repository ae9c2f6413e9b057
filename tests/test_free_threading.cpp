// The free-threaded profiles (SEMANTICS.md §4.2-§4.3), one transition
// family at a time: biased reference counting (F2-F5), the owner's merge
// (F6), resurrection (F7), _Py_TryIncref (F8), the stop-the-world
// collector's worklist and heap order (F-G2, F-G3), stop-the-world itself
// (F12), critical sections, and the canonical encoding of the new fields.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "TestSupport.h"
#include "checker/Schedule.h"
#include "cli/ConformSupport.h"
#include "lang/Compiler.h"
#include "model/Canonical.h"
#include "model/Observe.h"
#include "model/SwitchPoints.h"

namespace lifecheck::testing {
namespace {

model::Program under(const std::string& text, const char* profile) {
  return load_text_under(text, profile, "ft-test.life");
}

// Steps a program along a schedule of thread numbers, keeping the state.
struct Stepper {
  explicit Stepper(const model::Program& p) : program(p) {}
  const model::Program& program;
  model::Model model{program, false};
  model::State state = model.initial();
  std::vector<model::Event> trace;

  void run(uint16_t choice) {
    std::vector<uint16_t> enabled;
    model.enabled(state, enabled);
    ASSERT_NE(std::find(enabled.begin(), enabled.end(), choice), enabled.end())
        << "choice " << choice << " is not enabled";
    ASSERT_TRUE(model.step(state, choice, &trace).ok());
  }
  // Module code up to the start of the other threads (its eval-breaker
  // checks are scheduling points of their own).
  void start() {
    for (int i = 0; i < 10 && state.threads[1].status != model::ThreadStatus::Running; ++i) run(0);
    ASSERT_EQ(state.threads[1].status, model::ThreadStatus::Running);
  }
  // F14 splits a statement on shared objects into several steps and runs
  // ops on private ones together: runs thread t until it stands on
  // another line than the one it started on, or cannot run.
  void statement(uint16_t t) {
    const uint32_t line = current_line(t);
    for (int i = 0; i < 20 && enabled(t); ++i) {
      run(t);
      if (current_line(t) != line) return;
    }
  }
  uint32_t current_line(uint16_t t) const {
    const auto& frames = state.threads[t].frames;
    if (frames.empty() || frames.back().kind != model::FrameKind::Body) return 0;
    return program.funcs[frames.back().func].code[frames.back().pc].line;
  }
  bool enabled(uint16_t choice) {
    std::vector<uint16_t> e;
    model.enabled(state, e);
    return std::find(e.begin(), e.end(), choice) != e.end();
  }
  const model::Object& object(const char* label) const {
    for (const model::Object& o : state.objects)
      if (o.live && o.label != model::kNoLabel && program.labels[o.label] == label) return o;
    static const model::Object none;
    return none;
  }
  // The thread that ran the first event of `kind` on the object labelled.
  int thread_of(model::EventKind kind, const char* label) const {
    for (const model::Event& e : trace)
      if (e.kind == kind && e.label != model::kNoLabel && program.labels[e.label] == label)
        return e.thread;
    return -1;
  }
};

// main owns x; worker (thread 1) takes a reference and drops it again.
const char* kShared = R"(
class X:
    pass

x = X()

thread worker:
    global x
    y = x
    x = None
    del y

thread main:
    log("one")
    log("two")
)";

TEST(FreeThreading, OwnerCountsLocallyOtherThreadsInTheSharedCount) {
  // F1/F2: the allocating thread owns the object; another thread's
  // Py_INCREF goes to the shared count.
  model::Program p = under(kShared, "P314t");
  Stepper s(p);
  s.start();  // module code: x = X(), threads start
  EXPECT_EQ(s.object("x").owner, 0);
  EXPECT_EQ(s.object("x").local, 1);
  EXPECT_EQ(s.object("x").rc, 1);
  s.statement(1);  // worker: y = x
  EXPECT_EQ(s.object("x").rc, 2);
  EXPECT_EQ(s.object("x").local, 1);  // shared count 1
}

TEST(FreeThreading, NonOwnersLastDecrefQueuesForTheOwnerWhichDeallocatesAtItsNextCheck) {
  // F4/F5: shared count 0, owner alive: QUEUED, pushed on main's queue, the
  // queue holding the reference; F6: main merges and deallocates.
  model::Program p = under(kShared, "P314t");
  Stepper s(p);
  s.start();
  s.statement(1);  // y = x
  s.statement(1);  // x = None: shared 1 -> 0
  EXPECT_EQ(s.object("x").rc, 1);
  s.statement(1);  // del y: queued
  EXPECT_EQ(s.object("x").ref_state, model::kRefQueued);
  ASSERT_EQ(s.state.threads[0].merge_queue.size(), 1u);
  EXPECT_EQ(s.object("x").rc, 1);  // the queue's reference
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "x"), -1);
  s.run(0);  // main's next statement: eval-breaker check first
  EXPECT_TRUE(s.state.threads[0].merge_queue.empty());
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "x"), 0);
}

// kShared without main's body: main starts the worker and then joins.
std::string shared_main_joins() {
  const std::string text = kShared;
  return text.substr(0, text.find("thread main:"));
}

TEST(FreeThreading, MainMergesItsQueueAtItsCheckBeforeBlockingInJoin) {
  // F6, T1: between starting the threads and blocking in join, main runs
  // Python code (Thread.start returns, join is entered) and checks its
  // eval breaker: a queue filled meanwhile is merged there, on main.
  model::Program p = under(shared_main_joins(), "P313t");
  Stepper s(p);
  s.start();
  EXPECT_EQ(s.state.main_stage, model::MainStage::PreJoin);
  EXPECT_TRUE(s.enabled(0));  // the check may come at any time
  s.statement(1);             // y = x
  s.statement(1);             // x = None
  s.statement(1);             // del y: queued for main
  ASSERT_EQ(s.state.threads[0].merge_queue.size(), 1u);
  s.run(0);
  EXPECT_EQ(s.state.main_stage, model::MainStage::JoinAll);
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "x"), 0);
}

TEST(FreeThreading, MainBlocksInJoinAfterACheckWithAnEmptyQueue) {
  // The check came first: main blocks and waits for the worker's end.
  model::Program p = under(shared_main_joins(), "P313t");
  Stepper s(p);
  s.start();
  s.run(0);
  EXPECT_EQ(s.state.main_stage, model::MainStage::JoinAll);
  EXPECT_FALSE(s.enabled(0));
}

TEST(FreeThreading, WithTheGilMainBlocksInJoinAtOnce) {
  model::Program p = under(shared_main_joins(), "P313");
  Stepper s(p);
  s.start();
  EXPECT_EQ(s.state.main_stage, model::MainStage::JoinAll);
  EXPECT_FALSE(s.enabled(0));
}

TEST(FreeThreading, WithTheGilTheDroppingThreadDeallocates) {
  model::Program p = under(kShared, "P314g");
  Stepper s(p);
  s.start();
  s.run(1);  // the whole worker body: with the GIL, no check in it lets it go
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "x"), 1);
}

TEST(FreeThreading, OwnerGoneMergesAndDeallocatesOnTheDroppingThread) {
  // F5: no owner found: _Py_ExplicitMergeRefcount(-1) and dealloc here.
  model::Program p = under(R"(
class X:
    pass

g = None

thread maker:
    global g
    g = X()

thread dropper:
    global g
    maker.join()
    g = None
)",
                           "P314t");
  Stepper s(p);
  s.start();
  // maker: g = X() (its call is a check: two steps), and it ends
  for (int i = 0; i < 4 && s.state.threads[1].status != model::ThreadStatus::Finished; ++i)
    s.run(1);
  // dropper: the join, then g = None
  for (int i = 0; i < 4 && s.thread_of(model::EventKind::DeallocBegin, "g") == -1; ++i) s.run(2);
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "g"), 2);
}

TEST(FreeThreading, MergedObjectDiesOnTheNonOwnerThatDropsItLast) {
  // F3: the owner's local count reaches 0 with shared references left:
  // MERGED, no owner; F4: the last shared decref deallocates there.
  model::Program p = under(R"(
class X:
    pass

x = X()

thread worker:
    y = x
    log("took")
    del y

thread main:
    global x
    x = None
)",
                           "P314t");
  Stepper s(p);
  s.start();
  s.statement(1);  // y = x (shared 1)
  s.statement(0);  // main: x = None: local 0, MERGED
  EXPECT_EQ(s.object("x").ref_state, model::kRefMerged);
  EXPECT_EQ(s.object("x").owner, model::kNoThread);
  // log (a call: its check is a step of its own), then del y
  for (int i = 0; i < 4 && s.thread_of(model::EventKind::DeallocBegin, "x") == -1; ++i) s.run(1);
  EXPECT_EQ(s.thread_of(model::EventKind::DeallocBegin, "x"), 1);
}

TEST(FreeThreading, FinalizerThreadOwnsTheObjectAndOtherThreadsCannotTryIncrefIt) {
  // F7: _PyObject_ResurrectStart; F8: _Py_TryIncRefShared refuses shared 0.
  model::Program p =
      load_file("scenarios/free-threading/weakref-read-during-del.life");  // profile 3.13t
  auto r = check(p);
  EXPECT_EQ(r.verdict, checker::Verdict::Holds);
  model::Program gil = under(
      R"(
class X:
    def __del__(self):
        global started
        started = 1
        log("in del")

started = None
x = X()
w = weakref.ref(x)

thread main:
    global x
    x = None

thread reader:
    if started is not None:
        r = w()
        if r is not None:
            log("reader got it back")
        del r

expect log "reader got it back" never
)",
      "P313L");
  EXPECT_EQ(check(gil).verdict, checker::Verdict::Violated);
}

// A three-object ring whose members log in __del__: the worklist order is
// the heap's, so every order of the three finalizers is possible (F-G3).
const char* kRing = R"(
class N:
    def __del__(self):
        log("del", self.name)

a = N()
b = N()
c = N()
a.name = "a"
b.name = "b"
c.name = "c"
a.next = b
b.next = c
c.next = a
del a
del b
del c
gc.collect()
)";

std::set<std::vector<std::string>> finalizer_orders(const model::Program& p) {
  std::set<std::vector<std::string>> orders;
  for (const model::ObservedTrace& t : model::observable_traces(p).traces) {
    std::vector<std::string> dels;
    for (const std::string& s : t)
      if (s.find("log del") != std::string::npos) dels.push_back(s);
    orders.insert(dels);
  }
  return orders;
}

TEST(FreeThreading, HeapOrderWorklistExploresEveryFinalizerOrder) {
  EXPECT_EQ(finalizer_orders(under(kRing, "P314t")).size(), 6u);  // 3!
  EXPECT_EQ(finalizer_orders(under(kRing, "P314g")).size(), 1u);  // list order
}

TEST(FreeThreading, WorklistHoldsAReferenceUntilDeleteGarbage) {
  // F-G2/F-G3: during finalize_garbage each member has one reference more
  // than its cycle gives it, and nothing is freed before delete_garbage.
  model::Program p = under(kRing, "P314t");
  model::Trace t = run_first(p);
  bool in_finalize = false, freed_during = false;
  for (const model::Event& e : events(t)) {
    if (e.kind == model::EventKind::FinalizeBegin) in_finalize = true;
    if (e.kind == model::EventKind::GcPhase && e.text == "delete_garbage") in_finalize = false;
    if (in_finalize && e.kind == model::EventKind::Free) freed_during = true;
  }
  EXPECT_FALSE(freed_during);
}

TEST(FreeThreading, StopTheWorldParksEveryOtherThread) {
  // F12: while the world is stopped only the collecting thread is enabled.
  model::Program p = under(R"(
class N:
    pass

a = N()
a.me = a
del a

thread collector:
    gc.collect()

thread other:
    log("x")
)",
                           "P314t");
  model::Model m(p, false);
  model::State s = m.initial();
  std::vector<uint16_t> e;
  ASSERT_TRUE(m.step(s, 0).ok());
  s.gc.stopped_by = 1;
  m.enabled(s, e);
  for (uint16_t c : e) EXPECT_EQ(c & 0xFF, 1);
}

TEST(FreeThreading, CollectorWaitsForAThreadInsideACSlot) {
  // F12: the world cannot stop while a thread runs C code without
  // detaching: a thread inside a C slot cannot be parked, one in Python
  // code can; the dealloc's C steps and the collection interleave safely.
  const char* text = R"(
ctype Slow:
    flags: gc, heaptype
    fields: data
    dealloc: call; untrack; clear data; free; decref_type

s = Slow(None)

thread main:
    global s
    s = None

thread collector:
    gc.collect()
)";
  model::Program p = under(text, "P314t");
  EXPECT_EQ(check(p).verdict, checker::Verdict::Holds);
  Stepper st(p);
  bool saw_c_slot = false;
  for (int i = 0; i < 30 && !st.state.threads[0].frames.empty() && st.enabled(0); ++i) {
    st.run(0);  // main alone: construction, then tp_dealloc, step by step
    if (st.state.threads[0].frames.empty()) break;
    const model::FrameKind k = st.state.threads[0].frames.back().kind;
    if (k == model::FrameKind::CDealloc || k == model::FrameKind::Construct) {
      saw_c_slot = true;
      EXPECT_FALSE(model::world_parkable(p, st.state, 1));
    } else if (k == model::FrameKind::Body) {
      EXPECT_TRUE(model::world_parkable(p, st.state, 1));
    }
  }
  EXPECT_TRUE(saw_c_slot);
}

TEST(FreeThreading, ACriticalSectionHeldElsewhereBlocksTheThread) {
  // Py_BEGIN_CRITICAL_SECTION2(self, self->item) on one shared object: the
  // second thread waits at its section until the first leaves its own.
  model::Program p = under(R"(
ctype Box:
    flags: heaptype
    fields: item
    new: generic_alloc; init item; critical_section item; end_critical_section

class Shared:
    pass

shared = Shared()

thread t1:
    a = Box(shared)

thread t2:
    b = Box(shared)
)",
                           "P314t");
  Stepper s(p);
  s.start();
  auto holds_section = [&](model::ThreadId t) {
    for (const model::Object& o : s.state.objects)
      if (o.live && o.locked_by == t) return true;
    return false;
  };
  for (int i = 0; i < 8 && !holds_section(1); ++i) s.run(1);  // t1 inside its section
  ASSERT_TRUE(holds_section(1));
  for (int i = 0; i < 8 && !model::blocked_on_critical_section(p, s.state, 2); ++i)
    s.run(2);  // t2 at its section
  EXPECT_TRUE(model::blocked_on_critical_section(p, s.state, 2));
  EXPECT_FALSE(s.enabled(2));
  s.run(1);  // t1 leaves the section
  EXPECT_TRUE(s.enabled(2));
}

TEST(FreeThreading, CanonicalEncodingSeesBiasedCountsAndQueues) {
  model::Program p = under(kShared, "P314t");
  Stepper s(p);
  s.run(0);
  std::string a, b, c;
  model::encode_state(p, s.state, a);
  model::State t = s.state;
  for (model::Object& o : t.objects)
    if (o.live) o.local = 0;
  model::encode_state(p, t, b);
  EXPECT_NE(a, b);
  model::State u = s.state;
  u.threads[0].merge_queue.push_back(0);
  model::encode_state(p, u, c);
  EXPECT_NE(a, c);
}

// ---------------------------------------------------------------------------
// F14: without the GIL a thread may be switched out before any op that
// touches shared state (model/SwitchPoints.cpp), not only at eval-breaker
// checks; ops on thread-private state stay together in one step.

bool violates(const model::Program& p, const std::string& property) {
  auto r = check(p);
  if (r.verdict != checker::Verdict::Violated) return false;
  const auto& props = r.failure.properties;
  return std::find(props.begin(), props.end(), property) != props.end();
}

// A read-modify-write of one attribute split across LOAD_ATTR and
// STORE_ATTR: atomic under the GIL (no check inside the statement), a lost
// update without it.
const char* kLostUpdate = R"(
class Registry:
    pass

reg = Registry()
reg.items = None

thread t1:
    reg.items = [1, reg.items]

thread t2:
    reg.items = [2, reg.items]

thread main:
    t1.join()
    t2.join()
    assert reg.items[1] is not None, "a push was lost"
)";

TEST(FreeThreadingSwitchPoints, ReadModifyWriteLosesAnUpdateOnlyWithoutTheGil) {
  EXPECT_EQ(check(under(kLostUpdate, "3.14")).verdict, checker::Verdict::Holds);
  EXPECT_EQ(check(under(kLostUpdate, "3.13")).verdict, checker::Verdict::Holds);
  EXPECT_TRUE(violates(under(kLostUpdate, "P314t"), "assert"));
  EXPECT_TRUE(violates(under(kLostUpdate, "P313t"), "assert"));
}

// The shipped scenario says the same through its verdict lines; the
// verdicts differ between the twins.
TEST(FreeThreadingSwitchPoints, ShippedLostUpdateScenarioDiffersBetweenTwins) {
  const std::string text =
      read_all(source_path("scenarios/free-threading/lost-update-between-load-and-store-bug.life"));
  EXPECT_EQ(check(under(text, "3.14")).verdict, checker::Verdict::Holds);
  EXPECT_TRUE(violates(under(text, "P314t"), "assert"));
}

// Steps thread `t` once from a state and returns the new state.
model::State step(model::Model& m, const model::State& s, uint16_t t) {
  model::State next = s;
  EXPECT_TRUE(m.step(next, t, nullptr).ok());
  return next;
}

// The state once module code has run and thread 1 has started.
model::State worker_started(model::Model& m) {
  model::State s = m.initial();
  for (int i = 0; i < 20 && s.threads[1].status != model::ThreadStatus::Running; ++i)
    s = step(m, s, 0);
  EXPECT_EQ(s.threads[1].status, model::ThreadStatus::Running);
  return s;
}

const char* kPrivateThenShared = R"(
class X:
    pass

g = X()

thread worker:
    a = X()
    b = [a, a]
    a.f = b
    del b
    g.f = a

thread main:
    pass
)";

// The ops at which thread 1 stops, step by step, until it has finished
// (the state just before its `g.f = a` is kept in `before_publish`).
std::vector<model::OpCode> worker_stops(const model::Program& p, model::State* before_publish) {
  model::Model m(p, false);
  model::State s = worker_started(m);
  std::vector<model::OpCode> stops;
  for (int i = 0; i < 20 && s.threads[1].status == model::ThreadStatus::Running; ++i) {
    s = step(m, s, 1);
    const auto& frames = s.threads[1].frames;
    if (frames.empty() || frames.back().kind != model::FrameKind::Body) continue;
    const model::OpCode code = p.funcs[frames.back().func].code[frames.back().pc].code;
    stops.push_back(code);
    if (code == model::OpCode::LoadGlobal && before_publish) *before_publish = s;
  }
  EXPECT_EQ(s.threads[1].status, model::ThreadStatus::Finished);
  return stops;
}

TEST(FreeThreadingSwitchPoints, PrivateOpsRunTogetherAndSharedOnesSplit) {
  model::Program p = under(kPrivateThenShared, "P314t");
  model::State s;
  const std::vector<model::OpCode> stops = worker_stops(p, &s);
  // Besides the eval-breaker checks (after each call), the worker stops
  // only before the load of the global `g` (LOAD_GLOBAL reads the module
  // dict another thread can write) and the store into g: the statements
  // on its own objects run together.
  std::vector<model::OpCode> shared_stops;
  for (model::OpCode c : stops)
    if (c != model::OpCode::Check) shared_stops.push_back(c);
  EXPECT_EQ(shared_stops,
            (std::vector<model::OpCode>{model::OpCode::LoadGlobal, model::OpCode::StoreAttr}));
  // At the LOAD_GLOBAL: `a` and the list are the worker's alone; g is shared.
  ASSERT_FALSE(s.threads.empty());
  EXPECT_TRUE(model::next_step_touches_shared_state(p, s, 1, s.threads[1].frames.back()));
  const model::ObjSet shared = model::objects_shared_with_others(p, s, 1);
  int private_objects = 0;
  for (size_t o = 0; o < s.objects.size(); ++o) {
    if (!s.objects[o].live) continue;
    if (s.globals[0].is_obj() && s.globals[0].obj() == o) {
      EXPECT_TRUE(shared[o]);
    } else if (!shared[o]) {
      ++private_objects;
    }
  }
  EXPECT_EQ(private_objects, 2);
  // Were `a` published in place of g, it and its list would be shared.
  const model::Value old_g = s.globals[0];
  s.globals[0] = s.threads[1].values[s.threads[1].frames.back().base];
  const model::ObjSet after = model::objects_shared_with_others(p, s, 1);
  for (size_t o = 0; o < s.objects.size(); ++o)
    if (s.objects[o].live && !(old_g.is_obj() && old_g.obj() == o)) {
      EXPECT_TRUE(after[o]) << "object " << o;
    }
}

// With the GIL the same worker stops only at its eval-breaker checks.
TEST(FreeThreadingSwitchPoints, GilProfilesStopOnlyAtChecks) {
  for (model::OpCode c : worker_stops(under(kPrivateThenShared, "3.14"), nullptr))
    EXPECT_EQ(c, model::OpCode::Check);
}

// Every state reachable from the start, each with whether some step ended
// there with thread t inside the runtime's deallocation of an object, at a
// FinalizeFromDealloc or Dealloc frame.
bool some_step_stops_inside_dealloc(const model::Program& p, model::ThreadId t) {
  model::Model m(p, false);
  std::set<std::string> seen;
  std::vector<model::State> work{m.initial()};
  std::vector<uint16_t> enabled;
  std::string bytes;
  while (!work.empty()) {
    model::State s = std::move(work.back());
    work.pop_back();
    const auto& frames = s.threads[t].frames;
    if (!frames.empty() && (frames.back().kind == model::FrameKind::FinalizeFromDealloc ||
                            frames.back().kind == model::FrameKind::Dealloc))
      return true;
    m.enabled(s, enabled);
    for (uint16_t c : std::vector<uint16_t>(enabled)) {
      model::State next = s;
      if (!m.step(next, c).ok()) continue;
      bytes.clear();
      model::encode_state(p, next, bytes);
      if (seen.insert(bytes).second) work.push_back(std::move(next));
    }
  }
  return false;
}

TEST(FreeThreadingSwitchPoints, OtherThreadsRunInsideSubtypeDeallocOfASharedObject) {
  // F14 in subtype_dealloc: the reader holds a weakref to x, so main stops
  // before the end of x's temporary resurrection and before
  // PyObject_ClearWeakRefs; with the GIL it never does.
  const std::string text =
      read_all(source_path("scenarios/free-threading/reader-inside-subtype-dealloc.life"));
  EXPECT_TRUE(some_step_stops_inside_dealloc(under(text, "P313t"), 0));
  EXPECT_FALSE(some_step_stops_inside_dealloc(under(text, "P313"), 0));
}

TEST(FreeThreadingSwitchPoints, DeallocOfAnObjectNoOtherThreadReachesRunsInOneStep) {
  // The same program without the weakref the reader could read: nothing
  // another thread does can see the dealloc's steps.
  const std::string text = R"(
class X:
    def __del__(self):
        log("del x")

x = X()

thread main:
    global x
    x = None

thread reader:
    log("reader")
)";
  EXPECT_FALSE(some_step_stops_inside_dealloc(under(text, "P313t"), 0));
}

TEST(FreeThreadingConform, AForcedRunMayEndAsAnotherModelRunDoes) {
  // assert-bug under P313t: main may merge the object T2 queued (F6) before
  // T1 reads the weakref, so some model run ends in the assert with an
  // empty trace, the outcome a forced run on 3.13.15t showed; none ends in
  // a deadlock.
  const std::string text = read_all(source_path("scenarios/contract/assert-bug.life"));
  model::Program p = under(text, "P313t");
  model::Model m(p);
  EXPECT_TRUE(cli::conform::some_model_run_ends_so(m, "assert", {}, 400));
  EXPECT_FALSE(cli::conform::some_model_run_ends_so(m, "deadlock", {}, 400));
}

TEST(FreeThreadingConform, ForcedTokensLeaveOutMainsMergesWhileItWaits) {
  // main's check before join (PreJoin) and its merges while it waits for
  // the others (D10) happen where the script's main has no _turn(): the
  // script-following runs take them at once and the token leaves them out,
  // so after the module code main has at most its end step, the last one.
  const std::string text = read_all(source_path("scenarios/contract/assert-bug.life"));
  model::Program p = under(text, "P313t");
  model::Model m(p);
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    auto run = cli::conform::model_run(m, seed);
    if (!run) continue;
    std::string error;
    auto decoded = checker::decode_schedule(run->token, error);
    ASSERT_TRUE(decoded) << error;
    const auto& steps = decoded->steps;
    const auto first_other =
        std::find_if(steps.begin(), steps.end(), [](auto c) { return (c & 0xFF) != 0; });
    const auto later_main =
        std::count_if(first_other, steps.end(), [](auto c) { return (c & 0xFF) == 0; });
    EXPECT_LE(later_main, 1) << run->token;
    if (later_main == 1) {
      EXPECT_EQ(steps.back() & 0xFF, 0) << run->token;
    }
  }
}

bool some_trace_has(const model::Program& p, const std::string& item) {
  for (const model::ObservedTrace& t : model::observable_traces(p).traces)
    if (std::find(t.begin(), t.end(), item) != t.end()) return true;
  return false;
}

TEST(FreeThreading, MainsCheckBeforeJoinAllowsWhatTheInterpreterShowed) {
  // D13: 3.13.15t showed `main: del x` here in about 1 run in 10; without
  // main's check before join the model allowed only `worker: del x`.
  const std::string text =
      read_all(source_path("scenarios/conformance/ft-main-checks-before-join.life"));
  lang::CompileOptions o;
  o.profile_override = *model::find_profile("P313t");
  const model::Program with = lang::load_scenario_text("ft-test.life", text, o);
  EXPECT_TRUE(some_trace_has(with, "main: del x"));
  EXPECT_TRUE(some_trace_has(with, "worker: del x"));
  o.profile_override->main_checks_before_join = false;
  const model::Program without = lang::load_scenario_text("ft-test.life", text, o);
  EXPECT_FALSE(some_trace_has(without, "main: del x"));
  EXPECT_TRUE(some_trace_has(without, "worker: del x"));
}

}  // namespace
}  // namespace lifecheck::testing
