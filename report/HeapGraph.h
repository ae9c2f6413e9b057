// The heap as a Graphviz DOT graph (Boost.Graph's write_graphviz): objects
// as nodes, strong references as solid edges, weakrefs as dashed edges,
// roots (globals, thread frames) as boxes.
#pragma once

#include <ostream>

#include "model/Program.h"
#include "model/State.h"

namespace lifecheck::report {

void write_heap_dot(std::ostream& out, const model::Program& program, const model::State& state);

}  // namespace lifecheck::report
