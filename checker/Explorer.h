// Exhaustive search over a model: stateful depth-first search with an exact
// visited set, or breadth-first search for a shortest counterexample.
//
// A model M provides:
//   using State; using Choice;
//   State initial() const;
//   void enabled(const State&, std::vector<Choice>&) const;
//   StepResult step(State&, Choice) const;      // apply one transition
//   StepResult terminal(State&) const;          // a state with no choices
//   void encode(const State&, std::string&) const;  // canonical bytes
// and may provide
//   const char* cycle_property() const;  // non-null: a reachable cycle of
//                                        // states (a run that never ends)
//                                        // violates this property
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <concepts>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/Lasso.h"
#include "checker/Search.h"
#include "checker/StateStore.h"

namespace lifecheck::checker {

template <class M>
concept ExplorableModel = requires(const M& m, typename M::State& s, const typename M::State& cs,
                                   typename M::Choice c, std::vector<typename M::Choice>& choices,
                                   std::string& bytes) {
  { m.initial() } -> std::same_as<typename M::State>;
  m.enabled(cs, choices);
  { m.step(s, c) } -> std::same_as<StepResult>;
  { m.terminal(s) } -> std::same_as<StepResult>;
  m.encode(cs, bytes);
};

template <ExplorableModel M>
class Explorer {
 public:
  using State = typename M::State;
  using Choice = typename M::Choice;
  using Result = SearchResult<Choice>;

  Explorer(const M& model, SearchOptions options) : model_(model), options_(options) {
    if constexpr (requires { model.cycle_property(); })
      if (const char* p = model.cycle_property()) cycle_property_ = p;
  }

