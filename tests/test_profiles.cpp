// Version profiles (SEMANTICS.md §0.2, §6): each difference the model
// implements, shown by a scenario whose behaviour changes with the profile.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "model/Observe.h"

namespace lifecheck::testing {
namespace {

using Strings = std::vector<std::string>;

model::Program under(const std::string& text, const char* profile) {
  lang::CompileOptions o;
  o.profile_override = *model::find_profile(profile);
  return lang::load_scenario_text("profile-test.life", text, o);
}

Strings logs(const model::Program& p, const model::Trace& t) {
  Strings out;
  for (const std::string& s : observable(p, t))
    if (s.rfind("log: ", 0) == 0) out.push_back(s.substr(5));
  return out;
}

std::string file_text(const std::string& rel) {
  std::ifstream in(source_path(rel));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Profiles, NamesAndReleaseSpellings) {
  EXPECT_EQ(model::all_profiles().size(), 9u);
  EXPECT_STREQ(model::default_profile().name, "P314g");
  EXPECT_STREQ(model::find_profile("3.11.7")->name, "P311");
  EXPECT_STREQ(model::find_profile("3.13.5")->name, "P313");
  EXPECT_STREQ(model::find_profile("3.13.13")->name, "P313L");
  EXPECT_STREQ(model::find_profile("3.14.2")->name, "P314i");
  EXPECT_STREQ(model::find_profile("3.14.4")->name, "P314i4");
  EXPECT_STREQ(model::find_profile("3.14.7")->name, "P314g");
  EXPECT_STREQ(model::find_profile("3.13")->name, "P313L");
  EXPECT_FALSE(model::find_profile("3.11.banana"));
  EXPECT_FALSE(model::find_profile("3.10"));
  // free-threaded builds (§4.2): 3.13t, 3.13.15t, 3.14t
  EXPECT_STREQ(model::find_profile("3.13t")->name, "P313t");
  EXPECT_STREQ(model::find_profile("3.13.15t")->name, "P313t");
  EXPECT_STREQ(model::find_profile("3.14t")->name, "P314t");
  EXPECT_STREQ(model::find_profile("3.14.7t")->name, "P314t");
  EXPECT_STREQ(model::find_profile("P314t")->gil_twin, "P314g");
  EXPECT_STREQ(model::find_profile("P313t")->gil_twin, "P313L");
  EXPECT_FALSE(model::find_profile("3.12t"));
  EXPECT_FALSE(model::find_profile("3.13.xt"));
  EXPECT_FALSE(model::find_profile("t"));
}

// gh-91636 (P7.23 / P7.29, test_function_tp_clear_leaves_consistent_state):
// a weakref a finalizer creates to a garbage object survives into tp_clear
// without the second weakref pass. A counterexample under P311, holds
// under P313L and P314g.
TEST(Profiles, Gh91636SplitsOnTheSecondWeakrefPass) {
  std::string text = file_text("scenarios/contract/P7.23-ok.life");
  for (const char* p : {"P311", "P312", "P313", "P314i"}) {
    auto r = check(under(text, p));
    ASSERT_EQ(r.verdict, checker::Verdict::Violated) << p;
    EXPECT_EQ(r.failure.properties, Strings{"P7.23"}) << p;
  }
  for (const char* p : {"P313L", "P314i4", "P314g"})
    EXPECT_EQ(check(under(text, p)).verdict, checker::Verdict::Holds) << p;
  // With P7.23 ignored, P311 shows the consequence: P7.29, a finalizer that
  // has not run sees the cleared object.
  std::string ignored = "ignore P7.23 \"see P7.29\"\n" + text;
  auto r = check(under(ignored, "P311"));
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_EQ(r.failure.properties, Strings{"P7.29"});
  EXPECT_EQ(check(under(ignored, "P314g")).verdict, checker::Verdict::Holds);
}

// G3: where an automatic collection runs. Only T1 allocates, in a C
// constructor that releases the GIL right after its allocation, before
// any eval-breaker check. In 3.12 the interpreter-wide flag lets another
// thread's check run it; from 3.13 only the allocating thread's own check
// does; in 3.11 it runs inside T1's allocation.
TEST(Profiles, AutomaticCollectionThread) {
  const std::string text = R"(
ctype Slow:
    flags: gc
    new: generic_alloc; release_gil; acquire_gil
class Node:
    def __del__(self):
        log("del")
a = Node()
a.me = a
del a
gc.enable()
thread T1:
    x = Slow()
    log("T1 done")
thread T2:
    log("T2 a")
    log("T2 b")
expect finalize a on thread T1
)";
  EXPECT_EQ(check(under(text, "P311")).verdict, checker::Verdict::Holds);
  EXPECT_EQ(check(under(text, "P313")).verdict, checker::Verdict::Holds);
  EXPECT_EQ(check(under(text, "P314g")).verdict, checker::Verdict::Holds);
  auto r = check(under(text, "P312"));
  ASSERT_EQ(r.verdict, checker::Verdict::Violated);
  EXPECT_NE(r.failure.message.find("thread T2"), std::string::npos);
  // Without the GIL release, T1's next check (after the call) comes first
  // under every profile: nothing can run between the allocation and it.
  std::string held = text;
  held.replace(held.find("generic_alloc; release_gil; acquire_gil"), 39, "generic_alloc");
  EXPECT_EQ(check(under(held, "P312")).verdict, checker::Verdict::Holds);
  // and without gc.enable() nothing runs before the end
  std::string off = text;
  off.replace(off.find("gc.enable()"), 11, "pass");
  auto never = check(under(off + "expect finalize a never\n", "P311"));
  EXPECT_EQ(never.verdict, checker::Verdict::Holds);
}

// G3, P311: the collection runs inside the allocation, and the allocating
// statement completes right after it on the same thread.
TEST(Profiles, P311CollectsInsideTheAllocation) {
  const std::string text = R"(
class Node:
    def __del__(self):
        log("del")
a = Node()
a.me = a
del a
gc.enable()
b = Node()
log("after allocation")
)";
  model::Program p = under(text, "P311");
  std::set<Strings> seen;
  for (const model::Trace& t : all_traces(p)) seen.insert(logs(p, t));
  EXPECT_TRUE(seen.count(Strings{"del", "after allocation"}));
  EXPECT_TRUE(seen.count(Strings{"after allocation", "del"}));  // the final collection
}

