// Meta-properties over generated scenarios (rapidcheck): the reductions
// keep every verdict, the collector frees exactly the unreachable objects,
// refcounts are conserved in every reachable state, correct code passes
// every property under every profile, and the fuzzer finds deliberately
// broken runtimes within a bounded number of runs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <iostream>
#include <unordered_set>

#include "TestSupport.h"
#include "lifecheck/fuzz.h"
#include "lifecheck/generators.h"
#include "lifecheck/lifecheck.h"
#include "model/Machine.h"
#include "model/Model.h"

namespace lifecheck {
namespace {

// Small scenarios: every search below must finish quickly.
gen::GenConfig small() {
  gen::GenConfig c;
  c.max_threads = 2;
  c.max_body = 3;
  return c;
}

constexpr uint64_t kMaxStates = 20000;

CheckOptions bounded() {
  CheckOptions o;
  o.max_states = kMaxStates;
  return o;
}

// The plain search the reductions are compared with: the visited set only.
CheckOptions unreduced_search() {
  CheckOptions o = bounded();
  o.symmetry = false;
  o.partial_order = false;
  return o;
}

// A counterexample must replay to a violation of the same properties.
void expect_replays(const Scenario& s, const CheckResult& r) {
  if (!r.violated()) return;
  CheckResult again = replay(s, r.replay_token);
  RC_ASSERT(again.violated());
  RC_ASSERT(again.properties == r.properties);
}

// ------------------------------------------------------------- reductions

// The reduced, unreduced, depth-first and fingerprinted searches agree on
// the verdict and the properties, and every counterexample replays; the
// reduced result.
CheckResult searches_agree(const Scenario& s) {
  CheckOptions dfs = bounded();
  dfs.breadth_first = false;
  CheckOptions hashed = bounded();
  hashed.fingerprints = true;
  const CheckResult reduced = check(s, bounded());
  const CheckResult unreduced = check(s, unreduced_search());
  const CheckResult depth_first = check(s, dfs);
  const CheckResult fingerprinted = check(s, hashed);
  for (const CheckResult* r : {&reduced, &unreduced, &depth_first, &fingerprinted})
    RC_PRE(r->verdict != Verdict::LimitReached);
  for (const CheckResult* r : {&unreduced, &depth_first, &fingerprinted}) {
    RC_ASSERT(r->verdict == reduced.verdict);
    RC_ASSERT(r->properties == reduced.properties);
    expect_replays(s, *r);
  }
  expect_replays(s, reduced);
  return reduced;
}

// The visited set, thread symmetry, the stores,
// the search order and the number of workers are reductions or strategies:
// on a scenario they agree on the verdict; the counterexample is the same
// canonical one for every order, store and number of workers; the counts
// of a full search do not depend on order, store or workers; and every
// counterexample replays. The reduced result.
CheckResult every_strategy_agrees(const Scenario& s) {
  CheckOptions plain = bounded();  // no reduction but the visited set
  plain.symmetry = false;
  plain.partial_order = false;
  CheckOptions no_por = bounded();
  no_por.partial_order = false;
  CheckOptions dfs = bounded();
  dfs.breadth_first = false;
  CheckOptions parallel = bounded();
  parallel.jobs = 3;
  // Depth-first on several workers runs only without a state limit (where
  // it would stop depends on timing): a time limit bounds it instead.
  CheckOptions parallel_dfs = bounded();
  parallel_dfs.breadth_first = false;
  parallel_dfs.jobs = 3;
  parallel_dfs.max_states = 0;
  parallel_dfs.max_seconds = 20;
  CheckOptions hashed = bounded();
  hashed.fingerprints = true;
  hashed.breadth_first = false;
  CheckOptions tree = plain;
  tree.visited_set = false;

  const CheckResult reduced = check(s, bounded());
  const CheckResult unreduced = check(s, plain);
  const CheckResult unordered = check(s, no_por);
  const CheckResult depth_first = check(s, dfs);
  const CheckResult workers = check(s, parallel);
  const CheckResult dfs_workers = check(s, parallel_dfs);
  const CheckResult fingerprinted = check(s, hashed);
  for (const CheckResult* r :
       {&reduced, &unreduced, &unordered, &depth_first, &workers, &dfs_workers, &fingerprinted})
    RC_PRE(r->verdict != Verdict::LimitReached);
  for (const CheckResult* r :
       {&unreduced, &unordered, &depth_first, &workers, &dfs_workers, &fingerprinted}) {
    RC_ASSERT(r->verdict == reduced.verdict);
    RC_ASSERT(r->properties == reduced.properties);
    expect_replays(s, *r);
  }
  expect_replays(s, reduced);
  // (Counts compare only over a whole space: a reduction may find a
  // violation a level deeper, after more states.)
  if (!reduced.violated()) {
    RC_ASSERT(reduced.states <= unreduced.states);
    RC_ASSERT(reduced.states <= unordered.states);
  }
  if (reduced.states < unordered.states) RC_TAG("partial-order reduction");
  // The same reductions give the same counterexample and the same counts,
  // whatever the order, store or workers.
  for (const CheckResult* r : {&depth_first, &workers, &dfs_workers, &fingerprinted}) {
    RC_ASSERT(r->schedule == reduced.schedule);
    if (!reduced.violated()) RC_ASSERT(r->states == reduced.states);
  }
  // Reductions may pick another counterexample, never a shorter one than
  // the unreduced graph's shortest (each reduced path is one of its paths).
  if (reduced.violated()) RC_ASSERT(unreduced.schedule.size() <= reduced.schedule.size());

  const CheckResult unmerged = check(s, tree);  // often too big: then only a limit
  if (unmerged.verdict != Verdict::LimitReached) {
    RC_ASSERT(unmerged.verdict == reduced.verdict);
    expect_replays(s, unmerged);
  }
  return reduced;
}

// On every generated scenario, with broken C types and, half the time, a
// broken runtime.
RC_GTEST_PROP(Meta, ReductionsAreSound, ()) {
  gen::GenConfig config = small();
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  const std::vector<std::string> bugs = runtime_bugs();
  if (*rc::gen::arbitrary<bool>()) spec.runtime_bugs = {*rc::gen::elementOf(bugs)};
  const CheckResult reduced =
      every_strategy_agrees(Scenario::parse(spec.to_life(), "generated.life"));
  RC_TAG(reduced.violated() ? "violated" : "holds");
}

// The same under the free-threaded profiles, where the heap-order choices
// of the collector and the C-step switch points multiply the states.
RC_GTEST_PROP(Meta, ReductionsAreSoundFreeThreaded, ()) {
  gen::GenConfig config = small();
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  spec.profile = *rc::gen::element<std::string>("3.13t", "3.14t");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckOptions plain = unreduced_search();
  CheckOptions bfs = bounded();
  bfs.breadth_first = true;
  const CheckResult reduced = check(s, bounded());
  const CheckResult unreduced = check(s, plain);
  const CheckResult shortest = check(s, bfs);
  RC_PRE(reduced.verdict != Verdict::LimitReached && unreduced.verdict != Verdict::LimitReached &&
         shortest.verdict != Verdict::LimitReached);
  RC_ASSERT(reduced.verdict == unreduced.verdict);
  RC_ASSERT(reduced.properties == unreduced.properties);
  RC_ASSERT(reduced.verdict == shortest.verdict);
  if (!reduced.violated()) RC_ASSERT(reduced.states <= unreduced.states);
  expect_replays(s, reduced);
  expect_replays(s, unreduced);
  expect_replays(s, shortest);
  RC_TAG(reduced.violated() ? "violated" : "holds");
}

// --------------------------------------------- the collector and refcounts

// Every state reachable in a generated scenario, each once (plain search,
// no symmetry), handed to `visit`; terminal states that pass the end checks
// to `at_end`. Returns false when the scenario is too big.
template <class Visit, class AtEnd>
bool for_each_state(const model::Program& program, Visit visit, AtEnd at_end) {
  model::Model m(program, false);
  std::unordered_set<std::string> seen;
  std::vector<model::State> stack{m.initial()};
  std::string key;
  m.encode(stack.back(), key);
  seen.insert(key);
  std::vector<uint16_t> choices;
  while (!stack.empty()) {
    model::State s = std::move(stack.back());
    stack.pop_back();
    visit(s);
    m.enabled(s, choices);
    if (choices.empty()) {
      model::State end = s;
      if (m.terminal(end).ok()) at_end(end);
      continue;
    }
    for (uint16_t c : choices) {
      model::State next = s;
      if (!m.step(next, c).ok()) continue;
      m.encode(next, key);
      if (!seen.insert(key).second) continue;
      if (seen.size() > kMaxStates) return false;
      stack.push_back(std::move(next));
    }
  }
  return true;
}

// The objects reachable from globals and gc.garbage through strong
// references, computed here with Boost.Graph from the objects' fields
// alone (not with the model's own reachability code).
std::vector<bool> reachable(const model::Program& p, const model::State& s) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  const size_t n = s.objects.size();
  Graph g(n + 1);
  auto edge = [&](size_t from, model::Value v) {
    if (v.is_obj() && v.obj() < n) boost::add_edge(from, v.obj(), g);
  };
  for (model::Value v : s.globals) edge(n, v);
  for (model::ObjId o : s.gc.garbage) edge(n, model::Value::object(o));
  for (size_t i = 0; i < n; ++i) {
    const model::Object& o = s.objects[i];
    if (!o.live || o.has(model::kFreed)) continue;
    const model::TypeKind kind = p.types[o.type].kind;
    for (size_t f = 0; f < model::kMaxFields; ++f) {
      if (kind == model::TypeKind::Weakref && f == model::kWeakrefReferent) continue;  // weak
      edge(i, o.fields[f]);
    }
    // a container's items, a suspended generator's frame (Y2); a dict's
    // (a dict subclass's, a threading.local's) entries are key, value pairs
    model::ClassId part = o.type;
    while (p.types[part].kind == model::TypeKind::PyClass && p.types[part].base != model::kNoType)
      part = p.types[part].base;
    const bool pairs = p.types[part].kind == model::TypeKind::Dict ||
                       p.types[part].kind == model::TypeKind::ThreadLocal;
    if (kind != model::TypeKind::Weakref)
      for (size_t k = 0; k < o.length * (pairs ? 2u : 1u) && k < model::kMaxItems; ++k)
        edge(i, o.items[k]);
  }
  std::vector<boost::default_color_type> colour(n + 1, boost::white_color);
  boost::breadth_first_search(g, n,
                              boost::color_map(boost::make_iterator_property_map(
                                  colour.begin(), boost::get(boost::vertex_index, g))));
  std::vector<bool> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = colour[i] != boost::white_color;
  return out;
}

// On every path that ends (every thread done, the final collections run,
// the end checks passed), the live objects are exactly those reachable
// from globals and gc.garbage: the collector freed all the others and
// nothing else. And in every reachable state, each live object's refcount
// equals the references to it from globals, frames, fields and the
// runtime's own holds.
void collector_frees_exactly_the_unreachable(const gen::ScenarioSpec& spec) {
  const model::Program p = testing::load_text(spec.to_life(), "generated.life");
  size_t ends = 0;
  const bool complete = for_each_state(
      p,
      [&](const model::State& state) {
        std::vector<int> refs = model::count_references(p, state);
        for (size_t i = 0; i < state.objects.size(); ++i) {
          const model::Object& o = state.objects[i];
          if (!o.live || o.has(model::kFreed)) continue;
          RC_ASSERT(o.rc == refs[i]);
        }
      },
      [&](const model::State& end) {
        ++ends;
        std::vector<bool> reach = reachable(p, end);
        for (size_t i = 0; i < end.objects.size(); ++i) {
          const model::Object& o = end.objects[i];
          const bool alive = o.live && !o.has(model::kFreed);
          RC_ASSERT(alive == reach[i]);
        }
      });
  RC_PRE(complete);
  RC_PRE(ends > 0u);  // every run may end at a model limit (endless finalizer chains)
}

RC_GTEST_PROP(Meta, CollectorFreesExactlyTheUnreachableAndRefcountsAreConserved, ()) {
  collector_frees_exactly_the_unreachable(*gen::scenario(small()));
}

// Free-threaded: rc = local + shared, plus the merge queues' and the
// worklist's references (F1, F5, F-G2), conserved in every state.
RC_GTEST_PROP(Meta, CollectorAndBiasedRefcountsFreeThreaded, ()) {
  gen::ScenarioSpec spec = *gen::scenario(small());
  spec.profile = *rc::gen::element<std::string>("3.13t", "3.14t");
  collector_frees_exactly_the_unreachable(spec);
}

// The model's progress measure (the breadth-first search keeps only the
// transitions that do not raise it to look for endless runs) never goes
// down, on generated scenarios with broken C types and runtimes, under
// every profile.
void progress_never_decreases(const gen::ScenarioSpec& spec) {
  const model::Program p = testing::load_text(spec.to_life(), "generated.life");
  const model::Model m(p, false);
  std::vector<uint16_t> choices;
  for_each_state(
      p,
      [&](const model::State& state) {
        const uint64_t before = m.progress_measure(state);
        m.enabled(state, choices);
        for (uint16_t c : choices) {
          model::State next = state;
          if (m.step(next, c).ok()) RC_ASSERT(m.progress_measure(next) >= before);
        }
      },
      [](const model::State&) {});
}

RC_GTEST_PROP(Meta, ProgressMeasureNeverDecreases, ()) {
  gen::GenConfig config = small();
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  const std::vector<std::string> bugs = runtime_bugs();
  if (*rc::gen::arbitrary<bool>()) spec.runtime_bugs = {*rc::gen::elementOf(bugs)};
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13.0", "3.13", "3.14.0",
                                                "3.14.4", "3.14", "3.13t", "3.14t");
  progress_never_decreases(spec);
}

