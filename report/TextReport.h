// Human-readable output: events, traces, the heap, counterexamples.
#pragma once

#include <ostream>
#include <string>

#include "checker/Search.h"
#include "model/Model.h"

namespace lifecheck::report {

struct TraceOptions {
  bool verbose = false;  // also INCREF/DECREF/TRACK/UNTRACK and GC phases
  // Options the replay command needs besides the token ("--profile 3.11
  // --ignore P7.5"), printed after it; empty for none.
  std::string replay_options;
};

std::string object_name(const model::Program& program, model::LabelId label, uint16_t serial,
                        model::ClassId type);
std::string format_event(const model::Program& program, const model::Event& e);
bool is_verbose_event(model::EventKind kind);
// A value as the heap listing shows it: a#1, None, 3, "text", <dangling>.
std::string value_text(const model::Program& program, const model::State& state, model::Value v);
// A GC list's name: gen0, unreachable, finalizers, ... ("untracked").
const char* list_name(uint8_t list);
// Where a thread is: "finished", "<module>, at line 12", ...
std::string thread_status_text(const model::Program& program, const model::State& state,
                               size_t thread);
// The scenario line a thread's innermost Python code is at or executing
// (0 if it has none).
int executing_line(const model::Program& program, const model::State& state, size_t thread);
// "line 12: a = Node()" (or "" when there is no source line); from a
// scenario's source text, "line 12" when it has no such line.
std::string statement_text(const model::Program& program, int line);
std::string statement_text(const std::string& source, int line);
// The statement a step's header names: that of its first event (each event
// carries the statement it ran in), else, for a step without events, the
// one it started at (the tail of a statement, often: its check).
model::StatementAt step_statement(const model::TraceStep& step);
// "line 12: del b   in f", or "(f)" / "(runtime)" without a line.
std::string statement_heading(const model::Program& program, model::StatementAt at);

void print_trace(std::ostream& out, const model::Program& program, const model::Trace& trace,
                 const TraceOptions& options);
void print_heap(std::ostream& out, const model::Program& program, const model::State& state);

// The whole counterexample: property, documentation, replay token, steps,
// and the heap at the failing state.
void print_counterexample(std::ostream& out, const model::Program& program,
                          const model::Trace& trace, const std::string& replay_token,
                          const TraceOptions& options);

}  // namespace lifecheck::report