// G1-G3: a step that allocates twice (a bound method, then a list, no call
// in between) offers a collection at each allocation under P311, where it
// runs inside that allocation; from P312 on it runs at the step's closing
// check, after both.
TEST(Profiles, WhichAllocationCollects) {
  const std::string text = R"(
class Node:
    def f(self):
        pass
class Cycle:
    def __del__(self):
        log("del sees", m)
b = Node()
m = None
c = Cycle()
c.me = c
del c
gc.enable()
m = b.f
l = [m]
log("end")
gc.disable()
)";
  auto seen = [&](const char* profile) {
    model::Program p = under(text, profile);
    std::set<Strings> out;
    for (const model::Trace& t : all_traces(p)) out.insert(logs(p, t));
    return out;
  };
  std::set<Strings> p311 = seen("P311");
  EXPECT_TRUE(p311.count(Strings{"del sees None", "end"}));
  EXPECT_TRUE(p311.count(Strings{"del sees method f", "end"}));
  std::set<Strings> p313 = seen("P313");
  EXPECT_FALSE(p313.count(Strings{"del sees None", "end"}));
  EXPECT_TRUE(p313.count(Strings{"del sees method f", "end"}));
}

// G-I3, P314i: the first increment of a scavenge only marks; a cycle
// dropped before it is collected by the second increment, not the first.
TEST(Profiles, IncrementalFirstIncrementOnlyMarks) {
  const std::string text = R"(
class Node:
    def __del__(self):
        log("del")
a = Node()
a.me = a
del a
first = gc.collect(1)
log("first", first)
second = gc.collect(1)
log("second", second)
)";
  model::Program inc = under(text, "P314i");
  EXPECT_EQ(logs(inc, run_first(inc)), (Strings{"first 0", "del", "second 1"}));
  model::Program gen = under(text, "P314g");
  EXPECT_EQ(logs(gen, run_first(gen)), (Strings{"del", "first 1", "second 0"}));
}

