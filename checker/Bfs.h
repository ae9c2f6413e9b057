// Level-synchronous breadth-first search, on one worker or several. Each
// level runs in two phases separated by barriers:
//   expand  the workers take the level's states in chunks, compute their
//           successors and look them up in the store (reads only); a
//           successor not stored yet becomes a candidate, sent to the
//           worker that owns its store shard;
//   insert  each worker sorts its candidates, keeps one per distinct state
//           (the one with the smallest key: parent rank, then choice) and
//           inserts it into its own shards.
// Between levels the new states are ranked by key. The ranks, parents and
// the reported counterexample (the smallest key among the violations of the
// first level that has one: a shortest counterexample, then the smallest
// schedule) are therefore the same for any number of workers and any
// timing; so are the counts (the set of states is the reachable set).
//
// A model with decode() has its frontier kept as bytes (and its paths made
// concrete at the end, Engine.h), one worker also some of it as states
// (kConcrete); otherwise as states. Runs that never end
// are found once the graph is complete (or a limit stops the search) from
// the transitions recorded between states (Lasso.h): all of them, or with a
// progress measure (Engine.h) only those that do not raise it, since every
// transition of a cycle keeps it.
#pragma once

#include <algorithm>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/ByteArena.h"
#include "checker/Engine.h"
#include "checker/Fairness.h"
#include "checker/Hash.h"
#include "checker/HugePages.h"
#include "checker/Lasso.h"
#include "checker/LevelSearch.h"
#include "checker/Limiter.h"
#include "checker/Search.h"
#include "checker/Store.h"

namespace lifecheck::checker {

template <ExplorableModel M, class Store>
class Bfs {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;
  using Result = SearchResult<Choice>;
  using Print = typename FootprintOf<M>::type;
  static constexpr bool kBytes = DecodableModel<M>;
  static constexpr bool kMeasured = ProgressModel<M>;
  // A store that gives a state's bytes back from its id: the frontier is
  // then a list of ids (8 bytes a state) rather than of encodings.
  static constexpr bool kRecall =
      kBytes && requires(const Store& s, uint64_t id, std::string& out) {
    s.bytes_of(id, out);
  };
  // A store whose lookups give the parts they found to the later insert.
  // Sleep sets (Engine.h, BfsSleepSets.inc): with a model that gives footprints
  // and a store that gives bytes back (a reopened state is decoded from
  // its id).
  static constexpr bool kSleep = SleepModel<M> && kRecall;
  // One worker without sleep sets, and a model whose states can be put in
  // their canonical form's thread order (reorder_threads): a new state is
  // kept as it was reached, in that order (up to kConcreteMax a level), and
  // expanded as it is rather than decoded from the store. It then has the
  // decoded state's choices in the same order, the same persistent choice,
  // progress measure and terminal verdict and, up to a renaming of
  // objects, the same successors (tests/test_concrete_search.cpp, over the
  // kept states of B1 and of every shipped scenario), so counts, keys and
  // paths stay the same; decoding a state costs about as much as
  // expanding it.
  static constexpr bool kConcrete =
      kBytes && RenamingModel<M> && requires(State & s, const typename RenamingOf<M>::type& r) {
    reorder_threads(s, r);
  };
  static constexpr bool kKnownParts =
      requires(Store & s, std::string_view b, std::span<const uint32_t> c, KnownParts& k) {
    s.lookup(b, c, uint64_t{0}, k);
    s.insert(b, c, uint64_t{0}, k);
  };

  // `depth_bound` (> 0): stop after that many levels even without a
  // verdict (the canonical search after a DFS found a violation that deep).
  Bfs(const M& model, const SearchOptions& options, Store& store, uint32_t depth_bound = 0)
      : model_(model),
        options_(options),
        store_(store),
        limiter_(options),
        jobs_(options.jobs ? options.jobs : 1),
        depth_bound_(depth_bound),
        slice_(options.bfs_slice ? options.bfs_slice : kSlice) {
    if (const char* p = cycle_property_of(model)) cycle_property_ = p;
    cycles_ = !cycle_property_.empty();
    measured_ = cycles_ && kMeasured && options.use_progress_measure;
    if constexpr (kSleep)
      sleep_on_ = options.sleep_sets && options.use_visited_set && model.sleep_sets_sound() &&
                  (!cycles_ || measured_);
    concrete_on_ = kConcrete && jobs_ == 1 && !sleep_on_;
  }

