#include "cli/Commands.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checker/Explorer.h"
#include "checker/ReplayScheduler.h"
#include "checker/Schedule.h"
#include "cli/CommandSupport.h"
#include "cli/Interrupt.h"
#include "cli/OutputFiles.h"
#include "cli/SearchAll.h"
#include "lang/Compiler.h"
#include "lang/Load.h"
#include "model/Model.h"
#include "model/Observe.h"
#include "model/Properties.h"
#include "report/ExpectWarnings.h"
#include "report/HeapGraph.h"
#include "report/JsonReport.h"
#include "report/TextReport.h"

namespace lifecheck::cli {

using nlohmann::json;

std::optional<model::Profile> profile_option(const std::string& name) {
  auto p = model::find_profile(name);
  if (!p)
    std::cerr << "lifecheck: unknown profile '" << lang::escape_control(name)
              << "'; 'lifecheck list-profiles' lists them\n";
  return p;
}

std::optional<lang::CompileOptions> compile_options(const ScenarioOptions& options) {
  lang::CompileOptions copts;
  if (!options.profile.empty() && options.profile != "all") {
    auto p = profile_option(options.profile);
    if (!p) return std::nullopt;
    copts.profile_override = *p;
  }
  for (const std::string& b : options.runtime_bugs) {
    auto bug = model::find_runtime_bug(b);
    if (!bug) {
      std::cerr << "lifecheck: unknown runtime bug '" << lang::escape_control(b)
                << "'; 'lifecheck list-properties' lists them\n";
      return std::nullopt;
    }
    copts.extra_bugs.push_back(*bug);
  }
  for (const std::string& p : options.ignores)
    if (!model::find_property(p)) {
      std::cerr << "lifecheck: unknown property '" << lang::escape_control(p)
                << "' for --ignore; 'lifecheck list-properties' lists them\n";
      return std::nullopt;
    }
  return copts;
}

std::optional<model::Program> load_program(const std::string& file,
                                           const lang::CompileOptions& options,
                                           uint64_t max_memory_mb) {
  try {
    return lang::load_scenario_file(file, options, lang::FrontEndLimits{max_memory_mb});
  } catch (const lang::ScenarioError& e) {
    std::cerr << e.format() << "\n";
    return std::nullopt;
  }
}

std::optional<std::vector<checker::ScheduleChoice>> decode_token_for(const model::Program& program,
                                                                     const std::string& token,
                                                                     const std::string& hint) {
  std::string error;
  auto decoded = checker::decode_schedule(token, error);
  if (!decoded) {
    std::cerr << "lifecheck: " << lang::escape_control(error) << "\n";
    return std::nullopt;
  }
  if (decoded->fingerprint != program.fingerprint) {
    std::cerr << "lifecheck: this replay token was recorded for another scenario text or "
                 "profile (fingerprint mismatch)"
              << hint << "\n";
    return std::nullopt;
  }
  // Every step must be enabled where it is taken (the run stops at the
  // first that is not); nothing is printed or recorded here.
  model::Model m(program);
  checker::ReplayScheduler sched(decoded->steps);
  model::run_trace(m, sched, decoded->steps.size() + 1);
  if (sched.mismatch()) {
    std::cerr << "lifecheck: step " << sched.position() + 1
              << " of the replay token names a thread that cannot run there\n";
    return std::nullopt;
  }
  return std::move(decoded->steps);
}

bool writable_path(const std::string& path, const char* what) {
  if (path.empty()) return true;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string why;
  if (fs::is_directory(p, ec))
    why = "it is a directory";
  else if (!fs::is_directory(dir, ec))
    why = "its folder does not exist";
  else if (::access(dir.c_str(), W_OK) != 0 || (fs::exists(p, ec) && ::access(p.c_str(), W_OK)))
    why = std::strerror(errno);
  if (why.empty()) return true;
  std::cerr << "lifecheck: cannot write the " << what << " to '" << lang::escape_control(path)
            << "': " << why << "\n";
  return false;
}

std::optional<model::Program> load(const std::string& file, const ScenarioOptions& options) {
  auto copts = compile_options(options);
  if (!copts) return std::nullopt;
  auto p = load_program(file, *copts, options.max_memory_mb);
  if (p)
    for (const std::string& id : options.ignores)
      if (!p->ignored(id))
        p->ignores.push_back(model::Ignore{id, "--ignore on the command line", 0});
  return p;
}

bool write_dot(const std::string& file, const model::Program& program, const model::State& s) {
  if (file.empty()) return true;
  std::ofstream out(file);
  report::write_heap_dot(out, program, s);
  out.close();
  if (out) return true;
  std::cerr << "lifecheck: cannot write the DOT file '" << lang::escape_control(file) << "'\n";
  return false;
}

std::string shell_word(const std::string& s) {
  bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string("_./+-=:@,%").find(c) != std::string::npos;
  });
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string replay_options(const model::Program& program, const ScenarioOptions& scenario,
                           const std::vector<std::string>& also_ignored) {
  std::string out;
  auto add = [&](const std::string& option, const std::string& value) {
    out += (out.empty() ? "" : " ") + option + " " + shell_word(value);
  };
  if (scenario.profile == "all")
    add("--profile", program.profile.name);
  else if (!scenario.profile.empty())
    add("--profile", scenario.profile);
  for (const std::string& b : scenario.runtime_bugs) add("--runtime-bug", b);
  for (const std::string& p : scenario.ignores) add("--ignore", p);
  for (const std::string& p : also_ignored) add("--ignore", p);
  return out;
}

