#include "report/Rules.h"

#include <algorithm>
#include <regex>

namespace lifecheck::report {

namespace {

// One rule number: family prefix, then digits, then a letter variant.
const std::regex& rule_pattern() {
  static const std::regex re(
      R"((^|[^A-Za-z0-9_.\-])((R\d{1,3}\.|G-I|F-G|TC|P7\.|[GWTFX])(\d{1,4})([a-z]?))(?![A-Za-z0-9_]))");
  return re;
}

// "-", "–" (en dash) or ".." between two numbers of a range.
size_t range_separator(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  if (s.substr(i, 3) == "\xE2\x80\x93") return i + 3;
  if (s.substr(i, 2) == "..") return i + 2;
  if (s.substr(i, 1) == "-") return i + 1;
  return 0;
}

}  // namespace

std::vector<std::string> cited_rules(std::string_view text) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  const std::string str(text);
  const std::regex& re = rule_pattern();
  auto it = std::sregex_iterator(str.begin(), str.end(), re);
  for (; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    std::string prefix = m[3], variant = m[5];
    int first = std::stoi(m[4]);
    add(m[2]);
    if (!variant.empty()) continue;
    // A range: the same family after the separator ("G8-G10", "T1–T4").
    size_t end = static_cast<size_t>(m.position(0) + m.length(0));
    size_t sep = range_separator(std::string_view(str).substr(end));
    if (sep == 0) continue;
    std::smatch next;
    std::string rest = " " + str.substr(end + sep);
    if (!std::regex_search(rest, next, re, std::regex_constants::match_continuous)) continue;
    if (next[3] != prefix || next[5].length() != 0) continue;
    int last = std::stoi(next[4]);
    if (last <= first || last > first + 100) continue;
    for (int n = first + 1; n <= last; ++n) add(prefix + std::to_string(n));
  }
  return out;
}

std::vector<RuleEntry> parse_rule_entries(std::string_view markdown) {
  std::vector<RuleEntry> out;
  size_t pos = 0;
  RuleEntry* current = nullptr;
  bool fenced = false;  // inside a ``` block, where "###" is not a heading
  while (pos < markdown.size()) {
    size_t eol = markdown.find('\n', pos);
    if (eol == std::string_view::npos) eol = markdown.size();
    std::string_view line = markdown.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (!fenced && line.rfind("#", 0) == 0) {
      current = nullptr;
      if (line.rfind("### ", 0) != 0) continue;
      std::string_view heading = line.substr(4);
      size_t space = heading.find(' ');
      std::string id(heading.substr(0, space));
      std::vector<std::string> ids = cited_rules(id);
      if (ids.size() != 1 || ids[0] != id) continue;
      out.push_back(RuleEntry{id, "", "", "", ""});
      current = &out.back();
      if (space != std::string_view::npos) {
        std::string_view title = heading.substr(space + 1);
        for (std::string_view dash : {"\xE2\x80\x94 ", "- "})
          if (title.rfind(dash, 0) == 0) title.remove_prefix(dash.size());
        current->title = std::string(title);
      }
      continue;
    }
    if (!current) continue;
    bool field_line = false;
    for (auto [key, field] : {std::pair{"CPython:", &RuleEntry::cpython},
                              std::pair{"Profiles:", &RuleEntry::profiles}}) {
      std::string_view k(key);
      size_t at = line.find(k);
      // "**CPython:** ..." or "CPython: ..."
      if (at != std::string_view::npos && at <= 2) {
        std::string_view value = line.substr(at + k.size());
        while (!value.empty() && (value[0] == '*' || value[0] == ' ')) value.remove_prefix(1);
        current->*field = std::string(value);
        field_line = true;
      }
    }
    if (!field_line) current->text += std::string(line) + "\n";
  }
  for (RuleEntry& e : out) {
    while (!e.text.empty() && (e.text.back() == '\n' || e.text.back() == ' ')) e.text.pop_back();
    size_t first = e.text.find_first_not_of('\n');
    e.text = first == std::string::npos ? "" : e.text.substr(first);
  }
  return out;
}

const std::vector<RuleEntry>& rule_entries() {
  static const std::vector<RuleEntry> entries = parse_rule_entries(semantics_markdown());
  return entries;
}

const RuleEntry* find_rule(std::string_view id) {
  for (const RuleEntry& e : rule_entries())
    if (e.id == id) return &e;
  return nullptr;
}

}  // namespace lifecheck::report

#include "report/Assets.h"

namespace lifecheck::report {

std::string_view semantics_markdown() { return assets::semantics_md(); }

}  // namespace lifecheck::report