// Partial-order reduction's local check on generated scenarios under every
// profile: each private step explored alone commutes with every other
// choice at its state.
RC_GTEST_PROP(Meta, PrivateStepsCommute, ()) {
  gen::GenConfig config = small();
  config.broken_ctypes = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13.0", "3.13", "3.14.0",
                                                "3.14.4", "3.14", "3.13t", "3.14t");
  const model::Program p = testing::load_text(spec.to_life(), "generated.life");
  const model::Model m(p, false);
  size_t reduced = 0;
  std::vector<uint16_t> choices;
  for_each_state(
      p,
      [&](const model::State& state) {
        m.enabled(state, choices);
        if (m.persistent_choice(state, choices)) ++reduced;
        const std::string failed = testing::private_step_commutes(m, state);
        RC_ASSERT(failed == "");
      },
      [](const model::State&) {});
  RC_TAG(reduced ? "some private steps" : "no private step");
}

// Scenarios built for partial-order reduction: threads that mostly work on
// their own objects (locals), now and then publishing one to a global,
// taking one from it, collecting or logging, with finalizers that may
// resurrect into the global. Reduced and full searches agree on the verdict
// and the properties, reduced counterexamples replay, and every private
// step explored alone commutes with the other choices at its state.
std::string local_work_scenario() {
  static const char* const kStatements[] = {
      "a = Node()",
      "b = Node()",
      "a.peer = b",
      "b.peer = a",
      "a.peer = a",
      "a.peer = None",
      "del a",
      "del b",
      "x = a",
      "del x",
      "g = a",
      "a = g",
      "g = None",
      "gc.collect()",
      "log(\"step\")",
      "w = weakref.ref(a, on_gone)",
      "assert a is not b, \"same\"",
      "pass",
      // thread ends (rule S2): weakrefs left to garbage or to a global's
      // object, or dropped before the end
      "w = weakref.ref(b)",
      "del w",
      "n = gc.collect()",
  };
  // The finalizer resurrects into a global, logs, does nothing (quiet
  // helpers: a collection's steps may be explored alone, rule S1) or
  // allocates; the callback does nothing or touches a global.
  static const char* const kFinalizers[] = {
      "        global g\n        g = self\n",
      "        log(\"del\")\n",
      "        pass\n",
      "        global keep\n        keep = Box()\n",
  };
  static const char* const kCallbacks[] = {"    pass\n", "    global g\n    g = None\n"};
  std::string text =
      "g = None\nkeep = None\n\nclass Box:\n    pass\n\n"
      "class Node:\n    def __del__(self):\n";
  text +=
      *rc::gen::elementOf(std::vector<const char*>(std::begin(kFinalizers), std::end(kFinalizers)));
  text += "\ndef on_gone(wr):\n";
  text +=
      *rc::gen::elementOf(std::vector<const char*>(std::begin(kCallbacks), std::end(kCallbacks)));
  const int threads = *rc::gen::inRange(2, 4);
  for (int t = 1; t < threads; ++t) {
    text += "\nthread T" + std::to_string(t) +
            ":\n    global g\n    a = Node()\n    b = Node()\n    x = None\n    w = None\n";
    const int n = *rc::gen::inRange(2, 7);
    for (int k = 0; k < n; ++k)
      text += std::string("    ") +
              *rc::gen::elementOf(
                  std::vector<const char*>(std::begin(kStatements), std::end(kStatements))) +
              "\n";
  }
  return text;
}

