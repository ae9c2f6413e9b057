#include "TestSupport.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "checker/ReplayScheduler.h"
#include "lang/Compiler.h"
#include "report/TextReport.h"

namespace lifecheck::testing {

nlohmann::json only_result(const std::string& out) {
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["format"], "lifecheck");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["results"].size(), 1u);
  return j["results"][0];
}

nlohmann::json first_counterexample(const std::string& out) {
  nlohmann::json r = only_result(out);
  EXPECT_FALSE(r["counterexamples"].empty()) << out;
  return r["counterexamples"].empty() ? nlohmann::json::object() : r["counterexamples"][0];
}

std::string source_path(const std::string& relative) {
  return std::string(LIFECHECK_SOURCE_DIR) + "/" + relative;
}

model::Program load_text(const std::string& text, const std::string& name) {
  return lang::load_scenario_text(name, text);
}

model::Program load_text_under(const std::string& text, const char* profile,
                               const std::string& name) {
  lang::CompileOptions o;
  o.profile_override = *model::find_profile(profile);
  return lang::load_scenario_text(name, text, o);
}

model::Program load_file(const std::string& relative) {
  return lang::load_scenario(source_path(relative));
}

std::vector<std::string> scenario_files() {
  // listed once per process: every parameterized suite asks for it when
  // tests are registered, in each of the thousands of processes ctest runs
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    const std::string root = source_path("scenarios");
    const std::string prefix = std::string("scenarios") + '/';
    for (auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".life")
        out.push_back(prefix + e.path().lexically_relative(root).generic_string());
    std::sort(out.begin(), out.end());
    return out;
  }();
  return files;
}

checker::SearchResult<model::Model::Choice> check(const model::Program& program,
                                                  checker::SearchOptions options, bool symmetry) {
  model::Model m(program, symmetry);
  return checker::explore(m, options);
}

std::string private_step_commutes(const model::Model& model, const model::State& state) {
  std::vector<model::Model::Choice> enabled, later;
  model.enabled(state, enabled);
  const auto alone = model.persistent_choice(state, enabled);
  if (!alone) return "";
  const uint16_t c = *alone;
  auto has = [&](const model::State& at, uint16_t choice) {
    model.enabled(at, later);
    return std::find(later.begin(), later.end(), choice) != later.end();
  };
  std::string a, b;
  model::State after_c = state;
  if (!model.step(after_c, c).ok()) return "the private step fails";
  for (uint16_t d : enabled) {
    if ((d & 0xFF) == (c & 0xFF)) continue;
    const std::string pair = "thread " + std::to_string(c & 0xFF) + "'s private step and choice " +
                             std::to_string(d) + ": ";
    model::State after_d = state;
    const checker::StepResult rd = model.step(after_d, d);
    if (!has(after_c, d)) return pair + "the private step disables the other";
    model::State cd = after_c;
    const checker::StepResult rcd = model.step(cd, d);
    if (rcd.kind != rd.kind || rcd.properties != rd.properties)
      return pair + "the other's outcome depends on the private step";
    if (!rd.ok()) continue;
    // F12: a step that stops the world parks every other thread until it
    // starts again; persistent_choice_holds checks the phase as a block
    if (after_d.gc.stopped_by == (d & 0xFF)) continue;
    if (!has(after_d, c)) return pair + "the other disables the private step";
    model::State dc = after_d;
    if (!model.step(dc, c).ok()) return pair + "the private step fails after the other";
    model.encode(cd, a);
    model.encode(dc, b);
    if (a != b) return pair + "the two orders reach different states";
  }
  return "";
}

