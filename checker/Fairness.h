// Weak fairness for runs that never end.
//
// A model may say that its choices belong to agents (FairModel: lifecheck's
// threads) that the system schedules weakly fairly: an agent that can move
// at every state from some point on does move again. An endless run in
// which one agent can move throughout but never does is then not a run of
// the system, and is not reported. A cycle of states is such a run when
// every agent enabled at all of its states moves somewhere on it; a
// strongly connected component holds one exactly when every agent moves
// inside it or cannot move at one of its states (walk round the whole
// component, taking each agent's move once).
//
// The search's graph is over canonical states: with symmetry one node
// stands for every state equal to it up to a renaming of agents, so an
// agent's identity is lost from node to node. The check is therefore made
// on concrete states: from a concrete state of a cyclic component of the
// search's graph, every concrete successor that stays in the component
// (by its canonical encoding), told apart by an encoding without symmetry;
// then the strongly connected components of that concrete graph, each
// checked as above. Only components of the search's graph are expanded so,
// which exist only where the search found a cycle.
//
// The concrete graph can be much larger than the component (up to one
// state per renaming of agents), so its expansion asks the caller's `stop`
// at every state: a non-empty reason (a time or memory limit, an
// interrupt) ends the check with a partial result, as a limit ends a
// search.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/Engine.h"
#include "checker/Lasso.h"
#include "checker/Search.h"

