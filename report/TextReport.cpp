#include "report/TextReport.h"

#include <fmt/format.h>

#include <sstream>

#include "model/Properties.h"

namespace lifecheck::report {

using namespace model;

std::string object_name(const Program& program, LabelId label, uint16_t serial, ClassId type) {
  std::string base = label == kNoLabel ? program.types[type].name : program.labels[label];
  return base + "#" + std::to_string(serial);
}

bool is_verbose_event(EventKind kind) {
  return kind == EventKind::Incref || kind == EventKind::Decref || kind == EventKind::Track ||
         kind == EventKind::Untrack || kind == EventKind::GcPhase || kind == EventKind::Enter ||
         kind == EventKind::WorldStop || kind == EventKind::WorldStart;
}

std::string format_event(const Program& program, const Event& e) {
  auto name = [&]() { return object_name(program, e.label, e.serial, e.type); };
  auto name2 = [&]() {
    return e.obj2 == kNoObj ? std::string("?") : object_name(program, e.label2, e.serial2, 0);
  };
  const char* path = e.path ? "gc" : "refcount";
  switch (e.kind) {
    case EventKind::Alloc:
      return fmt::format("alloc {} ({})", name(), program.types[e.type].name);
    case EventKind::Incref:
      return fmt::format("incref {} -> {}", name(), e.value);
    case EventKind::Decref:
      return fmt::format("decref {} -> {}", name(), e.value);
    case EventKind::DeallocBegin:
      return fmt::format("tp_dealloc {} begins", name());
    case EventKind::DeallocEnd:
      return e.value ? fmt::format("tp_dealloc {} returns early: resurrected", name())
                     : fmt::format("tp_dealloc {} returns", name());
    case EventKind::FinalizeBegin:
      return fmt::format("finalize {} begins ({} path)", name(), path);
    case EventKind::FinalizeEnd:
      return fmt::format("finalize {} ends", name());
    case EventKind::Resurrect:
      return e.value
                 ? fmt::format("{} survives the collection: a finalizer made it reachable", name())
                 : fmt::format("{} resurrected by its finalizer", name());
    case EventKind::ClearWeakref:
      return e.obj2 == kNoObj ? fmt::format("clear weakref {}", name())
                              : fmt::format("clear weakref {} (to {})", name(), name2());
    case EventKind::CallbackBegin:
      return fmt::format("callback of {} begins ({} path)", name(), path);
    case EventKind::CallbackEnd:
      return fmt::format("callback of {} ends", name());
    case EventKind::ClearBegin:
      return e.value ? fmt::format("tp_clear {} begins (called by its tp_dealloc)", name())
                     : fmt::format("tp_clear {} begins", name());
    case EventKind::ClearEnd:
      return fmt::format("tp_clear {} ends", name());
    case EventKind::Track:
      return fmt::format("track {}", name());
    case EventKind::Untrack:
      return fmt::format("untrack {}", name());
    case EventKind::Free:
      return fmt::format("free {}", name());
    case EventKind::TypeDecref:
      return fmt::format("decref type {} (after freeing {})", program.types[e.type].name, name());
    case EventKind::GcStart:
      return fmt::format("gc: collection of generation {} starts", e.value);
    case EventKind::GcPhase:
      return fmt::format("gc: {}", e.text);
    case EventKind::GcStop:
      return fmt::format("gc: collection ends, returns {}", e.value);
    case EventKind::GcReentrant:
      return "gc.collect() during a collection returns 0";
    case EventKind::GcCallbackBegin:
      return fmt::format("gc.callbacks {}(\"{}\") begins", program.funcs[e.value].name, e.text);
    case EventKind::GcCallbackEnd:
      return fmt::format("gc.callbacks \"{}\" call ends", e.text);
    case EventKind::GarbageAppend:
      return fmt::format("{} appended to gc.garbage", name());
    case EventKind::Log:
      return fmt::format("log: {}", e.text);
    case EventKind::Unraisable:
      return e.obj == kNoObj ? fmt::format("unraisable {}", e.text)
                             : fmt::format("unraisable {} (in {})", e.text, name());
    case EventKind::ThreadStart:
      return "thread starts";
    case EventKind::ThreadEnd:
      return "thread ends";
    case EventKind::ThreadException:
      return fmt::format("exception {} ends the thread", e.text);
    case EventKind::EndOfThreads:
      return "every thread has finished; final collection";
    case EventKind::ExceptHook:
      return fmt::format("sys.excepthook reports {}", e.text);
    case EventKind::TpDel:
      return fmt::format("tp_del {} begins", name());
    case EventKind::TrashDeposit:
      return fmt::format("trashcan: tp_dealloc of {} postponed (nesting too deep)", name());
    case EventKind::TrashPop:
      return fmt::format("trashcan: postponed tp_dealloc of {} runs", name());
    case EventKind::BrcQueue:
      return fmt::format("last shared reference to {} dropped: queued for its owner, thread {}",
                         name(), program.threads[e.value].name);
    case EventKind::WorldStop:
      return "gc: the world stops (other threads parked)";
    case EventKind::WorldStart:
      return "gc: the world starts again";
    case EventKind::CStep:
      return e.text;
    case EventKind::ResourceRelease:
      return fmt::format("resource of {} released (created on thread {})", name(),
                         program.threads[e.value].name);
    case EventKind::Enter:
      return fmt::format("enters: {}", e.text);
  }
  return event_name(e.kind);
}

std::string statement_text(const Program& program, int line) {
  return statement_text(program.source, line);
}

std::string statement_text(const std::string& source, int line) {
  if (line <= 0) return "";
  std::istringstream in(source);
  std::string text;
  for (int i = 1; std::getline(in, text); ++i)
    if (i == line) {
      size_t start = text.find_first_not_of(' ');
      if (start == std::string::npos) start = 0;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      return fmt::format("line {}: {}", line, text.substr(start));
    }
  return fmt::format("line {}", line);
}

StatementAt step_statement(const TraceStep& step) {
  if (!step.events.empty()) return {step.events.front().line, step.events.front().func};
  return {step.line, step.func};
}

std::string statement_heading(const Program& program, StatementAt at) {
  std::string where = at.func == kNoFunc ? "runtime" : program.funcs[at.func].name;
  std::string stmt = statement_text(program, static_cast<int>(at.line));
  if (stmt.empty()) return "(" + where + ")";
  return at.func == kNoFunc ? stmt : stmt + "   in " + where;
}

void print_trace(std::ostream& out, const Program& program, const Trace& trace,
                 const TraceOptions& options) {
  for (size_t i = 0; i < trace.steps.size(); ++i) {
    const TraceStep& s = trace.steps[i];
    if (trace.loop_start == i)
      out << fmt::format("--- loop: steps {}-{} lead back to this state and repeat forever ---\n",
                         i + 1, trace.steps.size());
    StatementAt heading = step_statement(s);
    out << fmt::format("step {:<3} [{}] {}\n", i + 1, program.threads[s.thread].name,
                       statement_heading(program, heading));
    for (const Event& e : s.events) {
      if (!options.verbose && is_verbose_event(e.kind)) continue;
      // A step may run on into the next statement, or into runtime work
      // with none: a sub-heading where the events' statement changes.
      if (e.line != heading.line || e.func != heading.func) {
        heading = {e.line, e.func};
        out << "        " << statement_heading(program, heading) << "\n";
      }
      std::string thread = e.thread == s.thread ? "" : " [" + program.threads[e.thread].name + "]";
      out << "          " << format_event(program, e) << thread << "\n";
    }
  }
}

std::string value_text(const Program& program, const State& state, Value v) {
  switch (v.kind()) {
    case ValueKind::Unset:
      return "<unset>";
    case ValueKind::None:
      return "None";
    case ValueKind::Int:
      return std::to_string(v.integer());
    case ValueKind::Bool:
      return v.boolean() ? "True" : "False";
    case ValueKind::Str:
      return "\"" + program.strings[v.str()] + "\"";
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
    case ValueKind::Obj: {
      if (v.obj() >= state.objects.size() || !state.objects[v.obj()].live) return "<dangling>";
      if (v.kind() == ValueKind::Stale)
        return "<stale pointer to " +
               object_name(program, state.objects[v.obj()].label, state.objects[v.obj()].serial,
                           state.objects[v.obj()].type) +
               ">";
      const Object& o = state.objects[v.obj()];
      return object_name(program, o.label, o.serial, o.type);
    }
  }
  return "?";
}

const char* list_name(uint8_t list) {
  switch (list) {
    case kGen0:
      return "gen0";
    case kGen1:
      return "gen1";
    case kGen2:
      return "gen2";
    case kUnreachable:
      return "unreachable";
    case kFinalizers:
      return "finalizers";
    case kWrcbToCall:
      return "wrcb_to_call";
    case kSeen:
      return "finalize-seen";
    case kFinalUnreachable:
      return "final_unreachable";
    default:
      return "untracked";
  }
}

namespace {
// A thread's innermost Python body, the line it is at and how.
struct BodyPosition {
  FuncId func = kNoFunc;
  int line = 0;
  const char* how = ", at line ";
};
BodyPosition body_position(const Program& program, const Thread& th) {
  BodyPosition at;
  for (auto it = th.frames.rbegin(); it != th.frames.rend(); ++it)
    if (it->kind == FrameKind::Body) {
      const auto& code = program.funcs[it->func].code;
      at.func = it->func;
      // Below runtime work, the body's pc is already past the statement
      // that started it.
      bool below = it != th.frames.rbegin() && !it->has(kUnwinding);
      uint16_t pc = below && it->pc > 0 ? static_cast<uint16_t>(it->pc - 1) : it->pc;
      if (it->has(kUnwinding) && pc > 0) pc = static_cast<uint16_t>(pc - 1);
      if (pc < code.size()) at.line = code[pc].line;
      at.how = it->has(kUnwinding) ? ", unwinding from line "
               : below             ? ", executing line "
                                   : ", at line ";
      break;
    }
  return at;
}
}  // namespace

int executing_line(const Program& program, const State& state, size_t t) {
  return body_position(program, state.threads[t]).line;
}

std::string thread_status_text(const Program& program, const State& state, size_t t) {
  const Thread& th = state.threads[t];
  if (th.status == ThreadStatus::Finished) return "finished";
  if (th.status == ThreadStatus::Waiting) return "not started";
  if (th.frames.empty())
    return t == 0 && state.main_stage == MainStage::JoinAll ? "waiting for the other threads"
                                                            : "ending (its body returned)";
  BodyPosition at = body_position(program, th);
  std::string where;
  if (at.func != kNoFunc) where = program.funcs[at.func].name;
  if (at.line > 0) where += at.how + std::to_string(at.line);
  if (th.frames.back().kind != FrameKind::Body) where += " (inside the runtime)";
  return where;
}

void print_heap(std::ostream& out, const Program& program, const State& state) {
  out << "heap:\n";
  bool any = false;
  for (size_t i = 0; i < state.objects.size(); ++i) {
    const Object& o = state.objects[i];
    if (!o.live) continue;
    any = true;
    std::string flags;
    auto flag = [&](uint16_t f, const char* text) {
      if (o.has(f)) flags += std::string(" ") + text;
    };
    flag(kFinalized, "finalized");
    flag(kCleared, "cleared");
    flag(kFinalizing, "finalizing");
    flag(kClearing, "clearing");
    flag(kDeallocating, "deallocating");
    flag(kFreed, "FREED");
    flag(kInGarbageSet, "in-garbage-set");
    std::string contents;
    const TypeInfo& t = program.types[o.type];
    if (t.kind == TypeKind::Weakref) {
      contents = "-> " + value_text(program, state, o.fields[kWeakrefReferent]);
      if (o.fields[kWeakrefCallback].kind() != ValueKind::None)
        contents += ", callback " + value_text(program, state, o.fields[kWeakrefCallback]);
    } else if (t.kind == TypeKind::Method) {
      contents = "self " + value_text(program, state, o.fields[kMethodSelf]);
    } else {
      const TypeInfo& ct =
          t.kind == TypeKind::CType || t.base == kNoType ? t : program.types[t.base];
      for (FieldId f : ct.c_fields) {
        if (!contents.empty()) contents += ", ";
        Value v = o.fields[f];
        contents +=
            "->" + program.field_names[f] + "=" +
            (v.kind() == ValueKind::Unset ? std::string("NULL") : value_text(program, state, v));
      }
      const auto& keys = state.class_keys[o.type];
      for (uint8_t k = 0; k < state.class_key_count[o.type]; ++k) {
        Value v = o.fields[keys[k]];
        if (v.kind() == ValueKind::Unset) continue;
        if (!contents.empty()) contents += ", ";
        contents += program.field_names[keys[k]] + "=" + value_text(program, state, v);
      }
    }
    out << fmt::format("  {:<16} {:<10} rc={:<3} {:<18} {}{}\n",
                       object_name(program, o.label, o.serial, o.type), t.name, o.rc,
                       list_name(o.list), contents.empty() ? "" : contents,
                       flags.empty() ? "" : "  [" + flags.substr(1) + "]");
  }
  if (!any) out << "  (no live objects)\n";
  std::string globals;
  for (size_t g = 0; g < state.globals.size(); ++g) {
    if (state.globals[g].kind() == ValueKind::Unset) continue;
    if (!globals.empty()) globals += ", ";
    globals += program.globals[g] + " = " + value_text(program, state, state.globals[g]);
  }
  out << "globals: " << (globals.empty() ? "(none)" : globals) << "\n";
  out << "threads:\n";
  for (size_t t = 0; t < state.threads.size(); ++t)
    out << fmt::format("  {:<8} {}\n", program.threads[t].name,
                       thread_status_text(program, state, t));
  std::string garbage;
  for (ObjId o : state.gc.garbage) {
    if (!garbage.empty()) garbage += ", ";
    garbage += value_text(program, state, Value::object(o));
  }
  out << fmt::format("gc: {}, gc.garbage = [{}]\n",
                     state.gc.collecting ? "collecting" : "not collecting", garbage);
}

void print_counterexample(std::ostream& out, const Program& program, const Trace& trace,
                          const std::string& replay_token, const TraceOptions& options) {
  const checker::StepResult& r = trace.outcome;
  std::string ids;
  for (const std::string& p : r.properties) ids += (ids.empty() ? "" : ", ") + p;
  out << "VIOLATION of " << ids << "\n";
  for (const std::string& p : r.properties)
    if (const PropertyInfo* info = find_property(p))
      out << fmt::format("  {:<14} {}\n  {:<14} {}\n  {:<14} {}\n", p + ":", info->title,
                         "documented in:", info->source, "mechanism:", info->mechanism);
  out << "  what happened: " << r.message << "\n";
  out << "  scenario:      " << program.file << " (profile " << program.profile.display_name()
      << ")\n";
  out << "  replay:        lifecheck replay " << program.file << " " << replay_token
      << (options.replay_options.empty() ? "" : " " + options.replay_options) << "\n";
  for (const Ignore& ig : program.ignores)
    out << "  ignoring:      " << ig.property << " (" << ig.reason << ")\n";
  out << "\n";
  print_trace(out, program, trace, options);
  out << "\nat the failing state:\n";
  print_heap(out, program, trace.final_state);
}

}  // namespace lifecheck::report
