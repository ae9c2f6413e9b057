// Depth-first search on several workers sharing one visited set (exact or
// fingerprint store, each shard behind its own lock). Every worker runs a
// depth-first search on a stack of its own; a worker that runs out of work
// waits, and while one waits, the others give away half of the unexplored
// choices of the lowest entry of their stack that has any (stack
// splitting), with the entry's state and the path to it.
//
// What it finds does not depend on the workers or their timing:
//   - each reachable state is inserted once, by whichever worker meets it
//     first, and expanded once with the same choices (they are computed on
//     its decoded form), so a complete search counts the same states and
//     transitions as the sequential one;
//   - a violation stops every worker; explore() then looks for the
//     canonical counterexample with the breadth-first search bounded by its
//     depth (Explorer.h), as it does after a sequential depth-first search;
//   - runs that never end: a cycle may run through other workers' stacks,
//     so the stack check of the sequential search would miss it; each
//     worker records the transitions that keep the model's progress measure
//     (all of them without one), and a cycle among them is looked for once
//     the search is complete, as the breadth-first search does (Lasso.h).
// Limits of states and depth, where the search stops depends on timing:
// explore() runs the sequential search for them. The depth reported is
// the deepest path any worker went down, which depends on timing too (the
// report shows it only with --timing). A successor the model computed
// while it chose a state's persistent set (Stepped.h) is taken rather than
// stepped again; the choices given away go without theirs (the receiver
// steps them).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "checker/Dfs.h"
#include "checker/Engine.h"
#include "checker/Hash.h"
#include "checker/Lasso.h"
#include "checker/Limiter.h"
#include "checker/Search.h"

namespace lifecheck::checker {

template <ExplorableModel M, class Store>
class ParallelDfs {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;
  using Result = SearchResult<Choice>;
  static constexpr bool kMeasured = ProgressModel<M>;

  ParallelDfs(const M& model, const SearchOptions& options, Store& store)
      : model_(model),
        options_(options),
        quiet_options_(options),
        store_(store),
        jobs_(std::max(1u, options.jobs)),
        locks_(store.shards()) {
    if (const char* p = cycle_property_of(model)) cycle_property_ = p;
    measured_ = !cycle_property_.empty() && kMeasured && options.use_progress_measure;
    quiet_options_.progress = nullptr;  // one worker reports progress
  }

  Result run() {
    Result r = search();
    Stats total;
    for (const Worker& w : workers_) {
      total.states += w.stats.states;
      total.transitions += w.stats.transitions;
      total.reduced_states += w.stats.reduced_states;
      total.pruned_transitions += w.stats.pruned_transitions;
      total.reduced_keeping += w.stats.reduced_keeping;
      total.max_depth = std::max(total.max_depth, w.stats.max_depth);
    }
    total.depth_from_stack = true;
    total.progress_decreased = decreased_.load();
    total.store_bytes = store_.memory_bytes();
    r.stats = total;
    return r;
  }

 private:
  struct Entry {
    State state;
    std::vector<Choice> choices;
    size_t next = 0;
    Choice via{};
    uint64_t id = 0;
    bool reduced = false;                // its choices were reduced (Stats::reduced_keeping)
    SteppedList<State, Choice> stepped;  // successors the model computed choosing
  };
  // A piece of work: choices still to take from a state already visited.
  struct Work {
    State state;
    std::vector<Choice> path;  // from the initial state
    std::vector<Choice> choices;
    uint64_t id = 0;
    bool reduced = false;
  };
  struct Edge {
    uint64_t from, to;
  };
  struct Worker {
    explicit Worker(const SearchOptions& options) : limiter(options) {}
    std::vector<Entry> stack;
    std::vector<Choice> base;  // the path to stack[0]
    Stats stats;
    Limiter limiter;
    std::string bytes;
    std::vector<uint32_t> cuts;
    std::vector<Edge> edges;
  };

  // Records a state; false when some worker visited it already.
  bool visit(Worker& w, const State& s, uint64_t& id) {
    encode_parts(model_, s, w.bytes, w.cuts);
    const uint64_t h = hash_bytes(w.bytes);
    Inserted in;
    {
      std::lock_guard lock(locks_[store_.shard_of(h)]);
      in = store_.insert(w.bytes, w.cuts, h);
    }
    id = in.id;
    if (in.fresh) ++w.stats.states;
    return in.fresh;
  }

  void canonical(const Worker& w, State& s) const {
    if constexpr (DecodableModel<M>) s = model_.decode(w.bytes);
    (void)w, (void)s;
  }