namespace lifecheck::checker {

template <class M>
concept FairModel = ExplorableModel<M> &&
    requires(const M& m, typename M::Choice c, const typename M::State& s, std::string& bytes) {
  { m.agent(c) } -> std::convertible_to<uint32_t>;
  m.encode_concrete(s, bytes);
};

// A lasso found on concrete states: `lead` goes from the start state to the
// cycle's first state, `cycle` goes round back to it.
template <class Choice>
struct FairLasso {
  std::vector<Choice> lead;
  std::vector<Choice> cycle;
};

namespace detail {

// The concrete graph of a component: states in breadth-first order from
// the start, moves in the order found.
template <class M>
struct ConcreteComponent {
  struct Move {
    uint32_t from, to;
    typename M::Choice choice;
    uint32_t agent;
  };
  std::vector<Move> moves;                  // sorted by source
  std::vector<std::vector<uint32_t>> able;  // agents with an enabled choice, per state
  std::vector<uint32_t> reached_by;         // breadth-first tree from the start
};

// nullopt when `stop(states expanded so far)` gives a reason, into `why`.
template <class M, class InComponent, class Stop>
std::optional<ConcreteComponent<M>> expand_component(const M& model, const typename M::State& start,
                                                     InComponent in_component, Stop& stop,
                                                     std::string& why) {
  using State = typename M::State;
  ConcreteComponent<M> g;
  std::vector<State> states{start};
  std::unordered_map<std::string, uint32_t> index;
  std::string bytes;
  std::vector<uint32_t> cuts;
  model.encode_concrete(start, bytes);
  index.emplace(bytes, 0);
  g.reached_by.push_back(std::numeric_limits<uint32_t>::max());
  std::vector<typename M::Choice> choices;
  for (uint32_t v = 0; v < states.size(); ++v) {
    why = stop(uint64_t{v});
    if (!why.empty()) return std::nullopt;
    model.enabled(states[v], choices);
    std::vector<uint32_t> able;
    for (auto c : choices) {
      able.push_back(model.agent(c));
      State next = states[v];
      if (!model.step(next, c).ok()) continue;
      encode_parts(model, next, bytes, cuts);
      if (!in_component(bytes, cuts)) continue;
      model.encode_concrete(next, bytes);
      auto [it, fresh] = index.try_emplace(bytes, static_cast<uint32_t>(states.size()));
      if (fresh) {
        states.push_back(std::move(next));
        g.reached_by.push_back(static_cast<uint32_t>(g.moves.size()));
      }
      g.moves.push_back({v, it->second, c, static_cast<uint32_t>(model.agent(c))});
    }
    std::sort(able.begin(), able.end());
    able.erase(std::unique(able.begin(), able.end()), able.end());
    g.able.push_back(std::move(able));
  }
  return g;
}

// The agents enabled at every one of `states`.
inline std::vector<uint32_t> able_throughout(const std::vector<std::vector<uint32_t>>& able,
                                             const std::vector<uint32_t>& states) {
  std::vector<uint32_t> out = able[states.front()], both;
  for (uint32_t v : states) {
    both.clear();
    std::set_intersection(out.begin(), out.end(), able[v].begin(), able[v].end(),
                          std::back_inserter(both));
    out.swap(both);
  }
  return out;
}

// A fair cycle through the first state of the strongly connected component
// `members` (sorted) of `g`, as move indices; nullopt when it has none.
template <class M>
std::optional<std::vector<uint32_t>> fair_walk(const ConcreteComponent<M>& g,
                                               const std::vector<uint32_t>& members) {
  const size_t n = g.able.size();
  std::vector<bool> inside(n, false);
  for (uint32_t v : members) inside[v] = true;
  std::vector<uint32_t> moved;
  for (const auto& m : g.moves)
    if (inside[m.from] && inside[m.to]) moved.push_back(m.agent);
  std::sort(moved.begin(), moved.end());
  moved.erase(std::unique(moved.begin(), moved.end()), moved.end());
  const std::vector<uint32_t> throughout = able_throughout(g.able, members);
  if (!std::includes(moved.begin(), moved.end(), throughout.begin(), throughout.end()))
    return std::nullopt;

  // Ways from the first state to each member and back, inside the component.
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  const uint32_t home = members.front();
  std::vector<uint32_t> out_by(n, kNone), back_by(n, kNone);  // move indices
  std::vector<uint32_t> distance(n, kNone);
  std::vector<std::vector<uint32_t>> into(n);
  for (uint32_t k = 0; k < g.moves.size(); ++k)
    if (inside[g.moves[k].from] && inside[g.moves[k].to]) into[g.moves[k].to].push_back(k);
  std::vector<bool> seen(n, false);
  std::deque<uint32_t> queue{home};
  seen[home] = true;
  distance[home] = 0;
  while (!queue.empty()) {  // forward: moves are sorted by source
    const uint32_t v = queue.front();
    queue.pop_front();
    auto first = std::lower_bound(g.moves.begin(), g.moves.end(), v,
                                  [](const auto& m, uint32_t s) { return m.from < s; });
    for (auto it = first; it != g.moves.end() && it->from == v; ++it) {
      if (!inside[it->to] || seen[it->to]) continue;
      seen[it->to] = true;
      out_by[it->to] = static_cast<uint32_t>(it - g.moves.begin());
      distance[it->to] = distance[v] + 1;
      queue.push_back(it->to);
    }
  }
  std::fill(seen.begin(), seen.end(), false);
  queue = {home};
  seen[home] = true;
  while (!queue.empty()) {  // backward
    const uint32_t v = queue.front();
    queue.pop_front();
    for (uint32_t k : into[v]) {
      const uint32_t u = g.moves[k].from;
      if (seen[u]) continue;
      seen[u] = true;
      back_by[u] = k;
      queue.push_back(u);
    }
  }
  auto there = [&](uint32_t v, std::vector<uint32_t>& walk) {
    std::vector<uint32_t> way;
    for (; v != home; v = g.moves[out_by[v]].from) way.push_back(out_by[v]);
    walk.insert(walk.end(), way.rbegin(), way.rend());
  };
  auto back = [&](uint32_t v, std::vector<uint32_t>& walk) {
    for (; v != home; v = g.moves[back_by[v]].to) walk.push_back(back_by[v]);
  };
  // The shortest way round first, then a detour for each agent enabled
  // throughout the walk that has not moved on it: to its first move, or to
  // a state where it cannot move.
  std::vector<uint32_t> walk;
  uint32_t closing = kNone;
  for (uint32_t k : into[home])
    if (closing == kNone || distance[g.moves[k].from] < distance[g.moves[closing].from])
      closing = k;
  there(g.moves[closing].from, walk);
  walk.push_back(closing);
  // Each round settles one agent for good (it moves, or the walk passes a
  // state where it cannot), and every agent that can be idle can move at
  // `home`.
  for (size_t round = 0; round <= g.able[home].size(); ++round) {
    std::vector<uint32_t> visited{home}, agents;
    for (uint32_t k : walk) {
      visited.push_back(g.moves[k].to);
      agents.push_back(g.moves[k].agent);
    }
    std::sort(agents.begin(), agents.end());
    const std::vector<uint32_t> able = able_throughout(g.able, visited);
    auto idle = std::find_if(able.begin(), able.end(), [&](uint32_t a) {
      return !std::binary_search(agents.begin(), agents.end(), a);
    });
    if (idle == able.end()) return walk;
    const uint32_t agent = *idle;
    uint32_t move = kNone;
    for (uint32_t k = 0; k < g.moves.size() && move == kNone; ++k)
      if (g.moves[k].agent == agent && inside[g.moves[k].from] && inside[g.moves[k].to]) move = k;
    if (move != kNone) {
      there(g.moves[move].from, walk);
      walk.push_back(move);
      back(g.moves[move].to, walk);
      continue;
    }
    for (uint32_t v : members)
      if (!std::binary_search(g.able[v].begin(), g.able[v].end(), agent)) {
        there(v, walk);
        back(v, walk);
        break;
      }
  }
  throw std::logic_error("fair_walk: an agent left idle after every detour");
}

}  // namespace detail

// The first fair cycle (in breadth-first order from `start`) among the
// concrete states reachable from `start` whose canonical encoding
// `in_component(bytes, cuts)` accepts; nullopt when there is none, or when
// `stop` ended the expansion (its reason in `why`).
template <FairModel M, class InComponent, class Stop>
std::optional<FairLasso<typename M::Choice>> fair_cycle(const M& model,
                                                        const typename M::State& start,
                                                        InComponent in_component, Stop& stop,
                                                        std::string& why) {
  const auto found = detail::expand_component(model, start, in_component, stop, why);
  if (!found) return std::nullopt;
  const auto& g = *found;
  std::vector<GraphEdge> edges;
  edges.reserve(g.moves.size());
  for (const auto& m : g.moves) edges.push_back({m.from, m.to});
  for (const std::vector<uint32_t>& members : cyclic_components(g.able.size(), edges)) {
    auto walk = detail::fair_walk(g, members);
    if (!walk) continue;
    FairLasso<typename M::Choice> lasso;
    std::vector<typename M::Choice> way;
    for (uint32_t v = members.front(); v != 0; v = g.moves[g.reached_by[v]].from)
      way.push_back(g.moves[g.reached_by[v]].choice);
    lasso.lead.assign(way.rbegin(), way.rend());
    for (uint32_t k : *walk) lasso.cycle.push_back(g.moves[k].choice);
    return lasso;
  }
  return std::nullopt;
}

// The first fair lasso of a search's graph: `components` are its cyclic
// components (cyclic_components: nodes sorted, shallowest first),
// `lead_to(node)` the concrete path to a node, `node_of(bytes, cuts)` the
// node of a canonical encoding (nullopt: not in the graph), `stop(n)` asked
// with the number of states expanded so far in this check (fair_cycle).
// Each component is checked from the concrete state its first node's path
// reaches; nullopt when no component holds a fair cycle; a LimitReached
// result when `stop` ended the check before one was found.
template <FairModel M, class LeadTo, class NodeOf, class Stop>
std::optional<SearchResult<typename M::Choice>> first_fair_lasso(
    const M& model, const std::vector<std::vector<uint32_t>>& components, LeadTo lead_to,
    NodeOf node_of, const std::string& property, Stop stop) {
  uint64_t expanded = 0;  // over all components
  auto counted_stop = [&](uint64_t) { return stop(expanded++); };
  std::string why;
  for (const std::vector<uint32_t>& members : components) {
    std::vector<typename M::Choice> path = lead_to(members.front());
    typename M::State s = model.initial();
    for (auto c : path) model.step(s, c);
    auto lasso = fair_cycle(
        model, s,
        [&](const std::string& bytes, const std::vector<uint32_t>& cuts) {
          const std::optional<uint32_t> node = node_of(bytes, cuts);
          return node && std::binary_search(members.begin(), members.end(), *node);
        },
        counted_stop, why);
    if (!why.empty()) {
      SearchResult<typename M::Choice> r;
      r.verdict = Verdict::LimitReached;
      r.limit = "fairness check of the cycles found: " + why;
      return r;
    }
    if (!lasso) continue;
    path.insert(path.end(), lasso->lead.begin(), lasso->lead.end());
    const size_t entry = path.size();
    path.insert(path.end(), lasso->cycle.begin(), lasso->cycle.end());
    SearchResult<typename M::Choice> r;
    r.verdict = Verdict::Violated;
    r.failure = endless_run(property, entry, path.size());
    r.path = std::move(path);
    r.loop_start = entry;
    return r;
  }
  return std::nullopt;
}

// Whether the loop of a lasso (`path` from the initial state, the steps
// from `loop_start` on going round) is fair: every agent that can move at
// each of its states moves on it.
template <FairModel M>
bool loop_is_fair(const M& model, const std::vector<typename M::Choice>& path, size_t loop_start) {
  typename M::State s = model.initial();
  std::vector<typename M::Choice> choices;
  std::vector<uint32_t> throughout, moved, able, both;
  for (size_t k = 0; k < path.size(); ++k) {
    if (k >= loop_start) {
      model.enabled(s, choices);
      able.clear();
      for (auto c : choices) able.push_back(model.agent(c));
      std::sort(able.begin(), able.end());
      if (k == loop_start) {
        throughout = able;
      } else {
        both.clear();
        std::set_intersection(throughout.begin(), throughout.end(), able.begin(), able.end(),
                              std::back_inserter(both));
        throughout.swap(both);
      }
      moved.push_back(model.agent(path[k]));
    }
    model.step(s, path[k]);
  }
  std::sort(moved.begin(), moved.end());
  return std::includes(moved.begin(), moved.end(), throughout.begin(), throughout.end());
}

}  // namespace lifecheck::checker
