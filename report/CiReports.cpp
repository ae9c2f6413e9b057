#include "report/CiReports.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <utility>

#include "model/Properties.h"
#include "report/HtmlReport.h"
#include "report/TextReport.h"

namespace lifecheck::report {

using nlohmann::json;

namespace {

// The check results of a report: a --profile all entry holds one per profile.
std::vector<const json*> check_results(const json& report) {
  std::vector<const json*> out;
  for (const json& r : report.at("results")) {
    if (r.contains("profiles"))
      for (const json& p : r.at("profiles")) out.push_back(&p);
    else
      out.push_back(&r);
  }
  return out;
}

// The runs of a result that show a violation: a check's counterexamples, or
// the run of a simulation or replay when it violated something.
std::vector<const json*> violating_runs(const json& result) {
  std::vector<const json*> out;
  if (result.contains("counterexamples"))
    for (const json& c : result.at("counterexamples")) out.push_back(&c);
  if (result.contains("run") && result["run"].contains("violation")) out.push_back(&result["run"]);
  return out;
}

std::string suite_name(const json& result) {
  return result.value("file", "") + " [" + result.value("profile", "") + "]";
}

}  // namespace

std::string run_text(const json& run) {
  std::string out;
  if (run.contains("violation")) {
    const json& v = run["violation"];
    for (const json& p : v.at("properties"))
      out += fmt::format("{}: {}\n  documented in: {}\n  mechanism: {}\n", p.value("id", ""),
                         p.value("title", ""), p.value("source", ""), p.value("mechanism", ""));
    out += "what happened: " + v.value("message", "") + "\n";
  }
  out += "replay: " + run.value("replay_command", "") + "\n\n";
  for (const json& s : run.at("steps")) {
    out += fmt::format("step {:<3} [{}] {}\n", s.value("step", 0), s.value("thread", ""),
                       s.value("statement", "(" + s.value("function", "") + ")"));
    for (const json& e : s.at("events")) out += "          " + e.value("text", "") + "\n";
  }
  return out;
}

std::string junit_xml(const json& report) {
  std::string suites;
  int tests = 0, failures = 0, skipped = 0;
  auto add_suite = [&](const std::string& name, const std::string& file,
                       const std::vector<std::string>& cases) {
    int t = 0, f = 0, s = 0;
    std::string body;
    for (const std::string& c : cases) {
      ++t;
      if (c.find("<failure") != std::string::npos) ++f;
      if (c.find("<skipped") != std::string::npos) ++s;
      body += c;
    }
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
        "file=\"{}\">\n{}  </testsuite>\n",
        html_escape(name), t, f, s, html_escape(file), body);
    tests += t;
    failures += f;
    skipped += s;
  };
  auto test_case = [](const std::string& cls, const std::string& name, const std::string& file,
                      int line, const std::string& inner) {
    std::string head = fmt::format("    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                                   html_escape(cls), html_escape(name), html_escape(file));
    if (line > 0) head += fmt::format(" line=\"{}\"", line);
    return inner.empty() ? head + "/>\n" : head + ">\n" + inner + "    </testcase>\n";
  };
  auto failure = [](const json& run, const std::string& id) {
    return fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                       html_escape(run["violation"].value("message", "")), html_escape(id),
                       html_escape(run_text(run)));
  };
  auto skip = [](const std::string& why) {
    return fmt::format("      <skipped message=\"{}\"/>\n", html_escape(why));
  };

