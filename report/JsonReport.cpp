#include "report/JsonReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "model/Properties.h"
#include "report/HeapEdges.h"
#include "report/Rules.h"
#include "report/Spans.h"

namespace lifecheck::report {

using namespace model;
using nlohmann::json;

json report_envelope(const std::string& command, json results) {
  return json{{"format", "lifecheck"},
              {"version", kJsonFormatVersion},
              {"command", command},
              {"results", std::move(results)}};
}

json event_json(const Program& program, const Event& e, size_t seq) {
  json j;
  j["seq"] = seq;
  j["kind"] = event_name(e.kind);
  j["thread"] = program.threads[e.thread].name;
  if (e.obj != kNoObj) j["object"] = object_name(program, e.label, e.serial, e.type);
  if (e.kind == EventKind::FinalizeBegin || e.kind == EventKind::CallbackBegin)
    j["path"] = e.path ? "gc" : "refcount";
  j["text"] = format_event(program, e);
  if (is_verbose_event(e.kind)) j["verbose"] = true;
  // the statement it ran in (none: runtime work no statement caused)
  if (e.line) j["line"] = e.line;
  if (e.func != kNoFunc) j["function"] = program.funcs[e.func].name;
  return j;
}

json trace_json(const Program& program, const Trace& trace, const JsonOptions& options) {
  json steps = json::array();
  size_t seq = 0;
  for (size_t i = 0; i < trace.steps.size(); ++i) {
    const TraceStep& s = trace.steps[i];
    json step;
    step["step"] = i + 1;
    step["thread"] = program.threads[s.thread].name;
    step["function"] = s.func == kNoFunc ? "runtime" : program.funcs[s.func].name;
    if (s.line) {
      step["line"] = s.line;
      step["statement"] = statement_text(program, s.line);
    }
    json events = json::array();
    for (const Event& e : s.events) {
      size_t n = seq++;
      if (options.verbose || !is_verbose_event(e.kind)) events.push_back(event_json(program, e, n));
    }
    step["events"] = std::move(events);
    if (trace.loop_start && i >= *trace.loop_start) step["loop"] = true;
    steps.push_back(std::move(step));
  }
  return steps;
}

json heap_json(const Program& program, const State& state) {
  auto name_of = [&](Value v) {
    const Object& o = state.objects[v.obj()];
    return object_name(program, o.label, o.serial, o.type);
  };
  json objects = json::array();
  json edges = json::array();
  for (size_t i = 0; i < state.objects.size(); ++i) {
    const Object& o = state.objects[i];
    if (!o.live) continue;
    json j;
    std::string name = object_name(program, o.label, o.serial, o.type);
    j["name"] = name;
    j["type"] = program.types[o.type].name;
    j["rc"] = o.rc;
    j["tracked"] = o.tracked();
    if (o.tracked()) j["list"] = list_name(o.list);
    json flags = json::array();
    const std::pair<uint32_t, const char*> names[] = {
        {kFinalized, "finalized"},        {kCleared, "cleared"},
        {kFinalizing, "finalizing"},      {kClearing, "clearing"},
        {kDeallocating, "deallocating"},  {kFreed, "freed"},
        {kInGarbageSet, "in-garbage-set"}};
    for (auto& [bit, flag] : names)
      if (o.has(bit)) flags.push_back(flag);
    j["flags"] = std::move(flags);
    json fields = json::object();
    for_each_object_edge(program, state, i, [&](const HeapEdge& e) {
      fields[e.label] = value_text(program, state, e.target);
      if (target_object(state, e.target))
        edges.push_back(json{{"from", name},
                             {"to", name_of(e.target)},
                             {"label", e.label},
                             {"kind", e.kind == EdgeKind::Weak ? "weak" : "strong"}});
    });
    // Attributes that hold no object (numbers, strings, None) are shown too.
    const TypeInfo& t = program.types[o.type];
    if (t.kind == TypeKind::PyClass || t.kind == TypeKind::CType) {
      const TypeInfo& ct =
          t.kind == TypeKind::CType || t.base == kNoType ? t : program.types[t.base];
      for (FieldId f : ct.c_fields)
        if (!o.fields[f].is_obj())
          fields["->" + program.field_names[f]] = o.fields[f].kind() == ValueKind::Unset
                                                      ? "NULL"
                                                      : value_text(program, state, o.fields[f]);
      const auto& keys = state.class_keys[o.type];
      for (uint8_t k = 0; k < state.class_key_count[o.type]; ++k) {
        Value v = o.fields[keys[k]];
        if (!v.is_obj() && v.kind() != ValueKind::Unset)
          fields[program.field_names[keys[k]]] = value_text(program, state, v);
      }
    }
    j["fields"] = std::move(fields);
    objects.push_back(std::move(j));
  }
  for_each_root_edge(program, state, [&](const RootEdge& e) {
    if (!target_object(state, e.target)) return;
    edges.push_back(json{{"from", e.root},
                         {"to", name_of(e.target)},
                         {"label", e.label},
                         {"kind", "strong"},
                         {"root", true}});
  });
  json globals = json::object();
  for (size_t g = 0; g < state.globals.size(); ++g)
    if (state.globals[g].kind() != ValueKind::Unset)
      globals[program.globals[g]] = value_text(program, state, state.globals[g]);
  json threads = json::array();
  for (size_t t = 0; t < state.threads.size(); ++t)
    threads.push_back(json{{"name", program.threads[t].name},
                           {"status", thread_status_text(program, state, t)},
                           {"finished", state.threads[t].status == ThreadStatus::Finished}});
  json garbage = json::array();
  for (ObjId o : state.gc.garbage) garbage.push_back(value_text(program, state, Value::object(o)));
  return json{{"objects", objects}, {"edges", edges},        {"globals", globals},
              {"threads", threads}, {"gc_garbage", garbage}, {"collecting", state.gc.collecting}};
}

namespace {
std::string edge_key(const json& e) {
  return e.value("from", "") + '\n' + e.value("label", "") + '\n' + e.value("to", "") + '\n' +
         e.value("kind", "") + (e.value("root", false) ? "\nroot" : "");
}
}  // namespace

json heap_delta(const json& before, const json& after) {
  std::map<std::string, const json*> old_objects;
  for (const json& o : before.at("objects")) old_objects[o.at("name")] = &o;
  json changed = json::array(), removed = json::array();
  std::set<std::string> now;
  for (const json& o : after.at("objects")) {
    now.insert(o.at("name"));
    auto it = old_objects.find(o.at("name"));
    if (it == old_objects.end() || *it->second != o) changed.push_back(o);
  }
  for (const json& o : before.at("objects"))
    if (!now.count(o.at("name"))) removed.push_back(o.at("name"));
  std::set<std::string> old_edges, new_edges;
  for (const json& e : before.at("edges")) old_edges.insert(edge_key(e));
  for (const json& e : after.at("edges")) new_edges.insert(edge_key(e));
  json added_edges = json::array(), removed_edges = json::array();
  for (const json& e : after.at("edges"))
    if (!old_edges.count(edge_key(e))) added_edges.push_back(e);
  for (const json& e : before.at("edges"))
    if (!new_edges.count(edge_key(e))) removed_edges.push_back(e);
  return json{{"objects", changed},
              {"removed", removed},
              {"edges_added", added_edges},
              {"edges_removed", removed_edges},
              {"globals", after.at("globals")},
              {"threads", after.at("threads")},
              {"gc_garbage", after.at("gc_garbage")},
              {"collecting", after.at("collecting")}};
}

void apply_heap_delta(json& heap, const json& delta) {
  std::set<std::string> gone;
  for (const json& n : delta.at("removed")) gone.insert(n.get<std::string>());
  std::map<std::string, const json*> changed;
  for (const json& o : delta.at("objects")) changed[o.at("name")] = &o;
  json& objects = heap["objects"];
  size_t kept = 0;
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string name = objects[i].at("name");
    if (gone.count(name)) continue;
    if (auto it = changed.find(name); it != changed.end()) {
      objects[i] = *it->second;
      changed.erase(it);
    }
    if (kept != i) objects[kept] = std::move(objects[i]);
    ++kept;
  }
  objects.get_ref<json::array_t&>().resize(kept);
  for (const json& o : delta.at("objects"))
    if (changed.count(o.at("name"))) objects.push_back(o);
  std::set<std::string> removed_edges;
  for (const json& e : delta.at("edges_removed")) removed_edges.insert(edge_key(e));
  auto& edges = heap["edges"].get_ref<json::array_t&>();
  edges.erase(std::remove_if(edges.begin(), edges.end(),
                             [&](const json& e) { return removed_edges.count(edge_key(e)) > 0; }),
              edges.end());
  for (const json& e : delta.at("edges_added")) edges.push_back(e);
  for (const char* whole : {"globals", "threads", "gc_garbage", "collecting"})
    heap[whole] = delta.at(whole);
}

