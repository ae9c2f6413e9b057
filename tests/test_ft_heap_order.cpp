// The free-threaded collector's heap order (F-G3a; CPython
// Python/gc_free_threading.c, gc_visit_heaps_lock_held): the worklist
// takes the garbage heap by heap, each live thread's heap in turn, then
// the heaps exited threads abandoned. Each test walks every state of a
// shipped scenario where the collector chooses the next member of the
// worklist (heap_order_choices), without symmetry. Objects are
// told apart by class: the first letter of its name is the thread that
// made them (A: TA, B: TB, M: main, G: the worker).
#include <gtest/gtest.h>

#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "lang/Compiler.h"
#include "model/Machine.h"

namespace lifecheck::testing {
namespace {

constexpr const char* kTwoThreads = "scenarios/free-threading/heap-order-two-threads.life";
constexpr const char* kExited = "scenarios/free-threading/heap-order-exited-thread.life";

model::Program load_with(const std::string& file, bool heap_sections) {
  const model::Program p = load_file(file);
  lang::CompileOptions o;
  o.profile_override = p.profile;
  o.profile_override->heap_sections = heap_sections;
  return lang::load_scenario(source_path(file), o);
}

// One state where the collector chooses: the classes' first letters of
// the members placed so far, in order, and of those left, and the letters
// of the threads still running (`makers`: thread t's letter at t).
struct Choice {
  std::string placed;
  std::string left;
  std::string live;
};

std::vector<Choice> order_choices(const model::Program& p, const std::string& makers) {
  std::vector<Choice> out;
  const model::Model m(p, false);
  auto letters = [&](const model::State& s, model::GcListId l) {
    std::string r;
    for (model::ObjId o = s.gc.lists[l].head; o != model::kNoObj; o = s.objects[o].next)
      r += p.types[s.objects[o].type].name[0];
    return r;
  };
  for_each_state(m, 400000, [&](const model::State& s) {
    std::string live;
    for (size_t t = 0; t < makers.size(); ++t)
      if (s.threads[t].status != model::ThreadStatus::Finished) live += makers[t];
    for (size_t t = 0; t < s.threads.size(); ++t)
      if (model::heap_order_choices(p, s, static_cast<model::ThreadId>(t)) > 0)
        out.push_back(
            {letters(s, model::kFinalUnreachable), letters(s, model::kUnreachable), live});
  });
  return out;
}

// Where `c` breaks the sections of the threads alive at the collection:
// one resumes after another began, or another began while it had members
// left. "" if none.
std::string broken_section(const Choice& c) {
  std::string begun;
  for (char x : c.placed) {
    if (c.live.find(x) == std::string::npos || (!begun.empty() && begun.back() == x)) continue;
    if (begun.find(x) != std::string::npos) return c.placed + ": section " + x + " resumes";
    if (!begun.empty() && c.left.find(begun.back()) != std::string::npos)
      return c.placed + ": section " + begun.back() + " left unfinished";
    begun += x;
  }
  return "";
}

// Two live threads' cycles in one collection: never interleaved, and
// either thread's section may come first.
TEST(FtHeapOrder, LiveThreadsGarbageIsSectioned) {
  const model::Program p = load_file(kTwoThreads);
  std::set<char> first;
  size_t both = 0;
  for (const Choice& c : order_choices(p, "_AB")) {
    EXPECT_EQ(broken_section(c), "");
    // both cycles, both threads running
    if (c.placed.size() + c.left.size() < 4 || c.live.find("AB") == std::string::npos) continue;
    ++both;
    if (!c.placed.empty()) first.insert(c.placed[0]);
  }
  EXPECT_GT(both, 0u) << "no collection found both cycles";
  EXPECT_EQ(first, (std::set<char>{'A', 'B'}));
}

// The switch off (every order, the model before F-G3a): the walk above
// does see interleaved orders, so the test above can fail.
TEST(FtHeapOrder, EveryOrderWithoutSections) {
  const model::Program p = load_with(kTwoThreads, false);
  bool interleaved = false;
  for (const Choice& c : order_choices(p, "_AB"))
    if (c.live.find("AB") != std::string::npos && !broken_section(c).empty()) interleaved = true;
  EXPECT_TRUE(interleaved);
}

// An exited thread's garbage (heaps abandoned, maybe reclaimed into
// main's) may go inside main's section; main's section stays whole.
TEST(FtHeapOrder, ExitedThreadsGarbageGoesAnywhere) {
  const model::Program p = load_file(kExited);
  bool inside = false;
  size_t both = 0;
  for (const Choice& c : order_choices(p, "MG")) {
    EXPECT_EQ(c.live, "M");
    EXPECT_EQ(broken_section(c), "");
    if (c.placed.size() + c.left.size() < 4) continue;
    ++both;
    // a G placed after an M while an M is left
    const size_t m = c.placed.find('M');
    if (m != std::string::npos && c.placed.find('G', m) != std::string::npos &&
        c.left.find('M') != std::string::npos)
      inside = true;
  }
  EXPECT_GT(both, 0u);
  EXPECT_TRUE(inside) << "no order puts the exited thread's object inside main's section";
}

// The model records the allocating thread's heap, keeps it when the
// refcount owner (ob_tid) changes, and forgets it when that thread exits.
TEST(FtHeapOrder, HeapIsTheAllocatingThreads) {
  for (const auto& [file, makers] : {std::pair{kTwoThreads, "_AB"}, std::pair{kExited, "MG"}}) {
    const model::Program p = load_file(file);
    const model::Model m(p, false);
    size_t live = 0, exited = 0;
    for_each_state(m, 400000, [&](const model::State& s) {
      for (const model::Object& x : s.objects) {
        const size_t maker = std::string(makers).find(p.types[x.type].name[0]);
        if (!x.live || maker == std::string::npos) continue;
        if (s.threads[maker].status == model::ThreadStatus::Finished) {
          EXPECT_EQ(x.heap, model::kNoThread) << file;
          ++exited;
        } else {
          EXPECT_EQ(x.heap, maker) << file;
          ++live;
        }
      }
    });
    EXPECT_GT(live, 0u) << file;
    if (file == kExited) {
      EXPECT_GT(exited, 0u);
    }
  }
}

// Sections only remove orders CPython cannot produce: on the shipped
// free-threaded scenarios every verdict is the one every order gives.
TEST(FtHeapOrder, VerdictsAsWithEveryOrder) {
  size_t compared = 0;
  for (const std::string& file : scenario_files()) {
    if (file.find("scenarios/free-threading/") != 0) continue;
    const model::Program p = load_file(file);
    std::vector<model::Profile> profiles;
    if (p.profile.gc_algorithm == model::GcAlgorithm::FreeThreaded) profiles.push_back(p.profile);
    for (const model::Verdict& v : p.profile_verdicts) {
      const model::Profile q = *model::find_profile(v.profile);
      if (q.gc_algorithm == model::GcAlgorithm::FreeThreaded) profiles.push_back(q);
    }
    for (const model::Profile& q : profiles) {
      lang::CompileOptions o;
      o.profile_override = q;
      const auto sections = check(lang::load_scenario(source_path(file), o));
      o.profile_override->heap_sections = false;
      const auto every = check(lang::load_scenario(source_path(file), o));
      EXPECT_EQ(sections.verdict, every.verdict) << file << " under " << q.name;
      EXPECT_EQ(sections.failure.properties, every.failure.properties)
          << file << " under " << q.name;
      EXPECT_LE(sections.stats.states, every.stats.states) << file << " under " << q.name;
      ++compared;
    }
  }
  EXPECT_GT(compared, 40u);
}

// F-G3b: a collection whose heap orders cannot be told apart takes one.
model::Program with_quiet_order(const std::string& text, const char* profile, bool quiet) {
  lang::CompileOptions o;
  o.profile_override = *model::find_profile(profile);
  o.profile_override->quiet_heap_order = quiet;
  return lang::load_scenario_text("quiet.life", text, o);
}

// A WeakValueDictionary that holds itself (8 objects, no finalizer among
// them, no callback left to call): every order is the same.
constexpr const char* kQuietCycle = R"(class Obj:
    def __del__(self):
        log("del", self)
x = Obj()
cache = weakref.WeakValueDictionary()
cache["a"] = x
cache.me = cache
del cache
n = gc.collect()
log("collected", n)
del x
)";

TEST(FtHeapOrder, QuietCollectionTakesOneOrder) {
  for (const char* profile : {"3.13t", "3.14t"}) {
    const model::Program quiet = with_quiet_order(kQuietCycle, profile, true);
    const model::Program every = with_quiet_order(kQuietCycle, profile, false);
    EXPECT_TRUE(order_choices(quiet, "M").empty()) << profile;
    EXPECT_FALSE(order_choices(every, "M").empty()) << profile;
    const auto q = check(quiet), e = check(every);
    EXPECT_EQ(q.verdict, checker::Verdict::Holds) << profile;
    EXPECT_EQ(e.verdict, checker::Verdict::Holds) << profile;
    EXPECT_LT(q.stats.states * 100, e.stats.states) << profile;
    std::set<std::vector<std::string>> a, b;
    for (const model::Trace& t : all_traces(quiet)) a.insert(logs_of(quiet, t));
    for (const model::Trace& t : all_traces(every)) b.insert(logs_of(every, t));
    EXPECT_EQ(a, b) << profile;
    EXPECT_EQ(a.size(), 1u) << profile;
  }
}

// Orders that show are still explored: two finalizers, the callbacks of
// two referents, a tp_clear an expect line names, gc.garbage under
// DEBUG_SAVEALL.
TEST(FtHeapOrder, OrdersThatShowAreStillExplored) {
  const std::string cycle = R"(class N:
    def __init__(self, name):
        self.name = name
FIN
a = N("a")
b = N("b")
a.peer = b
b.peer = a
SETUP
del a
del b
n = gc.collect()
log("collected", n)
EXPECT
)";
  auto variant = [&](const std::string& fin, const std::string& setup, const std::string& expect) {
    std::string t = cycle;
    t.replace(t.find("FIN"), 3, fin);
    t.replace(t.find("SETUP"), 5, setup);
    t.replace(t.find("EXPECT"), 6, expect);
    return t;
  };
  const std::string del = "    def __del__(self):\n        log(\"del\", self.name)";
  const std::string callbacks =
      "def cb(w):\n    log(\"callback\", w)\nwa = weakref.ref(a, cb)\nwb = weakref.ref(b, cb)";
  const std::vector<std::string> cases = {
      variant(del, "", ""),
      variant("", callbacks, ""),
      variant("", "", "expect clear a before clear b"),
      variant("", "gc.set_debug(gc.DEBUG_SAVEALL)", ""),
  };
  for (const std::string& text : cases)
    for (const char* profile : {"3.13t", "3.14t"}) {
      const model::Program p = with_quiet_order(text, profile, true);
      EXPECT_FALSE(order_choices(p, "M").empty()) << profile << "\n" << text;
    }
  // and the quiet one differs from these only by what shows
  EXPECT_TRUE(order_choices(with_quiet_order(variant("", "", ""), "3.13t", true), "M").empty());
  // both orders of the two finalizers are among the runs
  const model::Program p = with_quiet_order(variant(del, "", ""), "3.13t", true);
  std::set<std::vector<std::string>> logs;
  for (const model::Trace& t : all_traces(p)) logs.insert(logs_of(p, t));
  EXPECT_GE(logs.size(), 2u);
}

