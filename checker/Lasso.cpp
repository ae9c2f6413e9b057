#include "checker/Lasso.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/iterator/transform_iterator.hpp>
#include <boost/range/iterator_range.hpp>
#include <deque>
#include <limits>
#include <stdexcept>
#include <utility>

namespace lifecheck::checker {

namespace {
using Graph =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                       boost::no_property, uint32_t, size_t>;

void require_sorted(const std::vector<GraphEdge>& edges) {
  if (!std::is_sorted(edges.begin(), edges.end(),
                      [](const GraphEdge& a, const GraphEdge& b) { return a.from < b.from; }))
    throw std::invalid_argument("find_cycle: edges must be sorted by source");
}

// Sorted by source, the edges keep their positions as their indices.
Graph graph_of(size_t states, const std::vector<GraphEdge>& edges) {
  auto as_pair = [](const GraphEdge& e) { return std::pair<uint32_t, uint32_t>(e.from, e.to); };
  return Graph(boost::edges_are_sorted, boost::make_transform_iterator(edges.begin(), as_pair),
               boost::make_transform_iterator(edges.end(), as_pair), static_cast<uint32_t>(states));
}

// Each state's strongly connected component, and whether it lies on a
// cycle (its component has another state, or it has an edge to itself).
std::vector<uint32_t> components_of(const Graph& g, size_t states, std::vector<bool>& on_cycle) {
  std::vector<uint32_t> component(states);
  boost::strong_components(
      g, boost::make_iterator_property_map(component.begin(), get(boost::vertex_index, g)));
  std::vector<uint32_t> size(states, 0);
  for (uint32_t c : component) ++size[c];
  on_cycle.assign(states, false);
  for (uint32_t v = 0; v < states; ++v) {
    if (size[component[v]] > 1) on_cycle[v] = true;
    for (auto e : boost::make_iterator_range(out_edges(v, g)))
      if (target(e, g) == v) on_cycle[v] = true;
  }
  return component;
}

}  // namespace

std::vector<std::vector<uint32_t>> cyclic_components(size_t states,
                                                     const std::vector<GraphEdge>& edges) {
  require_sorted(edges);
  const Graph g = graph_of(states, edges);
  std::vector<bool> on_cycle;
  const std::vector<uint32_t> component = components_of(g, states, on_cycle);
  std::vector<std::vector<uint32_t>> out;
  std::vector<uint32_t> slot(states, std::numeric_limits<uint32_t>::max());  // component -> out
  for (uint32_t v = 0; v < states; ++v) {
    if (!on_cycle[v]) continue;
    uint32_t& k = slot[component[v]];
    if (k == std::numeric_limits<uint32_t>::max()) {
      k = static_cast<uint32_t>(out.size());
      out.emplace_back();
    }
    out[k].push_back(v);
  }
  return out;
}

std::optional<Cycle> find_cycle(size_t states, const std::vector<GraphEdge>& edges) {
  if (states == 0) return std::nullopt;
  require_sorted(edges);
  const Graph g = graph_of(states, edges);
  auto index_of = get(boost::edge_index, g);
  std::vector<bool> on_cycle;
  const std::vector<uint32_t> component = components_of(g, states, on_cycle);
  uint32_t entry = std::numeric_limits<uint32_t>::max();
  for (uint32_t v = 0; v < states && entry == std::numeric_limits<uint32_t>::max(); ++v)
    if (on_cycle[v]) entry = v;
  if (entry == std::numeric_limits<uint32_t>::max()) return std::nullopt;

  // Shortest way round: breadth-first from `entry` inside its component.
  constexpr size_t kNone = std::numeric_limits<size_t>::max();
  std::vector<size_t> reached_by(states, kNone);  // edge index that first reached a state
  std::deque<uint32_t> queue{entry};
  size_t closing = kNone;
  while (!queue.empty() && closing == kNone) {
    uint32_t v = queue.front();
    queue.pop_front();
    for (auto e : boost::make_iterator_range(out_edges(v, g))) {
      uint32_t w = target(e, g);
      if (component[w] != component[entry]) continue;
      if (w == entry) {
        closing = get(index_of, e);
        break;
      }
      if (reached_by[w] != kNone) continue;
      reached_by[w] = get(index_of, e);
      queue.push_back(w);
    }
  }
  Cycle cycle{entry, {closing}};
  for (uint32_t v = edges[closing].from; v != entry; v = edges[reached_by[v]].from)
    cycle.edges.push_back(reached_by[v]);
  std::reverse(cycle.edges.begin(), cycle.edges.end());
  return cycle;
}

StepResult endless_run(const std::string& property, size_t loop_start, size_t loop_end) {
  StepResult r;
  r.kind = StepResult::Kind::Violation;
  r.properties = {property};
  r.message = fmt::format(
      "the run never ends: after step {} it is back in the state it had {}, so steps {}-{} "
      "repeat forever",
      loop_end,
      loop_start == 0 ? std::string("at the start") : fmt::format("after step {}", loop_start),
      loop_start + 1, loop_end);
  return r;
}

}  // namespace lifecheck::checker