RC_GTEST_PROP(Meta, PartialOrderKeepsVerdicts, ()) {
  const std::string profile = *rc::gen::element<std::string>(
      "3.11", "3.12", "3.13.0", "3.13", "3.14.0", "3.14.4", "3.14", "3.13t", "3.14t");
  const std::string text = local_work_scenario();
  Scenario s = Scenario::parse(text, "generated.life", LoadOptions{profile, {}});
  CheckOptions full = bounded();
  full.partial_order = false;
  const CheckResult reduced = check(s, bounded());
  const CheckResult unreduced = check(s, full);
  RC_PRE(reduced.verdict != Verdict::LimitReached && unreduced.verdict != Verdict::LimitReached);
  RC_ASSERT(reduced.verdict == unreduced.verdict);
  RC_ASSERT(reduced.properties == unreduced.properties);
  if (!reduced.violated()) RC_ASSERT(reduced.states <= unreduced.states);
  expect_replays(s, reduced);
  // under the generated profile (the free-threaded ones' rules differ)
  const model::Program p = testing::load_text_under(text, profile.c_str(), "generated.life");
  const model::Model m(p, false);
  for_each_state(
      p,
      [&](const model::State& state) {
        const std::string failed = testing::private_step_commutes(m, state);
        RC_ASSERT(failed == "");
        // persistence, not only one-step commutation (bounded: a few
        // hundred states of the other threads per reduced state)
        const std::string not_persistent = testing::persistent_choice_holds(m, state, 200);
        RC_ASSERT(not_persistent == "");
      },
      [](const model::State&) {});
  RC_TAG(reduced.states < unreduced.states ? "reduced" : "not reduced");
  RC_TAG(reduced.violated() ? "violated" : "holds");
}

