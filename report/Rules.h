// Rule numbers (`R1.9`, `G12`, `G-I3`, `W4`, `T1`, `TC1`, `X1`, `F3`, `F-G2`,
// `P7.5`) as the code, the docs and the reports cite them, and their entries in
// docs/semantics.md, the project's reference (built into the binary so that
// an HTML report can show the entries it cites without the repository).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lifecheck::report {

// Every rule number cited in `text`, in order of first citation, without
// repeats. A range of one family ("G8-G10", "R1.1–R1.12", "T1-T4") cites
// every number in it. "R1.7b step 13" cites R1.7b.
std::vector<std::string> cited_rules(std::string_view text);

struct RuleEntry {
  std::string id;        // "R1.9"
  std::string title;     // the heading after the id
  std::string text;      // the entry's Markdown, without the heading
  std::string cpython;   // the "CPython:" line
  std::string profiles;  // the "Profiles:" line
};

// The entries of a semantics reference written as docs/semantics.md is:
// one "### ID — title" heading per rule.
std::vector<RuleEntry> parse_rule_entries(std::string_view markdown);

// docs/semantics.md as built into this binary, and its entries.
std::string_view semantics_markdown();
const std::vector<RuleEntry>& rule_entries();
const RuleEntry* find_rule(std::string_view id);

}  // namespace lifecheck::report
