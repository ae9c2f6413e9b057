// Observable traces: what a Python program can see of a run, in order:
// `__del__` starting, weakref callbacks starting, gc.callbacks calls, log()
// lines, unraisable and uncaught exceptions, each with its thread. Used to
// compare profiles (check --profile all) and to judge a real interpreter
// (conform), whose emitted script logs the same strings.
#pragma once

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

struct TraceSet {
  std::set<ObservedTrace> traces;
  bool complete = true;       // false: a cap was hit, `traces` is a subset
  bool violations = false;    // some run ended in a violation (its prefix is kept)
  uint64_t states = 0;        // distinct states visited
};

// Every observable trace of complete runs, computed over the state graph
// with memoization (a trace suffix depends only on the canonical state).
// Stops adding traces once a state's suffix set would exceed `cap`.
TraceSet observable_traces(const Program& program, size_t cap = 20000);

}  // namespace lifecheck::model