// ------------------------------------------------------------ correct code

// Scenarios of Python classes and correctly written C types pass every
// built-in property under every profile, except the guarantees a release
// itself breaks (Profile::release_bugs, e.g. P7.23 before gh-91636).
// `excused(property, profile, result)`: a violation the caller expects of
// correct code besides the release's own bugs.
template <class Excused>
void passes_every_profile(const gen::ScenarioSpec& spec, Excused excused) {
  for (const std::string& profile : profiles()) {
    const Scenario s = Scenario::parse(spec.to_life(), "generated.life", LoadOptions{profile, {}});
    const CheckResult r = check(s, bounded());
    if (r.verdict != Verdict::Violated) continue;
    // A finalizer that re-creates its own object forever is endless code,
    // in CPython as in the model: not correct code.
    RC_PRE(!r.violates("termination"));
    const std::vector<std::string> allowed = release_bugs(profile);
    for (const std::string& id : r.properties) {
      if (std::find(allowed.begin(), allowed.end(), id) != allowed.end()) {
        RC_TAG("release bug " + id + " under " + profile);
        continue;
      }
      if (excused(id, profile, r)) continue;
      RC_FAIL(profile + ": " + r.message + "\n" + r.report);
    }
  }
}

RC_GTEST_PROP(Meta, CorrectTypesPassEveryPropertyUnderEveryProfile, ()) {
  passes_every_profile(*gen::scenario(small()), [](const std::string&, const std::string&,
                                                   const CheckResult&) { return false; });
}