std::string replay_command(const model::Program& program, const std::string& token,
                           const std::string& options) {
  return "lifecheck replay " + shell_word(program.file) + " " + token +
         (options.empty() ? "" : " " + options);
}

json ignored_json(const model::Program& program) {
  json out = json::array();
  for (const model::Ignore& i : program.ignores)
    out.push_back(json{{"property", i.property},
                       {"reason", i.reason},
                       {"source", i.line ? "scenario line " + std::to_string(i.line)
                                         : std::string("command line")}});
  return out;
}

namespace {

model::Trace replay_path(const model::Model& model, const std::vector<uint16_t>& path) {
  checker::ReplayScheduler sched(path);
  return model::run_trace(model, sched, path.size() + 1);
}

// The run that always picks the first enabled choice: the final state --dot
// shows when there is no counterexample.
class FirstChoice : public checker::Scheduler {
 public:
  std::optional<size_t> pick(const std::vector<checker::ScheduleChoice>& enabled) override {
    return enabled.empty() ? std::nullopt : std::optional<size_t>(0);
  }
};

std::string verdict_name(checker::Verdict v) {
  switch (v) {
    case checker::Verdict::Holds:
      return "holds";
    case checker::Verdict::Violated:
      return "violated";
    case checker::Verdict::LimitReached:
      return "limit";
  }
  return "?";
}

// The properties a scenario is checked for (JUnit lists one test case each):
// every built-in one; assert and expect only where the scenario has them.
json checked_properties(const model::Program& program) {
  bool asserts = false;
  for (const model::FuncInfo& f : program.funcs)
    for (const model::Op& op : f.code) asserts = asserts || op.code == model::OpCode::Assert;
  json out = json::array();
  for (const model::PropertyInfo& p : model::all_properties()) {
    std::string id = p.id;
    if ((id == "assert" && !asserts) || (id == "expect" && program.expects.empty())) continue;
    out.push_back(id);
  }
  return out;
}

struct CheckOutcome {
  checker::Verdict verdict;
  std::vector<std::string> properties;
  uint64_t states = 0;
  json j;
};

bool parallel_dfs(const CheckOptions& options) {
  checker::SearchOptions so;
  so.order = options.order;
  so.jobs = options.jobs;
  so.store = options.store;
  so.limits = options.limits;
  return checker::parallel_depth_first(so);
}

// ", depth N" where the depth does not depend on how the search ran (a
// depth-first search's deepest stack does: the summary line shows it).
std::string depth_text(const checker::Stats& st) {
  return st.depth_from_stack ? "" : fmt::format(", depth {}", st.max_depth);
}

CheckOutcome check_one(const model::Program& program, const CheckOptions& options, bool print,
                       ReportFiles& files) {
  files.note_source(program);
  ScenarioSearch search = search_scenario(program, options);
  const checker::Stats& st = search.stats;
  CheckOutcome out{search.verdict, {}, st.states, json::object()};
  const bool text = print && !options.output.json;

  const bool breadth_first = options.all || options.order == checker::SearchOrder::BreadthFirst;
  const unsigned effective_jobs = options.distributed || options.swarm     ? options.ranks
                                  : breadth_first || parallel_dfs(options) ? options.jobs
                                                                           : 1;
  std::cerr << fmt::format(
      "summary: {}: {} states, {} transitions, depth {}, {:.3f} s, {:.0f} states/s{}, {} store "
      "{:.1f} MiB, {} search, {}{}{}{}\n",
      program.file, st.states, st.transitions, st.max_depth, st.seconds,
      st.seconds > 0 ? st.states / st.seconds : 0.0,
      search.searches > 1 ? fmt::format(" ({} searches)", search.searches) : "",
      checker::store_name(options.store), st.store_bytes / 1048576.0,
      options.swarm         ? "swarm"
      : options.distributed ? "distributed bfs"
      : breadth_first       ? "bfs"
                            : "dfs",
      effective_jobs, options.distributed || options.swarm ? " MPI rank" : " job",
      effective_jobs == 1 ? "" : "s", report::reduction_summary(st, options.store));

  json& j = out.j;
  j["file"] = program.file;
  j["profile"] = program.profile.display_name();
  j["verdict"] = verdict_name(search.verdict);
  j["exhaustive"] = search.limit.empty();
  j["search"] = breadth_first ? "bfs" : "dfs";
  j["all"] = options.all;
  j["symmetry"] = search.symmetry;
  j["partial_order"] = options.partial_order;
  if (options.sleep_sets) j["sleep_sets"] = true;  // asked for (applied where sound)
  j["store"] = checker::store_name(options.store);
  j["stats"] = report::stats_json(st, options.output.timing);
  j["searches"] = search.searches;
  j["properties"] = checked_properties(program);
  j["ignored"] = ignored_json(program);
  if (!search.limit.empty()) j["limit"] = search.limit;
  j["counterexamples"] = json::array();
  // expect lines whose events no explored run showed (ExpectWarnings.h)
  const auto warnings = report::expect_warnings(program, search.expect_seen);
  if (!warnings.empty()) j["warnings"] = report::expect_warnings_json(warnings);
  if (print)
    for (const report::ExpectWarning& w : warnings) std::cerr << w.message << "\n";

  if (search.found.empty()) {
    if (!options.output.dot_file.empty()) {
      model::Model model(program, options.symmetry);
      FirstChoice first;
      write_dot(options.output.dot_file, program,
                model::run_trace(model, first, 100000).final_state);
    }
    if (text && search.verdict == checker::Verdict::Holds)
      std::cout << fmt::format(
          "{}: holds under {}: every property holds over all {} states ({} transitions{})\n",
          program.file, program.profile.display_name(), st.states, st.transitions, depth_text(st));
    else if (text)
      std::cout << fmt::format(
          "{}: no verdict under {}: {} after {} states, {} transitions{} "
          "(partial: no violation in the explored part)\n",
          program.file, program.profile.display_name(),
          search.limit + (stop_requested() ? "" : " reached"), st.states, st.transitions,
          depth_text(st));
    return out;
  }

  if (text && options.all) {
    std::string ids;
    for (const FoundViolation& f : search.found)
      for (const std::string& p : f.result.failure.properties) ids += (ids.empty() ? "" : ", ") + p;
    std::cout << fmt::format("{}: {} counterexample{} under {} ({} states in {} searches): {}\n",
                             program.file, search.found.size(), search.found.size() == 1 ? "" : "s",
                             program.profile.display_name(), st.states, search.searches, ids);
  }
  for (size_t i = 0; i < search.found.size(); ++i) {
    const FoundViolation& f = search.found[i];
    const auto& result = f.result;
    for (const std::string& p : result.failure.properties) out.properties.push_back(p);
    model::Model model(f.program, options.symmetry);
    model::Trace trace = replay_path(model, result.path);
    bool reproduces = trace.outcome.kind == checker::StepResult::Kind::Violation &&
                      trace.outcome.properties == result.failure.properties;
    if (!reproduces) {
      trace.outcome = result.failure;
      trace.loop_start = result.loop_start;
    }
    std::string token = checker::encode_schedule(program.fingerprint, result.path);
    std::string ropts = replay_options(program, options.scenario, f.ignored_before);
    report::JsonOptions jopts{options.output.verbose, false};
    json run = report::run_json(model, trace, token, replay_command(program, token, ropts), jopts);
    run["replay_reproduces"] = reproduces;
    run["ignored_before"] = f.ignored_before;
    if (files.wants_html()) {
      report::JsonOptions all_events{true, true};
      files.add_html(
          j,
          report::run_json(model, trace, token, replay_command(program, token, ropts), all_events),
          program,
          (options.scenario.profile == "all" ? std::string(program.profile.name) + "--" : "") +
              result.failure.properties.front());
    }
    j["counterexamples"].push_back(std::move(run));
    if (i == 0) write_dot(options.output.dot_file, program, trace.final_state);
    if (!text) continue;
    if (options.all)
      std::cout << fmt::format(
          "\ncounterexample {} of {}{}\n", i + 1, search.found.size(),
          f.ignored_before.empty() ? "" : " (the properties found before are ignored)");
    else
      std::cout << program.file << ": counterexample under " << program.profile.display_name()
                << " after " << st.states << " states\n";
    report::TraceOptions topts{options.output.verbose, ropts};
    report::print_counterexample(std::cout, f.program, trace, token, topts);
  }
  if (text && options.all && !search.limit.empty())
    std::cout << "\nthe search for further violations stopped: " << search.limit << "\n";
  return out;
}

std::string join_trace(const model::ObservedTrace& t, size_t max_events = 8) {
  std::string out;
  for (size_t i = 0; i < t.size() && i < max_events; ++i) out += (i ? ", " : "") + t[i];
  if (t.size() > max_events) out += ", ...";
  return "[" + out + "]";
}

// A trace of `a` that `b` cannot show, preferring the shortest.
std::optional<model::ObservedTrace> only_in(const model::TraceSet& a, const model::TraceSet& b) {
  std::optional<model::ObservedTrace> best;
  for (const model::ObservedTrace& t : a.traces)
    if (!b.traces.count(t) && (!best || t.size() < best->size())) best = t;
  return best;
}

// check --profile all: every profile, one table, and where two neighbouring
// profiles' observable traces differ, an example each way.
int check_all_profiles(const std::vector<std::string>& files, const CheckOptions& options,
                       ReportFiles& outputs) {
  bool violated = false, limited = false;
  json all = json::array();
  // The limits hold for the whole run, not for each profile: each search and
  // trace enumeration gets what the ones before have left.
  const auto start = std::chrono::steady_clock::now();
  uint64_t states_used = 0;
  std::string spent;  // which limit the run has used up
  auto remaining = [&]() -> std::optional<CheckOptions> {
    CheckOptions o = options;
    const checker::Limits& l = options.limits;
    if (stop_requested()) {
      spent = interrupt_reason();
      return std::nullopt;
    }
    if (l.max_seconds > 0) {
      double used = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (used >= l.max_seconds) {
        spent = fmt::format("time limit ({:g} s)", l.max_seconds);
        return std::nullopt;
      }
      o.limits.max_seconds = l.max_seconds - used;
    }
    if (l.max_states) {
      if (states_used >= l.max_states) {
        spent = "state limit (" + std::to_string(l.max_states) + " states)";
        return std::nullopt;
      }
      o.limits.max_states = l.max_states - states_used;
    }
    return o;
  };
  for (const std::string& file : files) {
    std::vector<model::Program> programs;
    for (const model::Profile& prof : model::all_profiles()) {
      ScenarioOptions so = options.scenario;
      so.profile = prof.name;
      auto p = load(file, so);
      if (!p) return kBadInput;
      programs.push_back(std::move(*p));
    }
    if (!options.output.json) std::cout << file << "\n";
    if (!options.output.json)
      std::cout << fmt::format("  {:<8} {:<15} {:<30} {:>9} {:>8}\n", "profile", "releases",
                               "verdict", "states", "traces");
    json rows = json::array();
    std::vector<model::TraceSet> sets;
    for (const model::Program& p : programs) {
      auto budget = remaining();
      CheckOutcome o;
      model::TraceBounds bounds;
      if (budget) {
        o = check_one(p, *budget, false, outputs);
        states_used += o.states;
        bounds.stop = &stop_requested();
        if (auto left = remaining()) bounds.max_seconds = left->limits.max_seconds;
      } else {
        // Nothing left: this profile is not explored.
        o = CheckOutcome{checker::Verdict::LimitReached, {}, 0, json::object()};
        o.j = json{
            {"file", p.file},
            {"profile", p.profile.display_name()},
            {"verdict", "limit"},
            {"exhaustive", false},
            {"limit", spent},
            {"explored", false},
            {"search",
             options.all || options.order == checker::SearchOrder::BreadthFirst ? "bfs" : "dfs"},
            {"all", options.all},
            {"symmetry", false},
            {"partial_order", options.partial_order},
            {"stats", report::stats_json(checker::Stats{}, options.output.timing)},
            {"searches", 0},
            {"properties", checked_properties(p)},
            {"ignored", ignored_json(p)},
            {"counterexamples", json::array()}};
      }
      violated = violated || o.verdict == checker::Verdict::Violated;
      limited = limited || o.verdict == checker::Verdict::LimitReached;
      std::string verdict = verdict_name(o.verdict);
      if (o.verdict == checker::Verdict::Violated) {
        verdict = "violates";
        for (const std::string& id : o.properties) verdict += " " + id;
      }
      if (budget && remaining()) {
        sets.push_back(model::observable_traces(p, bounds));
      } else {
        sets.push_back(model::TraceSet{{}, false, false, 0, spent});
      }
      const model::TraceSet& ts = sets.back();
      std::string traces = std::to_string(ts.traces.size()) + (ts.complete ? "" : "+");
      if (!options.output.json)
        std::cout << fmt::format("  {:<8} {:<15} {:<30} {:>9} {:>8}\n", p.profile.name,
                                 p.profile.releases, verdict, o.states, traces);
      json row = o.j;
      row["traces"] = ts.traces.size();
      row["traces_complete"] = ts.complete;
      if (!ts.complete) row["traces_stopped"] = ts.stopped;
      rows.push_back(std::move(row));
    }
    json diffs = json::array();
    bool any = false;
    for (size_t i = 1; i < programs.size(); ++i) {
      // Each default-build profile against the one before it; a
      // free-threaded one against its default-build twin.
      size_t prev = i - 1;
      if (const char* twin = programs[i].profile.gil_twin)
        for (size_t k = 0; k < programs.size(); ++k)
          if (std::string_view(programs[k].profile.name) == twin) prev = k;
      const model::TraceSet& before = sets[prev];
      const model::TraceSet& after = sets[i];
      std::string a = programs[prev].profile.name, b = programs[i].profile.name;
      if (!before.complete || !after.complete) {
        // Partial sets: a trace missing from one may just not be enumerated.
        const std::string& why = before.complete ? after.stopped : before.stopped;
        if (!any && !options.output.json) std::cout << "  observable traces:\n";
        any = true;
        if (!options.output.json)
          std::cout << fmt::format("    {} -> {}: not compared (enumeration stopped: {})\n", a, b,
                                   why);
        diffs.push_back(json{{"from", a}, {"to", b}, {"compared", false}, {"stopped", why}});
        continue;
      }
      if (before.traces == after.traces) continue;
      if (!any && !options.output.json) std::cout << "  observable traces differ:\n";
      any = true;
      json d{{"from", a}, {"to", b}};
      if (auto t = only_in(before, after)) {
        d["only_before"] = *t;
        if (!options.output.json)
          std::cout << fmt::format("    {} -> {}: only {} can show {}\n", a, b, a, join_trace(*t));
      }
      if (auto t = only_in(after, before)) {
        d["only_after"] = *t;
        if (!options.output.json)
          std::cout << fmt::format("    {} -> {}: only {} can show {}\n", a, b, b, join_trace(*t));
      }
      diffs.push_back(std::move(d));
    }
    if (!any && !options.output.json)
      std::cout << "  observable traces: the same under every profile\n";
    all.push_back(json{{"file", file}, {"profiles", rows}, {"differences", diffs}});
  }
  json report = report::report_envelope("check", std::move(all));
  if (options.output.json) std::cout << report.dump(2) << "\n";
  outputs.finish(report);
  return violated ? kViolated : limited ? kLimit : kHolds;
}

}  // namespace

