// The HTML report: one self-contained page (no network needed to open it)
// per counterexample or run, built from the JSON report. A swimlane timeline
// (a lane per thread, runtime work as nested spans, every event a mark), the
// heap after the selected step (Graphviz layout, see HeapLayout.h, and a
// table; what changed since the step before is highlighted), keyboard
// stepping, and at the top the property, where it is documented, the
// entries of docs/semantics.md it cites and the replay command. The page's
// template is report/html/, built into the binary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lifecheck::report {

// `result`: the check/simulate/replay result the run belongs to (file,
// profile, ...); `run`: a run_json() with every event and step heaps;
// `source`: the scenario text.
std::string html_report(const nlohmann::json& result, const nlohmann::json& run,
                        const std::string& source);

struct IndexEntry {
  std::string file;      // the page, relative to the index
  std::string scenario;  // its scenario file
  std::string profile;
  std::string summary;  // what happened
};
// index.html of an --html folder: a link per page.
std::string html_index(const std::vector<IndexEntry>& entries);

// The page of every entry of docs/semantics.md (built into the binary),
// written beside the reports as kRuleReferencePage; the pages and the index
// link to it, so the reference travels with the folder.
inline constexpr const char* kRuleReferencePage = "semantics.html";
std::string html_rule_reference();

// Text for HTML or XML: & < > " escaped, control characters other than tab
// and newline (which neither allows) replaced by '?'.
std::string html_escape(const std::string& s);

}  // namespace lifecheck::report