  Result run() {
    Result r = search();
    r.stats = stats_;
    r.stats.progress_decreased = decreased_.load();
    r.stats.store_bytes = store_.memory_bytes();
    return r;
  }

 private:
  static constexpr uint32_t kNoParent = UINT32_MAX;
  static constexpr uint32_t kNoState = UINT32_MAX;
  // States kept a level (a State is ~4 KB: two levels' worth, ~64 MB).
  static constexpr size_t kConcreteMax = size_t{1} << 13;
  // (on huge pages: touching ~40 MB a page at a time was 5 % of B1 T=4)
  using StateVector = std::vector<State, HugePageAllocator<State>>;
  // The order of successors: parent rank, then choice.

  struct Candidate {
    uint64_t key;
    uint64_t hash;
    uint64_t offset;  // in the worker's arena: the encoding, then its cuts
    uint32_t length;
    uint32_t state = 0;  // without decode(): index in the worker's states; kConcrete: in kept_
    uint8_t ncuts = 0;
    uint8_t nknown = 0;           // kKnownParts: the part numbers after the cuts
    bool terminal_fails = false;  // a terminal state that violates a property
    uint64_t id = 0;              // its store id, once inserted
  };
  struct PendingEdge {  // a kept transition to a candidate (its id comes later)
    uint64_t key;
    uint32_t owner;  // the candidate: outbox[owner][index]
    uint32_t index;
  };
  struct Edge {    // a transition kept to look for cycles
    uint64_t key;  // source rank and choice
    uint64_t to;   // target store id
  };
  struct Fresh {  // a new state of the next level
    uint64_t key;
    uint64_t id;
    uint32_t worker;
    uint64_t offset;
    uint32_t length;
    uint32_t state;
  };
  struct Arrival {   // a transition to a stored state or a candidate, with its sleep set
    uint64_t id;     // the stored state's id (when !candidate)
    uint32_t owner;  // the candidate: outbox[owner][index]
    uint32_t index;
    uint32_t begin;  // its sleep set: sleep_pool[begin, begin + count)
    uint32_t count;
    bool candidate;
  };
  struct Found {  // the best violation a worker met in this level
    uint64_t key = UINT64_MAX;
    StepResult failure;
    bool in_step = false;  // the transition failed (not a terminal state)
  };
  struct Worker {
    std::string bytes;
    std::vector<uint32_t> cuts;
    std::vector<Choice> choices, after;
    SteppedList<State, Choice> stepped;          // successors the model computed choosing
    KnownParts known;                            // kKnownParts: what the last lookup found
    std::string tail;                            // a candidate's cuts and known parts, to append
    std::vector<std::vector<Candidate>> outbox;  // by owning worker
    // This level's candidates by hash (open addressing; 0 = empty, else
    // owner << 32 | index, plus 1): a state met again in the level is kept
    // once, with its smallest key.
    std::vector<uint64_t> met;
    size_t met_count = 0;
    std::vector<PendingEdge> pending;
    ByteArena arena;
    std::vector<State> states;  // without decode(): candidate states
    std::vector<Edge> edges;
    std::vector<Fresh> fresh;
    Stats stats;
    Found found;
    std::string limit;
    // sleep sets: the transitions taken with the sleep sets they carry
    std::vector<Arrival> arrivals;
    std::vector<Choice> sleep_pool;
    std::vector<Choice> asleep;
    std::vector<Choice> renamed;  // a carried sleep set, renamed
    typename RenamingOf<M>::type renaming;
    std::vector<State> nexts;
    std::vector<StepResult> results;
    std::vector<Print> prints;
  };

  // The frontier: the states of one level, in rank order.
  struct Level {
    std::string arena;
    std::vector<uint64_t> ends;  // bytes of i: [ends[i-1], ends[i])
    std::vector<uint64_t> ids;   // kRecall: the store ids, in rank order
    StateVector states;          // without decode(): the states; kConcrete: the kept ones
    std::vector<uint32_t> kept;  // kConcrete: per rank, its state in `states` or kNoState
    // a level of reopened states (sleep sets): their ranks and the choices
    // to explore at each
    std::vector<uint64_t> ranks;
    std::vector<std::vector<Choice>> only;
    uint64_t first_rank = 0;
    size_t size() const { return kRecall ? ids.size() : kBytes ? ends.size() : states.size(); }
    void clear() {
      arena.clear();
      ends.clear();
      ids.clear();
      states.clear();
      kept.clear();
      ranks.clear();
      only.clear();
    }
  };

