// Shared helpers for the test suite: loading scenarios from text or from
// scenarios/, exploring them, running single schedules, and running the
// lifecheck binary itself.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checker/Explorer.h"
#include "lifecheck/spec.h"
#include "model/Model.h"

namespace lifecheck::testing {

// Path of a file in the source tree, e.g. source_path("scenarios/basics/x.life").
std::string source_path(const std::string& relative);

// Parses and compiles scenario text (throws lang::ScenarioError).
model::Program load_text(const std::string& text, const std::string& name = "test.life");
// The same under a profile given by name (as `--profile` takes it).
model::Program load_text_under(const std::string& text, const char* profile,
                               const std::string& name = "test.life");
model::Program load_file(const std::string& relative);
// Every shipped scenario (scenarios/**/*.life), relative to the source
// tree, sorted.
std::vector<std::string> scenario_files();

// Exhaustive search with default options (DFS, visited set, thread
// symmetry) unless given.
checker::SearchResult<model::Model::Choice> check(const model::Program& program,
                                                  checker::SearchOptions options = {},
                                                  bool symmetry = true);

// The verdict of an exhaustive search as text: "holds", "violates" and the
// properties it broke ("violates deadlock"), or "limit: ..." (check()'s
// options and symmetry); verdict_under compiles `text` under a profile.
std::string verdict_text(const model::Program& program, checker::SearchOptions options = {},
                         bool symmetry = true);
std::string verdict_under(const char* profile, const std::string& text);

// Calls `visit` on each distinct state (by canonical encoding) reachable
// from the initial state, depth first, at most `max_states` of them.
// The B1 benchmark family (bench/b1.py): `threads` identical threads, each
// building a cycle of two finalizable objects with a weakref callback, then
// dropping both and collecting.
std::string b1(int threads);

void for_each_state(const model::Model& model, size_t max_states,
                    const std::function<void(const model::State&)>& visit);

// Runs the schedule that always picks the first enabled thread; for
// single-threaded scenarios this is the only schedule.
// Partial-order reduction's local check (LTSmin's por-check in small): at
// `state`, the choice the model explores alone commutes with every other
// enabled choice (both orders reach one state, with the same outcome, and
// neither disables the other; a choice that stops the world, F12, is left
// to persistent_choice_holds). Returns what failed, or "" when it holds or
// no choice is explored alone.
std::string private_step_commutes(const model::Model& model, const model::State& state);

// Persistence of that choice (LTSmin's por-check, the definition of a
// persistent set): from `state`, every state reachable by steps of the other threads
// (at most `max_states`, depth first) still enables the choice, with the
// same outcome, and there it commutes with every enabled choice of another
// thread (both orders reach one state, neither disables the other).
// Without the GIL the choice may be disabled while another thread has
// stopped the world (F12): there the others' steps must still run after
// it, and once it is enabled again, taking it after the others' path must
// reach the state the path reaches after it (model/Independence.cpp, S0).
// Returns what failed, or "" when it holds or no choice is explored alone.
std::string persistent_choice_holds(const model::Model& model, const model::State& state,
                                    size_t max_states = 2000);

model::Trace run_first(const model::Program& program, size_t max_steps = 100000);
model::Trace replay(const model::Program& program, const std::vector<uint16_t>& path);

// Every complete schedule of a (tiny) scenario, as traces: a depth-first walk
// over the choices without merging states. Stops after `max_traces`.
std::vector<model::Trace> all_traces(const model::Program& program, size_t max_traces = 5000);

// The events of a trace, flattened; optionally only some kinds.
std::vector<model::Event> events(const model::Trace& trace);
// The objects of `type` a trace allocates.
size_t allocations_of(const model::Trace& trace, model::ClassId type);
// "finalize a#1", "callback r3#4", ... for the observable kinds; log
// messages as "log: text".
std::vector<std::string> observable(const model::Program& program, const model::Trace& trace);

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the lifecheck binary with `args` (each passed as one argument).
CliResult run_cli(const std::vector<std::string>& args, const std::string& cwd = "");

// The one result of a --json report of one scenario (check, simulate,
// replay): results[0] of the versioned envelope, which it checks.
nlohmann::json only_result(const std::string& out);
// The first counterexample of `check --json` of one scenario.
nlohmann::json first_counterexample(const std::string& out);

// The whole content of a file ("" if it cannot be read).
std::string read_all(const std::string& path);

// The python3 found on PATH when the tests run; empty if none.
std::string python3_on_path();

// The malformed scenarios of test_lang_errors.cpp (text and the expected
// error position and message), shared with the CLI corpus of
// test_bad_input.cpp.
struct LangErrorCase {
  std::string name, text;
  int line = 0, col = 0;
  std::string message;
};
std::vector<LangErrorCase> lang_error_cases();

// The first live object labelled `label` in `state`, or null.
const model::Object* find_object(const model::Program& program, const model::State& state,
                                 const std::string& label);
// The lines a trace logs (`log(...)`), in order.
std::vector<std::string> logs_of(const model::Program& program, const model::Trace& trace);
// The log lines of the first run of `body` under `profile` (a "profile"
// line is put first).
std::vector<std::string> logs_under(const std::string& profile, const std::string& body);
// The profiles a behaviour that no version changes is checked under.
inline constexpr const char* kEveryProfile[] = {"3.11", "3.12", "3.13", "3.14", "3.13t", "3.14t"};
// logs_under(profile, body) is `expected` for each of kEveryProfile.
void expect_logs_under_every_profile(const std::string& body,
                                     const std::vector<std::string>& expected);
// Every trace of the program `text` ends normally and logs `expected`.
void expect_every_trace_logs(const std::string& text, const std::vector<std::string>& expected);

// Writes `text` to a fresh temporary file ending in `suffix`; returns its path.
std::string temp_file(const std::string& text, const std::string& suffix = ".life");

// A generated scenario with locks (GenConfig::locks) made to hold the case
// that matters: L0 a Lock that the first class's __del__ takes first
// thing, g0 made of that class at the end of the module code, and the
// first thread dropping g0 first
// thing inside `with L0:` (with its next statement). A deadlock unless
// another reference keeps g0 alive or another thread drops it first.
void finalizer_takes_held_lock(gen::ScenarioSpec& spec);

}  // namespace lifecheck::testing