  bool expand(Worker& w, Entry& e) {
    e.next = 0;
    e.stepped.clear();
    const uint64_t before = w.stats.reduced_states;
    const bool any =
        choices_to_explore(model_, e.state, e.choices, options_.partial_order,
                           w.stats.reduced_states, w.stats.pruned_transitions, &e.stepped);
    e.reduced = w.stats.reduced_states != before;
    return any;
  }

  std::vector<Choice> path_to(const Worker& w, size_t depth, Choice last) const {
    std::vector<Choice> path = w.base;
    for (size_t i = 1; i <= depth; ++i) path.push_back(w.stack[i].via);
    path.push_back(last);
    return path;
  }

  // The first violation or limit met stops every worker; later ones are
  // dropped (explore() makes the counterexample canonical).
  void finish(Result r) {
    {
      std::lock_guard lock(pool_lock_);
      if (!stopped_) {
        stopped_ = true;
        found_ = std::move(r);
      }
    }
    stop_.store(true, std::memory_order_relaxed);
    pool_ready_.notify_all();
  }

  void violated(std::vector<Choice> path, StepResult failure, bool in_step) {
    Result r;
    r.verdict = Verdict::Violated;
    if constexpr (DecodableModel<M>)
      path = concrete_path(model_, path, in_step ? &failure : nullptr);
    r.path = std::move(path);
    r.failure = std::move(failure);
    finish(std::move(r));
  }

  void limited(std::string why) {
    Result r;
    r.verdict = Verdict::LimitReached;
    r.limit = std::move(why);
    finish(std::move(r));
  }

  // Waits for work; false when the search is over (every worker waiting
  // with nothing left to share, or stopped).
  bool take(Work& out) {
    std::unique_lock lock(pool_lock_);
    ++waiting_;
    hungry_.fetch_add(1, std::memory_order_relaxed);
    while (pool_.empty() && !stopped_ && !complete_) {
      if (waiting_ == jobs_) {
        complete_ = true;
        pool_ready_.notify_all();
        break;
      }
      pool_ready_.wait(lock);
    }
    hungry_.fetch_sub(1, std::memory_order_relaxed);
    if (pool_.empty() || stopped_) return false;
    --waiting_;
    out = std::move(pool_.back());
    pool_.pop_back();
    pooled_.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }

  // Gives half of the unexplored choices of the lowest stack entry that has
  // any to a waiting worker.
  void share(Worker& w, size_t top) {
    if (pooled_.load(std::memory_order_relaxed) >= hungry_.load(std::memory_order_relaxed)) return;
    for (size_t i = 0; i <= top; ++i) {
      Entry& e = w.stack[i];
      const size_t left = e.choices.size() - e.next;
      if (left == 0 || (i == top && left < 2)) continue;
      const size_t give = (left + 1) / 2;
      Work work;
      work.state = e.state;
      work.path = w.base;
      for (size_t k = 1; k <= i; ++k) work.path.push_back(w.stack[k].via);
      work.choices.assign(e.choices.end() - static_cast<long>(give), e.choices.end());
      work.id = e.id;
      work.reduced = e.reduced;
      e.choices.resize(e.choices.size() - give);
      {
        std::lock_guard lock(pool_lock_);
        pool_.push_back(std::move(work));
        pooled_.fetch_add(1, std::memory_order_relaxed);
      }
      pool_ready_.notify_one();
      return;
    }
  }

  void edge(Worker& w, uint64_t from, uint64_t to, bool keeps_measure) {
    if (!cycle_property_.empty() && keeps_measure) w.edges.push_back({from, to});
  }