  State state_at(const Level& level, size_t i) const {
    if constexpr (kRecall) {
      thread_local std::string bytes;
      store_.bytes_of(level.ids[i], bytes);
      return model_.decode(bytes);
    } else if constexpr (kBytes) {
      uint64_t begin = i == 0 ? 0 : level.ends[i - 1];
      return model_.decode(std::string_view(level.arena).substr(begin, level.ends[i] - begin));
    } else {
      return level.states[i];
    }
  }

  void stop_with(Worker& w, std::string why) {
    if (w.limit.empty()) w.limit = std::move(why);
    stop_.store(true, std::memory_order_relaxed);
  }

  void expand_one(Worker& w, const Level& level, size_t i) {
    if constexpr (kSleep) {
      if (sleep_on_) {
        expand_sleeping(w, level, i);
        return;
      }
    }
    if constexpr (kConcrete) {
      if (i < level.kept.size() && level.kept[i] != kNoState) {
        expand_state(w, level.first_rank + i, level.states[level.kept[i]]);
        return;
      }
    }
    expand_state(w, level.first_rank + i, state_at(level, i));
  }

  void expand_state(Worker& w, uint64_t rank, const State& s) {
    const uint64_t reduced_before = w.stats.reduced_states;
    w.stepped.clear();
    if (!choices_to_explore(model_, s, w.choices, options_.partial_order, w.stats.reduced_states,
                            w.stats.pruned_transitions, &w.stepped))
      return;  // terminal: checked when it was found
    const bool reduced = w.stats.reduced_states != reduced_before;
    uint64_t measure = 0;
    if constexpr (kMeasured)
      if (measured_) measure = model_.progress_measure(s);
    for (Choice c : w.choices) {
      if constexpr (kConcrete) {
        if (concrete_on_ && kept_.size() < kConcreteMax) {
          // stepped where it would be kept: add_successor() keeps it
          // there when it is new, else it goes. Reserved whole at once:
          // growing by doubling would move every kept state and hold the
          // old buffer beside the new one (pages are touched only as
          // states are kept, so a small search pays nothing for it).
          if (kept_.capacity() == 0) kept_.reserve(kConcreteMax);
          auto* pre = find_stepped(w.stepped, c);
          State& next = pre ? kept_.emplace_back(std::move(pre->after)) : kept_.emplace_back(s);
          StepResult r = pre ? std::move(pre->result) : model_.step(next, c);
          if (reduced && keeps_progress(model_, s, next)) ++w.stats.reduced_keeping;
          kept_new_ = false;
          if (!add_successor(w, key_of(rank, c), next, std::move(r), measure, cycles_, kNoSleep))
            return;
          if (!kept_new_) kept_.pop_back();
          continue;
        }
      }
      // the model may have stepped c already, choosing (Stepped.h)
      auto* pre = find_stepped(w.stepped, c);
      State next = pre ? std::move(pre->after) : s;
      StepResult r = pre ? std::move(pre->result) : model_.step(next, c);
      if (reduced && keeps_progress(model_, s, next)) ++w.stats.reduced_keeping;
      if (!add_successor(w, key_of(rank, c), next, std::move(r), measure, cycles_, kNoSleep))
        return;
    }
  }

