#include "report/Rules.h"

#include <algorithm>
#include <optional>

namespace lifecheck::report {

namespace {

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool word_char(char c) {
  return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// What may stand before a rule number: not part of a word, a number ("1.2")
// or a range ("G8-G10" cites G10 through the range).
bool boundary_before(char c) { return !word_char(c) && c != '.' && c != '-'; }

// One rule number: a family prefix, one to four digits, a letter variant,
// and no word character after it. (Scanned by hand: GCC 12's std::regex
// draws a false -Wmaybe-uninitialized at -O2 under the sanitizers.)
struct RuleMatch {
  std::string prefix, digits, variant;
  size_t end = 0;  // one past the last character
  std::string id() const { return prefix + digits + variant; }
};

std::optional<RuleMatch> rule_at(std::string_view s, size_t i) {
  auto has = [&](size_t at, std::string_view what) { return s.substr(at, what.size()) == what; };
  // The families, tried in this order (TC before T, G-I before G...).
  std::vector<size_t> prefixes;
  if (has(i, "R")) {
    size_t d = 0;
    while (i + 1 + d < s.size() && ascii_digit(s[i + 1 + d])) ++d;
    if (d >= 1 && d <= 3 && has(i + 1 + d, ".")) prefixes.push_back(d + 2);
  }
  for (std::string_view p :
       {"G-I", "F-G", "TC", "TL", "LK", "WT", "P7.", "FN", "AX", "SD", "DA", "CA"})
    if (has(i, p)) prefixes.push_back(p.size());
  if (i < s.size() && std::string_view("GWTFXY").find(s[i]) != std::string_view::npos)
    prefixes.push_back(1);
  for (size_t p : prefixes) {
    size_t k = i + p, d = 0;
    while (k + d < s.size() && ascii_digit(s[k + d])) ++d;
    if (d < 1 || d > 4) continue;
    RuleMatch m{std::string(s.substr(i, p)), std::string(s.substr(k, d)), "", k + d};
    if (m.end < s.size() && s[m.end] >= 'a' && s[m.end] <= 'z' &&
        (m.end + 1 >= s.size() || !word_char(s[m.end + 1]))) {
      m.variant = std::string(1, s[m.end]);
      ++m.end;
    } else if (m.end < s.size() && word_char(s[m.end])) {
      continue;
    }
    return m;
  }
  return std::nullopt;
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
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && !boundary_before(text[i - 1])) continue;
    std::optional<RuleMatch> m = rule_at(text, i);
    if (!m) continue;
    add(m->id());
    i = m->end - 1;
    if (!m->variant.empty()) continue;
    // A range: the same family after the separator ("G8-G10", "T1–T4").
    size_t sep = range_separator(text.substr(m->end));
    if (sep == 0) continue;
    std::optional<RuleMatch> next = rule_at(text, m->end + sep);
    if (!next || next->prefix != m->prefix || !next->variant.empty()) continue;
    int first = std::stoi(m->digits), last = std::stoi(next->digits);
    if (last <= first || last > first + 100) continue;
    for (int n = first + 1; n <= last; ++n) add(m->prefix + std::to_string(n));
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