// ------------------------------------------------- the newer statements

// Generated scenarios with try/except/finally, generators (yield in
// try/finally; next, close, death by refcount and in a cycle) and the gc
// builtins (sys.getrefcount, gc.is_tracked, gc.freeze/unfreeze,
// DEBUG_SAVEALL and gc.garbage.clear()).
gen::GenConfig small_language() {
  gen::GenConfig c = small();
  c.language = true;
  return c;
}

// The reductions keep every verdict on them, under a GIL profile and a
// free-threaded one (where two threads resuming one generator race, Y7).
RC_GTEST_PROP(Meta, ReductionsAreSoundWithTheNewerStatements, ()) {
  gen::ScenarioSpec spec = *gen::scenario(small_language());
  spec.profile = *rc::gen::element<std::string>("3.12", "3.13", "3.14", "3.13t", "3.14t");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckResult reduced = searches_agree(s);
  if (!reduced.violated()) RC_ASSERT(reduced.states <= check(s, unreduced_search()).states);
  RC_TAG(reduced.violated() ? "violated" : "holds");
}

// Refcounts are conserved in every state (a suspended generator's frame
// owns its locals) and a run's end frees exactly the unreachable objects.
RC_GTEST_PROP(Meta, CollectorAndRefcountsWithTheNewerStatements, ()) {
  gen::ScenarioSpec spec = *gen::scenario(small_language());
  spec.profile = *rc::gen::element<std::string>("3.13", "3.14", "3.13t");
  collector_frees_exactly_the_unreachable(spec);
}

