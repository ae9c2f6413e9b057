// The outputs for people, CI systems and editors (issue 14): the JSON format
// (one shape for one scenario or many), --ignore, --all, --junit, --sarif,
// --dot when the scenario holds, --html (and without Graphviz), the spans of
// runtime work, rule citations and the state-space estimate of the
// progress line. The HTML page itself is tested in a browser
// (tests/browser/report.test.mjs).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "TestSupport.h"
#include "cli/Progress.h"
#include "report/CiReports.h"
#include "report/HeapLayout.h"
#include "report/JsonReport.h"
#include "report/Rules.h"
#include "report/Spans.h"

namespace lifecheck::testing {
namespace {

using nlohmann::json;

std::string scenario(const std::string& rel) { return source_path("scenarios/" + rel); }

std::string fresh_dir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "lifecheck-" + name + "-" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  return dir;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(JsonFormat, OneScenarioOrManyHaveTheSameShape) {
  CliResult one = run_cli({"check", "--json", scenario("contract/P7.5-ok.life")});
  CliResult two = run_cli(
      {"check", "--json", scenario("contract/P7.5-ok.life"), scenario("contract/P7.5-bug.life")});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  ASSERT_EQ(two.exit_code, 1) << two.err;
  json a = json::parse(one.out), b = json::parse(two.out);
  for (const json* j : {&a, &b}) {
    EXPECT_EQ((*j)["format"], "lifecheck");
    EXPECT_EQ((*j)["version"], 1);
    EXPECT_EQ((*j)["command"], "check");
  }
  ASSERT_EQ(a["results"].size(), 1u);
  ASSERT_EQ(b["results"].size(), 2u);
  EXPECT_EQ(a["results"][0], b["results"][0]) << "the same scenario, the same result";
  EXPECT_TRUE(a["results"][0]["counterexamples"].empty());
  EXPECT_EQ(b["results"][1]["counterexamples"].size(), 1u);
  json sim = json::parse(
      run_cli({"simulate", "--json", "--seed", "1", scenario("basics/cycle2-del.life")}).out);
  EXPECT_EQ(sim["command"], "simulate");
  EXPECT_EQ(sim["results"].size(), 1u);
  EXPECT_EQ(sim["results"][0]["run"]["outcome"], "completed");
}

TEST(JsonFormat, HeapEdgesAndSpans) {
  json r = json::parse(
      run_cli({"check", "--json", "--verbose", scenario("contract/P7.7-bug.life")}).out);
  json c = r["results"][0]["counterexamples"][0];
  json edges = c["heap"]["edges"];
  auto has_edge = [&](const std::string& from, const std::string& label, const std::string& to) {
    for (const json& e : edges)
      if (e["from"] == from && e["label"] == label && e["to"] == to) return true;
    return false;
  };
  EXPECT_TRUE(has_edge("a#1", "peer", "b#2")) << edges.dump();
  EXPECT_TRUE(has_edge("b#2", "peer", "a#1")) << edges.dump();
  EXPECT_TRUE(has_edge("thread T1", "self", "a#1")) << edges.dump();
  // The collection on T1 is still running, its finalize_garbage phase too,
  // and inside it a#1's finalizer.
  std::vector<std::string> open;
  for (const json& s : c["spans"])
    if (s["end"].is_null())
      open.push_back(s["thread"].get<std::string>() + " " + s["kind"].get<std::string>() + " " +
                     std::to_string(s["depth"].get<int>()));
  EXPECT_EQ(open, (std::vector<std::string>{"T1 collection 0", "T1 phase 1", "T1 finalizer 2"}));
  // Events are numbered over the whole run, hidden ones included.
  json without = json::parse(run_cli({"check", "--json", scenario("contract/P7.7-bug.life")}).out);
  json quiet = without["results"][0]["counterexamples"][0];
  EXPECT_EQ(quiet["spans"], c["spans"]) << "spans do not depend on --verbose";
  size_t shown = 0, all = 0;
  for (const json& s : quiet["steps"]) shown += s["events"].size();
  for (const json& s : c["steps"]) all += s["events"].size();
  EXPECT_LT(shown, all);
}

// Spans from the events of a trace, through the C++ API: a refcount death
// nests the finalizer inside tp_dealloc.
TEST(Spans, FinalizerNestsInsideDealloc) {
  model::Program p =
      load_text("class Node:\n    def __del__(self):\n        log(\"del\")\na = Node()\ndel a\n");
  model::Trace t = run_first(p);
  std::vector<report::Span> spans = report::trace_spans(p, t);
  // The dealloc of a#1 and its finalizer come first; the final collection
  // of the run follows.
  ASSERT_GE(spans.size(), 2u);
  EXPECT_EQ(spans[0].kind, "dealloc");
  EXPECT_EQ(spans[0].object, "a#1");
  EXPECT_EQ(spans[0].depth, 0);
  EXPECT_EQ(spans[1].kind, "finalizer");
  EXPECT_EQ(spans[1].depth, 1);
  EXPECT_EQ(spans[1].object, "a#1");
  ASSERT_TRUE(spans[0].end && spans[1].end);
  EXPECT_LT(spans[0].begin, spans[1].begin);
  EXPECT_LT(*spans[1].end, *spans[0].end);
  for (const report::Span& s : spans) EXPECT_TRUE(s.end) << s.text << ": the run completed";
  EXPECT_EQ(spans[2].kind, "collection");
}

TEST(CommandLine, IgnoreAPropertyAndReplayWithIt) {
  const std::string bug = scenario("contract/P7.3-bug.life");
  json plain = json::parse(run_cli({"check", "--json", "--bfs", bug}).out)["results"][0];
  ASSERT_EQ(plain["verdict"], "violated");
  const std::string first = plain["counterexamples"][0]["violation"]["properties"][0]["id"];
  CliResult r = run_cli({"check", "--json", "--bfs", "--ignore", first, bug});
  json j = json::parse(r.out)["results"][0];
  ASSERT_EQ(j["ignored"].size(), 1u);
  EXPECT_EQ(j["ignored"][0]["property"], first);
  EXPECT_EQ(j["ignored"][0]["source"], "command line");
  for (const json& c : j["counterexamples"])
    for (const json& p : c["violation"]["properties"]) EXPECT_NE(p["id"], first);
  if (j["verdict"] == "violated") {
    // The replay command carries the --ignore; without it the replay stops
    // at the ignored property first (or elsewhere) and is not the same run.
    json c = j["counterexamples"][0];
    std::string cmd = c["replay_command"];
    EXPECT_NE(cmd.find("--ignore " + first), std::string::npos) << cmd;
    CliResult rep = run_cli({"replay", bug, c["replay"], "--ignore", first});
    EXPECT_EQ(rep.exit_code, 1) << rep.err;
    EXPECT_NE(
        rep.out.find("VIOLATION of " + c["violation"]["properties"][0]["id"].get<std::string>()),
        std::string::npos);
  }
  // An unknown property is bad input: nothing explored or written.
  std::string junit = fresh_dir("ignore") + ".xml";
  CliResult bad = run_cli({"check", "--ignore", "P7.99", "--junit", junit, bug});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown property 'P7.99'"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find("summary:"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(junit));
}

// --all: one shortest counterexample per violated property, each found by a
// breadth-first search that ignores the properties found before it, each
// replayable with the command it prints.
TEST(CommandLine, AllReportsEveryViolatedPropertyOnce) {
  const std::string bug = scenario("contract/P7.3-bug.life");
  CliResult r = run_cli({"check", "--json", "--all", bug});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json j = json::parse(r.out)["results"][0];
  EXPECT_EQ(j["search"], "bfs");
  EXPECT_TRUE(j["all"].get<bool>());
  ASSERT_GE(j["counterexamples"].size(), 2u) << "P7.3-bug also breaks P7.29 and P7.4";
  EXPECT_EQ(j["searches"].get<size_t>(), j["counterexamples"].size() + 1) << "the last one holds";
  std::vector<std::string> found;
  for (const json& c : j["counterexamples"]) {
    std::vector<std::string> before = c["ignored_before"];
    EXPECT_EQ(before, found) << "each search ignores what the ones before found";
    std::string id = c["violation"]["properties"][0]["id"];
    EXPECT_EQ(std::count(found.begin(), found.end(), id), 0) << id << " reported twice";
    // As short as a breadth-first search with the same properties ignored.
    std::vector<std::string> args{"check", "--json", "--bfs", bug};
    for (const std::string& p : found) args.insert(args.end(), {"--ignore", p});
    json alone = json::parse(run_cli(args).out)["results"][0]["counterexamples"][0];
    EXPECT_EQ(alone["steps"].size(), c["steps"].size()) << id;
    // The replay command reproduces it.
    std::vector<std::string> replay{"replay", bug, c["replay"]};
    for (const std::string& p : found) replay.insert(replay.end(), {"--ignore", p});
    CliResult rep = run_cli(replay);
    EXPECT_EQ(rep.exit_code, 1) << id << rep.err;
    EXPECT_NE(rep.out.find("VIOLATION of " + id), std::string::npos) << id << rep.out;
    for (const json& p : c["violation"]["properties"]) found.push_back(p["id"]);
  }
  CliResult text = run_cli({"check", "--all", bug});
  EXPECT_NE(text.out.find(std::to_string(j["counterexamples"].size()) + " counterexamples"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(count(text.out, "VIOLATION of "), j["counterexamples"].size());
  // A scenario that holds: one search, nothing found.
  json ok =
      json::parse(run_cli({"check", "--json", "--all", scenario("contract/P7.3-ok.life")}).out);
  EXPECT_EQ(ok["results"][0]["verdict"], "holds");
  EXPECT_EQ(ok["results"][0]["searches"], 1);
}

// Searching on past a broken property reaches states no correct program
// has: a pointer kept past tp_free (P7.17-bug's cache) must dangle, not
// name a freed slot the canonical encoding cannot name (the search used to
// abort with BadEncoding). Every contract bug scenario ends with a verdict.
TEST(CommandLine, AllSearchesOnPastAPointerKeptAfterFree) {
  CliResult r = run_cli({"check", "--all", scenario("contract/P7.17-bug.life")});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("VIOLATION of P7.17"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("VIOLATION of memory-safety"), std::string::npos) << r.out;
  for (const auto& e : std::filesystem::directory_iterator(scenario("contract"))) {
    const std::string path = e.path().string();
    if (path.find("-bug.life") == std::string::npos) continue;
    CliResult all = run_cli({"check", "--all", "--max-states", "20000", path});
    EXPECT_TRUE(all.exit_code == 1 || all.exit_code == 3) << path << ": " << all.err;
  }
}

// A runtime that loops inside one step once its broken property is ignored
// ends with a partial result, and --all keeps what it found before.
TEST(CommandLine, AllStopsAtAStepThatNeverEnds) {
  const std::string bug = scenario("contract/P7.8-bug.life");
  CliResult ignored = run_cli({"check", "--ignore", "P7.8", bug});
  EXPECT_EQ(ignored.exit_code, 3) << ignored.out << ignored.err;
  EXPECT_NE(ignored.out.find("the runtime loops"), std::string::npos) << ignored.out;
  CliResult all = run_cli({"check", "--json", "--all", bug});
  EXPECT_EQ(all.exit_code, 1);
  json j = json::parse(all.out)["results"][0];
  EXPECT_EQ(j["counterexamples"].size(), 1u);
  EXPECT_FALSE(j["exhaustive"].get<bool>());
  EXPECT_NE(j["limit"].get<std::string>().find("the runtime loops"), std::string::npos);
}

// --max-states bounds all the searches of --all together, as --max-seconds
// does: P7.3-bug needs 25 states in 4 searches to find its three
// violations; with 12 it stops after two, within 12 states in all.
TEST(CommandLine, AllSpendsOneStateBudget) {
  CliResult r = run_cli(
      {"check", "--json", "--all", "--max-states", "12", scenario("contract/P7.3-bug.life")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  json j = only_result(r.out);
  EXPECT_LE(j["stats"]["states"].get<uint64_t>(), 20u);
  EXPECT_GE(j["counterexamples"].size(), 1u);
  EXPECT_LT(j["counterexamples"].size(), 3u);
  EXPECT_FALSE(j["exhaustive"].get<bool>());
  EXPECT_EQ(j["limit"], "state limit (12 states)");
}

TEST(CommandLine, DotWritesTheFinalStateWhenTheScenarioHolds) {
  std::string dot = fresh_dir("dot") + ".dot";
  CliResult r = run_cli({"check", "--dot", dot, scenario("basics/threads-shared-cycle.life")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string text = read_all(dot);
  EXPECT_EQ(text.rfind("digraph", 0), 0u) << text;
  // At the end of the first run the cycle is gone and the weakref lives on.
  EXPECT_NE(text.find("w#3"), std::string::npos) << text;
  EXPECT_EQ(text.find("a#1"), std::string::npos) << text;
  EXPECT_NE(text.find("global w"), std::string::npos) << text;
}

TEST(CommandLine, JunitHasATestCasePerScenarioAndProperty) {
  std::string file = fresh_dir("junit") + ".xml";
  CliResult r = run_cli({"check", "--junit", file, scenario("contract/P7.5-ok.life"),
                         scenario("contract/P7.5-bug.life")});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string xml = read_all(file);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u) << xml;
  EXPECT_EQ(count(xml, "<testsuite "), 2u);
  json props = json::parse(run_cli({"list-properties", "--json"}).out)["properties"];
  // Every built-in property but assert (neither scenario has one), and
  // expect for the scenario with expect lines.
  size_t per_scenario = props.size() - 2;
  EXPECT_EQ(count(xml, "<testcase "), 2 * per_scenario + 1) << xml;
  EXPECT_EQ(count(xml, "name=\"expect\""), 1u);
  EXPECT_EQ(count(xml, "name=\"assert\""), 0u);
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_NE(xml.find("name=\"P7.5\" file=\"" + scenario("contract/P7.5-bug.life") +
                     "\" line=\"16\">\n      <failure message=\"tp_finalize of a#1 runs a second "
                     "time\" type=\"P7.5\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("replay: lifecheck replay "), std::string::npos) << "the failure body";
  EXPECT_NE(xml.find("<skipped message=\"not checked past the first violation"), std::string::npos);
  EXPECT_NE(xml.find("tests=\"" + std::to_string(2 * per_scenario + 1) + "\" failures=\"1\""),
            std::string::npos);
  // With --all every property of the broken scenario has a verdict.
  run_cli({"check", "--all", "--junit", file, scenario("contract/P7.5-bug.life")});
  xml = read_all(file);
  EXPECT_EQ(count(xml, "<skipped"), 0u) << xml;
  // An ignored property is skipped, with its reason.
  run_cli({"check", "--ignore", "P7.1", "--junit", file, scenario("contract/P7.5-ok.life")});
  EXPECT_NE(read_all(file).find("<skipped message=\"ignored: --ignore on the command line\"/>"),
            std::string::npos);
}

TEST(CommandLine, SarifResultAtTheFailingStepsLine) {
  std::string file = fresh_dir("sarif") + ".sarif";
  const std::string bug = scenario("contract/P7.7-bug.life");
  CliResult r = run_cli({"check", "--sarif", file, bug});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json s = json::parse(read_all(file));
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_EQ(s["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_EQ(s["runs"].size(), 1u);
  json run = s["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "lifecheck");
  ASSERT_EQ(run["results"].size(), 1u);
  json res = run["results"][0];
  EXPECT_EQ(res["ruleId"], "P7.7");
  EXPECT_EQ(run["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()]["id"], "P7.7");
  EXPECT_EQ(res["level"], "error");
  json loc = res["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "file://" + bug);
  // The failing step is T2's first statement (line 23): the step the
  // violation happened in ran T2's body.
  EXPECT_EQ(loc["region"]["startLine"], 23) << res.dump(2);
  json flows = res["codeFlows"][0]["threadFlows"];
  std::vector<std::string> threads;
  for (const json& f : flows) threads.push_back(f["id"]);
  EXPECT_EQ(threads, (std::vector<std::string>{"main", "T1"})) << "threads with statements";
  EXPECT_NE(res["message"]["text"].get<std::string>().find("lifecheck replay"), std::string::npos);
  // A relative path stays relative to the source root.
  json rel = report::sarif_log(json::parse(R"({"command": "check", "results": [{
      "file": "scenarios/x y.life", "profile": "P314g",
      "counterexamples": [{"violation": {"message": "m", "properties": [{"id": "P7.1"}]},
                           "line": 3, "steps": []}]}]})"));
  json l = rel["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(l["artifactLocation"]["uri"], "scenarios/x%20y.life");
  EXPECT_EQ(l["artifactLocation"]["uriBaseId"], "%SRCROOT%");
  EXPECT_EQ(l["region"]["startLine"], 3);
}

// A violation inside a C slot step whose line names its C origin (what
// `lifecheck extract` writes, `# bag.c:39: ...`) is located at that C line
// first, then at the scenario line: code scanning shows the first one.
TEST(CommandLine, SarifLocatesACSlotViolationOnItsCLine) {
  const std::string life = temp_file(R"(ctype Bag:
    flags: gc
    fields: item
    dealloc:
        clear                   # bag.c:39: Bag_clear(self)
        untrack                 # bag.c:40: PyObject_GC_UnTrack(self)
        free                    # bag.c:41: tp_free(self)
    clear:
        clear item              # bag.c:26: Py_CLEAR(self->item)
    traverse:
        visit item              # bag.c:16: Py_VISIT(self->item)

b = Bag(None)
del b
)");
  std::string file = fresh_dir("sarif-c") + ".sarif";
  CliResult r = run_cli({"check", "--sarif", file, life});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  json res = json::parse(read_all(file))["runs"][0]["results"][0];
  EXPECT_EQ(res["ruleId"], "P7.10");
  ASSERT_EQ(res["locations"].size(), 2u) << res.dump(2);
  json c = res["locations"][0]["physicalLocation"];
  EXPECT_EQ(c["artifactLocation"]["uri"], "bag.c");
  EXPECT_EQ(c["region"]["startLine"], 39);
  json scenario_line = res["locations"][1]["physicalLocation"];
  EXPECT_EQ(scenario_line["artifactLocation"]["uri"], "file://" + life);
  EXPECT_EQ(scenario_line["region"]["startLine"], 14);
  // without a C origin there is one location, the scenario's
  run_cli({"check", "--sarif", file, scenario("contract/P7.7-bug.life")});
  EXPECT_EQ(json::parse(read_all(file))["runs"][0]["results"][0]["locations"].size(), 1u);
}

// A step whose events run in a statement after the one it started at (the
// `with L:` step runs `del n` on line 21): that location carries line 21's
// own text, read from the scenario, not only its number.
TEST(CommandLine, SarifLocationsCarryTheirStatementsText) {
  std::string file = fresh_dir("sarif-text") + ".sarif";
  const std::string bug = scenario("locks/del-takes-held-lock-bug.life");
  ASSERT_EQ(run_cli({"check", "--sarif", file, bug}).exit_code, 1);
  json s = json::parse(read_all(file));
  std::vector<std::string> texts;
  for (const json& f : s["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"])
    for (const json& l : f["locations"]) texts.push_back(l["location"]["message"]["text"]);
  EXPECT_NE(std::find_if(texts.begin(), texts.end(),
                         [](const std::string& t) { return t.starts_with("line 21: del n; "); }),
            texts.end())
      << s.dump(2);
  // From the report alone (no source known), the same location names its line.
  json report = json::parse(run_cli({"check", "--json", bug}).out);
  texts.clear();
  const json log = report::sarif_log(report);
  for (const json& f : log["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"])
    for (const json& l : f["locations"]) texts.push_back(l["location"]["message"]["text"]);
  EXPECT_NE(std::find_if(texts.begin(), texts.end(),
                         [](const std::string& t) { return t.starts_with("line 21; "); }),
            texts.end());
}

TEST(CommandLine, HtmlReportsAndTheirIndex) {
  std::string dir = fresh_dir("html");
  CliResult r = run_cli({"check", "--all", "--html", dir, scenario("contract/P7.3-bug.life"),
                         scenario("contract/P7.5-ok.life")});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::string index = read_all(dir + "/index.html");
  json j = json::parse(
      run_cli({"check", "--all", "--json", scenario("contract/P7.3-bug.life")}).out)["results"][0];
  for (const json& c : j["counterexamples"]) {
    std::string page =
        "P7.3-bug--" + c["violation"]["properties"][0]["id"].get<std::string>() + ".html";
    EXPECT_NE(index.find("href=\"" + page + "\""), std::string::npos) << index;
    std::string html = read_all(dir + "/" + page);
    EXPECT_NE(html.find("<svg"), std::string::npos) << "Graphviz laid out the heap";
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org"))
        << "nothing to fetch: only XML namespace names";
    EXPECT_NE(html.find(c["replay_command"].get<std::string>()), std::string::npos);
    // Each rule link of the page goes to an entry on the page, and the whole
    // reference is the folder's semantics.html.
    for (size_t at = html.find("href=\"#rule-"); at != std::string::npos;
         at = html.find("href=\"#rule-", at + 1)) {
      std::string id = html.substr(at + 12, html.find('"', at + 12) - at - 12);
      EXPECT_NE(html.find("<article id=\"rule-" + id + "\""), std::string::npos) << id;
    }
    EXPECT_NE(html.find("href=\"semantics.html\""), std::string::npos);
  }
  EXPECT_EQ(count(index, "<tr><td><a href="), j["counterexamples"].size());
  EXPECT_NE(index.find("href=\"semantics.html\""), std::string::npos);
  // The rule reference beside the pages: an entry for every rule of
  // docs/semantics.md, so the links work wherever the folder is opened.
  std::string reference = read_all(dir + "/semantics.html");
  ASSERT_FALSE(report::rule_entries().empty());
  for (const report::RuleEntry& e : report::rule_entries())
    EXPECT_NE(reference.find("<article id=\"rule-" + e.id + "\""), std::string::npos) << e.id;
  EXPECT_EQ(reference.find("file://"), std::string::npos);
  // The same input and options give the same bytes.
  std::string again = fresh_dir("html2");
  run_cli({"check", "--all", "--html", again, scenario("contract/P7.3-bug.life"),
           scenario("contract/P7.5-ok.life")});
  for (const auto& e : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(read_all(e.path().string()), read_all(again + "/" + e.path().filename().string()))
        << e.path().filename();
  // An --html path that cannot be a folder is bad input, nothing explored.
  std::string file = fresh_dir("html-file");
  std::ofstream(file) << "x";
  CliResult bad = run_cli({"check", "--html", file + "/sub", scenario("contract/P7.5-bug.life")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find("summary:"), std::string::npos) << bad.err;
}

TEST(CommandLine, HtmlWithoutGraphvizSaysSo) {
  std::string dir = fresh_dir("nodot");
  ::setenv("LIFECHECK_DOT", "/nonexistent/dot", 1);
  CliResult r =
      run_cli({"replay", "--html", dir, scenario("contract/P7.5-bug.life"),
               json::parse(run_cli({"check", "--json", scenario("contract/P7.5-bug.life")})
                               .out)["results"][0]["counterexamples"][0]["replay"]});
  ::unsetenv("LIFECHECK_DOT");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::string html = read_all(dir + "/P7.5-bug--replay.html");
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("the heap drawing needs Graphviz: '/nonexistent/dot' was not found "
                      "(install the Debian package graphviz)"),
            std::string::npos);
}

TEST(HeapLayout, OneNodePerObjectEverAliveAndOneEdgePerReference) {
  json run = json::parse(R"({
    "initial_heap": {"objects": [], "edges": [], "globals": {}, "threads": [], "gc_garbage": [],
                     "collecting": false},
    "steps": [{"heap_delta": {
      "objects": [{"name": "a#1", "type": "Node", "rc": 1, "tracked": false, "flags": []}],
      "removed": [],
      "edges_added": [{"from": "global a", "to": "a#1", "label": "", "kind": "strong", "root": true}],
      "edges_removed": [], "globals": {"a": "a#1"}, "threads": [], "gc_garbage": [],
      "collecting": false}}],
    "heap": {"objects": [], "edges": []}})");
  json nodes = json::object(), edges = json::object();
  std::string dot = report::union_heap_dot(run, nodes, edges);
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes["a#1"]["id"], "n0");
  EXPECT_TRUE(nodes["global a"]["root"].get<bool>());
  EXPECT_EQ(edges["global a||a#1"], "e0");
  EXPECT_NE(dot.find("label=\"a#1\\nNode\\nrc=1\""), std::string::npos) << dot;
}

// The HTML report keeps each step's heap as its changes: applying them to
// the heap before gives the heap after, step by step, to the end.
TEST(HeapLayout, DeltasRebuildEveryStepsHeap) {
  model::Program p = load_file("scenarios/contract/P7.7-bug.life");
  model::Model m(p);
  auto result = check(p);
  model::Trace t = replay(p, result.path);
  json run = report::run_json(m, t, "", "", {true, true});
  json heap = run["initial_heap"];
  model::State s = m.initial();
  size_t changed_objects = 0, all_objects = 0;
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const json& delta = run["steps"][i]["heap_delta"];
    report::apply_heap_delta(heap, delta);
    m.step(s, t.steps[i].choice);
    json expected = report::heap_json(p, s);
    auto sorted = [](json a) {
      std::sort(a.begin(), a.end());
      return a;
    };
    EXPECT_EQ(sorted(heap["objects"]), sorted(expected["objects"])) << "step " << i + 1;
    EXPECT_EQ(sorted(heap["edges"]), sorted(expected["edges"])) << "step " << i + 1;
    EXPECT_EQ(heap["threads"], expected["threads"]);
    changed_objects += delta["objects"].size();
    all_objects += expected["objects"].size();
  }
  EXPECT_LT(changed_objects, all_objects) << "unchanged objects are not repeated";
  EXPECT_FALSE(run["steps"][0].contains("heap"));
}

TEST(Rules, CitationsWithRangesAndVariants) {
  using V = std::vector<std::string>;
  EXPECT_EQ(report::cited_rules("G8-G10, R1.7b step 13, T1"),
            (V{"G8", "G9", "G10", "R1.7b", "T1"}));
  EXPECT_EQ(report::cited_rules("R1.1\xE2\x80\x93R1.3 and G-I3; F-G2, TC1"),
            (V{"R1.1", "R1.2", "R1.3", "G-I3", "F-G2", "TC1"}));
  EXPECT_EQ(report::cited_rules("P7.1–P7.3 (X1)"), (V{"P7.1", "P7.2", "P7.3", "X1"}));
  // Not rule numbers: other words, file names, hex, versions.
  EXPECT_EQ(report::cited_rules("UTF-8 gen1 0xF0 GH-127010 P311 3.11 abcG5 G1234567890123"), V{});
  EXPECT_EQ(report::cited_rules("G13 before G16"), (V{"G13", "G16"}));
}

TEST(Rules, EntriesOfTheBuiltInReference) {
  auto entries = report::parse_rule_entries(
      "# T\n\n### R1.9 — at most once\n**CPython:** `PyObject_CallFinalizer`\n"
      "**Profiles:** all\n\nText `here`.\n\n## Next\n### not a rule\n### G5 — re-entry\n"
      "CPython: `gc_collect_main`\nProfiles: all\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, "R1.9");
  EXPECT_EQ(entries[0].title, "at most once");
  EXPECT_EQ(entries[0].cpython, "`PyObject_CallFinalizer`");
  EXPECT_EQ(entries[0].profiles, "all");
  EXPECT_EQ(entries[0].text, "Text `here`.");
  EXPECT_EQ(entries[1].id, "G5");
  EXPECT_EQ(entries[1].cpython, "`gc_collect_main`");
}

// The estimate of the progress line: exact where random runs meet every
// state more than once, and never far above the truth.
TEST(Progress, StateSpaceEstimate) {
  model::Program single = load_file("scenarios/basics/cycle2-del.life");
  model::Model m1(single);
  cli::StateSpaceEstimate e1(m1);
  EXPECT_FALSE(e1.estimate()) << "no estimate before 20 runs";
  e1.sample_runs(50);
  ASSERT_TRUE(e1.estimate());
  EXPECT_DOUBLE_EQ(*e1.estimate(), 12) << "one schedule: the 12 states of the golden count";

  // Four threads: 42 states with thread symmetry, all met often by 500 runs.
  model::Program threads = load_file("scenarios/basics/threads-shared-cycle.life");
  model::Model m2(threads);
  cli::StateSpaceEstimate e2(m2);
  e2.sample_runs(500);
  ASSERT_TRUE(e2.estimate());
  EXPECT_DOUBLE_EQ(*e2.estimate(), static_cast<double>(check(threads).stats.states));
  // A space the runs cannot cover yet: a lower estimate, above what they saw.
  // (bench/b1.sh with two threads)
  std::string b1 =
      "class Node:\n    def __del__(self):\n        pass\n\ndef on_gone(wr):\n    pass\n";
  for (const char* t : {"T1", "T2"})
    b1 += std::string("\nthread ") + t +
          ":\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n"
          "    w = weakref.ref(a, on_gone)\n    del a\n    del b\n    gc.collect()\n";
  model::Program big = load_text(b1);
  model::Model m3(big);
  // Random runs take every interleaving, so they estimate the space the
  // search without partial-order reduction explores (B1 T=2: 134 states;
  // the default search reduces it to 86).
  checker::SearchOptions no_por;
  no_por.partial_order = false;
  const double states = static_cast<double>(check(big, no_por).stats.states);
  cli::StateSpaceEstimate e3(m3);
  e3.sample_runs(30);
  ASSERT_TRUE(e3.estimate());
  double early = *e3.estimate();
  e3.sample_runs(2000);
  double later = *e3.estimate();
  EXPECT_LT(early, states);
  EXPECT_GT(later, early);
  EXPECT_GT(later, 0.7 * states);
  EXPECT_LT(later, 1.2 * states);
  // Runs that take the search's reduced choices estimate the reduced space.
  const double reduced = static_cast<double>(check(big).stats.states);
  ASSERT_LT(reduced, states) << "B1 T=2 is reduced by the persistent sets";
  cli::StateSpaceEstimate e4(m3, /*partial_order=*/true);
  e4.sample_runs(2000);
  ASSERT_TRUE(e4.estimate());
  EXPECT_GT(*e4.estimate(), 0.7 * reduced);
  EXPECT_LT(*e4.estimate(), 1.2 * reduced);
  EXPECT_EQ(cli::count_text(1234567), "1,234,567");
  EXPECT_EQ(cli::count_text(2100000, true), "2.1M");
  EXPECT_EQ(cli::count_text(950, true), "950");
}

}  // namespace
}  // namespace lifecheck::testing
