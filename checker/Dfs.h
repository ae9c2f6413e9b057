// Sequential depth-first search with a visited set (any store), or a plain
// tree search without one (for comparisons). The stack's entries are kept
// and reused, so a transition copies its parent state into an existing
// entry and allocates nothing. A transition back into a state on the stack
// is a cycle: a run that never ends, when the model says that is a
// violation. With a model that decodes, each new state is expanded in its
// decoded form, as the breadth-first search does, so both explore the same
// states whatever representative of a state each meets first; paths are
// made concrete before they are returned. A successor the model computed
// while it chose the state's persistent set (Stepped.h) is taken rather
// than stepped again. Not thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/Engine.h"
#include "checker/IdSet.h"
#include "checker/Lasso.h"
#include "checker/Limiter.h"
#include "checker/Search.h"

namespace lifecheck::checker {

template <ExplorableModel M, class Store>
class Dfs {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;
  using Result = SearchResult<Choice>;

  Dfs(const M& model, const SearchOptions& options, Store& store)
      : model_(model), options_(options), store_(store), limiter_(options) {
    if (const char* p = cycle_property_of(model)) cycle_property_ = p;
  }

  Result run() {
    Result r = search();
    r.stats = stats_;
    r.stats.depth_from_stack = true;
    r.stats.store_bytes = store_.memory_bytes();
    return r;
  }

 private:
  struct Entry {
    State state;
    std::vector<Choice> choices;
    size_t next = 0;
    Choice via{};
    uint64_t id = 0;
    std::string key;                     // tree search looking for cycles: the encoding
    bool reduced = false;                // its choices were reduced (Stats::reduced_keeping)
    SteppedList<State, Choice> stepped;  // successors the model computed choosing
  };

  Entry& slot(size_t depth) {
    if (stack_.size() <= depth) stack_.resize(depth + 1);
    return stack_[depth];
  }

  std::vector<Choice> path_to(size_t depth) const {
    std::vector<Choice> path;
    for (size_t i = 1; i <= depth; ++i) path.push_back(stack_[i].via);
    return path;
  }

  // `in_step`: the last transition itself failed (not a terminal state).
  Result violated(std::vector<Choice> path, StepResult failure, bool in_step = true) {
    Result r;
    r.verdict = Verdict::Violated;
    if constexpr (DecodableModel<M>)
      if (options_.use_visited_set)
        path = concrete_path(model_, path, in_step ? &failure : nullptr);
    r.path = std::move(path);
    r.failure = std::move(failure);
    return r;
  }

  Result limited(std::string why) {
    Result r;
    r.verdict = Verdict::LimitReached;
    r.limit = std::move(why);
    return r;
  }

  // The path (to depth `top`, then `c`) comes back to the state of stack
  // entry `at`.
  Result endless(size_t top, Choice c, size_t at) {
    std::vector<Choice> path = path_to(top);
    path.push_back(c);
    size_t end = path.size();
    Result r = violated(std::move(path), endless_run(cycle_property_, at, end), false);
    r.loop_start = at;
    return r;
  }

  // Records a state; false when it was visited already.
  bool visit(const State& s, uint64_t& id) {
    if (!options_.use_visited_set) {
      ++stats_.states;
      return true;
    }
    encode_parts(model_, s, bytes_, cuts_);
    Inserted in = store_.insert(bytes_, cuts_, hash_bytes(bytes_));
    id = in.id;
    if (in.fresh) ++stats_.states;
    return in.fresh;
  }

  // The form a new state is expanded in (see above); bytes_ holds its
  // encoding.
  void canonical(State& s) const {
    if constexpr (DecodableModel<M>)
      if (options_.use_visited_set) s = model_.decode(bytes_);
    (void)s;
  }

