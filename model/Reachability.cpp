// The independent oracle: which objects are reachable from the roots,
// computed with Boost.Graph from the heap's ownership edges. It shares no
// code with the collector (Collector.cpp), which works from refcounts and
// tp_traverse; P7.6 and quiescence compare the two.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "model/Machine.h"

namespace lifecheck::model {

namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

class Recorder : public boost::default_bfs_visitor {
 public:
  explicit Recorder(std::vector<bool>& seen) : seen_(&seen) {}
  void discover_vertex(Graph::vertex_descriptor v, const Graph&) const {
    if (v < seen_->size()) (*seen_)[v] = true;
  }

 private:
  std::vector<bool>* seen_;
};

// Strong references an object owns, by what the type stores.
void owned(const Program& program, const Object& x, std::vector<ObjId>& out) {
  out.clear();
  switch (program.types[x.type].kind) {
    case TypeKind::PyClass:
    case TypeKind::CType:
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:  // stale pointers (Py_DECREF without NULL) own nothing
      for (Value v : x.fields)
        if (v.is_obj()) out.push_back(v.obj());
      for (Value v : x.items)
        if (v.is_obj()) out.push_back(v.obj());
      break;
    case TypeKind::Weakref:
      if (x.fields[kWeakrefCallback].is_obj()) out.push_back(x.fields[kWeakrefCallback].obj());
      break;
    case TypeKind::Method:
      if (x.fields[kMethodSelf].is_obj()) out.push_back(x.fields[kMethodSelf].obj());
      break;
  }
}

}  // namespace

std::vector<bool> Machine::reachable_from_roots(const Program& program, const State& state,
                                                bool include_thread_roots) {
  const size_t n = state.objects.size();
  const size_t root = n;  // a virtual vertex pointing at every root
  Graph g(n + 1);
  auto add_root = [&](Value v) {
    if (v.is_obj() && v.obj() < n) boost::add_edge(root, v.obj(), g);
  };
  for (Value v : state.globals) add_root(v);
  for (ObjId o : state.gc.garbage) add_root(Value::object(o));
  if (include_thread_roots) {
    for (const Thread& th : state.threads) {
      for (Value v : th.values) add_root(v);
      for (Value v : th.stack) add_root(v);
      // The runtime's own references count, except the collector's holds on
      // members of its garbage set (G19), which do not make them reachable.
      for (const Frame& f : th.frames)
        if (f.has(kHolds) && f.obj < n && !state.objects[f.obj].has(kInGarbageSet))
          add_root(Value::object(f.obj));
    }
    for (size_t i = 0; i < n; ++i)
      if (state.objects[i].live && state.objects[i].list == kWrcbToCall)
        add_root(Value::object(static_cast<ObjId>(i)));
  }
  std::vector<ObjId> refs;
  for (size_t i = 0; i < n; ++i) {
    const Object& x = state.objects[i];
    if (!x.live || x.has(kFreed)) continue;
    owned(program, x, refs);
    for (ObjId r : refs) boost::add_edge(i, r, g);
  }
  std::vector<bool> seen(n, false);
  boost::breadth_first_search(g, boost::vertex(root, g), boost::visitor(Recorder(seen)));
  return seen;
}

}  // namespace lifecheck::model
