// Runtime work as nested spans per thread, from a trace's begin/end events:
// tp_dealloc, a collection and its phases, tp_finalize, tp_clear, weakref
// and gc.callbacks calls. The HTML timeline draws them inside each thread's
// lane. A span may cross steps (another thread can run in between) and may
// still be open when the run ends (a violation inside a finalizer).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/Model.h"

namespace lifecheck::report {

struct Span {
  std::string kind;  // dealloc, collection, phase, finalizer, clear, callback, gc-callback
  model::ThreadId thread = 0;
  std::string text;                     // "finalize a#1 (gc path)", "gc: handle_weakrefs"
  std::string object;                   // a#1, when the span is about one object
  size_t begin = 0;                     // sequence number of the opening event
  std::optional<size_t> end;            // of the closing event; none: still open
  size_t begin_step = 0, end_step = 0;  // 1-based steps of those events
  int depth = 0;                        // nesting inside the thread's lane, from 0
};

// Events are numbered in trace order from 0, over every event (the hidden
// refcount and phase events included).
std::vector<Span> trace_spans(const model::Program& program, const model::Trace& trace);

}  // namespace lifecheck::report
