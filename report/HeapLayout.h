// The heap drawing of an HTML report: one Graphviz layout of every object
// and reference a run ever has (all steps together), so that nothing moves
// as the reader steps through the run; the page shows, hides and highlights
// the parts of it that belong to the selected step. Graphviz's `dot` runs
// when the report is written (Debian package graphviz; LIFECHECK_DOT names
// another program). Without it the page says so and shows the heap as a
// table only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace lifecheck::report {

struct HeapLayout {
  std::optional<std::string> svg;  // the drawing, ready to inline in HTML
  std::string note;                // without a drawing: why
  // object or root name -> the SVG element id of its node; for each node
  // also the width its state line was laid out for.
  nlohmann::json nodes = nlohmann::json::object();
  // "from|label|to" -> the SVG element id of that edge
  nlohmann::json edges = nlohmann::json::object();
};

// The union of run["initial_heap"], the heap after every step (from the
// steps' "heap_delta") and run["heap"] as DOT (deterministic: nodes and
// edges in order of first appearance).
std::string union_heap_dot(const nlohmann::json& run, nlohmann::json& nodes, nlohmann::json& edges);

// Above this many objects and roots over the run there is no drawing.
inline constexpr size_t kMaxDrawnNodes = 300;
HeapLayout layout_heaps(const nlohmann::json& run);

// The program that lays out graphs: $LIFECHECK_DOT, or `dot` on the PATH.
std::string dot_program();

}  // namespace lifecheck::report