  for (const json* r : check_results(report)) {
    const json& result = *r;
    const std::string file = result.value("file", "");
    if (!result.contains("properties")) {  // simulate, replay: one case for the run
      const json& run = result.at("run");
      std::string name = result.contains("seed")
                             ? "simulation seed " + std::to_string(result["seed"].get<uint64_t>())
                             : "replay";
      std::string inner;
      if (run.contains("violation"))
        inner = failure(run, run["violation"]["properties"][0].value("id", ""));
      add_suite(suite_name(result), file,
                {test_case(file, name, file, run.value("line", 0), inner)});
      continue;
    }
    std::map<std::string, const json*> failed;
    for (const json* run : violating_runs(result))
      for (const json& p : (*run)["violation"]["properties"])
        failed.emplace(p.value("id", ""), run);
    std::map<std::string, std::string> ignored;
    for (const json& i : result.value("ignored", json::array()))
      ignored.emplace(i.value("property", ""), i.value("reason", ""));
    const std::string verdict = result.value("verdict", "");
    std::vector<std::string> cases;
    for (const json& p : result.at("properties")) {
      std::string id = p.get<std::string>();
      std::string inner;
      int line = 0;
      if (auto f = failed.find(id); f != failed.end()) {
        inner = failure(*f->second, id);
        line = f->second->value("line", 0);
      } else if (auto i = ignored.find(id); i != ignored.end()) {
        inner = skip("ignored: " + i->second);
      } else if (verdict == "violated" && !result.value("all", false)) {
        inner = skip("not checked past the first violation (check --all checks every property)");
      } else if (result.contains("limit")) {
        inner = skip("partial: " + result.value("limit", "") +
                     " stopped the search; no violation in the part explored");
      }
      cases.push_back(test_case(file, id, file, line, inner));
    }
    add_suite(suite_name(result), file, cases);
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"lifecheck {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
      "skipped=\"{}\">\n{}</testsuites>\n",
      html_escape(report.value("command", "")), tests, failures, skipped, suites);
}

namespace {

json artifact(const std::string& file) {
  std::string uri;
  for (unsigned char c : file) {
    if (std::isalnum(c) || std::string("-._~/").find(static_cast<char>(c)) != std::string::npos)
      uri += static_cast<char>(c);
    else
      uri += fmt::format("%{:02X}", c);
  }
  if (!file.empty() && file[0] == '/') return json{{"uri", "file://" + uri}};
  return json{{"uri", uri}, {"uriBaseId", "%SRCROOT%"}};
}

json location(const std::string& file, int line, const std::string& message = "") {
  json physical{{"artifactLocation", artifact(file)}};
  if (line > 0) physical["region"] = json{{"startLine", line}};
  json loc{{"physicalLocation", physical}};
  if (!message.empty()) loc["message"] = json{{"text", message}};
  return loc;
}

// The run's steps as one thread flow per thread, in execution order: a
// location per statement a step's events ran in (a step may run on into
// the next statement), a step without events at the line it started at.
json code_flow(const std::string& file, const json& run, const std::string* source) {
  std::map<std::string, json> flows;
  std::vector<std::string> order;
  auto add = [&](const std::string& thread, int step, int line, const std::string& text) {
    if (line <= 0) return;
    if (!flows.count(thread)) {
      order.push_back(thread);
      flows[thread] = json{{"id", thread}, {"locations", json::array()}};
    }
    flows[thread]["locations"].push_back(
        json{{"location", location(file, line, text)}, {"executionOrder", step}});
  };
  for (const json& s : run.at("steps")) {
    const std::string thread = s.value("thread", "");
    const int step = s.value("step", 0);
    const json& events = s.at("events");
    if (events.empty()) {
      add(thread, step, s.value("line", 0), s.value("statement", ""));
      continue;
    }
    int line = -1;
    std::string text;
    for (const json& e : events) {
      const int at = e.value("line", 0);
      if (at != line) {
        add(thread, step, line, text);
        line = at;
        text = at == s.value("line", 0) ? s.value("statement", "")
               : source                 ? statement_text(*source, at)
                                        : "line " + std::to_string(at);
      }
      text += "; " + e.value("text", "");
    }
    add(thread, step, line, text);
  }
  json threads = json::array();
  for (const std::string& t : order) threads.push_back(flows[t]);
  return json{{"threadFlows", threads}};
}

// The C origin a violation message names, "(at f.c:12)" (model/Monitors.cpp
// ends its sentence so when the failing step is a C slot step with an
// origin): the file and line, or no file. Scanned by hand: GCC 12's
// std::regex trips -Wmaybe-uninitialized in the sanitizer build.
std::pair<std::string, int> c_origin_of(const std::string& message) {
  for (size_t at = message.find("(at "); at != std::string::npos;
       at = message.find("(at ", at + 1)) {
    size_t p = at + 4, file_start = p;
    while (p < message.size() && message[p] != ':' && message[p] != '(' && message[p] != ')' &&
           !std::isspace(static_cast<unsigned char>(message[p])))
      ++p;
    if (p == file_start || p >= message.size() || message[p] != ':') continue;
    const std::string file = message.substr(file_start, p - file_start);
    size_t digits = ++p;
    while (p < message.size() && std::isdigit(static_cast<unsigned char>(message[p]))) ++p;
    if (p == digits || p - digits > 9 || p >= message.size() || message[p] != ')') continue;
    return {file, std::stoi(message.substr(digits, p - digits))};
  }
  return {"", 0};
}

// Where a result is: the scenario line of the failing step; first, when
// the violation happened in a C slot step with a C origin, that C line,
// so that code scanning shows it on the extension's source.
json result_locations(const std::string& file, const json& run, const std::string& message) {
  json out = json::array();
  const auto [c_file, c_line] = c_origin_of(message);
  if (!c_file.empty()) out.push_back(location(c_file, c_line, "the C slot step that failed"));
  out.push_back(location(file, run.value("line", 0)));
  return out;
}

}  // namespace

