// Distributed breadth-first search over MPI ranks (mpirun -np N ...), for
// state spaces larger than one machine's memory. The same level-synchronous
// search as Bfs.h, with the store split by owner instead of by shard:
//   - a state belongs to rank owner_of(hash of its canonical bytes) (the
//     hash salted, so that each rank's own table still sees well-spread
//     hashes), which alone keeps it in its store (exact or fingerprint);
//   - each level runs in rounds: every rank expands up to kBatch states of
//     its frontier and sends each successor (bytes, key, hash, part ends)
//     to its owner in one batch per destination (MPI_Alltoallv); the owner
//     inserts what it receives, keeping per distinct new state the smallest
//     key (parent rank, choice), as Bfs's insert phase does;
//   - one reduction per round combines the limits, so that a time, memory or
//     state limit stops every rank; one per level gives the best violation
//     and termination (no rank has a frontier left);
//   - the level's new keys are gathered on every rank (8 B a new state), so
//     that every rank gives its new states the rank they have in Bfs: the
//     counts, the counterexample (the smallest key among the violations of
//     the first level that has one) and the depth are those of the
//     single-process search;
//   - parent links (rank -> key) stay with the owning rank; a path is rebuilt
//     by one reduction per step, then made concrete (Engine.h).
// Runs that never end (cycle_property): each owner keeps the transitions it
// received as (key, target rank) -- with a progress measure (Engine.h) only
// those that do not raise it, as Bfs does, since every transition of a
// cycle keeps it (the sender flags them) -- and after the search they are
// gathered on rank 0 (16 B a transition), which runs the cycle search of
// Lasso.h over the same edge list as Bfs and sends the cycle to every rank;
// every rank then walks round it, asking the owners for the ranks of
// successors. A measure that goes down on some transition (a model bug) is
// reported in Stats::progress_decreased, for the caller to search again
// keeping every transition, as explore() does.
// A successor the model computed while it chose a state's persistent set
// (Stepped.h) is taken rather than stepped again, as Bfs does.
// Every rank computes the same result, so callers may go on in lock-step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/Engine.h"
#include "checker/Fairness.h"
#include "checker/Hash.h"
#include "checker/Lasso.h"
#include "checker/LevelSearch.h"
#include "checker/Limiter.h"
#include "checker/MpiComm.h"
#include "checker/Search.h"
#include "checker/Store.h"

namespace lifecheck::checker {

// What a rank did, for the figures of the run (DistributedFigures.h).
struct RankFigures {
  uint64_t states = 0;       // states it owns
  uint64_t expanded = 0;     // transitions it computed
  uint64_t messages = 0;     // batches sent to other ranks
  uint64_t bytes_sent = 0;   // bytes of those batches
  uint64_t store_bytes = 0;  // its visited set
  uint64_t peak_rss = 0;
  uint64_t edges = 0;  // transitions it keeps for the cycle check
};

template <DecodableModel M, class Store>
class DistributedBfs {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;
  using Result = SearchResult<Choice>;
  static constexpr bool kMeasured = ProgressModel<M>;

  DistributedBfs(const M& model, const SearchOptions& options, Store& store, const MpiComm& comm)
      : model_(model),
        options_(options),
        store_(store),
        comm_(comm),
        limiter_(options),
        me_(static_cast<unsigned>(comm.rank())),
        nranks_(static_cast<unsigned>(comm.size())) {
    if (const char* p = cycle_property_of(model)) cycle_property_ = p;
    cycles_ = !cycle_property_.empty();
    measured_ = cycles_ && kMeasured && options.use_progress_measure;
  }

  Result run() {
    Result r = search();
    r.stats = stats_;
    r.stats.transitions = comm_.sum(figures_.expanded);
    r.stats.reduced_states = comm_.sum(reduced_);
    r.stats.pruned_transitions = comm_.sum(pruned_);
    r.stats.reduced_keeping = comm_.sum(reduced_keeping_);
    r.stats.progress_decreased = comm_.max(decreased_ ? 1 : 0) != 0;
    figures_.states = owned_ranks_.size();
    figures_.edges = edges_.size();
    figures_.store_bytes = store_.memory_bytes();
    r.stats.store_bytes = comm_.sum(figures_.store_bytes);
    return r;
  }