std::string persistent_choice_holds(const model::Model& model, const model::State& state,
                                    size_t max_states) {
  std::vector<model::Model::Choice> enabled, later;
  model.enabled(state, enabled);
  const auto alone = model.persistent_choice(state, enabled);
  if (!alone) return "";
  const uint16_t c = *alone;
  const auto owner = static_cast<uint8_t>(c & 0xFF);
  auto has = [&](const model::State& at, uint16_t choice) {
    model.enabled(at, later);
    return std::find(later.begin(), later.end(), choice) != later.end();
  };
  const std::string who = "thread " + std::to_string(owner) + "'s choice " + std::to_string(c);
  // Each state s the other threads reach goes with its shadow: the state
  // the same steps reach after c. Wherever c is enabled, c from s must
  // reach the shadow (so c commutes with the whole path, one step at a
  // time or, across a stopped world, as a block); every step of the others
  // must be enabled at the shadow with the same outcome. c may be disabled
  // only while another thread has stopped the world (F12: every step of
  // c's thread is then disabled, in the shadow too), never otherwise.
  model::State first_c = state;
  const checker::StepResult rc = model.step(first_c, c);
  std::unordered_set<std::string> seen;
  std::vector<std::pair<model::State, model::State>> work;
  work.emplace_back(state, std::move(first_c));
  std::vector<model::Model::Choice> here;
  std::string bytes, a, b;
  size_t depth_states = 0;
  while (!work.empty() && depth_states < max_states) {
    auto [s, shadow] = std::move(work.back());
    work.pop_back();
    model.encode(s, bytes);
    if (!seen.insert(bytes).second) continue;
    ++depth_states;
    const std::string at = " (" + std::to_string(depth_states) + "th state the others reach)";
    model.enabled(s, here);
    const bool c_enabled = std::find(here.begin(), here.end(), c) != here.end();
    const bool stopped_elsewhere = s.gc.stopped_by != model::kNoThread && s.gc.stopped_by != owner;
    if (!c_enabled && !stopped_elsewhere) return who + " is disabled by the other threads" + at;
    if (!c_enabled) {  // a deadlock of the others stays one after c
      model.enabled(shadow, later);
      bool others = false;
      for (uint16_t d : here) others = others || (d & 0xFF) != owner;
      if (!others && !later.empty()) return who + ": the others' deadlock is none after it" + at;
    }
    if (c_enabled) {
      model::State after_c = s;
      const checker::StepResult rsc = model.step(after_c, c);
      if (rsc.kind != rc.kind || rsc.properties != rc.properties)
        return who + ": its outcome depends on the other threads" + at;
      if (rsc.ok()) {
        model.encode(after_c, a);
        model.encode(shadow, b);
        if (a != b)
          return who + ": it and the others' steps before it, in the two orders, " +
                 "reach different states" + at;
      }
    }
    if (!rc.ok()) continue;
    for (uint16_t d : here) {
      if ((d & 0xFF) == owner) continue;
      const std::string pair = who + " and choice " + std::to_string(d) + ": ";
      model::State after_d = s;
      const checker::StepResult rd = model.step(after_d, d);
      if (!has(shadow, d)) return pair + "the chosen step disables the other" + at;
      model::State shadow_d = shadow;
      const checker::StepResult rcd = model.step(shadow_d, d);
      if (rcd.kind != rd.kind || rcd.properties != rd.properties)
        return pair + "the other's outcome depends on the chosen step" + at;
      if (rd.ok()) work.emplace_back(std::move(after_d), std::move(shadow_d));
    }
  }
  return "";
}

std::string b1(int threads) {
  std::string s =
      "class Node:\n    def __del__(self):\n        pass\n\n"
      "def on_gone(wr):\n    pass\n";
  for (int t = 1; t <= threads; ++t)
    s += "\nthread T" + std::to_string(t) +
         ":\n    a = Node()\n    b = Node()\n    a.peer = b\n    b.peer = a\n"
         "    w = weakref.ref(a, on_gone)\n    del a\n    del b\n    gc.collect()\n";
  return s;
}

void for_each_state(const model::Model& model, size_t max_states,
                    const std::function<void(const model::State&)>& visit) {
  std::unordered_set<std::string> seen;
  std::vector<model::State> stack{model.initial()};
  std::vector<model::Model::Choice> choices;
  std::string bytes;
  while (!stack.empty() && seen.size() < max_states) {
    model::State s = std::move(stack.back());
    stack.pop_back();
    model.encode(s, bytes);
    if (!seen.insert(bytes).second) continue;
    visit(s);
    model.enabled(s, choices);
    for (model::Model::Choice c : choices) {
      model::State t = s;
      if (model.step(t, c).ok()) stack.push_back(std::move(t));
    }
  }
}

namespace {
class FirstScheduler : public checker::Scheduler {
 public:
  std::optional<size_t> pick(const std::vector<checker::ScheduleChoice>& enabled) override {
    if (enabled.empty()) return std::nullopt;
    return 0;
  }
};
}  // namespace

model::Trace run_first(const model::Program& program, size_t max_steps) {
  model::Model m(program);
  FirstScheduler s;
  return model::run_trace(m, s, max_steps);
}

model::Trace replay(const model::Program& program, const std::vector<uint16_t>& path) {
  model::Model m(program);
  checker::ReplayScheduler s(path);
  return model::run_trace(m, s, path.size() + 1);
}

std::vector<model::Trace> all_traces(const model::Program& program, size_t max_traces) {
  model::Model m(program);
  std::vector<model::Trace> out;
  // Each pending prefix is extended by every enabled choice at its end.
  std::vector<std::vector<uint16_t>> pending{{}};
  while (!pending.empty() && out.size() < max_traces) {
    std::vector<uint16_t> prefix = std::move(pending.back());
    pending.pop_back();
    model::State s = m.initial();
    bool failed = false;
    for (uint16_t c : prefix)
      if (!m.step(s, c).ok()) failed = true;
    std::vector<uint16_t> enabled;
    m.enabled(s, enabled);
    if (failed || enabled.empty()) {
      out.push_back(replay(program, prefix));
      continue;
    }
    for (auto it = enabled.rbegin(); it != enabled.rend(); ++it) {
      std::vector<uint16_t> next = prefix;
      next.push_back(*it);
      pending.push_back(std::move(next));
    }
  }
  return out;
}

std::vector<model::Event> events(const model::Trace& trace) {
  std::vector<model::Event> out;
  for (const auto& step : trace.steps)
    for (const auto& e : step.events) out.push_back(e);
  return out;
}

