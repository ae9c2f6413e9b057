#include "report/HtmlReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "report/Assets.h"
#include "report/HeapLayout.h"
#include "report/JsonReport.h"
#include "report/Rules.h"

namespace lifecheck::report {

using nlohmann::json;

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    // Neither HTML nor XML 1.0 allows the other control characters.
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
      out += '?';
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// Fills @NAME@ slots in one pass, so that filled-in text is never rescanned.
std::string fill(std::string_view page, const std::map<std::string, std::string>& slots) {
  std::string out;
  size_t pos = 0;
  while (pos < page.size()) {
    size_t at = page.find('@', pos);
    if (at == std::string_view::npos) break;
    size_t close = page.find('@', at + 1);
    if (close == std::string_view::npos) break;
    auto slot = slots.find(std::string(page.substr(at + 1, close - at - 1)));
    if (slot == slots.end()) {
      out += page.substr(pos, at + 1 - pos);
      pos = at + 1;
      continue;
    }
    out += page.substr(pos, at - pos);
    out += slot->second;
    pos = close + 1;
  }
  out += page.substr(pos);
  return out;
}

// Rule numbers in `text` as links to their entries at the bottom of the page.
std::string linked_rules(const std::string& text) {
  std::string out = html_escape(text);
  for (const std::string& id : cited_rules(text)) {
    if (!find_rule(id)) continue;
    size_t at = 0;
    while ((at = out.find(id, at)) != std::string::npos) {
      bool word_end = at + id.size() >= out.size() ||
                      !std::isalnum(static_cast<unsigned char>(out[at + id.size()]));
      bool word_start = at == 0 || !std::isalnum(static_cast<unsigned char>(out[at - 1]));
      if (!word_end || !word_start || (at >= 1 && out[at - 1] == '#')) {
        at += id.size();
        continue;
      }
      std::string link = "<a href=\"#rule-" + id + "\">" + id + "</a>";
      out.replace(at, id.size(), link);
      at += link.size();
    }
  }
  return out;
}

std::string header_html(const json& result, const json& run) {
  std::string h;
  std::string facts;
  auto fact = [&](const std::string& term, const std::string& html) {
    facts += "  <dt>" + term + "</dt><dd>" + html + "</dd>\n";
  };
  if (run.contains("violation")) {
    const json& v = run["violation"];
    std::string ids, titles;
    for (const json& p : v["properties"]) {
      ids += (ids.empty() ? "" : ", ") + p.value("id", "");
      titles += (titles.empty() ? "" : "; ") + p.value("title", "");
    }
    h += "<header class=\"violated\">\n<h1 id=\"property\">VIOLATION of " + html_escape(ids) +
         " <span class=\"title\">" + html_escape(titles) + "</span></h1>\n";
    fact("what happened",
         "<span id=\"message\">" + html_escape(v.value("message", "")) + "</span>");
    for (const json& p : v["properties"]) {
      fact("documented in",
           "<span class=\"source\">" + html_escape(p.value("source", "")) + "</span>" +
               (v["properties"].size() > 1 ? " (" + html_escape(p.value("id", "")) + ")" : ""));
      fact("mechanism",
           "<span class=\"mechanism\">" + linked_rules(p.value("mechanism", "")) + "</span>");
    }
  } else {
    std::string outcome = run.value("outcome", "");
    std::string what = result.contains("seed") ? "Simulation with seed " +
                                                     std::to_string(result["seed"].get<uint64_t>())
                                               : "Replay";
    h += "<header class=\"run\">\n<h1 id=\"property\">" + html_escape(what) +
         " <span class=\"title\">" +
         html_escape(outcome == "completed" ? "completed without a violation"
                     : outcome == "limit"   ? "stopped: " + run.value("limit", "")
                                            : outcome) +
         "</span></h1>\n";
  }
  fact("scenario", "<span id=\"scenario\">" + html_escape(result.value("file", "")) +
                       "</span> (profile " + html_escape(result.value("profile", "")) + ")");
  for (const json& i : result.value("ignored", json::array()))
    fact("ignoring", html_escape(i.value("property", "") + " (" + i.value("reason", "") + ")"));
  if (run.contains("ignored_before") && !run["ignored_before"].empty()) {
    std::string ids;
    for (const json& p : run["ignored_before"])
      ids += (ids.empty() ? "" : ", ") + p.get<std::string>();
    fact("found before", html_escape(ids) + " (ignored while searching for this one)");
  }
  fact("replay",
       "<code id=\"replay-command\">" + html_escape(run.value("replay_command", "")) + "</code>");
  fact("reference", "rule numbers are explained in <a href=\"" + std::string(kRuleReferencePage) +
                        "\">docs/semantics.md</a>");
  return h + "<dl class=\"facts\">\n" + facts + "</dl>\n</header>";
}

json entry_json(const RuleEntry& e) {
  return json{{"id", e.id},
              {"title", e.title},
              {"cpython", e.cpython},
              {"profiles", e.profiles},
              {"text", e.text}};
}

json cited_entries(const json& run) {
  json out = json::array();
  if (!run.contains("violation")) return out;
  std::vector<std::string> seen;
  for (const json& p : run["violation"]["properties"])
    for (const std::string& id : cited_rules(p.value("id", "") + " " + p.value("mechanism", ""))) {
      if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
      seen.push_back(id);
      if (const RuleEntry* e = find_rule(id)) out.push_back(entry_json(*e));
    }
  return out;
}

// An entry's Markdown as HTML: paragraphs, `code` and **bold** only (the
// reference uses nothing else in its entries).
std::string entry_html(const std::string& markdown) {
  std::string out, para;
  auto inline_md = [](const std::string& text) {
    std::string html = html_escape(text), done;
    bool code = false, bold = false;
    for (size_t i = 0; i < html.size(); ++i) {
      if (html[i] == '`') {
        done += code ? "</code>" : "<code>";
        code = !code;
      } else if (!code && html.compare(i, 2, "**") == 0) {
        done += bold ? "</strong>" : "<strong>";
        bold = !bold;
        ++i;
      } else {
        done += html[i];
      }
    }
    if (code) done += "</code>";
    if (bold) done += "</strong>";
    return done;
  };
  std::istringstream in(markdown);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) {
      if (!para.empty()) out += "<p>" + inline_md(para) + "</p>\n";
      para.clear();
    } else {
      para += (para.empty() ? "" : " ") + line;
    }
  }
  if (!para.empty()) out += "<p>" + inline_md(para) + "</p>\n";
  return out;
}