  const RankFigures& figures() const { return figures_; }

  // The salted owner of a hash: a rank's own table then sees all of its
  // hash bits vary (Store.h shards by the top bits).
  static unsigned owner_of(uint64_t hash, unsigned nranks) {
    return static_cast<unsigned>(mix64(hash ^ 0x5bd1e9955bd1e995ull) % nranks);
  }

 private:
  static constexpr uint64_t kNone = UINT64_MAX;
  static constexpr size_t kBatch = 4096;  // states expanded per rank and round
  // What a successor's sender tells its owner, besides its bytes.
  static constexpr uint8_t kBadEnd = 1;  // a terminal state that breaks a property
  static constexpr uint8_t kEdge = 2;    // a transition kept for the cycle check

  struct Level {  // this rank's part of a level, in rank order
    std::string arena;
    std::vector<uint64_t> ends;
    size_t size() const { return ends.size(); }
    std::string_view at(size_t i) const {
      uint64_t begin = i == 0 ? 0 : ends[i - 1];
      return std::string_view(arena).substr(begin, ends[i] - begin);
    }
  };
  struct Fresh {  // a state new in this level, owned here
    uint64_t key;
    uint64_t id;
    uint64_t offset;  // in fresh_arena_
    uint32_t length;
  };

  template <class T>
  static void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <class T>
  static T take(std::string_view in, size_t& at) {
    T v;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
  }

  void note_limit(std::string why, bool urgent) {
    if (limit_.empty()) limit_ = std::move(why);
    urgent_ = urgent_ || urgent;
  }

  // Successors of one state, into the outboxes of their owners.
  void expand(std::string_view bytes, uint64_t rank) {
    State s = model_.decode(bytes);
    model_.enabled(s, choices_);
    if (choices_.empty()) return;  // terminal: checked when it was found
    const size_t all = choices_.size();
    stepped_.clear();
    const bool reduced = reduce_choices(model_, s, choices_, options_.partial_order, &stepped_);
    if (reduced) {
      ++reduced_;
      pruned_ += all - choices_.size();
    }
    uint64_t measure = 0;
    if constexpr (kMeasured)
      if (measured_) measure = model_.progress_measure(s);
    for (Choice c : choices_) {
      const uint64_t key = key_of(rank, c);
      // the model may have stepped c from s already, choosing
      auto* pre = find_stepped(stepped_, c);
      State next = pre ? std::move(pre->after) : s;
      StepResult r = pre ? std::move(pre->result) : model_.step(next, c);
      ++figures_.expanded;
      if (reduced && keeps_progress(model_, s, next)) ++reduced_keeping_;
      if (r.kind == StepResult::Kind::Violation) {
        best_key_ = std::min(best_key_, key);
        continue;
      }
      if (r.kind == StepResult::Kind::Limit) {
        note_limit(r.message, false);
        return;
      }
      uint8_t flags = cycles_ ? kEdge : 0;
      if constexpr (kMeasured) {
        if (measured_) {
          const uint64_t after = model_.progress_measure(next);
          if (after < measure) decreased_ = true;
          if (after > measure) flags = 0;
        }
      }
      encode_parts(model_, next, bytes_, cuts_);
      const uint64_t h = hash_bytes(bytes_);
      // A terminal state that breaks a property counts only where the
      // state is new (the owner knows): the sender flags it.
      model_.enabled(next, after_);
      if (after_.empty() && model_.terminal(next).kind == StepResult::Kind::Violation)
        flags |= kBadEnd;
      std::string& out = outbox_[owner_of(h, nranks_)];
      const auto ncuts = static_cast<uint8_t>(std::min(cuts_.size(), ExactStore::kMaxParts - 1));
      put(out, key);
      put(out, h);
      put(out, flags);
      put(out, ncuts);
      for (size_t k = 0; k < ncuts; ++k) put(out, cuts_[k]);
      put(out, static_cast<uint32_t>(bytes_.size()));
      out += bytes_;
    }
  }

