// The independent oracle: which objects are reachable from the roots, from
// the heap's ownership edges. It shares no code with the collector
// (Collector.cpp), which works from refcounts and tp_traverse; P7.6 and
// quiescence compare the two. The monitors use a walk over a bitset (it
// runs at every collection); the same relation computed with Boost.Graph
// checks it in the tests.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>

#include "model/Machine.h"
#include "model/Ownership.h"

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
  for_each_owned(program, x, [&](ObjId o) { out.push_back(o); });
}

// The __main__ module dict's references (SD2): the globals.
void globals_of(const State& state, std::vector<ObjId>& out) {
  for (Value v : state.globals)
    if (v.is_obj() && v.obj() < state.objects.size()) out.push_back(v.obj());
}

}  // namespace

namespace {

// The roots: globals, gc.garbage and, with thread roots, every value on a
// thread's stack, the runtime's own references (except the collector's
// holds on members of its garbage set, G19, which do not make them
// reachable), objects queued for their owner to merge (F5) and the
// weakrefs whose callbacks are queued. Immortal objects (F9b) are roots
// with or without the threads.
// While the __main__ module's dict exists (`shutdown modules`, SD2), the
// globals are its references, not roots.
template <class Add>
void for_each_root(const State& state, bool include_thread_roots, bool globals_are_roots, Add add) {
  const size_t n = state.objects.size();
  auto add_value = [&](Value v) {
    if (v.is_obj() && v.obj() < n) add(v.obj());
  };
  if (globals_are_roots)
    for (Value v : state.globals) add_value(v);
  for (ObjId o : state.gc.garbage) add_value(Value::object(o));
  for (size_t i = 0; i < n; ++i)  // F9b: nothing frees an immortal object
    if (state.objects[i].live && state.objects[i].has(kImmortal)) add(static_cast<ObjId>(i));
  if (!include_thread_roots) return;
  for (const Thread& th : state.threads) {
    for (Value v : th.values) add_value(v);
    for (Value v : th.stack) add_value(v);
    for (const Frame& f : th.frames) {
      if (f.has(kHolds) && f.obj < n && !state.objects[f.obj].has(kInGarbageSet)) add(f.obj);
      if (f.ref < n && !f.has(kRefBorrowed)) add(f.ref);  // a C local's strong reference
    }
  }
  for (const Thread& th : state.threads)  // F5: queued for the owner to merge
    for (ObjId q : th.merge_queue)
      if (q < n) add(q);
  for (size_t i = 0; i < n; ++i)
    if (state.objects[i].live && state.objects[i].list == kWrcbToCall) add(static_cast<ObjId>(i));
}

}  // namespace

ObjSet reachable_from_roots(const Program& program, const State& state, bool include_thread_roots) {
  const size_t n = state.objects.size();
  ObjSet seen(n);
  ObjList work;
  const ObjId module_dict = module_dict_of(program, state);
  for_each_root(state, include_thread_roots, module_dict == kNoObj, [&](ObjId o) {
    if (seen.insert(o)) work.push_back(o);
  });
  // (each reference visited where it is found: no list of them per object)
  auto visit = [&](ObjId r) {
    if (r < n && seen.insert(r)) work.push_back(r);
  };
  while (!work.empty()) {
    ObjId o = work.back();
    work.pop_back();
    const Object& x = state.objects[o];
    if (!x.live || x.has(kFreed)) continue;
    for_each_owned(program, x, visit);
    if (o == module_dict)
      for (Value v : state.globals)
        if (v.is_obj()) visit(v.obj());
  }
  return seen;
}

std::vector<bool> reachable_from_roots_graph(const Program& program, const State& state,
                                             bool include_thread_roots) {
  const size_t n = state.objects.size();
  const size_t root = n;  // a virtual vertex pointing at every root
  Graph g(n + 1);
  const ObjId module_dict = module_dict_of(program, state);
  for_each_root(state, include_thread_roots, module_dict == kNoObj,
                [&](ObjId o) { boost::add_edge(root, o, g); });
  std::vector<ObjId> refs;
  for (size_t i = 0; i < n; ++i) {
    const Object& x = state.objects[i];
    if (!x.live || x.has(kFreed)) continue;
    owned(program, x, refs);
    if (i == module_dict) globals_of(state, refs);
    for (ObjId r : refs) boost::add_edge(i, r, g);
  }
  std::vector<bool> seen(n, false);
  boost::breadth_first_search(g, boost::vertex(root, g), boost::visitor(Recorder(seen)));
  return seen;
}

}  // namespace lifecheck::model