int check_command(const std::vector<std::string>& files, const CheckOptions& options) {
  if (!writable_path(options.output.dot_file, "DOT file")) return kBadInput;
  ReportFiles outputs(options.output);
  if (options.scenario.profile == "all") {
    for (const std::string& f : files)  // bad input first, nothing explored
      if (!load(f, options.scenario)) return kBadInput;
    if (!outputs.open()) return kBadInput;
    return check_all_profiles(files, options, outputs);
  }
  std::vector<model::Program> programs;
  for (const std::string& f : files) {
    auto p = load(f, options.scenario);
    if (!p) return kBadInput;
    programs.push_back(std::move(*p));
  }
  if (!outputs.open()) return kBadInput;
  bool violated = false, limited = false;
  json all = json::array();
  for (const model::Program& p : programs) {
    CheckOutcome o = check_one(p, options, true, outputs);
    violated = violated || o.verdict == checker::Verdict::Violated;
    limited = limited || o.verdict == checker::Verdict::LimitReached;
    all.push_back(std::move(o.j));
    if (stop_requested()) break;  // the files after an interrupt are not checked
  }
  json report = report::report_envelope("check", std::move(all));
  if (options.output.json) std::cout << report.dump(2) << "\n";
  outputs.finish(report);
  return violated ? kViolated : limited ? kLimit : kHolds;
}