  // What the other ranks (and this one) sent: inserted into the store.
  void receive(std::string_view in) {
    size_t at = 0;
    uint32_t cuts[ExactStore::kMaxParts - 1];
    while (at < in.size()) {
      const auto key = take<uint64_t>(in, at);
      const auto h = take<uint64_t>(in, at);
      const auto flags = take<uint8_t>(in, at);
      const auto ncuts = take<uint8_t>(in, at);
      for (size_t k = 0; k < ncuts; ++k) cuts[k] = take<uint32_t>(in, at);
      const auto length = take<uint32_t>(in, at);
      std::string_view b = in.substr(at, length);
      at += length;
      Inserted ins = store_.insert(b, std::span<const uint32_t>(cuts, ncuts), h);
      bool new_here = ins.fresh;  // new in this level
      if (ins.fresh) {
        fresh_index_.emplace(ins.id, fresh_.size());
        fresh_.push_back({key, ins.id, fresh_arena_.size(), length});
        fresh_arena_ += b;
      } else if (auto it = fresh_index_.find(ins.id); it != fresh_index_.end()) {
        new_here = true;
        Fresh& f = fresh_[it->second];
        if (key < f.key) f.key = key;
      }
      if ((flags & kBadEnd) && new_here) best_key_ = std::min(best_key_, key);
      if (flags & kEdge) level_edges_.push_back({key, ins.id});
    }
  }

  // One round: expand, exchange, insert; true while a limit stops no rank.
  bool round(const Level& level, size_t& next, uint64_t global_states) {
    const size_t end = std::min(level.size(), next + kBatch);
    if (limit_.empty())
      for (; next < end && limit_.empty(); ++next) expand(level.at(next), level_ranks_[next]);
    if (limit_.empty()) {
      Stats s = stats_;
      s.states = global_states;
      std::string why = limiter_.slow_checks(s, level.size() - next, [&] { return 0; });
      if (!why.empty()) note_limit(why, limiter_.urgent());
    }
    for (unsigned r = 0; r < nranks_; ++r)
      if (r != me_ && !outbox_[r].empty()) ++figures_.messages;
    figures_.bytes_sent += comm_.exchange(outbox_, inbox_);
    for (std::string& o : outbox_) o.clear();
    for (const std::string& in : inbox_) receive(in);
    std::vector<uint64_t> flags{limit_.empty() ? 0u : 1u, urgent_ ? 1u : 0u};
    comm_.max(flags);
    if (flags[0] == 0) return true;
    // the reason of the lowest rank that has one
    const uint64_t who = comm_.min(limit_.empty() ? kNone : me_);
    comm_.broadcast(limit_, static_cast<int>(who));
    urgent_ = flags[1] != 0;
    return false;
  }

  // The key that reached `rank` (its owner answers).
  uint64_t parent_key(uint64_t rank) const {
    auto it = std::lower_bound(owned_ranks_.begin(), owned_ranks_.end(), rank);
    uint64_t mine = it != owned_ranks_.end() && *it == rank
                        ? owned_keys_[static_cast<size_t>(it - owned_ranks_.begin())]
                        : kNone;
    return comm_.min(mine);
  }

