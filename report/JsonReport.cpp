#include "report/JsonReport.h"

#include "model/Properties.h"

namespace lifecheck::report {

using namespace model;
using nlohmann::json;

json event_json(const Program& program, const Event& e) {
  json j;
  j["kind"] = event_name(e.kind);
  j["thread"] = program.threads[e.thread].name;
  if (e.obj != kNoObj) j["object"] = object_name(program, e.label, e.serial, e.type);
  if (e.kind == EventKind::FinalizeBegin || e.kind == EventKind::CallbackBegin)
    j["path"] = e.path ? "gc" : "refcount";
  j["text"] = format_event(program, e);
  return j;
}

json trace_json(const Program& program, const Trace& trace, const TraceOptions& options) {
  json steps = json::array();
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
    for (const Event& e : s.events)
      if (options.verbose || !is_verbose_event(e.kind)) events.push_back(event_json(program, e));
    step["events"] = std::move(events);
    if (trace.loop_start && i >= *trace.loop_start) step["loop"] = true;
    steps.push_back(std::move(step));
  }
  return steps;
}

json heap_json(const Program& program, const State& state) {
  auto value = [&](Value v) -> json {
    switch (v.kind()) {
      case ValueKind::Unset:
        return nullptr;
      case ValueKind::None:
        return "None";
      case ValueKind::Int:
        return v.integer();
      case ValueKind::Bool:
        return v.boolean();
      case ValueKind::Str:
        return program.strings[v.str()];
      case ValueKind::Func:
        return program.funcs[v.func()].name;
      case ValueKind::GcInfo:
        return "<gc info>";
      case ValueKind::Garbage:
        return "<uninitialised>";
      case ValueKind::Dangling:
        return "<dangling pointer>";
      case ValueKind::ConstTuple:
        return program.constant_text(v, true);
      case ValueKind::Stale:
        return "<stale pointer>";
      case ValueKind::Obj: {
        if (v.obj() >= state.objects.size() || !state.objects[v.obj()].live) return "<dangling>";
        const Object& o = state.objects[v.obj()];
        return object_name(program, o.label, o.serial, o.type);
      }
    }
    return nullptr;
  };
  json objects = json::array();
  for (const Object& o : state.objects) {
    if (!o.live) continue;
    json j;
    j["name"] = object_name(program, o.label, o.serial, o.type);
    j["type"] = program.types[o.type].name;
    j["rc"] = o.rc;
    j["tracked"] = o.tracked();
    json flags = json::array();
    const std::pair<uint16_t, const char*> names[] = {
        {kFinalized, "finalized"},        {kCleared, "cleared"},
        {kFinalizing, "finalizing"},      {kClearing, "clearing"},
        {kDeallocating, "deallocating"},  {kFreed, "freed"},
        {kInGarbageSet, "in-garbage-set"}};
    for (auto& [bit, name] : names)
      if (o.has(bit)) flags.push_back(name);
    j["flags"] = std::move(flags);
    const TypeInfo& t = program.types[o.type];
    if (t.kind == TypeKind::Weakref) {
      j["referent"] = value(o.fields[kWeakrefReferent]);
      j["callback"] = value(o.fields[kWeakrefCallback]);
    } else if (t.kind == TypeKind::Method) {
      j["self"] = value(o.fields[kMethodSelf]);
    } else {
      json fields = json::object();
      const TypeInfo& ct =
          t.kind == TypeKind::CType || t.base == kNoType ? t : program.types[t.base];
      for (FieldId f : ct.c_fields) fields["->" + program.field_names[f]] = value(o.fields[f]);
      const auto& keys = state.class_keys[o.type];
      for (uint8_t k = 0; k < state.class_key_count[o.type]; ++k)
        if (o.fields[keys[k]].kind() != ValueKind::Unset)
          fields[program.field_names[keys[k]]] = value(o.fields[keys[k]]);
      j["fields"] = std::move(fields);
    }
    objects.push_back(std::move(j));
  }
  json globals = json::object();
  for (size_t g = 0; g < state.globals.size(); ++g)
    if (state.globals[g].kind() != ValueKind::Unset)
      globals[program.globals[g]] = value(state.globals[g]);
  json threads = json::array();
  for (size_t t = 0; t < state.threads.size(); ++t) {
    json th;
    th["name"] = program.threads[t].name;
    th["finished"] = state.threads[t].status == ThreadStatus::Finished;
    threads.push_back(std::move(th));
  }
  json garbage = json::array();
  for (ObjId o : state.gc.garbage) garbage.push_back(value(Value::object(o)));
  return json{{"objects", objects},
              {"globals", globals},
              {"threads", threads},
              {"gc_garbage", garbage},
              {"collecting", state.gc.collecting}};
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
    }
    props.push_back(std::move(j));
  }
  return json{{"properties", props}, {"message", failure.message}};
}

json stats_json(const checker::Stats& stats, bool timing) {
  json j{
      {"states", stats.states}, {"transitions", stats.transitions}, {"max_depth", stats.max_depth}};
  if (timing) {
    j["seconds"] = stats.seconds;
    j["states_per_second"] = stats.seconds > 0 ? stats.states / stats.seconds : 0.0;
    j["store_bytes"] = stats.store_bytes;
    j["peak_rss_bytes"] = stats.peak_rss_bytes;
  }
  return j;
}

}  // namespace lifecheck::report