bool scenario_files(const std::vector<std::string>& paths, std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  bool ok = true;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    // A folder that cannot be read is reported and skipped; the walk goes
    // on (an explicit stack: folders may nest deeply). Links to folders are
    // not followed.
    std::vector<std::string> found;
    std::vector<fs::path> pending{p};
    while (!pending.empty()) {
      fs::path dir = std::move(pending.back());
      pending.pop_back();
      fs::directory_iterator it(dir, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        std::error_code entry;
        if (it->is_symlink(entry) && it->is_directory(entry)) continue;
        if (it->is_directory(entry))
          pending.push_back(it->path());
        else if (it->is_regular_file(entry) && it->path().extension() == ".life")
          found.push_back(it->path());
      }
      if (ec) {
        std::cerr << lang::escape_control(dir.string()) << ":0:0: error: cannot read it ("
                  << ec.message() << ")\n";
        ok = false;
        ec.clear();
      }
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return ok;
}

int suite_command(const std::vector<std::string>& paths, const CheckOptions& options) {
  std::vector<std::string> files;
  const bool folders_read = scenario_files(paths, files);  // errors printed
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    if (folders_read) std::cerr << "lifecheck: no .life files found\n";
    return kBadInput;
  }
  int passed = 0, failed = 0, bad = folders_read ? 0 : 1;
  json rows = json::array();
  ReportFiles no_outputs(OutputOptions{});
  for (const std::string& f : files) {
    if (stop_requested()) {
      std::cout << "interrupted: the remaining scenarios were not checked\n";
      break;
    }
    auto p = load(f, options.scenario);
    if (!p) {
      ++bad;
      std::cout << "ERROR " << f << ": bad input (see above)\n";
      continue;
    }
    if (!p->verdict && p->profile_verdicts.empty()) {
      ++failed;
      std::cout << "FAIL  " << f << ": no 'verdict' line says what to expect\n";
      continue;
    }
    // The scenario's own verdict, then one run per "verdict under PROFILE".
    std::vector<std::pair<model::Verdict, model::Program>> runs;
    if (p->verdict) runs.emplace_back(*p->verdict, *p);
    for (const model::Verdict& v : p->profile_verdicts) {
      ScenarioOptions so = options.scenario;
      so.profile = v.profile;
      auto under = load(f, so);
      if (!under) return kBadInput;
      runs.emplace_back(v, std::move(*under));
    }
    for (auto& [want, program] : runs) {
      CheckOutcome o = check_one(program, options, false, no_outputs);
      bool ok;
      std::string got;
      if (o.verdict == checker::Verdict::Holds) {
        ok = want.holds;
        got = "holds";
      } else if (o.verdict == checker::Verdict::Violated) {
        ok = !want.holds && std::find(o.properties.begin(), o.properties.end(), want.property) !=
                                o.properties.end();
        got = "violates";
        for (const std::string& id : o.properties) got += " " + id;
      } else {
        ok = false;
        got = "no verdict (" + o.j.value("limit", std::string("limit")) + ")";
      }
      std::string expected = want.holds ? "holds" : "violates " + want.property;
      std::string where = want.profile.empty() ? "" : " [" + want.profile + "]";
      (ok ? passed : failed) += 1;
      std::cout << fmt::format("{} {}{}: {} ({} states){}\n", ok ? "PASS " : "FAIL ", f, where, got,
                               o.states, ok ? "" : "; expected " + expected);
      rows.push_back(json{{"file", f},
                          {"profile", program.profile.name},
                          {"expected", expected},
                          {"got", got},
                          {"pass", ok}});
    }
  }
  std::cout << fmt::format("{} scenarios, {} verdicts: {} passed, {} failed, {} with bad input\n",
                           files.size(), passed + failed, passed, failed, bad);
  if (options.output.json) std::cerr << rows.dump(2) << "\n";
  return bad ? kBadInput : failed ? kViolated : stop_requested() ? kLimit : kHolds;
}

