// Observable traces: what a Python program can see of a run, in order:
// `__del__` starting, weakref callbacks starting, gc.callbacks calls, log()
// lines, unraisable and uncaught exceptions, each with its thread. Used to
// compare profiles (check --profile all) and to judge a real interpreter
// (conform), whose emitted script logs the same strings.
#pragma once

#include <atomic>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/Event.h"
#include "model/Program.h"

namespace lifecheck::model {

// "T1: del a", "main: callback w", "main: gc start", "T2: log x is None",
// "main: unraisable ValueError", "T1: exception KeyError".
std::optional<std::string> observable_text(const Program& program, const Event& e);

using ObservedTrace = std::vector<std::string>;

// The last item of a trace whose run ended in a memory-safety violation:
// what the real interpreter does from there on is undefined (it may crash,
// or run on and show more).
inline constexpr const char* kUnsafeEnd = "(memory-safety violation)";

// Whether `observed` is allowed by `allowed`: one of its traces, or an
// extension of a trace that ended in a memory-safety violation.
bool trace_allowed(const std::set<ObservedTrace>& allowed, const ObservedTrace& observed);

struct TraceSet {
  std::set<ObservedTrace> traces;
  bool complete = true;     // false: a bound was hit, `traces` is a subset
  bool violations = false;  // some run ended in a violation (its prefix is kept)
  uint64_t states = 0;      // distinct states visited
  std::string stopped;      // why the enumeration stopped early, if it did
};

// Bounds on the enumeration: the trace sets of a state graph can grow much
// faster than the graph, so the work is bounded by what is stored.
struct TraceBounds {
  size_t per_state = 20000;                 // traces kept per state's suffix set
  uint64_t max_states = 300000;             // distinct states memoized
  uint64_t max_items = 4000000;             // observable items stored over all sets
  double max_seconds = 0;                   // 0: no time limit
  const std::atomic<bool>* stop = nullptr;  // set: stop now (an interrupt)
};

// Every observable trace of complete runs, computed over the state graph
// with memoization (a trace suffix depends only on the canonical state).
// Past a bound the result is partial (`complete` false, `stopped` says why).
TraceSet observable_traces(const Program& program, const TraceBounds& bounds = {});

}  // namespace lifecheck::model