// One <article id="rule-ID"> per entry.
std::string rule_articles(const json& entries) {
  std::string out;
  for (const json& e : entries) {
    std::string id = e.value("id", "");
    // A one-line field without its paragraph tags.
    auto field = [](const std::string& md) {
      std::string html = entry_html(md);
      return html.size() > 8 ? html.substr(3, html.size() - 8) : html;
    };
    out += "<article id=\"rule-" + html_escape(id) + "\" class=\"rule\">\n<h3>" + html_escape(id) +
           " \u2014 " + html_escape(e.value("title", "")) + "</h3>\n" +
           "<div class=\"meta\">CPython: " + field(e.value("cpython", "")) +
           "</div>\n<div class=\"meta\">Profiles: " + field(e.value("profiles", "")) + "</div>\n" +
           entry_html(e.value("text", "")) + "</article>\n";
  }
  return out;
}

std::string rules_html(const json& entries) {
  if (entries.empty()) return "";
  return "<section id=\"rules\" aria-label=\"rules\">\n<h2>The rules this property rests on "
         "(from <a href=\"" +
         std::string(kRuleReferencePage) + "\">docs/semantics.md</a>)</h2>\n" +
         rule_articles(entries) + "</section>";
}

// The head of a page that is not a report (index, rule reference).
std::string plain_page_head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         html_escape(title) + "</title>\n<style>\n" + std::string(assets::report_css()) +
         "\nbody { padding: 12px 18px; }\n</style>\n</head>\n<body>\n";
}

// JSON inside <script>: '<' only occurs in strings, where \u003c means the
// same, so no "</script>" or "<!--" can end the element early.
std::string script_json(const json& j) {
  std::string text = j.dump();
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return out;
}

}  // namespace

std::string html_report(const json& result, const json& run, const std::string& source) {
  HeapLayout layout = layout_heaps(run);
  json summary = result;
  summary.erase("counterexamples");
  summary.erase("run");
  json entries = cited_entries(run);
  json data{{"format", "lifecheck-html"},
            {"version", kJsonFormatVersion},
            {"result", summary},
            {"run", run},
            {"source", source},
            {"rules", entries},
            {"layout", json{{"available", layout.svg.has_value()},
                            {"note", layout.note},
                            {"nodes", layout.nodes},
                            {"edges", layout.edges}}}};
  std::string title = "lifecheck: ";
  if (run.contains("violation"))
    title += run["violation"]["properties"][0].value("id", "") + " in ";
  title += result.value("file", "");
  return fill(assets::report_html(), {{"TITLE", html_escape(title)},
                                      {"STYLE", std::string(assets::report_css())},
                                      {"HEADER", header_html(result, run)},
                                      {"SVG", layout.svg.value_or("")},
                                      {"RULES", rules_html(entries)},
                                      {"DATA", script_json(data)},
                                      {"SCRIPT", std::string(assets::report_js())}});
}

std::string html_index(const std::vector<IndexEntry>& entries) {
  std::string rows;
  for (const IndexEntry& e : entries)
    rows += fmt::format("<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
                        html_escape(e.file), html_escape(e.scenario), html_escape(e.profile),
                        html_escape(e.summary));
  return plain_page_head("lifecheck reports") + "<h1>lifecheck reports</h1>\n" +
         (entries.empty() ? std::string("<p>No counterexample: nothing to show.</p>\n")
                          : "<table id=\"reports\">\n<thead><tr><th>scenario</th><th>profile</th>"
                            "<th>what happened</th></tr></thead>\n<tbody>\n" +
                                rows + "</tbody>\n</table>\n") +
         "<p>Rule numbers are explained in <a href=\"" + std::string(kRuleReferencePage) +
         "\">the rule reference</a>.</p>\n</body>\n</html>\n";
}

std::string html_rule_reference() {
  json entries = json::array();
  for (const RuleEntry& e : rule_entries()) entries.push_back(entry_json(e));
  return plain_page_head("lifecheck rule reference") +
         "<h1>The rules lifecheck cites</h1>\n<p>Every rule number that lifecheck prints or its "
         "documentation cites, one entry each, as docs/semantics.md of this lifecheck holds them: "
         "what the runtime does, the CPython function it comes from and the profiles it applies "
         "to.</p>\n<section id=\"rules\" aria-label=\"rules\">\n" +
         rule_articles(entries) + "</section>\n</body>\n</html>\n";
}

}  // namespace lifecheck::report
