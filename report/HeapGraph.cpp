#include "report/HeapGraph.h"

// Boost.Graph's edge iterator trips GCC 12's -Wmaybe-uninitialized (a
// false positive inside the library's optional<>), so silence it here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphviz.hpp>

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
    if (!v.is_obj() || v.obj() >= state.objects.size() || !state.objects[v.obj()].live) return;
    boost::add_edge(from, vertex[v.obj()], EdgeProps{label, style}, g);
  };
  for (size_t i = 0; i < state.objects.size(); ++i) {
    const Object& o = state.objects[i];
    if (!o.live) continue;
    const TypeInfo& t = program.types[o.type];
    if (t.kind == TypeKind::Weakref) {
      edge_to(vertex[i], o.fields[kWeakrefReferent], "weak", "dashed");
      edge_to(vertex[i], o.fields[kWeakrefCallback], "callback", "solid");
    } else if (t.kind == TypeKind::Method) {
      edge_to(vertex[i], o.fields[kMethodSelf], "self", "solid");
    } else {
      for (size_t f = 0; f < program.field_names.size(); ++f)
        edge_to(vertex[i], o.fields[f], program.field_names[f], "solid");
    }
  }
  for (size_t gi = 0; gi < state.globals.size(); ++gi) {
    if (!state.globals[gi].is_obj()) continue;
    auto v = boost::add_vertex(VertexProps{"global " + program.globals[gi], "box"}, g);
    edge_to(v, state.globals[gi], "", "solid");
  }
  for (size_t t = 0; t < state.threads.size(); ++t) {
    bool any = false;
    for (Value v : state.threads[t].values) any = any || v.is_obj();
    for (Value v : state.threads[t].stack) any = any || v.is_obj();
    if (!any) continue;
    auto v = boost::add_vertex(VertexProps{"thread " + program.threads[t].name, "box"}, g);
    for (Value x : state.threads[t].values) edge_to(v, x, "", "solid");
    for (Value x : state.threads[t].stack) edge_to(v, x, "", "solid");
  }
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
