// docs/semantics.md is the reference of every rule number the project
// cites: what lifecheck prints (list-properties, counterexamples, JSON) and
// what docs/ and the code's comments cite must each have an entry there,
// with the CPython function it comes from and the profiles it holds for. A
// new citation without an entry fails here, whatever its family (R, G,
// G-I, W, T, TC, X, F, F-G, P7).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "TestSupport.h"
#include "report/Rules.h"

namespace lifecheck::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Text with `code spans` blanked: names in code (a class `X0`, a thread
// `T9`) are not citations.
std::string without_code_spans(const std::string& text) {
  std::string out = text;
  bool in_code = false;
  for (char& c : out) {
    if (c == '`')
      in_code = !in_code;
    else if (in_code && c != '\n')
      c = ' ';
  }
  return out;
}

// Markdown prose and lifecheck's output samples; blocks of scenario, Python,
// C or shell code and of other programs' output ("text") are not citations.
std::string markdown_citing_text(const std::string& md) {
  std::string out, line;
  std::istringstream in(md);
  bool in_block = false, code_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (!in_block) {
        std::string lang = line.substr(3);
        code_block = lang == "python" || lang == "life" || lang == "c" || lang == "cpp" ||
                     lang == "sh" || lang == "bash" || lang == "text";
      }
      in_block = !in_block;
      continue;
    }
    if (in_block && code_block) continue;
    out += (in_block ? line : without_code_spans(line)) + "\n";
  }
  return out;
}

// The comments of a C++ file: // to the end of the line, and /* ... */.
std::string cpp_comments(const std::string& code) {
  std::string out;
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '"') {  // skip string literals
      for (++i; i < code.size() && code[i] != '"'; ++i)
        if (code[i] == '\\') ++i;
      continue;
    }
    if (code.compare(i, 2, "//") == 0) {
      size_t end = code.find('\n', i);
      out += code.substr(i, end - i) + "\n";
      i = end == std::string::npos ? code.size() : end;
    } else if (code.compare(i, 2, "/*") == 0) {
      size_t end = code.find("*/", i);
      out += code.substr(i, end - i) + "\n";
      i = end == std::string::npos ? code.size() : end + 1;
    }
  }
  return without_code_spans(out);
}

struct Citations {
  std::map<std::string, std::string> where;  // rule -> first place citing it
  void add(const std::string& text, const std::string& place) {
    for (const std::string& id : report::cited_rules(text)) where.emplace(id, place);
  }
};

std::vector<report::RuleEntry> reference() {
  return report::parse_rule_entries(read_all(source_path("docs/semantics.md")));
}

TEST(SemanticsReference, EntriesAreCompleteAndBuiltIn) {
  std::vector<report::RuleEntry> entries = reference();
  ASSERT_GT(entries.size(), 80u);
  std::set<std::string> ids;
  for (const report::RuleEntry& e : entries) {
    EXPECT_TRUE(ids.insert(e.id).second) << e.id << " has two entries";
    EXPECT_FALSE(e.title.empty()) << e.id;
    EXPECT_FALSE(e.cpython.empty()) << e.id << " names no CPython function";
    EXPECT_FALSE(e.profiles.empty()) << e.id << " names no profiles";
    EXPECT_GT(e.text.size(), 60u) << e.id << " says too little";
  }
  // The binary carries the same reference (HTML reports show its entries).
  ASSERT_EQ(report::rule_entries().size(), entries.size()) << "rebuild: the embedded copy is stale";
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(report::rule_entries()[i].id, entries[i].id);
    EXPECT_EQ(report::rule_entries()[i].text, entries[i].text);
  }
  // Every profile an entry names exists.
  json profiles = json::parse(run_cli({"list-profiles", "--json"}).out);
  std::set<std::string> names;
  for (const json& p : profiles) names.insert(p["name"]);
  for (const report::RuleEntry& e : entries) {
    std::string list = e.profiles.substr(0, e.profiles.find(" ("));
    std::istringstream words(list);
    for (std::string w; words >> w;) {
      if (!w.empty() && (w.back() == ',' || w.back() == ';')) w.pop_back();
      if (w == "all" || w.rfind("P3", 0) != 0) continue;
      EXPECT_TRUE(names.count(w)) << e.id << " names an unknown profile " << w;
    }
  }
}

TEST(SemanticsReference, EveryCitedRuleHasAnEntry) {
  std::set<std::string> ids;
  for (const report::RuleEntry& e : reference()) ids.insert(e.id);
  Citations cited;
  // What lifecheck prints: the properties' mechanisms ...
  cited.add(run_cli({"list-properties"}).out, "lifecheck list-properties");
  cited.add(run_cli({"list-profiles"}).out, "lifecheck list-profiles");
  // ... and its counterexamples, in text and JSON.
  for (const auto& e : fs::directory_iterator(source_path("scenarios/contract"))) {
    std::string file = e.path().string();
    if (file.find("-bug.life") == std::string::npos) continue;
    CliResult text = run_cli({"check", "--quiet", file});
    cited.add(text.out, "check " + file);
    json j = json::parse(run_cli({"check", "--quiet", "--json", file}).out);
    for (const json& c : j["results"][0]["counterexamples"])
      for (const json& p : c["violation"]["properties"])
        for (const json& r : p.value("rules", json::array())) {
          cited.add(r.get<std::string>(), "check --json " + file);
          EXPECT_TRUE(report::find_rule(r.get<std::string>())) << r << " in the JSON of " << file;
        }
  }
  // What the docs write.
  for (const auto& e : fs::recursive_directory_iterator(source_path("docs")))
    if (e.path().extension() == ".md")
      cited.add(markdown_citing_text(read_all(e.path().string())), e.path().string());
  cited.add(markdown_citing_text(read_all(source_path("README.md"))), "README.md");
  // What the code's comments cite.
  for (const char* dir :
       {"model", "lang", "checker", "report", "cli", "api", "gen", "emit", "include", "tests"})
    for (const auto& e : fs::recursive_directory_iterator(source_path(dir))) {
      std::string ext = e.path().extension().string();
      if (ext == ".cpp" || ext == ".h" || ext == ".hpp")
        cited.add(cpp_comments(read_all(e.path().string())), e.path().string());
    }
  ASSERT_GT(cited.where.size(), 80u);
  for (const auto& [id, place] : cited.where)
    EXPECT_TRUE(ids.count(id)) << id << " (cited by " << place
                               << ") has no entry in docs/semantics.md";
}

// The scanner itself: what counts as a citation where.
TEST(SemanticsReference, CitationsInCommentsAndMarkdown) {
  EXPECT_EQ(report::cited_rules(cpp_comments("int x = 1;  // G12: weakrefs (X1)\n"
                                             "const char* s = \"G13\";  /* R1.9 */\n")),
            (std::vector<std::string>{"G12", "X1", "R1.9"}));
  EXPECT_EQ(report::cited_rules(markdown_citing_text(
                "Prose G5 and `X0` code.\n```python\nT9 = 1\n```\n```\nmechanism: W4\n```\n")),
            (std::vector<std::string>{"G5", "W4"}));
}

}  // namespace
}  // namespace lifecheck::testing
