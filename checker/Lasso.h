// Runs that never end. A finite state graph has an infinite run from the
// initial state exactly when a reachable state lies on a cycle; the run is
// then a lasso: a path to that state, and the cycle around it, repeated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/StepResult.h"

namespace lifecheck::checker {

// A transition between two states of a search, by their store indices.
struct GraphEdge {
  uint32_t from;
  uint32_t to;
};

struct Cycle {
  uint32_t entry;             // the cycle's state with the lowest index
  std::vector<size_t> edges;  // indices into the edge list: entry -> ... -> entry
};

// The strongly connected components that hold a cycle (two states or
// more, or one with an edge to itself), each as its states in increasing
// order, the components ordered by their lowest state. The edges must be
// sorted by source, else std::invalid_argument.
std::vector<std::vector<uint32_t>> cyclic_components(size_t states,
                                                     const std::vector<GraphEdge>& edges);

// The cycle through the lowest-indexed state that lies on any cycle of the
// graph (states numbered 0..states-1), shortest through that state; nullopt
// when the graph is acyclic. The edges must be sorted by source (a search
// adds them so), else std::invalid_argument. With indices given in breadth-first order, no
// state of the path to `entry` lies on the cycle.
std::optional<Cycle> find_cycle(size_t states, const std::vector<GraphEdge>& edges);

// The violation reported for a lasso: the state after `loop_end` steps is the
// state after `loop_start` steps, so the steps between repeat forever.
StepResult endless_run(const std::string& property, size_t loop_start, size_t loop_end);

}  // namespace lifecheck::checker
