#include "report/HeapGraph.h"

// Boost.Graph's edge iterator trips GCC 12's -Wmaybe-uninitialized (a
// false positive inside the library's optional<>), so silence it here only.
#pragma GCC diagnostic push
#if !defined(__clang__)  // (clang has no such warning)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>
#include <map>

#include "report/HeapEdges.h"
#include "report/TextReport.h"

namespace lifecheck::report {

using namespace model;

namespace {
struct VertexProps {
  std::string label;
  std::string shape;
};
struct EdgeProps {
  std::string label;
  std::string style;
};
using Graph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexProps, EdgeProps>;
}  // namespace

void write_heap_dot(std::ostream& out, const Program& program, const State& state) {
  Graph g;
  std::vector<Graph::vertex_descriptor> vertex(state.objects.size());
  for (size_t i = 0; i < state.objects.size(); ++i) {
    const Object& o = state.objects[i];
    if (!o.live) continue;
    std::string label = object_name(program, o.label, o.serial, o.type) + "\\n" +
                        program.types[o.type].name + " rc=" + std::to_string(o.rc);
    if (o.has(kFinalized)) label += " finalized";
    if (o.has(kCleared)) label += " cleared";
    vertex[i] = boost::add_vertex(VertexProps{label, "ellipse"}, g);
  }
  auto edge_to = [&](Graph::vertex_descriptor from, Value v, const std::string& label,
                     const char* style) {
    if (!target_object(state, v)) return;
    boost::add_edge(from, vertex[v.obj()], EdgeProps{label, style}, g);
  };
  for (size_t i = 0; i < state.objects.size(); ++i) {
    if (!state.objects[i].live) continue;
    for_each_object_edge(program, state, i, [&](const HeapEdge& e) {
      edge_to(vertex[i], e.target, e.label, e.kind == EdgeKind::Weak ? "dashed" : "solid");
    });
  }
  std::map<std::string, Graph::vertex_descriptor> roots;
  for_each_root_edge(program, state, [&](const RootEdge& e) {
    if (!target_object(state, e.target)) return;
    auto [it, fresh] = roots.emplace(e.root, 0);
    if (fresh) it->second = boost::add_vertex(VertexProps{e.root, "box"}, g);
    edge_to(it->second, e.target, e.label, "solid");
  });
  boost::dynamic_properties dp;
  dp.property("node_id", boost::get(boost::vertex_index, g));
  dp.property("label", boost::get(&VertexProps::label, g));
  dp.property("shape", boost::get(&VertexProps::shape, g));
  dp.property("label", boost::get(&EdgeProps::label, g));
  dp.property("style", boost::get(&EdgeProps::style, g));
  boost::write_graphviz_dp(out, g, dp);
}
#pragma GCC diagnostic pop

}  // namespace lifecheck::report
