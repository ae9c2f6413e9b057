// Human-readable output: events, traces, the heap, counterexamples.
#pragma once

#include <ostream>
#include <string>

#include "checker/Search.h"
#include "model/Model.h"

namespace lifecheck::report {

struct TraceOptions {
  bool verbose = false;  // also INCREF/DECREF/TRACK/UNTRACK and GC phases
};

std::string object_name(const model::Program& program, model::LabelId label, uint16_t serial,
                        model::ClassId type);
std::string format_event(const model::Program& program, const model::Event& e);
bool is_verbose_event(model::EventKind kind);
// "line 12: a = Node()" (or "" when there is no source line)
std::string statement_text(const model::Program& program, int line);

void print_trace(std::ostream& out, const model::Program& program, const model::Trace& trace,
                 const TraceOptions& options);
void print_heap(std::ostream& out, const model::Program& program, const model::State& state);

// The whole counterexample: property, documentation, replay token, steps,
// and the heap at the failing state.
void print_counterexample(std::ostream& out, const model::Program& program,
                          const model::Trace& trace, const std::string& replay_token,
                          const TraceOptions& options);

}  // namespace lifecheck::report