int list_properties_command(bool as_json) {
  if (as_json) {
    json props = json::array(), bugs = json::array();
    for (const auto& p : model::all_properties())
      props.push_back(
          json{{"id", p.id}, {"title", p.title}, {"source", p.source}, {"mechanism", p.mechanism}});
    for (const auto& b : model::runtime_bugs())
      bugs.push_back(json{{"name", b.name}, {"breaks", b.breaks}, {"summary", b.summary}});
    std::cout << json{{"properties", props}, {"runtime_bugs", bugs}}.dump(2) << "\n";
    return kHolds;
  }
  std::cout << "Built-in properties (docs/semantics.md section 7 and general checks):\n";
  for (const auto& p : model::all_properties())
    std::cout << fmt::format("  {:<19} {}\n  {:<19}   documented: {}; mechanism: {}\n", p.id,
                             p.title, "", p.source, p.mechanism);
  std::cout << "\nRuntime bugs ('runtime-bug NAME' in a scenario, or --runtime-bug NAME):\n";
  for (const auto& b : model::runtime_bugs())
    std::cout << fmt::format("  {:<32} breaks {:<11} {}\n", b.name, b.breaks, b.summary);
  return kHolds;
}

int list_profiles_command(bool as_json) {
  if (as_json) {
    json out = json::array();
    for (const auto& p : model::all_profiles()) {
      json bugs = json::array();
      for (const auto& [id, why] : p.release_bugs())
        bugs.push_back(json{{"property", id}, {"why", why}});
      out.push_back(json{{"name", p.name},
                         {"releases", p.releases},
                         {"summary", p.summary},
                         {"weakref_passes", p.weakref_passes},
                         {"release_bugs", bugs}});
    }
    std::cout << out.dump(2) << "\n";
    return kHolds;
  }
  std::cout << "Profiles (default: " << model::default_profile().name << "):\n";
  for (const auto& p : model::all_profiles()) {
    std::cout << fmt::format("  {:<7} {:<15} {}\n", p.name, p.releases, p.summary);
    for (const auto& [id, why] : p.release_bugs())
      std::cout << fmt::format("  {:<7} {:<15} breaks {}: {}\n", "", "", id, why);
  }
  return kHolds;
}

}  // namespace lifecheck::cli
