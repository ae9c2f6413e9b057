// Machine-readable output (--json): the same content as the text report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checker/Search.h"
#include "model/Model.h"
#include "report/TextReport.h"

namespace lifecheck::report {

nlohmann::json event_json(const model::Program& program, const model::Event& e);
nlohmann::json trace_json(const model::Program& program, const model::Trace& trace,
                          const TraceOptions& options);
nlohmann::json heap_json(const model::Program& program, const model::State& state);
nlohmann::json violation_json(const checker::StepResult& failure);
// Statistics; timing fields only when `timing` (they vary between runs).
nlohmann::json stats_json(const checker::Stats& stats, bool timing);
// The reductions and store estimates of a search, for its summary line
// (empty when there are none).
std::string reduction_summary(const checker::Stats& stats, checker::StoreKind store);

}  // namespace lifecheck::report
