// The heap as labelled edges, for the reports that draw it (DOT, the JSON
// heap, the HTML heap view): what each live object refers to and which
// roots (globals, thread values, gc.garbage) hold what. A display concern:
// the reachability oracle (model/Reachability.cpp) keeps its own walk.
#pragma once

#include <functional>
#include <string>

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::report {

enum class EdgeKind { Strong, Weak };

struct HeapEdge {
  std::string label;  // the field, "[0]", "weak", "callback", "self"
  EdgeKind kind = EdgeKind::Strong;
  model::Value target;
};

// Calls `visit` for every reference object `index` holds, in field order.
void for_each_object_edge(const model::Program& program, const model::State& state, size_t index,
                          const std::function<void(const HeapEdge&)>& visit);

// A root: "global NAME", "thread NAME" or "gc.garbage", and what it holds.
struct RootEdge {
  std::string root;
  std::string label;
  model::Value target;
};
void for_each_root_edge(const model::Program& program, const model::State& state,
                        const std::function<void(const RootEdge&)>& visit);

// The live object a value points to, or nullptr (not an object, dangling).
const model::Object* target_object(const model::State& state, model::Value v);

}  // namespace lifecheck::report
