#include "report/Spans.h"

#include "report/TextReport.h"

namespace lifecheck::report {

using namespace model;

namespace {

struct Opening {
  const char* kind;
  bool opens;  // false: closes the innermost open span of this kind and object
};

std::optional<Opening> span_role(EventKind kind) {
  switch (kind) {
    case EventKind::DeallocBegin:
      return Opening{"dealloc", true};
    case EventKind::DeallocEnd:
      return Opening{"dealloc", false};
    case EventKind::FinalizeBegin:
      return Opening{"finalizer", true};
    case EventKind::FinalizeEnd:
      return Opening{"finalizer", false};
    case EventKind::CallbackBegin:
      return Opening{"callback", true};
    case EventKind::CallbackEnd:
      return Opening{"callback", false};
    case EventKind::ClearBegin:
      return Opening{"clear", true};
    case EventKind::ClearEnd:
      return Opening{"clear", false};
    case EventKind::GcStart:
      return Opening{"collection", true};
    case EventKind::GcStop:
      return Opening{"collection", false};
    case EventKind::GcCallbackBegin:
      return Opening{"gc-callback", true};
    case EventKind::GcCallbackEnd:
      return Opening{"gc-callback", false};
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<Span> trace_spans(const Program& program, const Trace& trace) {
  std::vector<Span> spans;
  std::vector<std::vector<size_t>> open(program.threads.size());  // per thread, innermost last
  size_t seq = 0;
  auto close_down_to = [&](std::vector<size_t>& stack, size_t at, size_t when, size_t step) {
    while (stack.size() > at) {
      Span& s = spans[stack.back()];
      s.end = when;
      s.end_step = step;
      stack.pop_back();
    }
  };
  // Closes the innermost open span of `kind` (about `object` unless empty).
  auto close = [&](std::vector<size_t>& stack, const std::string& kind, const std::string& object,
                   size_t when, size_t step) {
    for (size_t i = stack.size(); i-- > 0;) {
      const Span& s = spans[stack[i]];
      if (s.kind == kind && (object.empty() || s.object == object)) {
        close_down_to(stack, i, when, step);
        return true;
      }
    }
    return false;
  };
  auto open_span = [&](std::vector<size_t>& stack, Span s) {
    s.depth = static_cast<int>(stack.size());
    stack.push_back(spans.size());
    spans.push_back(std::move(s));
  };
  for (size_t step = 0; step < trace.steps.size(); ++step) {
    for (const Event& e : trace.steps[step].events) {
      size_t now = seq++;
      if (e.thread >= open.size()) continue;
      std::vector<size_t>& stack = open[e.thread];
      std::string object =
          e.obj == kNoObj ? std::string() : object_name(program, e.label, e.serial, e.type);
      if (e.kind == EventKind::GcPhase) {
        close(stack, "phase", "", now, step + 1);
        open_span(stack, Span{"phase", e.thread, format_event(program, e), "", now, std::nullopt,
                              step + 1, 0, 0});
        continue;
      }
      auto role = span_role(e.kind);
      if (!role) continue;
      if (role->opens) {
        open_span(stack, Span{role->kind, e.thread, format_event(program, e), object, now,
                              std::nullopt, step + 1, 0, 0});
      } else {
        // A collection's last phase ends with it.
        close(stack, role->kind, role->kind == std::string("collection") ? "" : object, now,
              step + 1);
      }
    }
  }
  return spans;
}

}  // namespace lifecheck::report