  // The transition `key` to `next` (result `r`), from a state of measure
  // `measure`: kept to look for cycles when `edges` allows; `carry` (sleep
  // sets, else kNoSleep): which sleep set it carries (carried_set()),
  // recorded as an arrival where one can change something: at a new state,
  // or at a stored one with an entry (an arrival at a state expanded with
  // an empty sleep set changes nothing). False when the search must stop.
  bool add_successor(Worker& w, uint64_t key, State& next, StepResult r, uint64_t measure,
                     bool edges, size_t carry) {
    const bool sleep = carry != kNoSleep;
    ++w.stats.transitions;
    if (r.kind == StepResult::Kind::Violation) {
      if (key < w.found.key) w.found = Found{key, std::move(r), true};
      return true;
    }
    if (r.kind == StepResult::Kind::Limit) {
      stop_with(w, r.message);
      return false;
    }
    bool edge = edges;
    if constexpr (kMeasured) {
      if (measured_) {
        const uint64_t after = model_.progress_measure(next);
        if (after < measure) decreased_.store(true, std::memory_order_relaxed);
        edge = edge && after <= measure;
      }
    }
    (void)measure;
    if constexpr (RenamingModel<M>) {
      if (sleep || concrete_on_) {
        // with the renaming that carried_set() applies to the sleep set
        model_.encode(next, w.bytes, w.cuts, w.renaming);
      } else {
        encode_parts(model_, next, w.bytes, w.cuts);
      }
    } else {
      encode_parts(model_, next, w.bytes, w.cuts);
    }
    uint64_t h = hash_bytes(w.bytes);
    uint64_t* slot = met_slot(w, h);
    if (*slot != 0) {  // met earlier in this level by this worker
      const uint32_t owner = static_cast<uint32_t>((*slot - 1) >> 32);
      const uint32_t index = static_cast<uint32_t>(*slot - 1);
      Candidate& known = w.outbox[owner][index];
      if (key < known.key) {
        known.key = key;
        if (known.terminal_fails && key < w.found.key)
          w.found = Found{key, model_.terminal(next), false};
      }
      if (edge) w.pending.push_back({key, owner, index});
      if (sleep) arrive(w, 0, owner, index, true, carried_set(w, carry));
      return true;
    }
    std::optional<uint64_t> id;
    if constexpr (kKnownParts)
      id = store_.lookup(w.bytes, w.cuts, h, w.known);
    else
      id = store_.lookup(w.bytes, w.cuts, h);
    if (id) {
      if (edge) w.edges.push_back({key, *id});
      if (sleep && sleep_.find(*id) != sleep_.end())
        arrive(w, *id, 0, 0, false, carried_set(w, carry));
      return true;
    }
    // A new state (perhaps met by another worker too): a terminal one is
    // checked now, where its path is known.
    Candidate cand{key, h, 0, static_cast<uint32_t>(w.bytes.size())};
    model_.enabled(next, w.after);
    if (w.after.empty()) {
      StepResult t = model_.terminal(next);
      cand.terminal_fails = t.kind == StepResult::Kind::Violation;
      if (cand.terminal_fails && key < w.found.key) w.found = Found{key, std::move(t), false};
    }
    cand.ncuts = static_cast<uint8_t>(std::min(w.cuts.size(), ExactStore::kMaxParts - 1));
    // in the arena: the encoding, its cuts, then (kKnownParts) the part
    // numbers the lookup found, as one piece
    w.tail.assign(reinterpret_cast<const char*>(w.cuts.data()), cand.ncuts * sizeof(uint32_t));
    if constexpr (kKnownParts) {
      cand.nknown = w.known.count;
      w.tail.append(reinterpret_cast<const char*>(w.known.number),
                    w.known.count * sizeof(uint32_t));
    }
    cand.offset = w.arena.append(w.bytes, w.tail);
    if constexpr (!kBytes) {
      cand.state = static_cast<uint32_t>(w.states.size());
      w.states.push_back(std::move(next));
    } else if constexpr (kConcrete) {
      cand.state = kNoState;
      if (concrete_on_ && !kept_.empty() && &next == &kept_.back()) {  // (expand_state)
        cand.state = static_cast<uint32_t>(kept_.size() - 1);
        reorder_threads(next, w.renaming);
        kept_new_ = true;
      }
    }
    const uint32_t owner = store_.shard_of(h) % jobs_;
    const uint32_t index = static_cast<uint32_t>(w.outbox[owner].size());
    w.outbox[owner].push_back(cand);
    *slot = (uint64_t{owner} << 32 | index) + 1;
    ++w.met_count;
    if (edge) w.pending.push_back({key, owner, index});
    if (sleep) arrive(w, 0, owner, index, true, carried_set(w, carry));
    return true;
  }

  void arrive(Worker& w, uint64_t id, uint32_t owner, uint32_t index, bool candidate,
              const std::vector<Choice>& sleep) {
    w.arrivals.push_back({id, owner, index, static_cast<uint32_t>(w.sleep_pool.size()),
                          static_cast<uint32_t>(sleep.size()), candidate});
    w.sleep_pool.insert(w.sleep_pool.end(), sleep.begin(), sleep.end());
  }

#include "checker/BfsCycles.inc"     // runs that never end (inside the class)
#include "checker/BfsInsert.inc"     // the insert phase (inside the class)
#include "checker/BfsSleepSets.inc"  // the sleep-set members (inside the class)

