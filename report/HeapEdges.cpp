#include "report/HeapEdges.h"

namespace lifecheck::report {

using namespace model;

const Object* target_object(const State& state, Value v) {
  if (!v.is_obj() || v.obj() >= state.objects.size()) return nullptr;
  const Object& o = state.objects[v.obj()];
  return o.live ? &o : nullptr;
}

namespace {

// A container's items (Object::items): a dict's as key/value pairs.
template <class Strong>
void item_edges(const Object& o, TypeKind kind, Strong& strong) {
  if (kind == TypeKind::Dict) {
    for (size_t i = 0; 2 * i + 1 < o.items.size() && i < o.length; ++i) {
      strong("key " + std::to_string(i), o.items[2 * i]);
      strong("value " + std::to_string(i), o.items[2 * i + 1]);
    }
    return;
  }
  for (size_t i = 0; i < o.length && i < o.items.size(); ++i)
    strong("[" + std::to_string(i) + "]", o.items[i]);
}

}  // namespace

void for_each_object_edge(const Program& program, const State& state, size_t index,
                          const std::function<void(const HeapEdge&)>& visit) {
  const Object& o = state.objects[index];
  auto strong = [&](std::string label, Value v) {
    if (v.is_obj()) visit(HeapEdge{std::move(label), EdgeKind::Strong, v});
  };
  const TypeInfo& t = program.types[o.type];
  switch (t.kind) {
    case TypeKind::Weakref:
      if (o.fields[kWeakrefReferent].is_obj())
        visit(HeapEdge{"weak", EdgeKind::Weak, o.fields[kWeakrefReferent]});
      strong("callback", o.fields[kWeakrefCallback]);
      return;
    case TypeKind::Method:
      strong("self", o.fields[kMethodSelf]);
      return;
    case TypeKind::List:
    case TypeKind::Tuple:
    case TypeKind::Dict:
    case TypeKind::Set:
    case TypeKind::Deque:
    case TypeKind::Exception:
    case TypeKind::FrameObject:
    case TypeKind::Generator:
    case TypeKind::Cell:  // its contents
      item_edges(o, t.kind, strong);
      return;
    case TypeKind::Function:  // its closure tuple, __dict__, defaults tuple (Functions.cpp)
      strong("__closure__", o.items[kFunctionClosure]);
      strong("__dict__", o.items[kFunctionDict]);
      strong("__defaults__", o.items[kFunctionDefaults]);
      return;
    case TypeKind::ThreadLocal:  // each thread's dict, by thread (ThreadLocal.cpp)
      for (size_t i = 0; i < o.length && 2 * i + 1 < o.items.size(); ++i)
        strong("thread " + std::to_string(o.items[2 * i].integer() % kThreadLocalStamp),
               o.items[2 * i + 1]);
      return;
    case TypeKind::Lock:  // holds no object (model/Locks.cpp)
      return;
    case TypeKind::Partial:  // model/Partial.cpp
      strong("func", o.fields[kPartialFunc]);
      strong("args", o.fields[kPartialArgs]);
      strong("keywords", o.fields[kPartialKeywords]);
      return;
    case TypeKind::PyClass:
    case TypeKind::CType: {
      const TypeInfo& ct =
          t.kind == TypeKind::CType || t.base == kNoType ? t : program.types[t.base];
      for (FieldId f : ct.c_fields) strong("->" + program.field_names[f], o.fields[f]);
      for (FieldId f : t.slots) strong(program.field_names[f], o.fields[f]);
      // a class deriving from list or dict: the items it holds as one
      if (t.base != kNoType && (program.types[t.base].kind == TypeKind::List ||
                                program.types[t.base].kind == TypeKind::Dict))
        item_edges(o, program.types[t.base].kind, strong);
      const auto& keys = state.class_keys[o.type];
      for (uint8_t k = 0; k < state.class_key_count[o.type]; ++k)
        strong(program.field_names[keys[k]], o.fields[keys[k]]);
      return;
    }
  }
}

void for_each_root_edge(const Program& program, const State& state,
                        const std::function<void(const RootEdge&)>& visit) {
  for (size_t g = 0; g < state.globals.size(); ++g)
    if (state.globals[g].is_obj())
      visit(RootEdge{"global " + program.globals[g], "", state.globals[g]});
  for (size_t t = 0; t < state.threads.size(); ++t) {
    const Thread& th = state.threads[t];
    std::string root = "thread " + program.threads[t].name;
    // A body frame's first slots are its locals; the rest of a thread's
    // values are temporaries and the runtime's own holds.
    std::vector<std::string> names(th.values.size());
    for (const Frame& f : th.frames)
      if (f.kind == FrameKind::Body && f.func < program.funcs.size())
        for (size_t i = 0; i < f.count && i < program.funcs[f.func].local_names.size(); ++i)
          if (f.base + i < names.size()) names[f.base + i] = program.funcs[f.func].local_names[i];
    for (size_t i = 0; i < th.values.size(); ++i)
      if (th.values[i].is_obj()) visit(RootEdge{root, names[i], th.values[i]});
    // the operand stacks of its bodies: values being computed
    for (Value v : th.stack)
      if (v.is_obj()) visit(RootEdge{root, "", v});
  }
  for (ObjId o : state.gc.garbage) visit(RootEdge{"gc.garbage", "", Value::object(o)});
}

}  // namespace lifecheck::report
