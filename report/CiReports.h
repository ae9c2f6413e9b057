// Reports for CI systems and code-review tools, written from the JSON report
// (report_envelope): JUnit XML, one test case per scenario and property, and
// SARIF 2.1.0, one result per violated property of each counterexample,
// located at the scenario line of its failing step.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace lifecheck::report {

std::string junit_xml(const nlohmann::json& report);
// `sources` (scenario file -> its text), where it has the file, gives a
// code-flow location on a line other than its step's own the statement's
// text; without it such a location reads "line N".
nlohmann::json sarif_log(const nlohmann::json& report,
                         const std::map<std::string, std::string>& sources = {});

// A run as plain text (the JUnit failure body): property, replay command,
// steps with their events.
std::string run_text(const nlohmann::json& run);

}  // namespace lifecheck::report