json violation_json(const checker::StepResult& failure) {
  json props = json::array();
  for (const std::string& p : failure.properties) {
    json j;
    j["id"] = p;
    if (const PropertyInfo* info = find_property(p)) {
      j["title"] = info->title;
      j["source"] = info->source;
      j["mechanism"] = info->mechanism;
      j["rules"] = cited_rules(info->mechanism);
    }
    props.push_back(std::move(j));
  }
  return json{{"properties", props}, {"message", failure.message}};
}

json spans_json(const Program& program, const Trace& trace) {
  json out = json::array();
  for (const Span& s : trace_spans(program, trace)) {
    json j{{"kind", s.kind},
           {"thread", program.threads[s.thread].name},
           {"text", s.text},
           {"begin", s.begin},
           {"begin_step", s.begin_step},
           {"depth", s.depth}};
    if (!s.object.empty()) j["object"] = s.object;
    if (s.end) {
      j["end"] = *s.end;
      j["end_step"] = s.end_step;
    } else {
      j["end"] = nullptr;
    }
    out.push_back(std::move(j));
  }
  return out;
}

json stats_json(const checker::Stats& stats, bool timing) {
  json j{{"states", stats.states}, {"transitions", stats.transitions}};
  if (!stats.depth_from_stack || timing) j["max_depth"] = stats.max_depth;
  if (stats.reduced_states) {
    j["reduced_states"] = stats.reduced_states;
    j["pruned_transitions"] = stats.pruned_transitions;
  }
  if (stats.por_restarted) j["por_restarted"] = true;
  if (stats.omission_bound > 0) {
    j["omission_probability"] = stats.omission_optimistic;
    j["omission_bound"] = stats.omission_bound;
  }
  if (stats.hash_factor > 0) {
    j["hash_factor"] = stats.hash_factor;
    j["false_positive_rate"] = stats.bitstate_false_positive;
  }
  if (timing) {
    j["seconds"] = stats.seconds;
    j["states_per_second"] = stats.seconds > 0 ? stats.states / stats.seconds : 0.0;
    j["store_bytes"] = stats.store_bytes;
    j["peak_rss_bytes"] = stats.peak_rss_bytes;
  }
  return j;
}