// Correct code passes every property under every profile, except what the
// release breaks: Profile::release_bugs, and under 3.13t/3.14t two threads
// resuming one generator (gh-120321, Y7), which only such a race reports.
// And a frozen object that becomes garbage is never collected (G7a, what
// gc.freeze is for): quiescence reports it when the scenario freezes.
RC_GTEST_PROP(Meta, CorrectCodeWithTheNewerStatementsPassesEveryProfile, ()) {
  gen::GenConfig config = small_language();
  config.max_ctypes = 0;
  const gen::ScenarioSpec spec = *gen::scenario(config);
  const bool freezes = spec.to_life().find("gc.freeze()") != std::string::npos;
  passes_every_profile(
      spec, [&](const std::string& id, const std::string& profile, const CheckResult& r) {
        if (id == "quiescence" && freezes) {
          RC_TAG("frozen garbage under " + profile);
          return true;
        }
        if (id == "memory-safety" && r.message.find("gen_send_ex2") != std::string::npos) {
          RC_TAG("generator race under " + profile);
          return true;
        }
        return false;
      });
}

// Functions as objects (calls, return values, nonlocal, defaults,
// attributes, closure cycles) and weakref.proxy, among the newer
// statements: the reductions keep every verdict, refcounts are conserved
// and a run's end frees exactly the unreachable objects.
RC_GTEST_PROP(Meta, MetaPropertiesHoldWithFunctionsAndProxies, ()) {
  gen::ScenarioSpec spec = *gen::scenario(small_language());
  const std::string text = spec.to_life();
  const bool functions =
      text.find("= make") != std::string::npos || text.find("= lambda") != std::string::npos;
  const bool proxies = text.find("weakref.proxy(") != std::string::npos;
  RC_PRE(functions || proxies);
  if (functions) RC_TAG("functions");
  if (proxies) RC_TAG("proxies");
  spec.profile = *rc::gen::element<std::string>("3.11", "3.13", "3.14");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckResult reduced = check(s, bounded());
  const CheckResult unreduced = check(s, unreduced_search());
  RC_PRE(reduced.verdict != Verdict::LimitReached && unreduced.verdict != Verdict::LimitReached);
  RC_ASSERT(unreduced.verdict == reduced.verdict);
  RC_ASSERT(unreduced.properties == reduced.properties);
  expect_replays(s, reduced);
  collector_frees_exactly_the_unreachable(spec);
}

