// Every event of a trace carries the scenario statement it ran in
// (model/StatementTracker.h), stamped when it is emitted: runtime work gets
// the statement that caused it, a finalizer's own events the lines of its
// body, work no statement caused none. The text trace names a step by its
// first event's statement and adds a sub-heading where the events move on
// to another; the JSON report has the line per event.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "TestSupport.h"
#include "report/JsonReport.h"
#include "report/TextReport.h"

namespace lifecheck::testing {
namespace {

using model::Event;
using model::EventKind;

// docs/extension-types.md §2.1: `del b` (line 12) runs tp_dealloc, which
// calls tp_clear, which releases the payload, whose __del__ logs (line 9).
const char* kFirst = R"(# A buffer that owns one Python object. Every slot line is left out, so
# lifecheck uses the recommended defaults for a GC heap type.
ctype Buffer:
    flags: gc, heaptype, weakrefable
    fields: data

class Payload:
    def __del__(self):
        log("payload released")

b = Buffer(Payload())
del b
)";

const Event* find_event(const model::Trace& t, EventKind kind, size_t* step = nullptr) {
  for (size_t i = 0; i < t.steps.size(); ++i)
    for (const Event& e : t.steps[i].events)
      if (e.kind == kind) {
        if (step) *step = i;
        return &e;
      }
  return nullptr;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string text_trace(const model::Program& p, const model::Trace& t, bool verbose = false) {
  std::ostringstream out;
  report::TraceOptions options;
  options.verbose = verbose;
  report::print_trace(out, p, t, options);
  return out.str();
}

TEST(EventLines, DeallocFromDelGetsTheDelLine) {
  model::Program p = load_text(kFirst, "first.life");
  model::Trace t = run_first(p);
  size_t step = 0;
  const Event* dealloc = find_event(t, EventKind::DeallocBegin, &step);
  ASSERT_NE(dealloc, nullptr);
  EXPECT_EQ(dealloc->line, 12u);
  EXPECT_EQ(p.funcs[dealloc->func].name, "<module>");
  // The step starts at the check that ends line 11; its events are line
  // 12's. (A stamp taken at the step's start would say 11.)
  EXPECT_EQ(t.steps[step].line, 11u);
  EXPECT_EQ(report::step_statement(t.steps[step]).line, 12u);
  const Event* clear = find_event(t, EventKind::ClearBegin);
  ASSERT_NE(clear, nullptr);
  EXPECT_EQ(clear->line, 12u);
  const std::string text = text_trace(p, t);
  EXPECT_NE(text.find("step 3   [main] line 12: del b   in <module>\n"
                      "          tp_dealloc b#2 begins\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("step 3   [main] line 11"), std::string::npos) << text;
}

TEST(EventLines, FinalizerEventsGetItsBodyAndTheCallerAfter) {
  model::Program p = load_text(kFirst, "first.life");
  model::Trace t = run_first(p);
  const Event* log = find_event(t, EventKind::Log);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->line, 9u);
  EXPECT_EQ(p.funcs[log->func].name, "Payload.__del__");
  // once __del__ has returned, the rest of the dealloc is `del b`'s again
  const Event* free_b = nullptr;
  for (const Event& e : events(t))
    if (e.kind == EventKind::Free && p.labels[e.label] == "b") free_b = &e;
  ASSERT_NE(free_b, nullptr);
  EXPECT_EQ(free_b->line, 12u);
  // the text names the statement where the events move on to another
  const std::string text = text_trace(p, t);
  EXPECT_NE(text.find("          log: payload released\n"
                      "step 6   [main] line 9: log(\"payload released\")   in Payload.__del__\n"
                      "        line 12: del b   in <module>\n"
                      "          finalize Payload@11#1 ends\n"),
            std::string::npos)
      << text;
}

const char* kCollect = R"(class Node:
    def __del__(self):
        log("del")

def make():
    a = Node()
    a.me = a

make()
n = gc.collect()
log("after", n)
)";

TEST(EventLines, CollectionGetsTheLineOfItsGcCollect) {
  model::Program p = load_text(kCollect);
  model::Trace t = run_first(p);
  std::vector<uint32_t> starts, stops, logs;
  for (const Event& e : events(t)) {
    if (e.kind == EventKind::GcStart) starts.push_back(e.line);
    if (e.kind == EventKind::GcStop) stops.push_back(e.line);
    if (e.kind == EventKind::Log) logs.push_back(e.line);
  }
  ASSERT_FALSE(starts.empty());
  // gc.collect() on line 10; the end-of-run collections (no statement) last
  EXPECT_EQ(starts.front(), 10u);
  EXPECT_EQ(stops.front(), 10u);
  EXPECT_EQ(starts.back(), 0u);
  EXPECT_EQ(logs, (std::vector<uint32_t>{3, 11}));
  // the phases of the collection, verbose ones included, are line 10's
  for (const Event& e : events(t))
    if (e.kind == EventKind::GcPhase && e.line != 0) {
      EXPECT_EQ(e.line, 10u);
    }
}

TEST(EventLines, EndOfRunWorkHasNoStatement) {
  model::Program p = load_text(kCollect);
  model::Trace t = run_first(p);
  size_t step = 0;
  const Event* end = find_event(t, EventKind::EndOfThreads, &step);
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->line, 0u);
  EXPECT_EQ(end->func, model::kNoFunc);
  EXPECT_NE(text_trace(p, t).find("[main] (runtime)\n          every thread has finished"),
            std::string::npos)
      << text_trace(p, t);
}

TEST(EventLines, SubHeadingsInBothModes) {
  // step 6 begins at the check after __del__'s log returns (line 9), then
  // goes on with `del b`'s tp_dealloc: with or without the verbose events,
  // one sub-heading
  model::Program p = load_text(kFirst, "first.life");
  model::Trace t = run_first(p);
  for (bool verbose : {false, true}) {
    const std::string text = text_trace(p, t, verbose);
    const size_t step6 = text.find("step 6   [main] line 9: log(\"payload released\")");
    const size_t step7 = text.find("step 7");
    ASSERT_NE(step6, std::string::npos) << text;
    const std::string six = text.substr(step6, step7 - step6);
    EXPECT_EQ(count_of(six, "\n        line"), 1u) << six;
    EXPECT_LT(six.find("        line 12: del b   in <module>\n"), six.find("free b#2")) << six;
  }
}

TEST(EventLines, JsonEventsCarryTheirLine) {
  model::Program p = load_text(kFirst, "first.life");
  model::Model m(p);
  model::Trace t = run_first(p);
  nlohmann::json run = report::run_json(m, t, "lc2:x", "lifecheck replay first.life lc2:x", {});
  bool dealloc = false, log = false;
  for (const auto& s : run["steps"])
    for (const auto& e : s["events"]) {
      if (e["kind"] == "DEALLOC_BEGIN" && e["object"] == "b#2") {
        dealloc = true;
        EXPECT_EQ(e["line"], 12) << e.dump();
        EXPECT_EQ(e["function"], "<module>") << e.dump();
      }
      if (e["kind"] == "LOG") {
        log = true;
        EXPECT_EQ(e["line"], 9) << e.dump();
        EXPECT_EQ(e["function"], "Payload.__del__") << e.dump();
      }
      if (e["kind"] == "END_OF_THREADS") {
        EXPECT_FALSE(e.contains("line")) << e.dump();
      }
    }
  EXPECT_TRUE(dealloc && log) << run.dump(1);
}

TEST(EventLines, ViolationLineIsWhereTheStepFoundIt) {
  model::Program bug = load_file("scenarios/contract/P7.5-bug.life");
  model::Trace tb = run_first(bug, 1000);
  ASSERT_EQ(tb.outcome.kind, checker::StepResult::Kind::Violation);
  // the second finalization of a#1: `saved = None` (line 16) drops it again
  EXPECT_EQ(tb.violation_at.line, 16u);
  nlohmann::json run = report::run_json(model::Model(bug), tb, "t", "c", {});
  EXPECT_EQ(run["line"], 16);
  EXPECT_EQ(report::failing_line(run), 16);
}

}  // namespace
}  // namespace lifecheck::testing
