// Warnings about expect lines that a search never tested (new-user review
// finding 13): `expect A before B` holds when B never happens, and a log
// pattern whose text no run produces matches nothing, so such a line
// passes silently. After a search that found nothing, each line whose
// event patterns matched no event in the runs explored gets a warning.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/Program.h"

namespace lifecheck::report {

struct ExpectWarning {
  int line = 0;
  int col = 0;
  std::string expect;               // the line as written
  std::vector<std::string> unseen;  // its patterns that matched nothing
  std::string message;              // "FILE:LINE:COL: warning: ..."
};

// `seen`: model::Model::expect_events_seen() of the search, one entry per
// expect line (empty: no warnings). `expect A never` is not warned about:
// that its event never happens is what it says.
std::vector<ExpectWarning> expect_warnings(const model::Program& program,
                                           const std::vector<uint8_t>& seen);

nlohmann::json expect_warnings_json(const std::vector<ExpectWarning>& warnings);

}  // namespace lifecheck::report