  // One worker's depth-first search from a piece of work.
  void search_from(Worker& w, Work& work) {
    if (w.stack.empty()) w.stack.resize(1);
    Entry& root = w.stack[0];
    root.state = std::move(work.state);
    root.choices = std::move(work.choices);
    root.next = 0;
    root.id = work.id;
    root.reduced = work.reduced;
    root.stepped.clear();  // it held another state's successors
    w.base = std::move(work.path);
    size_t top = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      if (hungry_.load(std::memory_order_relaxed) > 0) share(w, top);
      Entry& e = w.stack[top];
      if (e.next == e.choices.size()) {
        if (top == 0) return;
        --top;
        continue;
      }
      const Choice c = e.choices[e.next++];
      if (w.stack.size() <= top + 1) w.stack.resize(top + 2);
      Entry& child = w.stack[top + 1];
      Entry& parent = w.stack[top];
      uint64_t measure = 0;
      if constexpr (kMeasured)
        if (measured_) measure = model_.progress_measure(parent.state);
      StepResult r = take_or_step(model_, parent.state, c, parent.stepped, child.state);
      ++w.stats.transitions;
      if (parent.reduced && keeps_progress(model_, parent.state, child.state))
        ++w.stats.reduced_keeping;
      if (r.kind == StepResult::Kind::Violation)
        return violated(path_to(w, top, c), std::move(r), true);
      if (r.kind == StepResult::Kind::Limit) return limited(r.message);
      bool keeps = true;
      if constexpr (kMeasured) {
        if (measured_) {
          const uint64_t after = model_.progress_measure(child.state);
          if (after < measure) decreased_.store(true, std::memory_order_relaxed);
          keeps = after <= measure;
        }
      }
      const bool fresh = visit(w, child.state, child.id);
      edge(w, parent.id, child.id, keeps);
      if (!fresh) continue;
      const uint32_t depth = static_cast<uint32_t>(w.base.size() + top + 1);
      w.stats.max_depth = std::max(w.stats.max_depth, depth);
      child.via = c;
      canonical(w, child.state);
      if (!expand(w, child)) {
        StepResult t = model_.terminal(child.state);
        if (t.kind == StepResult::Kind::Violation)
          return violated(path_to(w, top, c), std::move(t), false);
        continue;
      }
      if (std::string why = w.limiter.check(w.stats, top + 1, [&] { return locked_store_bytes(); });
          !why.empty())
        return limited(why);
      ++top;
    }
  }

  uint64_t locked_store_bytes() {
    std::vector<std::unique_lock<std::mutex>> held;
    for (std::mutex& m : locks_) held.emplace_back(m);
    return store_.memory_bytes();
  }

  // A cycle among the recorded transitions (store ids renumbered densely).
  bool has_cycle() {
    std::unordered_map<uint64_t, uint32_t> node;
    std::vector<GraphEdge> graph;
    auto index = [&](uint64_t id) {
      return node.try_emplace(id, static_cast<uint32_t>(node.size())).first->second;
    };
    for (Worker& w : workers_)
      for (const Edge& e : w.edges) graph.push_back({index(e.from), index(e.to)});
    std::sort(graph.begin(), graph.end(), [](const GraphEdge& a, const GraphEdge& b) {
      return a.from != b.from ? a.from < b.from : a.to < b.to;
    });
    return find_cycle(node.size(), graph).has_value();
  }

  Result search() {
    workers_.reserve(jobs_);
    for (unsigned k = 0; k < jobs_; ++k) workers_.emplace_back(k == 0 ? options_ : quiet_options_);
    Worker& first = workers_[0];
    Entry root;
    root.state = model_.initial();
    visit(first, root.state, root.id);
    canonical(first, root.state);
    if (!expand(first, root)) {
      StepResult t = model_.terminal(root.state);
      if (t.kind == StepResult::Kind::Violation) {
        Result r;
        r.verdict = Verdict::Violated;
        r.failure = std::move(t);
        return r;
      }
      return Result{};
    }
    pool_.push_back(
        Work{std::move(root.state), {}, std::move(root.choices), root.id, root.reduced});
    pooled_ = 1;
    std::vector<std::thread> threads;
    for (unsigned k = 0; k < jobs_; ++k)
      threads.emplace_back([this, k] {
        Worker& w = workers_[k];
        Work work;
        while (take(work)) search_from(w, work);
      });
    for (std::thread& t : threads) t.join();
    if (found_) return std::move(*found_);
    if (!cycle_property_.empty() && has_cycle()) {
      // Which cycle is for the canonical search to say (a lasso from the
      // breadth-first search, Explorer.h); the verdict is known here.
      Result r;
      r.verdict = Verdict::Violated;
      r.loop_start = 0;
      r.failure = endless_run(cycle_property_, 0, 0);
      return r;
    }
    return Result{};
  }

  const M& model_;
  const SearchOptions& options_;
  SearchOptions quiet_options_;
  Store& store_;
  const unsigned jobs_;
  std::vector<std::mutex> locks_;  // one per store shard
  std::vector<Worker> workers_;
  std::string cycle_property_;
  bool measured_ = false;
  std::atomic<bool> decreased_{false};

  std::mutex pool_lock_;  // guards pool_, waiting_, stopped_, complete_, found_
  std::condition_variable pool_ready_;
  std::vector<Work> pool_;
  unsigned waiting_ = 0;
  bool stopped_ = false;
  bool complete_ = false;
  std::optional<Result> found_;
  std::atomic<unsigned> hungry_{0};
  std::atomic<unsigned> pooled_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace lifecheck::checker
