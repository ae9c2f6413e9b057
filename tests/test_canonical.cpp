// The canonical encoding and its inverse on every shipped scenario: a
// decoded state re-encodes to the same bytes, and has the same future as
// the state it came from (the same successors, as encodings, and the same
// verdicts), which is what lets parallel and distributed searches move
// states as bytes. Also: malformed bytes are refused, never trusted.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "Orbits.h"
#include "TestSupport.h"
#include "model/Canonical.h"
#include "model/Machine.h"

namespace lifecheck::testing {

// (Orbits.h) Found without symmetry, every representative is met.
std::string orbit_encodings_differ(const model::Program& p, size_t max_states) {
  const model::Model plain(p, false), sym(p, true);
  const model::ThreadSymmetry symmetry = model::thread_symmetry(p);
  std::string why, bytes, other;
  size_t states = 0;
  for_each_state(plain, max_states, [&](const model::State& s) {
    ++states;
    if (!why.empty()) return;
    sym.encode(s, bytes);
    for (const std::vector<model::ThreadId>& members : symmetry.classes) {
      std::vector<size_t> perm(members.size());
      std::iota(perm.begin(), perm.end(), size_t{0});
      while (std::next_permutation(perm.begin(), perm.end())) {
        std::vector<model::ThreadId> positions(s.threads.size());
        std::iota(positions.begin(), positions.end(), model::ThreadId{0});
        for (size_t k = 0; k < members.size(); ++k) positions[members[k]] = members[perm[k]];
        model::State t = s;
        model::reorder_threads(t, positions, &symmetry);
        sym.encode(t, other);
        if (other != bytes) {
          why = "concrete state " + std::to_string(states) +
                ": two orders of its threads encode differently";
          return;
        }
      }
    }
  });
  return why;
}

size_t orbit_count(const model::Program& p, size_t max_states, size_t* concrete) {
  const model::Model plain(p, false), sym(p, true);
  std::unordered_set<std::string> orbits;
  std::string bytes;
  size_t states = 0;
  for_each_state(plain, max_states, [&](const model::State& s) {
    ++states;
    sym.encode(s, bytes);
    orbits.insert(bytes);
  });
  if (concrete) *concrete = states;
  return orbits.size();
}

namespace {

// What a transition leads to: the successor's encoding, or the kind of
// failure and the properties it names (messages name objects by serial,
// which decoding renumbers).
std::vector<std::string> futures(const model::Model& m, const model::State& s) {
  std::vector<std::string> out;
  std::vector<model::Model::Choice> choices;
  m.enabled(s, choices);
  if (choices.empty()) {
    model::State t = s;
    checker::StepResult r = m.terminal(t);
    std::string f = "terminal " + std::to_string(static_cast<int>(r.kind));
    for (const std::string& p : r.properties) f += " " + p;
    out.push_back(f);
  }
  for (model::Model::Choice c : choices) {
    model::State t = s;
    checker::StepResult r = m.step(t, c);
    if (r.ok()) {
      std::string bytes;
      m.encode(t, bytes);
      out.push_back(bytes);
    } else {
      std::string f = "failed " + std::to_string(static_cast<int>(r.kind));
      for (const std::string& p : r.properties) f += " " + p;
      out.push_back(f);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Canonical : public ::testing::TestWithParam<std::string> {};

TEST_P(Canonical, DecodedStatesReencodeAndHaveTheSameFuture) {
  model::Program p = load_file(GetParam());
  for (bool symmetry : {true, false}) {
    model::Model m(p, symmetry);
    std::string bytes, again;
    for_each_state(m, 1500, [&](const model::State& s) {
      m.encode(s, bytes);
      model::State d = model::decode_state(p, bytes);
      m.encode(d, again);
      ASSERT_EQ(again, bytes) << GetParam() << ": a decoded state re-encodes differently";
      ASSERT_EQ(futures(m, s), futures(m, d))
          << GetParam() << ": a decoded state has another future (symmetry " << symmetry << ")";
    });
  }
}

// The same on B1, every state: a collection's frame that kept the number
// of an object it was done with (free, or held elsewhere), and a returned
// function's frame that kept the function's number while releasing its
// locals, told apart states with the same future (symmetric threads under
// 3.13t: 144 of B1 T=2's successors), so that a search over concrete
// states and one over decoded states counted differently.
TEST(CanonicalDecoding, ConcreteAndDecodedStatesHaveTheSameFutureOnB1) {
  for (const char* profile : {"3.14", "3.13t"}) {
    const model::Program p = load_text_under(b1(2), profile);
    for (bool symmetry : {true, false}) {
      model::Model m(p, symmetry);
      std::string bytes, x, y;
      std::vector<uint32_t> cuts;
      model::Model::Renaming renaming;
      std::vector<model::Model::Choice> choices;
      size_t states = 0;
      // choice by choice: the decoded state's thread renaming[t] stands for
      // thread t (a comparison of the sets of successors can pair them
      // wrongly and miss a difference)
      auto same_successors = [&](const model::State& s) {
        ++states;
        m.encode(s, bytes, cuts, renaming);
        const model::State d = model::decode_state(p, bytes);
        m.enabled(s, choices);
        for (model::Model::Choice c : choices) {
          model::State a = s, b = d;
          const bool ok = m.step(a, c).ok();
          ASSERT_EQ(ok, m.step(b, model::Model::rename_choice(c, renaming)).ok()) << profile;
          if (!ok) continue;
          m.encode(a, x);
          m.encode(b, y);
          ASSERT_EQ(x, y) << profile << ": a decoded state has another successor (symmetry "
                          << symmetry << ")";
        }
      };
      // breadth-first over concrete states, as a search that expanded the
      // states it reached instead of decoding them would (the depth-first
      // for_each_state happens to reach other representatives, on which
      // the difference below did not show)
      std::deque<model::State> queue{m.initial()};
      m.encode(queue.front(), x);
      std::unordered_set<std::string> seen{x};
      std::vector<model::Model::Choice> first;
      while (!queue.empty() && !HasFatalFailure()) {
        const model::State s = std::move(queue.front());
        queue.pop_front();
        same_successors(s);
        m.enabled(s, first);
        for (model::Model::Choice c : first) {
          model::State t = s;
          if (!m.step(t, c).ok()) continue;
          m.encode(t, x);
          if (seen.insert(x).second) queue.push_back(std::move(t));
        }
      }
      EXPECT_GT(states, 100u) << profile;
    }
  }
}

// The monitors' reachability (a bitset walk) against the same relation
// computed with Boost.Graph, on every state met.
TEST_P(Canonical, ReachabilityAgreesWithBoostGraph) {
  model::Program p = load_file(GetParam());
  model::Model m(p);
  for_each_state(m, 1500, [&](const model::State& s) {
    for (bool threads : {true, false}) {
      model::ObjSet fast = model::reachable_from_roots(p, s, threads);
      std::vector<bool> graph = model::reachable_from_roots_graph(p, s, threads);
      for (size_t o = 0; o < s.objects.size(); ++o)
        ASSERT_EQ(fast[o], static_cast<bool>(graph[o])) << GetParam() << ": object slot " << o;
    }
  });
}

// The model's progress measure never goes down along a transition: the
// breadth-first search keeps only the transitions that do not raise it to
// look for runs that never end (a decrease would make it search again).
TEST_P(Canonical, ProgressMeasureNeverDecreases) {
  model::Program p = load_file(GetParam());
  model::Model m(p);
  std::vector<model::Model::Choice> choices;
  for_each_state(m, 1500, [&](const model::State& s) {
    const uint64_t before = m.progress_measure(s);
    m.enabled(s, choices);
    for (model::Model::Choice c : choices) {
      model::State t = s;
      if (!m.step(t, c).ok()) continue;
      ASSERT_GE(m.progress_measure(t), before) << GetParam() << ": thread " << (c & 0xFF);
    }
  });
}

// Partial-order reduction: wherever the model explores one thread's
// private step alone, that step commutes with every other choice there.
TEST_P(Canonical, PrivateStepsCommute) {
  model::Program p = load_file(GetParam());
  model::Model m(p);
  for_each_state(m, 1500, [&](const model::State& s) {
    const std::string failed = testing::private_step_commutes(m, s);
    ASSERT_EQ(failed, "") << GetParam();
  });
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param.substr(info.param.find('/') + 1);
  n = n.substr(0, n.size() - 5);
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shipped, Canonical, ::testing::ValuesIn(scenario_files()), test_name);

TEST(CanonicalDecoding, RefusesMalformedBytes) {
  model::Program p = load_file("scenarios/basics/cycle2-del.life");
  model::Model m(p);
  std::string bytes;
  m.encode(m.initial(), bytes);
  // every truncation, and every single-byte change, either decodes to a
  // state that re-encodes to exactly those bytes or is refused
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(model::decode_state(p, bytes.substr(0, n)), model::BadEncoding) << n;
  EXPECT_THROW(model::decode_state(p, bytes + '\0'), model::BadEncoding);
  for (size_t i = 0; i < bytes.size(); ++i)
    for (int b : {0x00, 0x01, 0x0F, 0x7F, 0x80, 0xFF}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(b);
      try {
        model::State d = model::decode_state(p, bad);
        std::string again;
        m.encode(d, again);
        (void)again;  // decodable: it is some state; nothing to trust further
      } catch (const model::BadEncoding&) {
      }
    }
}

// The fields issue 12 added to the state survive a round trip: container
// items (Object::items), the bodies' operand stacks (Thread::stack) and the
// specialized list.append sites (State::warm); each is met in some state.
TEST(CanonicalDecoding, ItemsStacksAndWarmSitesRoundTrip) {
  bool items = false, stack = false, warm = false;
  for (const char* file : {"scenarios/containers/methods.life",
                           "scenarios/conformance/list-append-specializes.life"}) {
    model::Program p = load_file(file);
    model::Model m(p);
    std::string bytes;
    for_each_state(m, 1500, [&](const model::State& s) {
      m.encode(s, bytes);
      model::State d = model::decode_state(p, bytes);
      auto item_kinds = [](const model::State& st) {
        std::vector<int> k;
        for (const model::Object& o : st.objects)
          if (o.live)
            for (model::Value v : o.items)
              if (v.kind() != model::ValueKind::Unset) k.push_back(static_cast<int>(v.kind()));
        std::sort(k.begin(), k.end());
        return k;
      };
      ASSERT_EQ(item_kinds(d), item_kinds(s)) << file;
      ASSERT_EQ(d.threads.size(), s.threads.size());
      for (size_t t = 0; t < s.threads.size(); ++t)
        ASSERT_EQ(d.threads[t].stack.size(), s.threads[t].stack.size()) << file;
      ASSERT_TRUE(d.warm == s.warm) << file;
      items = items || !item_kinds(s).empty();
      for (const model::Thread& th : s.threads) stack = stack || !th.stack.empty();
      for (uint8_t w : s.warm) warm = warm || w != 0;
    });
  }
  EXPECT_TRUE(items);
  EXPECT_TRUE(stack);
  EXPECT_TRUE(warm);
}

// Identical threads that own resources (affinity): the encoding must be
// the same for every order of threads that do the same thing, or a decoded
// state has successors no concrete state has (found by the counterexample
// of resource-affinity under symmetry failing to replay).
TEST(CanonicalSymmetry, IdenticalThreadsOwningResources) {
  std::string thread_body =
      "    h = Handle(None)\n    n = Node()\n    n.h = h\n    h.peer = n\n"
      "    del h\n    del n\n    gc.collect()\n";
  model::Program p = load_text(
      "ctype Handle:\n    flags: gc, heaptype\n    fields: peer\n    resource: affinity\n"
      "    dealloc: untrack; release_resource; clear peer; free; decref_type\n\n"
      "class Node:\n    pass\n\nthread T1:\n" +
      thread_body + "\nthread T2:\n" + thread_body + "\nthread T3:\n" + thread_body);
  model::Model m(p, true);
  ASSERT_TRUE(m.uses_symmetry());
  std::string bytes;
  size_t states = 0;
  for_each_state(m, 20000, [&](const model::State& s) {
    ++states;
    m.encode(s, bytes);
    model::State d = model::decode_state(p, bytes);
    ASSERT_EQ(futures(m, s), futures(m, d)) << "state " << states;
  });
  EXPECT_GT(states, 100u);
}

// Every shipped scenario with symmetric threads (one test: most have none).
TEST(CanonicalSymmetry, ShippedOrbitsEncodeAlike) {
  size_t symmetric = 0;
  for (const std::string& file : scenario_files()) {
    const model::Program p = load_file(file);
    if (!model::Model(p).uses_symmetry()) continue;
    ++symmetric;
    EXPECT_EQ(orbit_encodings_differ(p, 1500), "") << file;
  }
  EXPECT_GT(symmetric, 0u);
}

// Two identical threads, each dropping an object whose __del__ raises and
// collecting: one thread's exception name stayed behind once it was
// reported (Thread::exc with has_exc false), which the encoding leaves out
// but the thread order compared, so that threads encoding alike tied
// without their owned objects telling them apart, and symmetric states got
// two encodings. The search over concrete states (one worker) then
// counted 392 states, the one over decoded states (two workers, sleep
// sets, depth first) 387: now every search counts the orbits of the
// concrete states, 381 under 3.14t.
TEST(CanonicalSymmetry, StaleExceptionNameDoesNotOrderThreads) {
  const std::string body = "    global g0\n    g0 = C0()\n    gc.collect()\n";
  const std::string text =
      "class C0:\n    def __del__(self):\n        raise ValueError\n\n"
      "g0 = None\ng0 = C0()\n\nthread T1:\n" +
      body + "\nthread T2:\n" + body;
  for (const char* profile : {"3.14t", "3.13t", "3.14"}) {
    const model::Program p = load_text_under(text, profile);
    ASSERT_TRUE(model::Model(p).uses_symmetry());
    EXPECT_EQ(orbit_encodings_differ(p, 100000), "") << profile;
    // the orbits: the canonical encodings of every concrete state
    size_t concrete = 0;
    const size_t orbits = orbit_count(p, 100000, &concrete);
    EXPECT_GT(concrete, orbits) << profile;
    for (bool dfs : {false, true})
      for (unsigned jobs : {1u, 2u})
        for (bool sleep : {false, true}) {
          if (dfs && sleep) continue;
          checker::SearchOptions o;
          o.order = dfs ? checker::SearchOrder::DepthFirst : checker::SearchOrder::BreadthFirst;
          o.partial_order = false;
          o.sleep_sets = sleep;
          o.jobs = jobs;
          const auto r = check(p, o, true);
          EXPECT_EQ(r.stats.states, orbits) << profile << (dfs ? " depth first" : " breadth first")
                                            << ", jobs " << jobs << (sleep ? ", sleep sets" : "");
        }
  }
}

// One object related to two identical threads in two roles: T1 owns it
// (ob_tid) and T2 holds its critical section's lock. Swapping the threads
// gives a state of the same orbit, which must encode alike. The threads
// were ordered by the smallest name of what they own, which tied them
// (the same name) while the encoding wrote both positions.
TEST(CanonicalSymmetry, OwnerAndLockHolderOfOneObjectAreOrdered) {
  const model::Program p =
      load_text_under("g0 = []\n\nthread T1:\n    x = 1\n\nthread T2:\n    x = 1\n", "3.14t");
  const model::Model m(p, true);
  ASSERT_TRUE(m.uses_symmetry());
  std::optional<model::State> found;
  for_each_state(model::Model(p, false), 1000, [&](const model::State& s) {
    // both threads started, neither has run
    if (found || !s.globals[0].is_obj() || s.threads[1].status != model::ThreadStatus::Running ||
        s.threads[2].status != model::ThreadStatus::Running || s.threads[1].frames.size() != 1 ||
        s.threads[2].frames.size() != 1 || s.threads[1].frames[0].pc != 0 ||
        s.threads[2].frames[0].pc != 0)
      return;
    found = s;
  });
  ASSERT_TRUE(found.has_value());
  model::State a = *found, b = *found;
  const model::ObjId x = a.globals[0].obj();
  ASSERT_TRUE(a.objects[x].tracked());
  a.objects[x].owner = 1;
  a.objects[x].locked_by = 2;
  b.objects[x].owner = 2;
  b.objects[x].locked_by = 1;
  std::string ea, eb;
  m.encode(a, ea);
  m.encode(b, eb);
  EXPECT_EQ(ea, eb);
}

// B1's identical threads, under the GIL and free-threaded.
TEST(CanonicalSymmetry, B1OrbitsEncodeAlike) {
  for (const char* profile : {"3.14", "3.13t", "3.14t"})
    EXPECT_EQ(orbit_encodings_differ(load_text_under(b1(2), profile), 20000), "") << profile;
}

// Scenarios two reviews found (tests/canonical-reviews/*.life, each
// saying what it showed): states of one orbit that encoded differently (a
// tie of threads kept in their order when a later one held an untracked
// object, leaked objects named by their slots or by a shallow key, a dead
// borrowed reference, a freed callback weakref or a freed locked item
// named by what lived in its slot later), and threads taken as
// interchangeable that are not (their calls' keyword names, their
// specializing class call sites, their exception tables), so that a
// search over concrete states and one over decoded states counted, or
// even judged, differently. Every search now counts as the breadth-first
// one on one worker, and gives the verdict of the search without
// symmetry.
std::vector<std::string> canonical_review_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source_path("tests/canonical-reviews")))
    if (e.path().extension() == ".life") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class CanonicalReviews : public ::testing::TestWithParam<std::string> {};

TEST_P(CanonicalReviews, EverySearchCountsAndJudgesAlike) {
  const model::Program p = load_file("tests/canonical-reviews/" + GetParam());
  EXPECT_EQ(orbit_encodings_differ(p, 20000), "");
  checker::SearchOptions o;
  o.order = checker::SearchOrder::BreadthFirst;
  const auto without = check(p, o, false);
  // With symmetry a search counts the orbits of the states found without
  // it: a transition that treats interchangeable threads unalike (by their
  // number, say) loses the orbits only its other orders reach.
  if (without.verdict == checker::Verdict::Holds && model::Model(p).uses_symmetry()) {
    o.partial_order = false;
    o.jobs = 1;
    EXPECT_EQ(check(p, o, true).stats.states, orbit_count(p, 200000))
        << "the orbits of the concrete states";
  }
  for (bool por : {false, true}) {
    o.partial_order = por;
    o.order = checker::SearchOrder::BreadthFirst;
    o.jobs = 1;
    o.sleep_sets = false;
    const auto first = check(p, o, true);
    EXPECT_EQ(first.verdict, without.verdict) << "partial order " << por;
    EXPECT_EQ(first.failure.properties, without.failure.properties);
    for (bool dfs : {false, true})
      for (unsigned jobs : {1u, 2u})
        for (bool sleep : {false, true}) {
          if (dfs && sleep) continue;
          o.order = dfs ? checker::SearchOrder::DepthFirst : checker::SearchOrder::BreadthFirst;
          o.jobs = jobs;
          o.sleep_sets = sleep;
          const auto r = check(p, o, true);
          const std::string what = std::string(dfs ? "depth first" : "breadth first") + ", jobs " +
                                   std::to_string(jobs) + (sleep ? ", sleep sets" : "") +
                                   (por ? ", partial order" : "");
          EXPECT_EQ(r.verdict, first.verdict) << what;
          EXPECT_EQ(r.failure.properties, first.failure.properties) << what;
          // (sleep sets with the persistent sets keep the terminal states
          // and violations, not every state: docs/engine.md)
          if (first.verdict == checker::Verdict::Holds && !(sleep && por)) {
            EXPECT_EQ(r.stats.states, first.stats.states) << what;
          }
        }
  }
}

INSTANTIATE_TEST_SUITE_P(Reviews, CanonicalReviews, ::testing::ValuesIn(canonical_review_files()),
                         test_name);

// gc.set_debug(gc.DEBUG_SAVEALL) (GcState::debug_saveall) and the objects
// it keeps in gc.garbage survive a round trip; both are met in some state.
TEST(CanonicalDecoding, SaveAllFlagAndGarbageRoundTrip) {
  model::Program p = load_file("scenarios/gc-module/saveall.life");
  model::Model m(p);
  std::string bytes;
  bool saveall = false, garbage = false;
  for_each_state(m, 1500, [&](const model::State& s) {
    m.encode(s, bytes);
    model::State d = model::decode_state(p, bytes);
    ASSERT_EQ(d.gc.debug_saveall, s.gc.debug_saveall);
    ASSERT_EQ(d.gc.garbage.size(), s.gc.garbage.size());
    std::string again;
    m.encode(d, again);
    ASSERT_EQ(again, bytes);
    saveall = saveall || s.gc.debug_saveall;
    garbage = garbage || !s.gc.garbage.empty();
  });
  EXPECT_TRUE(saveall);
  EXPECT_TRUE(garbage);
}

// The permanent generation of gc.freeze() (kPermanent) survives a round
// trip with its order.
TEST(CanonicalDecoding, PermanentGenerationRoundTrips) {
  model::Program p = load_file("scenarios/gc-module/freeze.life");
  model::Model m(p);
  std::string bytes;
  bool frozen = false;
  for_each_state(m, 1500, [&](const model::State& s) {
    m.encode(s, bytes);
    model::State d = model::decode_state(p, bytes);
    ASSERT_EQ(d.gc.lists[model::kPermanent].size, s.gc.lists[model::kPermanent].size);
    std::string again;
    m.encode(d, again);
    ASSERT_EQ(again, bytes);
    frozen = frozen || s.gc.lists[model::kPermanent].size != 0;
  });
  EXPECT_TRUE(frozen);
}

// A class's __del__ set and deleted at run time (State::class_del) survives
// a round trip, and two states that differ only there encode differently.
TEST(CanonicalDecoding, RuntimeClassDelRoundTrips) {
  model::Program p = load_file("scenarios/class-del/set-at-run-time.life");
  model::Model m(p);
  std::string bytes;
  std::vector<std::string> seen_with_del;
  for_each_state(m, 1500, [&](const model::State& s) {
    m.encode(s, bytes);
    model::State d = model::decode_state(p, bytes);
    ASSERT_EQ(std::vector<model::FuncId>(d.class_del.begin(), d.class_del.end()),
              std::vector<model::FuncId>(s.class_del.begin(), s.class_del.end()));
    std::string again;
    m.encode(d, again);
    ASSERT_EQ(again, bytes);
    if (!s.class_del.empty()) {
      model::State other = s;
      other.class_del[p.types.size() - 1] = model::kNoFunc;
      std::string changed;
      m.encode(other, changed);
      if (other.class_del[p.types.size() - 1] != s.class_del[p.types.size() - 1])
        seen_with_del.push_back(changed == bytes ? "same" : "different");
    }
  });
  ASSERT_FALSE(seen_with_del.empty());
  for (const std::string& v : seen_with_del) EXPECT_EQ(v, "different");
}

}  // namespace
}  // namespace lifecheck::testing