  Result run() {
    start_ = std::chrono::steady_clock::now();
    last_report_ = start_;
    Result r = options_.order == SearchOrder::BreadthFirst ? bfs() : dfs();
    r.stats = stats_;
    r.stats.seconds = elapsed();
    r.stats.store_bytes = store_.memory_bytes();
    r.stats.peak_rss_bytes = peak_rss_bytes();
    return r;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Returns a non-empty reason when a limit is exceeded.
  std::string check_limits(uint64_t pending) {
    const Limits& l = options_.limits;
    if (l.max_states && stats_.states >= l.max_states)
      return "state limit (" + std::to_string(l.max_states) + " states)";
    if (l.stop && l.stop->load(std::memory_order_relaxed)) {
      stop_now_ = true;
      return "interrupted";
    }
    // The clock and memory every 1024 transitions since the last look (not
    // at exact multiples, which a search may step over for a long time).
    if (stats_.transitions < next_clock_check_) return {};
    next_clock_check_ = stats_.transitions + 1024;
    auto now = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(now - start_).count();
    if (l.max_seconds > 0 && secs > l.max_seconds) {
      stop_now_ = true;
      return fmt::format("time limit ({:g} s)", l.max_seconds);
    }
    if (l.max_memory_mb) {
      uint64_t rss = current_rss_bytes();
      if (rss > l.max_memory_mb * 1024 * 1024) {
        stop_now_ = true;
        return "memory limit (" + std::to_string(l.max_memory_mb) + " MiB)";
      }
    }
    if (options_.progress && std::chrono::duration<double>(now - last_report_).count() >= 1.0) {
      last_report_ = now;
      Stats s = stats_;
      s.seconds = secs;
      s.store_bytes = store_.memory_bytes();
      options_.progress->progress(s, pending);
    }
    return {};
  }

  // Records a new state; returns false when it was visited already.
  bool visit(const State& s) {
    if (!options_.use_visited_set) {
      ++stats_.states;
      return true;
    }
    model_.encode(s, bytes_);
    auto [index, inserted] = store_.insert(bytes_);
    last_index_ = index;
    if (inserted) ++stats_.states;
    return inserted;
  }

  Result violated(std::vector<Choice> path, StepResult failure) {
    Result r;
    r.verdict = Verdict::Violated;
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

  // The path is a lasso: its last state is the state of stack entry `entry`.
  Result endless(std::vector<Choice> path, size_t entry) {
    size_t end = path.size();
    Result r = violated(std::move(path), endless_run(cycle_property_, entry, end));
    r.loop_start = entry;
    return r;
  }

  struct Entry {
    State state;
    std::vector<Choice> choices;
    size_t next = 0;
    Choice via{};
    uint32_t index = 0;  // in the visited set
    std::string key;     // tree search looking for cycles: the encoding
  };

  std::vector<Choice> stack_path(const std::vector<Entry>& stack) const {
    std::vector<Choice> path;
    for (size_t i = 1; i < stack.size(); ++i) path.push_back(stack[i].via);
    return path;
  }

  Result dfs() {
    std::vector<Entry> stack;
    const bool stateful = options_.use_visited_set;
    const bool cycles = !cycle_property_.empty();
    // The states on the stack, to see a transition back into one (a cycle):
    // a flag per stored state, or (tree search) their encodings.
    std::vector<uint8_t> on_stack;
    std::unordered_map<std::string, size_t> stack_position;
    auto push = [&](Entry e) {
      if (cycles && stateful) {
        if (on_stack.size() <= e.index) on_stack.resize(e.index + 1 + on_stack.size() / 2, 0);
        on_stack[e.index] = 1;
      } else if (cycles) {
        stack_position.emplace(e.key, stack.size());
      }
      stack.push_back(std::move(e));
    };
    Entry root;
    root.state = model_.initial();
    visit(root.state);
    root.index = last_index_;
    if (cycles && !stateful) model_.encode(root.state, root.key);
    model_.enabled(root.state, root.choices);
    if (root.choices.empty()) {
      StepResult t = model_.terminal(root.state);
      if (t.kind == StepResult::Kind::Violation) return violated({}, t);
    }
    push(std::move(root));
    std::string depth_limit;
    while (!stack.empty()) {
      Entry& top = stack.back();
      if (top.next == top.choices.size()) {
        if (cycles && stateful) on_stack[top.index] = 0;
        if (cycles && !stateful) stack_position.erase(top.key);
        stack.pop_back();
        continue;
      }
      Choice c = top.choices[top.next++];
      // The last choice of an entry takes its state: it is never needed again,
      // which keeps long single-path stretches from holding a copy per level.
      State next = top.next == top.choices.size() ? std::move(top.state) : top.state;
      StepResult r = model_.step(next, c);
      ++stats_.transitions;
      if (r.kind == StepResult::Kind::Violation) {
        std::vector<Choice> path = stack_path(stack);
        path.push_back(c);
        return violated(std::move(path), std::move(r));
      }
      if (r.kind == StepResult::Kind::Limit) return limited(r.message);
      std::string key;
      if (cycles && !stateful) {
        model_.encode(next, key);
        if (auto at = stack_position.find(key); at != stack_position.end()) {
          std::vector<Choice> path = stack_path(stack);
          path.push_back(c);
          return endless(std::move(path), at->second);
        }
      }
      if (!visit(next)) {
        if (cycles && stateful && last_index_ < on_stack.size() && on_stack[last_index_]) {
          std::vector<Choice> path = stack_path(stack);
          path.push_back(c);
          size_t at = 0;
          while (stack[at].index != last_index_) ++at;
          return endless(std::move(path), at);
        }
        continue;
      }
      uint32_t depth = static_cast<uint32_t>(stack.size());
      if (depth > stats_.max_depth) stats_.max_depth = depth;
      Entry e;
      e.via = c;
      e.index = last_index_;
      e.key = std::move(key);
      model_.enabled(next, e.choices);
      if (e.choices.empty()) {
        StepResult t = model_.terminal(next);
        if (t.kind == StepResult::Kind::Violation) {
          std::vector<Choice> path = stack_path(stack);
          path.push_back(c);
          return violated(std::move(path), std::move(t));
        }
      } else if (options_.limits.max_depth && depth >= options_.limits.max_depth) {
        depth_limit = "depth limit (" + std::to_string(options_.limits.max_depth) + ")";
        continue;
      }
      std::string why = check_limits(stack.size());
      if (!why.empty()) return limited(why);
      if (!e.choices.empty()) {
        e.state = std::move(next);
        push(std::move(e));
      }
    }
    if (!depth_limit.empty()) return limited(depth_limit);
    return Result{};
  }

  Result bfs() {
    // parent links per stored state, to rebuild a path
    std::vector<uint32_t> parent;
    std::vector<Choice> via;
    struct Node {
      State state;
      uint32_t index;
    };
    std::vector<Node> frontier, next_frontier;
    const bool stateful = options_.use_visited_set;
    // Every transition between stored states, in order of their source, to
    // look for a cycle once the graph is complete or a limit stops the search
    // (tree search cannot tell a state seen before).
    const bool cycles = stateful && !cycle_property_.empty();
    std::vector<GraphEdge> edges;
    Node root{model_.initial(), 0};
    visit(root.state);
    parent.push_back(0);
    via.push_back(Choice{});
    std::vector<Choice> choices;
    model_.enabled(root.state, choices);
    if (choices.empty()) {
      StepResult t = model_.terminal(root.state);
      if (t.kind == StepResult::Kind::Violation) return violated({}, t);
    }
    frontier.push_back(std::move(root));
    auto path_to = [&](uint32_t index) {
      std::vector<Choice> path;
      while (index != 0) {
        path.push_back(via[index]);
        index = parent[index];
      }
      return std::vector<Choice>(path.rbegin(), path.rend());
    };
    // A cycle among the transitions seen so far is a run that never ends,
    // whether or not the search got to the end.
    auto lasso = [&]() -> std::optional<Result> {
      if (!cycles) return std::nullopt;
      auto cycle = find_cycle(parent.size(), edges);
      if (!cycle) return std::nullopt;
      std::vector<Choice> path = path_to(cycle->entry);
      return endless_from(std::move(path), *cycle, edges);
    };
    auto limited_or_lasso = [&](std::string why) {
      if (auto found = lasso()) return std::move(*found);
      return limited(std::move(why));
    };
    uint32_t depth = 0;
    while (!frontier.empty()) {
      if (options_.limits.max_depth && depth >= options_.limits.max_depth)
        return limited_or_lasso("depth limit (" + std::to_string(options_.limits.max_depth) + ")");
      ++depth;
      for (Node& node : frontier) {
        model_.enabled(node.state, choices);
        for (Choice c : choices) {
          State next = node.state;
          StepResult r = model_.step(next, c);
          ++stats_.transitions;
          if (r.kind == StepResult::Kind::Violation) {
            std::vector<Choice> path = path_to(node.index);
            path.push_back(c);
            return violated(std::move(path), std::move(r));
          }
          if (r.kind == StepResult::Kind::Limit) return limited_or_lasso(r.message);
          bool fresh = visit(next);
          if (cycles) edges.push_back(GraphEdge{node.index, last_index_});
          if (!fresh) continue;
          uint32_t index = stateful ? last_index_ : static_cast<uint32_t>(parent.size());
          parent.push_back(node.index);
          via.push_back(c);
          stats_.max_depth = depth;
          std::vector<Choice> after;
          model_.enabled(next, after);
          if (after.empty()) {
            StepResult t = model_.terminal(next);
            if (t.kind == StepResult::Kind::Violation) {
              std::vector<Choice> path = path_to(node.index);
              path.push_back(c);
              return violated(std::move(path), std::move(t));
            }
            continue;
          }
          std::string why = check_limits(frontier.size() + next_frontier.size());
          // Past the time or memory limit, or interrupted, the search stops
          // at once: no cycle search over the graph.
          if (!why.empty()) return stop_now_ ? limited(why) : limited_or_lasso(why);
          next_frontier.push_back(Node{std::move(next), index});
        }
      }
      frontier.swap(next_frontier);
      next_frontier.clear();
    }
    if (auto found = lasso()) return std::move(*found);
    return Result{};
  }

  // The lasso of a cycle among stored states, as choices: `path` leads to
  // the cycle's entry. An edge joins two states only as encoded, which may
  // merge states (thread symmetry), so each choice round the cycle is found
  // again from the state the path has really reached: the one whose
  // successor is stored as the edge's target.
  Result endless_from(std::vector<Choice> path, const Cycle& cycle,
                      const std::vector<GraphEdge>& edges) {
    State s = model_.initial();
    for (Choice c : path) model_.step(s, c);
    const size_t entry = path.size();
    std::vector<Choice> choices;
    for (size_t e : cycle.edges) {
      model_.enabled(s, choices);
      for (Choice c : choices) {
        State next = s;
        if (!model_.step(next, c).ok()) continue;
        model_.encode(next, bytes_);
        if (store_.find(bytes_) != edges[e].to) continue;
        path.push_back(c);
        s = std::move(next);
        break;
      }
    }
    return endless(std::move(path), entry);
  }

  const M& model_;
  SearchOptions options_;
  StateStore store_;
  Stats stats_;
  std::string bytes_;
  uint32_t last_index_ = 0;
  uint64_t next_clock_check_ = 0;
  bool stop_now_ = false;       // a limit that must not be overrun (time, memory, interrupt)
  std::string cycle_property_;  // empty: cycles are allowed
  std::chrono::steady_clock::time_point start_, last_report_;
};

template <ExplorableModel M>
SearchResult<typename M::Choice> explore(const M& model, SearchOptions options) {
  return Explorer<M>(model, options).run();
}

}  // namespace lifecheck::checker