// atexit.register(f, arg)/unregister in module code and threads, and the
// `shutdown modules` directive (GenConfig::exits): the reductions keep
// every verdict, counterexamples replay, a depth-first and a fingerprinted
// search agree; refcounts are conserved in every state and a run's end
// frees exactly the unreachable objects.
RC_GTEST_PROP(Meta, MetaPropertiesHoldWithAtexitAndShutdown, ()) {
  gen::GenConfig config = small();
  config.exits = true;
  config.language = *rc::gen::arbitrary<bool>();
  gen::ScenarioSpec spec = *gen::scenario(config);
  const std::string text = spec.to_life();
  const bool registers = text.find("atexit.register(") != std::string::npos;
  RC_PRE(registers || spec.shutdown);
  if (registers) RC_TAG("atexit");
  if (text.find("atexit.unregister(") != std::string::npos) RC_TAG("unregister");
  if (spec.shutdown) RC_TAG("shutdown");
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13", "3.14", "3.13t");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckResult reduced = searches_agree(s);
  RC_TAG(reduced.violated() ? "violated" : "holds");
  collector_frees_exactly_the_unreachable(spec);
}

// ------------------------------------------------------------ while loops

// while loops (GenConfig::loops: a loop draining a list, a `while True`
// left by `break`, a spin-wait on a global that only another thread ends;
// IT7, IT8) among the other statements. The reductions and strategies
// agree (a spin that no thread ends is a run that never ends, whose lasso
// replays), refcounts are conserved and a run's end frees exactly the
// unreachable objects, and the progress measure never goes down (a spin
// waits at its backward check, which the measure counts as one position).
RC_GTEST_PROP(Meta, MetaPropertiesHoldWithWhileLoops, ()) {
  gen::GenConfig config = small();
  config.loops = true;
  config.language = *rc::gen::arbitrary<bool>();
  gen::ScenarioSpec spec = *gen::scenario(config);
  const std::string text = spec.to_life();
  RC_PRE(text.find("while ") != std::string::npos);
  if (text.find("while len(") != std::string::npos) RC_TAG("drain");
  if (text.find("while True:") != std::string::npos) RC_TAG("break");
  if (text.find("is not None:\n        pass") != std::string::npos) RC_TAG("spin");
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckResult reduced = searches_agree(s);
  RC_TAG(reduced.violates("termination") ? "endless" : reduced.violated() ? "violated" : "holds");
  collector_frees_exactly_the_unreachable(spec);
  progress_never_decreases(spec);
}

// A spin-wait on g0 (the module code always makes it an object) put into
// the first thread, and half the time a drop of g0 at the end of the
// second: spins that end and spins that never do, among the generated
// statements, under GIL and free-threaded profiles. The reductions and
// strategies agree (IT8's waiting rule, IT10's fair loops), every
// counterexample replays, and the progress measure never goes down.
RC_GTEST_PROP(Meta, SpinWaitsKeepVerdictsUnderEveryReduction, ()) {
  gen::GenConfig config = small();
  config.loops = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  if (spec.threads.empty()) spec.threads.emplace_back();
  std::vector<gen::Action>& spinner = spec.threads[0];
  const size_t at = *rc::gen::inRange<size_t>(0, spinner.size() + 1);
  spinner.insert(spinner.begin() + static_cast<std::ptrdiff_t>(at), {gen::Op::WhileSpin, 0, 0, 0});
  const bool ended = spec.threads.size() > 1 && *rc::gen::arbitrary<bool>();
  if (ended) spec.threads[1].push_back({gen::Op::Drop, 0, 0, 0});
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.14", "3.13t", "3.14t");
  Scenario s = Scenario::parse(spec.to_life(), "generated.life");
  const CheckResult reduced = searches_agree(s);
  RC_TAG(ended ? "dropped by T2" : "not dropped by T2");
  RC_TAG(reduced.violates("termination") ? "endless" : reduced.violated() ? "violated" : "holds");
  progress_never_decreases(spec);
}

// Correct code with while loops passes every property under every
// profile but what the release breaks (a spin that no thread ends is
// endless code, which passes_every_profile sets aside).
RC_GTEST_PROP(Meta, CorrectCodeWithWhileLoopsPassesEveryProfile, ()) {
  gen::GenConfig config = small();
  config.loops = true;
  config.max_ctypes = 0;
  const gen::ScenarioSpec spec = *gen::scenario(config);
  RC_PRE(spec.to_life().find("while ") != std::string::npos);
  passes_every_profile(
      spec, [](const std::string&, const std::string&, const CheckResult&) { return false; });
}