  // Fills the entry's choices; false at a state with none (terminal).
  bool expand(Entry& e) {
    e.next = 0;
    e.stepped.clear();
    const uint64_t before = stats_.reduced_states;
    const bool any =
        choices_to_explore(model_, e.state, e.choices, options_.partial_order,
                           stats_.reduced_states, stats_.pruned_transitions, &e.stepped);
    e.reduced = stats_.reduced_states != before;
    return any;
  }

  Result search() {
    const bool stateful = options_.use_visited_set;
    const bool cycles = !cycle_property_.empty();
    // The states on the stack, to see a transition back into one: their
    // ids, or (tree search) their encodings.
    IdSet on_stack;
    std::unordered_map<std::string, size_t> stack_position;
    Entry& root = slot(0);
    root.state = model_.initial();
    visit(root.state, root.id);
    canonical(root.state);
    if (cycles && !stateful) model_.encode(root.state, root.key);
    if (!expand(root)) {
      StepResult t = model_.terminal(root.state);
      if (t.kind == StepResult::Kind::Violation) return violated({}, t, false);
      return Result{};
    }
    if (cycles && stateful) on_stack.insert(root.id);
    if (cycles && !stateful) stack_position.emplace(root.key, 0);
    size_t top = 0;
    std::string depth_limit;
    while (true) {
      Entry& e = stack_[top];
      if (e.next == e.choices.size()) {
        if (cycles && stateful) on_stack.erase(e.id);
        if (cycles && !stateful) stack_position.erase(e.key);
        if (top == 0) break;
        --top;
        continue;
      }
      const Choice c = e.choices[e.next++];
      Entry& child = slot(top + 1);
      Entry& parent = stack_[top];  // slot() may have moved the stack
      StepResult r = take_or_step(model_, parent.state, c, parent.stepped, child.state);
      ++stats_.transitions;
      if (parent.reduced && keeps_progress(model_, parent.state, child.state))
        ++stats_.reduced_keeping;
      if (r.kind == StepResult::Kind::Violation) {
        std::vector<Choice> path = path_to(top);
        path.push_back(c);
        return violated(std::move(path), std::move(r));
      }
      if (r.kind == StepResult::Kind::Limit) return limited(r.message);
      if (cycles && !stateful) {
        model_.encode(child.state, child.key);
        if (auto at = stack_position.find(child.key); at != stack_position.end())
          return endless(top, c, at->second);
      }
      if (!visit(child.state, child.id)) {
        if (cycles && stateful && on_stack.contains(child.id)) {
          size_t at = 0;
          while (stack_[at].id != child.id) ++at;
          return endless(top, c, at);
        }
        continue;
      }
      const uint32_t depth = static_cast<uint32_t>(top + 1);
      if (depth > stats_.max_depth) stats_.max_depth = depth;
      child.via = c;
      canonical(child.state);
      if (!expand(child)) {
        StepResult t = model_.terminal(child.state);
        if (t.kind == StepResult::Kind::Violation) {
          std::vector<Choice> path = path_to(top);
          path.push_back(c);
          return violated(std::move(path), std::move(t), false);
        }
        continue;
      }
      if (options_.limits.max_depth && depth >= options_.limits.max_depth) {
        depth_limit = "depth limit (" + std::to_string(options_.limits.max_depth) + ")";
        continue;
      }
      if (std::string why = limiter_.check(stats_, top + 1, [&] { return store_.memory_bytes(); });
          !why.empty())
        return limited(why);
      if (cycles && stateful) on_stack.insert(child.id);
      if (cycles && !stateful) stack_position.emplace(child.key, top + 1);
      ++top;
    }
    if (!depth_limit.empty()) return limited(depth_limit);
    return Result{};
  }

  const M& model_;
  const SearchOptions& options_;
  Store& store_;
  Limiter limiter_;
  Stats stats_;
  std::vector<Entry> stack_;
  std::string bytes_;
  std::vector<uint32_t> cuts_;
  std::string cycle_property_;  // empty: cycles are allowed
};

}  // namespace lifecheck::checker
