// Machine-readable output (--json), and the input of the HTML, JUnit and
// SARIF reports. The format is versioned (kJsonFormatVersion) and described
// field by field in docs/output-formats.md; a change that removes or renames
// a field, or changes its meaning, takes a new version.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checker/Search.h"
#include "model/Model.h"
#include "report/TextReport.h"

namespace lifecheck::report {

inline constexpr int kJsonFormatVersion = 1;

// {"format": "lifecheck", "version": 1, "command": ..., "results": [...]}:
// the same shape for one scenario or many.
nlohmann::json report_envelope(const std::string& command, nlohmann::json results);

struct JsonOptions {
  bool verbose = false;     // also refcount, tracking and GC-phase events
  bool step_heaps = false;  // the heap after every step, as changes (for the HTML report)
};

nlohmann::json event_json(const model::Program& program, const model::Event& e, size_t seq);
nlohmann::json trace_json(const model::Program& program, const model::Trace& trace,
                          const JsonOptions& options);
nlohmann::json heap_json(const model::Program& program, const model::State& state);
// What changed from one heap_json to the next: the objects added or changed
// (whole), the names of those gone, the edges added and removed, and the
// small parts whole (globals, threads, gc_garbage, collecting). Linear in
// the change, so that a long run's HTML report stays small.
nlohmann::json heap_delta(const nlohmann::json& before, const nlohmann::json& after);
// The heap after a delta: `heap` (the heap before) changed in place.
void apply_heap_delta(nlohmann::json& heap, const nlohmann::json& delta);
nlohmann::json violation_json(const checker::StepResult& failure);
nlohmann::json spans_json(const model::Program& program, const model::Trace& trace);
// Statistics; timing fields only when `timing` (they vary between runs).
nlohmann::json stats_json(const checker::Stats& stats, bool timing);
// The reductions and store estimates of a search, for its summary line
// (empty when there are none).
std::string reduction_summary(const checker::Stats& stats, checker::StoreKind store);

// One run: its outcome, the violation if any, how to replay it, every step
// with its events, the spans of runtime work and the heap at the end (and,
// with step_heaps, each step's heap_delta and the initial_heap).
// `replay_command` is the whole command
// line that replays it.
nlohmann::json run_json(const model::Model& model, const model::Trace& trace,
                        const std::string& replay_token, const std::string& replay_command,
                        const JsonOptions& options);

// The scenario line a run's failing step executed (SARIF, JUnit): the last
// step with a line, preferring the failing step's own thread; 0 if none.
int failing_line(const nlohmann::json& run);

}  // namespace lifecheck::report