// Code that runs during the collection (here a weakref callback) can drop
// the last outside reference to an object a garbage object owns: it then
// dies when its owner is cleared, so the owners' order shows (both logs).
TEST(FtHeapOrder, CodeDuringTheCollectionKeepsEveryOrder) {
  const std::string text = R"(class Y:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        log("del", self.name)
class M:
    pass
y1 = Y("1")
y2 = Y("2")
m1 = M()
m2 = M()
m1.peer = m2
m2.peer = m1
m1.y = y1
m2.y = y2
def cb(w):
    global y1, y2
    y1 = None
    y2 = None
w = weakref.ref(m1, cb)
del m1
del m2
n = gc.collect()
)";
  for (const char* profile : {"3.13t", "3.14t"}) {
    const model::Program p = with_quiet_order(text, profile, true);
    std::set<std::vector<std::string>> logs;
    for (const model::Trace& t : all_traces(p)) logs.insert(logs_of(p, t));
    const std::vector<std::string> one_two = {"del 1", "del 2"}, two_one = {"del 2", "del 1"};
    bool a = false, b = false;
    for (const auto& l : logs) {
      a = a || l == one_two;
      b = b || l == two_one;
    }
    EXPECT_TRUE(a && b) << profile << ": " << logs.size() << " log sequences";
  }
}