json sarif_log(const json& report, const std::map<std::string, std::string>& sources) {
  json results = json::array();
  std::vector<std::string> rule_ids;
  auto rule_index = [&](const std::string& id) {
    for (size_t i = 0; i < rule_ids.size(); ++i)
      if (rule_ids[i] == id) return i;
    rule_ids.push_back(id);
    return rule_ids.size() - 1;
  };
  for (const json* r : check_results(report)) {
    const json& result = *r;
    const std::string file = result.value("file", "");
    const auto known = sources.find(file);
    const std::string* source = known == sources.end() ? nullptr : &known->second;
    for (const json* run : violating_runs(result)) {
      const json& v = (*run)["violation"];
      for (const json& p : v.at("properties")) {
        std::string id = p.value("id", "");
        json res{
            {"ruleId", id},
            {"ruleIndex", rule_index(id)},
            {"level", "error"},
            {"message", json{{"text", fmt::format("{}: {}. Replay: {}", id, v.value("message", ""),
                                                  run->value("replay_command", ""))}}},
            {"locations", result_locations(file, *run, v.value("message", ""))},
            {"codeFlows", json::array({code_flow(file, *run, source)})},
            {"properties", json{{"profile", result.value("profile", "")},
                                {"replay", run->value("replay", "")},
                                {"replayCommand", run->value("replay_command", "")}}}};
        results.push_back(std::move(res));
      }
    }
  }
  json rules = json::array();
  for (const std::string& id : rule_ids) {
    json rule{{"id", id}, {"defaultConfiguration", json{{"level", "error"}}}};
    if (const model::PropertyInfo* info = model::find_property(id)) {
      rule["shortDescription"] = json{{"text", info->title}};
      rule["fullDescription"] = json{
          {"text", fmt::format("Documented in {}; mechanism: {}.", info->source, info->mechanism)}};
    }
    rules.push_back(std::move(rule));
  }
  json driver{{"name", "lifecheck"},
              {"version", LIFECHECK_VERSION},
              {"semanticVersion", LIFECHECK_VERSION},
              {"rules", rules}};
  return json{
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", json::array({json{{"tool", json{{"driver", driver}}}, {"results", results}}})}};
}

}  // namespace lifecheck::report