std::string reduction_summary(const checker::Stats& stats, checker::StoreKind store) {
  std::string out;
  if (stats.reduced_states)
    out += fmt::format(", partial-order reduction: {} states reduced, {} transitions pruned",
                       stats.reduced_states, stats.pruned_transitions);
  if (stats.por_restarted)
    out += ", searched again without partial-order reduction (the reduced graph has a cycle)";
  if (store == checker::StoreKind::Fingerprint)
    out += fmt::format(", chance of a missed state {:.2g} (bound {:.2g})",
                       stats.omission_optimistic, stats.omission_bound);
  if (store == checker::StoreKind::Bitstate)
    out += fmt::format(", bitstate hash factor {:.1f}, chance per state of a false match {:.2g}",
                       stats.hash_factor, stats.bitstate_false_positive);
  return out;
}

json run_json(const Model& model, const Trace& trace, const std::string& replay_token,
              const std::string& replay_command, const JsonOptions& options) {
  const Program& program = model.program();
  using Kind = checker::StepResult::Kind;
  json j;
  j["outcome"] = trace.outcome.kind == Kind::Violation ? "violated"
                 : trace.outcome.kind == Kind::Limit   ? "limit"
                 : trace.terminal                      ? "completed"
                                                       : "stopped";
  if (trace.outcome.kind == Kind::Violation) j["violation"] = violation_json(trace.outcome);
  if (trace.outcome.kind == Kind::Limit) j["limit"] = trace.outcome.message;
  j["replay"] = replay_token;
  j["replay_command"] = replay_command;
  if (trace.loop_start) j["loop_start"] = *trace.loop_start;
  j["steps"] = trace_json(program, trace, options);
  j["spans"] = spans_json(program, trace);
  // The heap after each step (with step_heaps, as changes), and the line
  // the failing thread was at before the last step, by running the choices
  // again.
  State s = model.initial();
  json before;
  if (options.step_heaps) {
    before = heap_json(program, s);
    j["initial_heap"] = before;
  }
  int line = 0;
  json& steps = j["steps"];
  for (size_t i = 0; i < trace.steps.size() && i < steps.size(); ++i) {
    bool last = i + 1 == trace.steps.size();
    if (last) line = executing_line(program, s, trace.steps[i].thread);
    bool ok = model.step(s, trace.steps[i].choice).ok();
    if (options.step_heaps) {
      json after = heap_json(program, s);
      steps[i]["heap_delta"] = heap_delta(before, after);
      before = std::move(after);
    }
    if (!ok && !last) break;
  }
  j["heap"] = heap_json(program, trace.final_state);
  if (trace.outcome.kind == Kind::Violation) {
    // The statement the failing step was in when it found the violation
    // (stamped as events are); at the terminal state, the line the failing
    // thread is executing; else the failing step's own statement; for
    // runtime work, the line its thread was executing; else the last line
    // the run went through.
    const int at = trace.violation_at.line ? static_cast<int>(trace.violation_at.line)
                   : trace.steps.empty()
                       ? 0
                       : executing_line(program, trace.final_state, trace.steps.back().thread);
    if (at > 0)
      line = at;
    else if (!trace.steps.empty() && trace.steps.back().line)
      line = trace.steps.back().line;
    if (line == 0) line = failing_line(j);
    if (line > 0) j["line"] = line;
  }
  return j;
}

int failing_line(const json& run) {
  const json& steps = run.at("steps");
  if (steps.empty()) return 0;
  const std::string thread = steps.back().value("thread", "");
  // the last event with a line (each carries the statement it ran in),
  // else the line the step started at
  for (bool same_thread : {true, false})
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      if (same_thread && it->value("thread", "") != thread) continue;
      const json& events = it->at("events");
      for (auto e = events.rbegin(); e != events.rend(); ++e)
        if (e->contains("line")) return e->at("line").get<int>();
      if (it->contains("line")) return it->at("line").get<int>();
    }
  return 0;
}

}  // namespace lifecheck::report
