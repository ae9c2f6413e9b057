// explore(): the one entry point of the engine. It picks the back end and
// the store the options ask for (Dfs.h, Bfs.h, Store.h) and makes the
// result independent of how it was found:
//   - every counterexample is the canonical one: a shortest run to a
//     violation, then the smallest schedule (a breadth-first search bounded
//     by the depth where the first search found one); a run that never
//     ends is the shallowest loop, then the shortest way round it (with a
//     model's fairness, Fairness.h: the first fair part of the shallowest
//     component that has one, then a fair way round);
//   - every counterexample is replayed on concrete states before it is
//     reported (one that does not replay becomes a limit);
//   - with partial-order reduction, states are expanded in their decoded
//     (canonical) form, so the reduced graph is the same for every search.
// So verdicts, counts and counterexamples are the same for both orders and
// any number of jobs (the depth reported is the order's own: levels, or the
// deepest stack); only a search stopped by a limit reports how far it got,
// which depends on the order.
#pragma once

#include <chrono>
#include <cmath>

#include "checker/Bfs.h"
#include "checker/Dfs.h"
#include "checker/Engine.h"
#include "checker/ParallelDfs.h"
#include "checker/Search.h"
#include "checker/Store.h"

namespace lifecheck::checker {

// Depth-first search on several workers: with a visited set (exact or
// fingerprint) and no limit whose stopping point must not depend on
// timing (states, depth); the bitstate store stays sequential (swarm
// search is its parallel form).
inline bool parallel_depth_first(const SearchOptions& options) {
  return options.jobs > 1 && options.order == SearchOrder::DepthFirst && options.use_visited_set &&
         options.store != StoreKind::Bitstate && !options.limits.max_states &&
         !options.limits.max_depth;
}

namespace detail {

template <ExplorableModel M, class Store>
SearchResult<typename M::Choice> with_store(const M& model, const SearchOptions& options,
                                            Store& store, uint32_t depth_bound = 0) {
  const bool breadth = options.order == SearchOrder::BreadthFirst || depth_bound > 0;
  if (breadth && options.use_visited_set && !std::is_same_v<Store, BitstateStore>)
    return Bfs<M, Store>(model, options, store, depth_bound).run();
  if constexpr (!std::is_same_v<Store, BitstateStore>)
    if (parallel_depth_first(options)) return ParallelDfs<M, Store>(model, options, store).run();
  return Dfs<M, Store>(model, options, store).run();
}

template <ExplorableModel M>
SearchResult<typename M::Choice> with_kind_once(const M& model, const SearchOptions& options,
                                                uint32_t depth_bound) {
  const bool parallel = options.jobs > 1 && (options.order == SearchOrder::BreadthFirst ||
                                             parallel_depth_first(options));
  const unsigned shards = parallel ? options.jobs * 8 : 1;
  switch (options.store) {
    case StoreKind::Fingerprint: {
      FingerprintStore store(shards);
      auto r = with_store(model, options, store, depth_bound);
      double n = static_cast<double>(store.size());
      double m = static_cast<double>(r.stats.transitions);
      r.stats.omission_optimistic = n * std::max(0.0, m - n) / std::ldexp(1.0, 64);
      r.stats.omission_bound = n * n / std::ldexp(1.0, 65);
      return r;
    }
    case StoreKind::Bitstate: {
      BitstateStore store(options.bitstate_log2_bits, options.bitstate_hashes);
      auto r = with_store(model, options, store, depth_bound);
      r.stats.bitstate_false_positive = store.false_positive_rate();
      r.stats.hash_factor =
          store.size() ? static_cast<double>(store.bits()) / static_cast<double>(store.size()) : 0;
      return r;
    }
    case StoreKind::Exact:
      break;
  }
  ExactStore store(shards);
  return with_store(model, options, store, depth_bound);
}

// A model whose progress measure went down (a bug in the model) is searched
// again with every transition kept for the cycle check, so its verdict
// does not rest on the measure.
//
// Partial-order reduction whose explored-alone transitions may keep the
// measure (Stats::reduced_keeping) is sound only on a reduced graph without
// cycles (then the full graph has none either, and persistent sets keep
// every violation and terminal state with no proviso): where the reduced
// graph has a cycle among the transitions kept for the cycle check (fair
// or not, Stats::kept_cycle) or the search closed a loop, it is searched
// again without the reduction, the search every verdict then rests on.
template <ExplorableModel M>
bool por_restart_needed(const SearchResult<typename M::Choice>& r, const SearchOptions& options) {
  return options.partial_order && r.stats.reduced_keeping > 0 &&
         (r.stats.kept_cycle || r.loop_start.has_value());
}

template <ExplorableModel M>
SearchResult<typename M::Choice> with_kind(const M& model, const SearchOptions& options,
                                           uint32_t depth_bound = 0) {
  auto r = with_kind_once(model, options, depth_bound);
  if (r.stats.progress_decreased) {
    SearchOptions all_edges = options;
    all_edges.use_progress_measure = false;
    // the persistent sets' cycle proviso rests on the measure too
    all_edges.partial_order = false;
    r = with_kind_once(model, all_edges, depth_bound);
    r.stats.progress_decreased = true;
    return r;
  }
  if (!por_restart_needed<M>(r, options)) return r;
  SearchOptions full = options;
  full.partial_order = false;
  r = with_kind_once(model, full, depth_bound);
  r.stats.por_restarted = true;
  return r;
}

// Runs `result.path` from the initial state: true when it ends as `result`
// says (the same violation, or back in the state after `loop_start`
// steps). A violation it meets is put in `result.failure` as the concrete
// run meets it: a search over decoded states names objects as decoding
// numbered them, the concrete run as the program does (the report and
// `replay` show those).
template <ExplorableModel M>
bool replay_concretely(const M& model, SearchResult<typename M::Choice>& result) {
  typename M::State s = model.initial();
  std::string at_loop, bytes;
  for (size_t k = 0; k < result.path.size(); ++k) {
    if (result.loop_start && *result.loop_start == k) model.encode(s, at_loop);
    StepResult r = model.step(s, result.path[k]);
    if (r.ok()) continue;
    if (result.loop_start || k + 1 != result.path.size() ||
        r.properties != result.failure.properties)
      return false;
    result.failure = std::move(r);
    return true;
  }
  if (result.loop_start) {
    if (*result.loop_start == result.path.size()) return true;
    model.encode(s, bytes);
    return bytes == at_loop;
  }
  std::vector<typename M::Choice> choices;
  model.enabled(s, choices);
  if (!choices.empty()) return false;
  StepResult t = model.terminal(s);
  if (t.properties != result.failure.properties) return false;
  result.failure = std::move(t);
  return true;
}

// A counterexample is reported only when it replays; `result` becomes a
// limit otherwise. With a store that can merge distinct states
// (fingerprint, bitstate) that can happen; with the exact store only
// through a fault in the model's decoding or symmetry (two workers once
// reported counterexamples that threads taken as interchangeable, but
// not, made up: tests/canonical-reviews), which must not pass as a
// verdict.
template <ExplorableModel M>
void validate_counterexample(const M& model, SearchResult<typename M::Choice>& result,
                             StoreKind store) {
  if (replay_concretely(model, result)) return;
  result.verdict = Verdict::LimitReached;
  result.limit = store == StoreKind::Exact
                     ? "a counterexample that does not replay on concrete states (a fault in "
                       "the model's decoding or thread symmetry; please report it): run again "
                       "with --no-symmetry --jobs 1"
                     : "a counterexample that does not replay (two states merged by the " +
                           std::string(store_name(store)) + " store): run again with --store exact";
  result.path.clear();
}

}  // namespace detail

template <ExplorableModel M>
SearchResult<typename M::Choice> explore(const M& model, SearchOptions options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.jobs == 0) options.jobs = 1;
  auto result = detail::with_kind(model, options);
  // A tree search closes a loop where a state repeats on its path; one that
  // a fair scheduler would not take (Fairness.h) is left to a search over
  // the graph, which finds a fair loop wherever there is one.
  if constexpr (FairModel<M>)
    if (!options.use_visited_set && result.loop_start &&
        !loop_is_fair(model, result.path, *result.loop_start)) {
      SearchOptions graph = options;
      graph.use_visited_set = true;
      graph.order = SearchOrder::BreadthFirst;
      graph.store = StoreKind::Exact;
      graph.progress = nullptr;
      result = detail::with_kind(model, graph);
    }
  // Canonical counterexample (see above). A tree search is left as it is:
  // it exists to be compared with.
  if (result.verdict == Verdict::Violated && options.use_visited_set) {
    const bool was_breadth =
        options.order == SearchOrder::BreadthFirst && options.store != StoreKind::Bitstate;
    if (!was_breadth) {
      SearchOptions canonical = options;
      canonical.order = SearchOrder::BreadthFirst;  // for a loop too (no depth bound)
      canonical.store =
          options.store == StoreKind::Bitstate ? StoreKind::Fingerprint : options.store;
      canonical.progress = nullptr;
      uint32_t bound = result.loop_start ? 0 : static_cast<uint32_t>(result.path.size());
      auto c = detail::with_kind(model, canonical, bound);
      // A loop the first search closed may be one no fair scheduler takes
      // (Fairness.h): the complete breadth-first search then has the
      // verdict. A fair one stands if that search stops at a limit.
      bool unfair_loop = false;
      if constexpr (FairModel<M>)
        unfair_loop = result.loop_start && !loop_is_fair(model, result.path, *result.loop_start);
      if (c.verdict == Verdict::Violated || (result.loop_start && c.verdict == Verdict::Holds) ||
          unfair_loop)
        result = std::move(c);
    }
    if (result.verdict == Verdict::Violated)
      detail::validate_counterexample(model, result, options.store);
  }
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.stats.peak_rss_bytes = peak_rss_bytes();
  return result;
}

}  // namespace lifecheck::checker