// TC1 / TC4: in 3.11/3.12 deallocations nested deeper than 50 are
// postponed and run LIFO once the stack unwinds. At the bottom of a chain
// of 50 nodes, two leaves are released left then right by plain recursion,
// but both are postponed under the counter trashcan and drained right first.
// 3.13+ only postpone near stack exhaustion.
TEST(Profiles, TrashcanChangesTheOrderOfDeepChains) {
  std::string text =
      "class Node:\n    pass\n"
      "class Leaf:\n    def __del__(self):\n        log(\"del\", self)\n"
      "bottom = Node()\nbottom.left = Leaf()\nbottom.right = Leaf()\nhead = bottom\n";
  // 49 nodes above `bottom`: bottom is entered at nesting 50, its leaves are
  // checked at 50 and postponed.
  for (int i = 0; i < 49; ++i) text += "n = Node()\nn.next = head\nhead = n\n";
  text += "n = None\nbottom = None\nhead = None\n";
  auto order = [&](const char* profile) {
    model::Program p = under(text, profile);
    model::Trace t = run_first(p);
    EXPECT_TRUE(t.outcome.ok()) << profile << ": " << t.outcome.message;
    return logs(p, t);
  };
  EXPECT_EQ(order("P314g"), (Strings{"del bottom.left", "del bottom.right"}));
  EXPECT_EQ(order("P313L"), (Strings{"del bottom.left", "del bottom.right"}));
  EXPECT_EQ(order("P311"), (Strings{"del bottom.right", "del bottom.left"}));
  EXPECT_EQ(order("P312"), (Strings{"del bottom.right", "del bottom.left"}));
  bool postponed = false;
  for (const model::Event& e : events(run_first(under(text, "P311"))))
    postponed = postponed || e.kind == model::EventKind::TrashDeposit;
  EXPECT_TRUE(postponed);
}

// _PyFrame_ClearLocals: locals are released first to last up to 3.13 and
// last to first from 3.14.
TEST(Profiles, LocalsReleaseOrderOnReturn) {
  const std::string text = R"(
class Node:
    def __del__(self):
        log("del", self)
thread T1:
    first = Node()
    second = Node()
)";
  model::Program p311 = under(text, "P311");
  model::Program p314 = under(text, "P314g");
  EXPECT_EQ(logs(p311, run_first(p311)), (Strings{"del first", "del second"}));
  EXPECT_EQ(logs(p314, run_first(p314)), (Strings{"del second", "del first"}));
}

// G10: up to 3.13 a dict holding no GC object is not tracked; 3.14 tracks it.
TEST(Profiles, LazyDictTracking) {
  const std::string text = "d = {\"k\": None}\nlog(gc.is_tracked(d))\n";
  model::Program p313 = under(text, "P313L");
  model::Program p314 = under(text, "P314g");
  EXPECT_EQ(logs(p313, run_first(p313)), (Strings{"False"}));
  EXPECT_EQ(logs(p314, run_first(p314)), (Strings{"True"}));
}

// check --profile all prints one table and an example of the difference.
TEST(Profiles, CheckProfileAllTable) {
  CliResult r =
      run_cli({"check", "--profile", "all", source_path("scenarios/contract/P7.23-ok.life")});
  EXPECT_EQ(r.exit_code, 1);
  for (const char* p : {"P311", "P312", "P313", "P313L", "P314i", "P314i4", "P314g"})
    EXPECT_NE(r.out.find(std::string("  ") + p), std::string::npos) << p;
  EXPECT_NE(r.out.find("violates P7.23"), std::string::npos);
  EXPECT_NE(r.out.find("observable traces differ"), std::string::npos);
  EXPECT_NE(r.out.find("late sees None"), std::string::npos);
}