// ------------------------------------------------------------------ locks

// Generated scenarios with locks (GenConfig::locks: `with` blocks,
// acquire/release pairs, acquire(False) with a branch, acquires and
// releases of their own, in every body; LK1-LK8), half the time made to
// hold a finalizer that takes the lock its thread holds
// (finalizer_takes_held_lock). Under GIL and free-threaded profiles every
// reduction and strategy agrees (a deadlock's schedule replays to it);
// where no run breaks a property, refcounts are conserved in every state
// and a run's end frees exactly the unreachable objects.
RC_GTEST_PROP(Meta, MetaPropertiesHoldWithLocks, ()) {
  gen::GenConfig config = small();
  config.locks = true;
  gen::ScenarioSpec spec = *gen::scenario(config);
  if (*rc::gen::arbitrary<bool>()) {
    testing::finalizer_takes_held_lock(spec);
    RC_TAG("finalizer takes L0");
  }
  const std::string text = spec.to_life();
  bool uses = false;
  for (const char* word : {"with L", ".acquire(", ".release()", ".locked()", " = L"})
    uses = uses || text.find(word) != std::string::npos;
  RC_PRE(uses);
  if (text.find("threading.RLock()") != std::string::npos) RC_TAG("RLock");
  spec.profile = *rc::gen::element<std::string>("3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t");
  const CheckResult reduced =
      every_strategy_agrees(Scenario::parse(spec.to_life(), "generated.life"));
  RC_TAG(reduced.violates("deadlock")             ? "deadlock"
         : reduced.violates("uncaught-exception") ? "uncaught exception"
         : reduced.violated()                     ? "violated"
                                                  : "holds");
  if (!reduced.violated()) collector_frees_exactly_the_unreachable(spec);
}

// ------------------------------------------------------- broken runtimes

// Each runtime mutation is found by the fuzzer (seed 1) within a bounded
// number of runs: the generators reach the states that matter. The runs
// each needed are printed (docs/property-tests.md has the table).
TEST(Meta, FuzzerFindsEveryBrokenRuntime) {
  constexpr int kBound = 8000;
  for (const std::string& bug : runtime_bugs()) {
    gen::FuzzOptions o;
    o.seed = 1;
    o.runs = kBound;
    o.runtime_bugs = {bug};
    gen::FuzzResult r = gen::fuzz(o);
    EXPECT_TRUE(r.found) << bug << ": not found in " << kBound << " runs";
    if (!r.found) continue;
    std::cout << "  " << bug << ": found at run " << r.found_at << " (" << r.property
              << "), shrunk to " << r.minimal.statements() << " statements\n";
    // the minimal scenario still breaks the property, and replays
    EXPECT_TRUE(r.result.violates(r.property)) << bug << "\n" << r.text;
    const Scenario s = Scenario::parse(r.text, "fuzz.life");
    EXPECT_TRUE(replay(s, r.result.replay_token).violates(r.property)) << bug;
  }
}

// The correct runtime: no violation in the same number of runs, and the
// same options give the same result.
TEST(Meta, FuzzerIsQuietOnTheCorrectRuntimeAndDeterministic) {
  gen::FuzzOptions o;
  o.seed = 7;
  o.runs = 300;
  gen::FuzzResult a = gen::fuzz(o);
  EXPECT_FALSE(a.found) << a.text << "\n" << a.result.report;
  EXPECT_EQ(a.runs, 300);
  o.runtime_bugs = {"no-finalized-mark"};
  gen::FuzzResult b = gen::fuzz(o), c = gen::fuzz(o);
  ASSERT_TRUE(b.found);
  EXPECT_EQ(b.text, c.text);
  EXPECT_EQ(b.found_at, c.found_at);
  EXPECT_EQ(b.result.replay_token, c.result.replay_token);
  // shrinking made it smaller, and no single further step shrinks it
  EXPECT_LE(b.minimal.statements(), b.original.statements());
}

}  // namespace
}  // namespace lifecheck
