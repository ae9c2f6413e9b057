#include "report/ExpectWarnings.h"

#include <fmt/format.h>

namespace lifecheck::report {

std::vector<ExpectWarning> expect_warnings(const model::Program& program,
                                           const std::vector<uint8_t>& seen) {
  std::vector<ExpectWarning> out;
  if (seen.size() != program.expects.size()) return out;
  for (size_t i = 0; i < seen.size(); ++i) {
    const model::Expectation& x = program.expects[i];
    if (x.kind == model::ExpectKind::Never) continue;
    ExpectWarning w{x.line, x.col, x.text, {}, {}};
    if ((seen[i] & 1) == 0) w.unseen.push_back(x.a_text);
    if (x.kind == model::ExpectKind::Before && (seen[i] & 2) == 0) w.unseen.push_back(x.b_text);
    if (w.unseen.empty()) continue;
    std::string what;
    for (size_t k = 0; k < w.unseen.size(); ++k)
      what += (k == 0 ? "" : " and ") + ("'" + w.unseen[k] + "'");
    const bool vacuous = x.kind == model::ExpectKind::Before && (seen[i] & 2) == 0;
    w.message = fmt::format(
        "{}:{}:{}: warning: {}: {} never happened in the runs explored, so the line was not "
        "tested{}",
        program.file, x.line, x.col, x.text, what,
        vacuous ? " ('before' holds when its second event never happens)" : "");
    out.push_back(std::move(w));
  }
  return out;
}

nlohmann::json expect_warnings_json(const std::vector<ExpectWarning>& warnings) {
  nlohmann::json out = nlohmann::json::array();
  for (const ExpectWarning& w : warnings)
    out.push_back({{"kind", "expect-not-observed"},
                   {"line", w.line},
                   {"col", w.col},
                   {"expect", w.expect},
                   {"never_observed", w.unseen},
                   {"message", w.message}});
  return out;
}

}  // namespace lifecheck::report