  // The slot of `w.met` for the state in `w.bytes` (hash `h`): the one that
  // holds it, or the empty one where it goes.
  uint64_t* met_slot(Worker& w, uint64_t h) {
    if (2 * (w.met_count + 1) > w.met.size()) {
      std::vector<uint64_t> old = std::move(w.met);
      w.met.assign(std::max<size_t>(1024, old.size() * 2), 0);
      for (uint64_t v : old)
        if (v != 0) {
          const Candidate& c = w.outbox[(v - 1) >> 32][static_cast<uint32_t>(v - 1)];
          size_t i = c.hash & (w.met.size() - 1);
          while (w.met[i] != 0) i = (i + 1) & (w.met.size() - 1);
          w.met[i] = v;
        }
    }
    const size_t mask = w.met.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (w.met[i] == 0) return &w.met[i];
      const Candidate& c = w.outbox[(w.met[i] - 1) >> 32][static_cast<uint32_t>(w.met[i] - 1)];
      if (c.hash == h && w.arena.view(c.offset, c.length) == w.bytes) return &w.met[i];
    }
  }

  void expand_phase(unsigned index, const Level& level) {
    Worker& w = workers_[index];
    for (;;) {
      if (stop_.load(std::memory_order_relaxed)) return;
      size_t begin = next_chunk_.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= slice_end_) return;
      size_t end = std::min(slice_end_, begin + kChunk);
      for (size_t i = begin; i < end; ++i) expand_one(w, level, i);
      if (std::string why = check_time(index); !why.empty()) stop_with(w, why);
    }
  }

  std::string check_time(unsigned index) {
    if (index != 0) {
      const Limits& l = options_.limits;
      if (l.stop && l.stop->load(std::memory_order_relaxed)) {
        urgent_.store(true);
        return "interrupted";
      }
      return {};
    }
    Stats s = stats_;
    s.transitions += workers_[0].stats.transitions;
    std::string why =
        limiter_.slow_checks(s, frontier_size_, [&] { return store_.memory_bytes(); });
    if (limiter_.urgent()) urgent_.store(true);
    return why;
  }

  // Runs `phase(index)` on every worker: in this thread, one worker after
  // the other, for one worker or when `threaded` is false. The workers of
  // a phase never wait for each other, so one after the other is one of
  // the orders the threads could take.
  template <class Phase>
  void on_workers(bool threaded, Phase phase) {
    if (jobs_ == 1 || !threaded) {
      for (unsigned w = 0; w < jobs_; ++w) phase(w);
      return;
    }
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < jobs_; ++w) threads.emplace_back([&, w] { phase(w); });
    phase(0u);
    for (std::thread& t : threads) t.join();
  }

  Result violated_at(const Found& f) {
    Result r;
    r.verdict = Verdict::Violated;
    std::vector<Choice> recorded = path_to(rank_of_key(f.key));
    recorded.push_back(choice_of_key<Choice>(f.key));
    if constexpr (kBytes)
      r.path = concrete_path(model_, recorded, f.in_step ? &f.failure : nullptr);
    else
      r.path = std::move(recorded);
    r.failure = f.failure;
    return r;
  }

  std::vector<Choice> path_to(uint64_t rank) const {
    std::vector<Choice> path;
    while (rank != 0) {
      path.push_back(via_[rank]);
      rank = parent_[rank];
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  Result limited(std::string why) {
    if (!urgent_.load())
      if (auto found = lasso()) {
        if (found->verdict != Verdict::LimitReached) return std::move(*found);
        why += "; " + found->limit;
      }
    Result r;
    r.verdict = Verdict::LimitReached;
    r.limit = std::move(why);
    return r;
  }

  Result search() {
    workers_.resize(jobs_);
    for (Worker& w : workers_) w.outbox.resize(jobs_);
    Level level, next;
    State root = model_.initial();
    {
      std::string bytes;
      std::vector<uint32_t> cuts;
      encode_parts(model_, root, bytes, cuts);
      Inserted in = store_.insert(bytes, cuts, hash_bytes(bytes));
      if (cycles_) id_of_rank_.push_back(in.id);
      if constexpr (kRecall) {
        level.ids.push_back(in.id);
      } else if constexpr (kBytes) {
        level.arena = bytes;
        level.ends.push_back(bytes.size());
      } else {
        level.states.push_back(root);
      }
    }
    parent_.push_back(kNoParent);
    via_.push_back(Choice{});
    stats_.states = 1;
    if (auto r = initial_violation(model_)) return std::move(*r);
    uint32_t depth = 0;
    while (level.size() > 0) {
      if (options_.limits.max_depth && depth >= options_.limits.max_depth)
        return limited("depth limit (" + std::to_string(options_.limits.max_depth) + ")");
      if (depth_bound_ && depth >= depth_bound_) return Result{};
      frontier_size_ = level.size();
      // The level is expanded a slice of its states at a time, so that the
      // candidates' encodings held between the two phases stay bounded by
      // the slice, not the level. Keys grow with the parent's rank, so the
      // slices' new states, each slice sorted by key, come in key order.
      Found best;
      std::vector<Fresh> fresh;
      std::vector<Edge> edges;
      next.clear();
      // kConcrete: the states kept for the next level go where the level
      // before this one was (two levels' buffers, not three)
      if (concrete_on_) kept_.swap(next.states);
      next.first_rank = parent_.size();
      const size_t ranks_before = parent_.size();
      // One slice [begin, end) of `lv`; a non-empty string when a limit
      // stopped the search.
      auto run_slice = [&](const Level& lv, size_t begin) -> std::string {
        slice_end_ = std::min(lv.size(), begin + slice_);
        next_chunk_.store(begin);
        // A slice of one chunk is work for one worker: starting and joining
        // threads for it costs more than it does (most levels of most
        // scenarios are that small).
        const bool threaded = slice_end_ - begin > kChunk;
        on_workers(threaded, [&](unsigned w) { expand_phase(w, lv); });
        std::string why;
        for (Worker& w : workers_)
          if (why.empty() && !w.limit.empty()) why = w.limit;
        if (!why.empty()) return why;
        on_workers(threaded, [&](unsigned w) { insert_phase(w); });
        // the slice's results, in an order that does not depend on the workers
        fresh.clear();
        edges.clear();
        for (Worker& w : workers_) {
          stats_.transitions += w.stats.transitions;
          stats_.reduced_states += w.stats.reduced_states;
          stats_.pruned_transitions += w.stats.pruned_transitions;
          stats_.reduced_keeping += w.stats.reduced_keeping;
          w.stats = Stats{};
          if (w.found.key < best.key) best = std::move(w.found);
          w.found = Found{};
          fresh.insert(fresh.end(), w.fresh.begin(), w.fresh.end());
          w.fresh.clear();
          edges.insert(edges.end(), w.edges.begin(), w.edges.end());
          w.edges.clear();
          for (const PendingEdge& e : w.pending)
            edges.push_back({e.key, w.outbox[e.owner][e.index].id});
          w.pending.clear();
        }
        std::sort(fresh.begin(), fresh.end(),
                  [](const Fresh& a, const Fresh& b) { return a.key < b.key; });
        if constexpr (kSleep)
          if (sleep_on_) gather_arrivals(fresh, parent_.size());
        for (const Fresh& f : fresh) {
          parent_.push_back(static_cast<uint32_t>(rank_of_key(f.key)));
          via_.push_back(choice_of_key<Choice>(f.key));
          if (cycles_) id_of_rank_.push_back(f.id);
          if constexpr (kRecall) {
            next.ids.push_back(f.id);
          } else if constexpr (kBytes) {
            next.arena.append(workers_[f.worker].arena.view(f.offset, f.length));
            next.ends.push_back(next.arena.size());
          } else {
            next.states.push_back(std::move(workers_[f.worker].states[f.state]));
          }
          if (concrete_on_) next.kept.push_back(f.state);
        }
        for (Worker& w : workers_) {
          for (auto& box : w.outbox) box.clear();
          std::fill(w.met.begin(), w.met.end(), 0);
          w.met_count = 0;
          w.arena.clear();
          w.states.clear();
        }
        if (cycles_) {
          std::sort(edges.begin(), edges.end(),
                    [](const Edge& a, const Edge& b) { return a.key < b.key; });
          edges_.insert(edges_.end(), edges.begin(), edges.end());
        }
        return {};
      };
      // A limit met inside the level reports the transitions of the levels
      // before it, as the distributed search does (its rounds cut a level
      // elsewhere than these slices).
      const Stats level_start = stats_;
      auto stop_in_level = [&](std::string why) {
        stats_.transitions = level_start.transitions;
        stats_.reduced_states = level_start.reduced_states;
        stats_.pruned_transitions = level_start.pruned_transitions;
        stats_.reduced_keeping = level_start.reduced_keeping;
        return limited(std::move(why));
      };
      for (size_t begin = 0; begin < level.size(); begin += slice_)
        if (std::string why = run_slice(level, begin); !why.empty()) return stop_in_level(why);
      if constexpr (kSleep) {
        if (sleep_on_) {
          // reopen what the level's arrivals ask for, until nothing is left
          for (Level reopened = settle_arrivals(); reopened.size() > 0;
               reopened = settle_arrivals())
            for (size_t begin = 0; begin < reopened.size(); begin += slice_)
              if (std::string why = run_slice(reopened, begin); !why.empty())
                return stop_in_level(why);
          close_level();
        }
      }
      if (concrete_on_) {
        next.states = std::move(kept_);
        kept_ = StateVector();
      }
      ++depth;
      // The state limit holds exactly: the level's first new states in rank
      // order up to it (the same ones for any number of workers).
      uint64_t added = parent_.size() - ranks_before;
      const uint64_t max_states = options_.limits.max_states;
      if (best.key == UINT64_MAX && max_states && stats_.states + added > max_states) {
        added = max_states - stats_.states;
        parent_.resize(ranks_before + added);
        via_.resize(ranks_before + added);
        if (cycles_) id_of_rank_.resize(ranks_before + added);
        if constexpr (kRecall) {
          next.ids.resize(added);
        } else if constexpr (kBytes) {
          next.ends.resize(added);
          next.arena.resize(added ? next.ends.back() : 0);
        } else {
          next.states.resize(added);
        }
        if (concrete_on_) next.kept.resize(added);
      }
      stats_.states += added;
      if (added) stats_.max_depth = depth;
      if (best.key != UINT64_MAX) return violated_at(best);
      if (max_states && stats_.states >= max_states)
        return limited("state limit (" + std::to_string(max_states) + " states)");
      std::swap(level, next);
    }
    // The workers' buffers are not needed for the cycle search: free them
    // before it builds its graph (the peak of memory otherwise).
    std::vector<Worker>().swap(workers_);
    level = {};
    next = {};
    if (auto found = lasso()) return std::move(*found);
    return Result{};
  }

  static constexpr size_t kChunk = 64;
  // Frontier states per slice (see search()).
  static constexpr size_t kSlice = size_t{1} << 17;
  size_t slice_end_ = 0;  // the end of the slice being expanded
  const M& model_;
  const SearchOptions& options_;
  Store& store_;
  Limiter limiter_;
  const unsigned jobs_;
  const uint32_t depth_bound_;
  const size_t slice_;
  std::string cycle_property_;
  bool cycles_ = false;
  bool measured_ = false;               // only transitions keeping the measure
  std::atomic<bool> decreased_{false};  // the model's measure went down
  Stats stats_;
  std::vector<Worker> workers_;
  std::atomic<size_t> next_chunk_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> urgent_{false};  // a time, memory or interrupt stop
  uint64_t frontier_size_ = 0;
  // per rank: the parent's rank and the choice (the recorded path)
  std::vector<uint32_t> parent_;
  std::vector<Choice> via_;
  std::vector<Edge> edges_;           // by key: sorted by source rank
  std::vector<uint64_t> id_of_rank_;  // store ids, when cycles are looked for
  // sleep sets: on for this search; per stored state with a non-empty sleep
  // set (or not expanded yet) its entry; this level's arrivals and new ids
  bool sleep_on_ = false;
  // kConcrete: on for this search; the new states of the level being built
  bool concrete_on_ = false;
  StateVector kept_;
  bool kept_new_ = false;  // add_successor() kept the last of kept_
  std::unordered_map<uint64_t, SleepEntry> sleep_;
  std::vector<Arrival> arrivals_;
  std::vector<Choice> arrival_pool_;
  std::vector<uint64_t> level_fresh_;
};

}  // namespace lifecheck::checker