  std::vector<Choice> path_to(uint64_t rank) const {
    std::vector<Choice> path;
    while (rank != 0) {
      uint64_t key = parent_key(rank);
      path.push_back(choice_of_key<Choice>(key));
      rank = rank_of_key(key);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  // The rank of an encoded state (its owner answers), or kNone.
  uint64_t rank_of(const std::string& bytes, const std::vector<uint32_t>& cuts) const {
    const uint64_t h = hash_bytes(bytes);
    uint64_t mine = kNone;
    if (owner_of(h, nranks_) == me_)
      if (auto id = store_.lookup(bytes, cuts, h))
        if (auto it = rank_of_id_.find(*id); it != rank_of_id_.end()) mine = it->second;
    return comm_.min(mine);
  }

  // The violation with key `key`: its path, its failure recomputed by
  // running the path over decoded states as the search did.
  Result violated_at(uint64_t key) const {
    std::vector<Choice> recorded = path_to(rank_of_key(key));
    recorded.push_back(choice_of_key<Choice>(key));
    std::string bytes;
    model_.encode(model_.initial(), bytes);
    State s = model_.decode(bytes);
    for (size_t k = 0; k + 1 < recorded.size(); ++k) {
      model_.step(s, recorded[k]);
      model_.encode(s, bytes);
      s = model_.decode(bytes);
    }
    Result r;
    r.verdict = Verdict::Violated;
    StepResult last = model_.step(s, recorded.back());
    const bool in_step = last.kind == StepResult::Kind::Violation;
    r.failure = in_step ? std::move(last) : model_.terminal(s);
    r.path = concrete_path(model_, recorded, in_step ? &r.failure : nullptr);
    return r;
  }

  Result limited(std::string why) {
    if (!urgent_)
      if (auto found = lasso()) {
        if (found->verdict != Verdict::LimitReached) return std::move(*found);
        why += "; " + found->limit;
      }
    Result r;
    r.verdict = Verdict::LimitReached;
    r.limit = std::move(why);
    return r;
  }

  // A cycle among the transitions recorded so far: a run that never ends.
  // The gathered transitions (key, target rank, ...) as a graph over ranks,
  // sorted by source; `all` is released.
  std::vector<GraphEdge> graph_of(std::vector<uint64_t>& all) const {
    std::vector<std::pair<uint64_t, uint64_t>> pairs(all.size() / 2);
    for (size_t i = 0; i < pairs.size(); ++i) pairs[i] = {all[2 * i], all[2 * i + 1]};
    std::vector<uint64_t>().swap(all);
    std::sort(pairs.begin(), pairs.end());
    std::vector<GraphEdge> graph(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i)
      graph[i] = GraphEdge{static_cast<uint32_t>(rank_of_key(pairs[i].first)),
                           static_cast<uint32_t>(pairs[i].second)};
    return graph;
  }

  std::optional<Result> lasso() {
    if (!cycles_) return std::nullopt;
    std::vector<uint64_t> mine;
    mine.reserve(edges_.size() * 2);
    for (auto [key, to] : edges_) {
      mine.push_back(key);
      mine.push_back(to);
    }
    std::vector<uint64_t> all = comm_.gather(mine, 0);
    std::vector<uint64_t>().swap(mine);
    std::vector<uint64_t> cycle;  // entry, then the target ranks round it
    if constexpr (FairModel<M>) return fair_lasso(all);
    if (me_ == 0) {
      const std::vector<GraphEdge> graph = graph_of(all);
      if (auto c = find_cycle(stats_.states, graph)) {
        cycle.push_back(c->entry);
        for (size_t e : c->edges) cycle.push_back(graph[e].to);
      }
    }
    comm_.broadcast(cycle, 0);
    if (cycle.empty()) return std::nullopt;
    stats_.kept_cycle = true;
    std::vector<Choice> path = concrete_path(model_, path_to(cycle[0]), nullptr);
    return lasso_around(
        model_, std::move(path), std::vector<uint64_t>(cycle.begin() + 1, cycle.end()),
        cycle_property_,
        [&](const std::string& b, const std::vector<uint32_t>& c) { return rank_of(b, c); });
  }

  // The time, memory and interrupt limits, every 256 concrete states the
  // fairness check expands. Every rank runs the same check, so each asks
  // at the same points; they stop together, with the lowest rank's reason.
  std::string fairness_limit(uint64_t expanded) {
    if (expanded % 256 != 0) return {};
    std::string why = limiter_.slow_checks(stats_, 0, [&] { return 0; });
    const uint64_t who = comm_.min(why.empty() ? kNone : me_);
    if (who == kNone) return {};
    comm_.broadcast(why, static_cast<int>(who));
    return why;
  }

  // As lasso(), only the cycles a fair scheduler can take (Fairness.h):
  // rank 0 finds the graph's cyclic components (nodes are ranks) and sends
  // them to every rank; every rank then runs the same check, whose lookups
  // (rank_of) it makes together.
  std::optional<Result> fair_lasso(std::vector<uint64_t>& all) {
    std::vector<uint64_t> flat;  // per component: its size, then its ranks
    if (me_ == 0) {
      const std::vector<GraphEdge> graph = graph_of(all);
      for (const std::vector<uint32_t>& c : cyclic_components(stats_.states, graph)) {
        flat.push_back(c.size());
        flat.insert(flat.end(), c.begin(), c.end());
      }
    }
    comm_.broadcast(flat, 0);
    stats_.kept_cycle = stats_.kept_cycle || !flat.empty();
    std::vector<std::vector<uint32_t>> components;
    for (size_t i = 0; i < flat.size(); i += 1 + flat[i])
      components.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(i + 1),
                              flat.begin() + static_cast<std::ptrdiff_t>(i + 1 + flat[i]));
    return first_fair_lasso(
        model_, components,
        [&](uint32_t node) { return concrete_path(model_, path_to(node), nullptr); },
        [&](const std::string& b, const std::vector<uint32_t>& c) -> std::optional<uint32_t> {
          const uint64_t rank = rank_of(b, c);
          if (rank == kNone) return std::nullopt;
          return static_cast<uint32_t>(rank);
        },
        cycle_property_, [&](uint64_t expanded) { return fairness_limit(expanded); });
  }

  // The level's new states get their ranks; the next frontier is filled.
  // Returns how many states of the level count (all, or those under the
  // state limit).
  uint64_t rank_level(Level& next, bool violation) {
    std::sort(fresh_.begin(), fresh_.end(),
              [](const Fresh& a, const Fresh& b) { return a.key < b.key; });
    std::vector<uint64_t> keys(fresh_.size());
    for (size_t i = 0; i < fresh_.size(); ++i) keys[i] = fresh_[i].key;
    std::vector<uint64_t> everyone = comm_.all_gather(keys);
    std::sort(everyone.begin(), everyone.end());
    const uint64_t max_states = options_.limits.max_states;
    uint64_t counted = everyone.size();
    if (!violation && max_states && stats_.states + counted > max_states)
      counted = max_states - stats_.states;
    next.arena.clear();
    next.ends.clear();
    next_ranks_.clear();
    for (const Fresh& f : fresh_) {
      auto pos = static_cast<uint64_t>(std::lower_bound(everyone.begin(), everyone.end(), f.key) -
                                       everyone.begin());
      if (pos >= counted) break;  // past the state limit
      const uint64_t rank = stats_.states + pos;
      owned_ranks_.push_back(rank);
      owned_keys_.push_back(f.key);
      if (cycles_) rank_of_id_.emplace(f.id, static_cast<uint32_t>(rank));
      next.arena.append(fresh_arena_, f.offset, f.length);
      next.ends.push_back(next.arena.size());
      next_ranks_.push_back(rank);
    }
    if (cycles_) {
      for (auto [key, id] : level_edges_)
        if (auto it = rank_of_id_.find(id); it != rank_of_id_.end())
          edges_.push_back({key, it->second});
    }
    fresh_.clear();
    fresh_index_.clear();
    fresh_arena_.clear();
    level_edges_.clear();
    return counted;
  }

  Result search() {
    outbox_.assign(nranks_, {});
    Level level, next;
    State root = model_.initial();
    {
      std::string bytes;
      std::vector<uint32_t> cuts;
      encode_parts(model_, root, bytes, cuts);
      const uint64_t h = hash_bytes(bytes);
      if (owner_of(h, nranks_) == me_) {
        Inserted in = store_.insert(bytes, cuts, h);
        if (cycles_) rank_of_id_.emplace(in.id, 0);
        owned_ranks_.push_back(0);
        owned_keys_.push_back(kNone);
        level.arena = bytes;
        level.ends.push_back(bytes.size());
        level_ranks_.push_back(0);
      }
    }
    stats_.states = 1;
    if (auto r = initial_violation(model_)) return std::move(*r);
    uint32_t depth = 0;
    while (comm_.sum(level.size()) > 0) {
      if (options_.limits.max_depth && depth >= options_.limits.max_depth)
        return limited("depth limit (" + std::to_string(options_.limits.max_depth) + ")");
      size_t at = 0;
      bool more = true;
      // A limit met inside the level reports the transitions of the levels
      // before it, as one process does (Bfs.h).
      const uint64_t expanded = figures_.expanded, reduced = reduced_, pruned = pruned_,
                     keeping = reduced_keeping_;
      while (more) {
        if (!round(level, at, stats_.states)) {
          figures_.expanded = expanded;
          reduced_ = reduced;
          pruned_ = pruned;
          reduced_keeping_ = keeping;
          return limited(limit_);
        }
        more = comm_.max(at < level.size() ? 1 : 0) != 0;
      }
      ++depth;
      const uint64_t best = comm_.min(best_key_);
      const uint64_t counted = rank_level(next, best != kNone);
      stats_.states += counted;
      if (counted > 0) stats_.max_depth = depth;
      if (best != kNone) return violated_at(best);
      const uint64_t max_states = options_.limits.max_states;
      if (max_states && stats_.states >= max_states)
        return limited("state limit (" + std::to_string(max_states) + " states)");
      std::swap(level, next);
      std::swap(level_ranks_, next_ranks_);
    }
    if (auto found = lasso()) return std::move(*found);
    return Result{};
  }

  const M& model_;
  const SearchOptions& options_;
  Store& store_;
  const MpiComm& comm_;
  Limiter limiter_;
  const unsigned me_, nranks_;
  std::string cycle_property_;
  bool cycles_ = false;
  bool measured_ = false;   // cycles looked for among the measure-keeping transitions
  bool decreased_ = false;  // the measure went down on a transition expanded here
  Stats stats_;             // global: states and depth
  RankFigures figures_;
  uint64_t reduced_ = 0, pruned_ = 0, reduced_keeping_ = 0;
  std::string limit_;
  bool urgent_ = false;
  uint64_t best_key_ = kNone;
  // scratch
  std::string bytes_;
  std::vector<uint32_t> cuts_;
  std::vector<Choice> choices_, after_;
  SteppedList<State, Choice> stepped_;  // successors the model computed choosing
  std::vector<std::string> outbox_, inbox_;
  // this level
  std::vector<Fresh> fresh_;
  std::unordered_map<uint64_t, size_t> fresh_index_;
  std::string fresh_arena_;
  std::vector<std::pair<uint64_t, uint64_t>> level_edges_;  // key, store id
  std::vector<uint64_t> level_ranks_, next_ranks_;          // ranks of the frontier
  // parent links of the states this rank owns, by rank
  std::vector<uint64_t> owned_ranks_, owned_keys_;
  // runs that never end: ids -> ranks, and the edges received (key, rank)
  std::unordered_map<uint64_t, uint32_t> rank_of_id_;
  std::vector<std::pair<uint64_t, uint64_t>> edges_;
};

// The distributed search with a store per rank of the kind `options` asks
// for (exact or fingerprint), searched again keeping every transition for
// the cycle check when the model's progress measure went down, as
// explore() does. `figures`: this rank's, from the last search.
template <DecodableModel M>
SearchResult<typename M::Choice> distributed_explore(const M& model, const SearchOptions& options,
                                                     const MpiComm& comm, RankFigures& figures) {
  auto once = [&](const SearchOptions& o) {
    if (o.store == StoreKind::Fingerprint) {
      FingerprintStore store(1);
      DistributedBfs<M, FingerprintStore> search(model, o, store, comm);
      SearchResult<typename M::Choice> r = search.run();
      figures = search.figures();
      const double n = static_cast<double>(comm.sum(store.size()));
      const double m = static_cast<double>(r.stats.transitions);
      r.stats.omission_optimistic = n * std::max(0.0, m - n) / std::ldexp(1.0, 64);
      r.stats.omission_bound = n * n / std::ldexp(1.0, 65);
      return r;
    }
    ExactStore store(1);
    DistributedBfs<M, ExactStore> search(model, o, store, comm);
    SearchResult<typename M::Choice> r = search.run();
    figures = search.figures();
    return r;
  };
  SearchResult<typename M::Choice> r = once(options);
  if (r.stats.progress_decreased) {
    SearchOptions all_edges = options;
    all_edges.use_progress_measure = false;
    all_edges.partial_order = false;  // its cycle proviso rests on the measure too
    r = once(all_edges);
    r.stats.progress_decreased = true;
    return r;
  }
  // a reduced graph with a cycle: searched again without the reduction, as
  // explore() does (detail::por_restart_needed, Explorer.h); every rank
  // has the same figures, so all restart together
  if (!options.partial_order || r.stats.reduced_keeping == 0 ||
      (!r.stats.kept_cycle && !r.loop_start))
    return r;
  SearchOptions full = options;
  full.partial_order = false;
  r = once(full);
  r.stats.por_restarted = true;
  return r;
}

}  // namespace lifecheck::checker