// The trace enumeration is bounded: past a bound the set is partial, says
// why, and holds only real traces (a subset of the unbounded set).
TEST(Profiles, TraceEnumerationBoundsGiveASubset) {
  model::Program p = load_file("scenarios/contract/P7.7-ok.life");
  model::TraceSet full = model::observable_traces(p);
  ASSERT_TRUE(full.complete) << full.stopped;
  ASSERT_GT(full.traces.size(), 2u);
  for (model::TraceBounds b :
       {model::TraceBounds{1, 300000, 4000000}, model::TraceBounds{20000, 5, 4000000},
        model::TraceBounds{20000, 300000, 10}}) {
    model::TraceSet part = model::observable_traces(p, b);
    EXPECT_FALSE(part.complete);
    EXPECT_FALSE(part.stopped.empty());
    EXPECT_LT(part.traces.size(), full.traces.size());
    for (const model::ObservedTrace& t : part.traces) EXPECT_TRUE(full.traces.count(t));
  }
}

// A run that never ends has no end to enumerate: the set is partial and
// says so at once, instead of descending to the step bound.
TEST(Profiles, TraceEnumerationStopsAtAnEndlessRun) {
  model::Program p = load_file("scenarios/contract/termination-bug.life");
  model::TraceSet set = model::observable_traces(p);
  EXPECT_FALSE(set.complete);
  EXPECT_EQ(set.stopped, "some runs never end");
  model::TraceSet ok =
      model::observable_traces(load_file("scenarios/contract/termination-ok.life"));
  EXPECT_TRUE(ok.complete) << ok.stopped;
}

// ------------------------------------------------------------- containers

TEST(Containers, DeallocOrderListsTuplesBackwardDictsForward) {
  const std::string text = R"(
class Tag:
    def __del__(self):
        log("del", self)
l = [Tag(), Tag()]
l[0] = Tag()
t = (Tag(),)
d = {"x": Tag(), "y": Tag()}
del l
del d
)";
  model::Program p = load_text(text);
  Strings got = logs(p, run_first(p));
  // l[0] = Tag() releases the old first item at once
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(got[0], "del Tag@5");
  EXPECT_EQ(got[1], "del Tag@5");  // list: last item first (both share a label)
  EXPECT_EQ(got[3], "del Tag@8");
}

// test_gc test_list / test_dict / test_tuple (§8 #19-21).
TEST(Containers, SelfReferencingContainersAreCollected) {
  struct Case {
    const char* text;
    int collected;
  } cases[] = {
      {"l = [None]\nl[0] = l\ndel l\nn = gc.collect()\nlog(n)\n", 1},
      {"d = {\"k\": None}\nd[\"k\"] = d\ndel d\nn = gc.collect()\nlog(n)\n", 1},
      {"l = [None]\nt = (l,)\nl[0] = t\ndel l\ndel t\nn = gc.collect()\nlog(n)\n", 2},
  };
  for (const Case& c : cases) {
    model::Program p = load_text(c.text);
    EXPECT_EQ(logs(p, run_first(p)), Strings{std::to_string(c.collected)}) << c.text;
  }
}

TEST(Containers, ItemErrors) {
  for (const char* text :
       {"l = [1]\nlog(l[3])\n", "d = {\"a\": 1}\nlog(d[\"b\"])\n", "t = (1,)\nt[0] = 2\n"}) {
    model::Program p = load_text(text);
    model::Trace t = run_first(p);
    EXPECT_EQ(t.outcome.properties, Strings{"uncaught-exception"}) << text;
  }
}

// len(x): containers (a list subclass and a proxy too), strings; TypeError
// on anything else; a raise inside it leaves no reference behind.
TEST(Containers, LenOfEachKind) {
  model::Program p = load_text(
      "class L(list):\n    pass\n\nl = L()\nl.append(1)\nd = {1: 2, 3: 4}\n"
      "q = collections.deque([1, 2, 3])\np = weakref.proxy(l)\n"
      "log(len(l), len(d), len({5}), len(q), len((1, 2)), len(\"abc\"), len(p))\n");
  EXPECT_EQ(logs(p, run_first(p)), Strings{"1 2 1 3 2 3 1"});
  model::Program bad = load_text("x = 5\nlog(len(x))\n");
  EXPECT_EQ(run_first(bad).outcome.properties, Strings{"uncaught-exception"});
}

}  // namespace
}  // namespace lifecheck::testing