// Sound before fast: on every shipped scenario, under both free-threaded
// profiles, the verdict and the properties broken are those of the search
// over every heap order (where that search ends within its limit).
TEST(FtHeapOrder, QuietOrderVerdictsAsWithEveryOrder) {
  size_t compared = 0, reduced = 0, states_quiet = 0, states_every = 0;
  checker::SearchOptions limited;
  limited.limits.max_states = 150000;
  for (const std::string& file : scenario_files())
    for (const char* profile : {"3.13t", "3.14t"}) {
      lang::CompileOptions o;
      o.profile_override = *model::find_profile(profile);
      std::optional<model::Program> quiet, every;
      try {
        quiet = lang::load_scenario(source_path(file), o);
        o.profile_override->quiet_heap_order = false;
        every = lang::load_scenario(source_path(file), o);
      } catch (const std::exception&) {
        continue;  // not a scenario of this profile (a C type's GIL-only step...)
      }
      const auto e = check(*every, limited);
      if (e.verdict == checker::Verdict::LimitReached) continue;
      const auto q = check(*quiet, limited);
      EXPECT_EQ(q.verdict, e.verdict) << file << " under " << profile;
      EXPECT_EQ(q.failure.properties, e.failure.properties) << file << " under " << profile;
      EXPECT_LE(q.stats.states, e.stats.states) << file << " under " << profile;
      ++compared;
      reduced += q.stats.states < e.stats.states;
      states_quiet += q.stats.states;
      states_every += e.stats.states;
    }
  EXPECT_GT(compared, 800u);
  EXPECT_GT(reduced, 20u);
  std::cout << "F-G3b: " << compared << " scenario runs compared, " << reduced << " reduced; "
            << states_every << " states with every order, " << states_quiet << " with one\n";
}

}  // namespace
}  // namespace lifecheck::testing