size_t allocations_of(const model::Trace& trace, model::ClassId type) {
  size_t n = 0;
  for (const model::Event& e : events(trace))
    if (e.kind == model::EventKind::Alloc && e.type == type) ++n;
  return n;
}

std::vector<std::string> observable(const model::Program& program, const model::Trace& trace) {
  using model::EventKind;
  std::vector<std::string> out;
  for (const model::Event& e : events(trace)) {
    std::string name = report::object_name(program, e.label, e.serial, e.type);
    switch (e.kind) {
      case EventKind::FinalizeBegin:
        out.push_back("finalize " + name);
        break;
      case EventKind::CallbackBegin:
        out.push_back("callback " + name);
        break;
      case EventKind::ClearBegin:
        out.push_back("clear " + name);
        break;
      case EventKind::Free:
        out.push_back("free " + name);
        break;
      case EventKind::Log:
        out.push_back("log: " + e.text);
        break;
      case EventKind::GcStart:
        out.push_back("gc start");
        break;
      case EventKind::GcStop:
        out.push_back("gc stop");
        break;
      case EventKind::ThreadException:
        out.push_back("exception " + e.text);
        break;
      case EventKind::Unraisable:
        out.push_back("unraisable " + e.text);
        break;
      default:
        break;
    }
  }
  return out;
}

std::string temp_file(const std::string& text, const std::string& suffix) {
  static int counter = 0;
  std::string path = (::testing::TempDir().empty() ? std::string("/tmp/") : ::testing::TempDir()) +
                     "lifecheck-test-" + std::to_string(getpid()) + "-" +
                     std::to_string(counter++) + suffix;
  std::ofstream(path) << text;
  return path;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

CliResult run_cli(const std::vector<std::string>& args, const std::string& cwd) {
  std::string out = temp_file("", ".out");
  std::string err = temp_file("", ".err");
  std::string cmd;
  if (!cwd.empty()) cmd += "cd " + quote(cwd) + " && ";
  cmd += quote(LIFECHECK_BINARY);
  for (const std::string& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(out) + " 2>" + quote(err);
  int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(out);
  r.err = read_all(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

std::string python3_on_path() {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  for (std::string dir; std::getline(ss, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/python3";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

const model::Object* find_object(const model::Program& program, const model::State& state,
                                 const std::string& label) {
  for (const model::Object& o : state.objects)
    if (o.live && o.label != model::kNoLabel && program.labels[o.label] == label) return &o;
  return nullptr;
}

std::vector<std::string> logs_of(const model::Program& program, const model::Trace& trace) {
  std::vector<std::string> out;
  for (const std::string& s : observable(program, trace))
    if (s.rfind("log: ", 0) == 0) out.push_back(s.substr(5));
  return out;
}

std::string verdict_text(const model::Program& program, checker::SearchOptions options,
                         bool symmetry) {
  auto r = check(program, options, symmetry);
  if (r.verdict == checker::Verdict::Holds) return "holds";
  if (r.verdict == checker::Verdict::Violated) {
    std::string out = "violates";
    for (const std::string& prop : r.failure.properties) out += " " + prop;
    return out;
  }
  return "limit: " + r.limit;
}

std::string verdict_under(const char* profile, const std::string& text) {
  return verdict_text(load_text_under(text, profile));
}

std::vector<std::string> logs_under(const std::string& profile, const std::string& body) {
  model::Program p = load_text("profile " + profile + "\n" + body);
  return logs_of(p, run_first(p));
}

void expect_logs_under_every_profile(const std::string& body,
                                     const std::vector<std::string>& expected) {
  for (const char* profile : kEveryProfile)
    EXPECT_EQ(logs_under(profile, body), expected) << profile;
}

void expect_every_trace_logs(const std::string& text, const std::vector<std::string>& expected) {
  model::Program p = load_text(text);
  const std::vector<model::Trace> traces = all_traces(p);
  ASSERT_FALSE(traces.empty());
  for (const model::Trace& t : traces) {
    ASSERT_TRUE(t.outcome.ok()) << t.outcome.message;
    EXPECT_EQ(logs_of(p, t), expected) << text;
  }
}

void finalizer_takes_held_lock(gen::ScenarioSpec& spec) {
  using gen::Op;
  if (spec.locks.empty()) spec.locks.push_back(false);
  spec.locks[0] = false;
  if (spec.classes.empty()) spec.classes.emplace_back();
  spec.classes[0].has_del = true;
  std::vector<gen::Action>& del = spec.classes[0].del_body;
  del.insert(del.begin(), {Op::LockWith, 0, 0, 0});
  spec.setup.push_back({Op::New, 0, 0, 0});  // g0 = C0() last
  if (spec.threads.empty()) spec.threads.emplace_back();
  std::vector<gen::Action>& t = spec.threads[0];
  t.insert(t.begin(), {{Op::LockWith, 0, 1, 0}, {Op::Drop, 0, 0, 0}});
}

}  // namespace lifecheck::testing
