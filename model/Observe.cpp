#include "model/Observe.h"

#include <memory>
#include <unordered_map>

#include "model/Model.h"

namespace lifecheck::model {

std::optional<std::string> observable_text(const Program& program, const Event& e) {
  auto label = [&]() {
    return e.label == kNoLabel ? program.types[e.type].name : program.labels[e.label];
  };
  std::string thread = program.threads[e.thread].name + ": ";
  switch (e.kind) {
    case EventKind::FinalizeBegin: return thread + "del " + label();
    case EventKind::CallbackBegin: return thread + "callback " + label();
    case EventKind::GcCallbackBegin: return thread + "gc " + e.text;
    case EventKind::Log: return thread + "log " + e.text;
    case EventKind::Unraisable: return thread + "unraisable " + e.text;
    case EventKind::ThreadException: return thread + "exception " + e.text;
    default: return std::nullopt;
  }
}

namespace {

using Suffixes = std::shared_ptr<const std::set<ObservedTrace>>;

class Enumerator {
 public:
  // No thread symmetry: traces name their threads.
  Enumerator(const Program& program, size_t cap) : model_(program, false), cap_(cap) {}

  TraceSet run() {
    State s = model_.initial();
    Suffixes all = suffixes(s, 0);
    TraceSet out;
    out.traces = *all;
    out.complete = complete_;
    out.violations = violations_;
    out.states = memo_.size();
    return out;
  }

 private:
  Suffixes suffixes(const State& s, size_t depth) {
    std::string key;
    model_.encode(s, key);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    auto result = std::make_shared<std::set<ObservedTrace>>();
    std::vector<Model::Choice> choices;
    model_.enabled(s, choices);
    if (depth > 3000) {  // bounds the recursion; such runs are not enumerated
      complete_ = false;
      choices.clear();
    }
    if (choices.empty()) result->insert(ObservedTrace{});
    for (Model::Choice c : choices) {
      State next = s;
      std::vector<Event> events;
      checker::StepResult r = model_.step(next, c, &events);
      ObservedTrace prefix;
      for (const Event& e : events)
        if (auto text = observable_text(model_.program(), e)) prefix.push_back(*text);
      if (!r.ok()) {
        // A violation or limit ends the run: keep what was observable so far.
        violations_ = true;
        result->insert(prefix);
        continue;
      }
      for (const ObservedTrace& tail : *suffixes(next, depth + 1)) {
        if (result->size() >= cap_) {
          complete_ = false;
          break;
        }
        ObservedTrace t = prefix;
        t.insert(t.end(), tail.begin(), tail.end());
        result->insert(std::move(t));
      }
    }
    Suffixes shared = result;
    memo_.emplace(std::move(key), shared);
    return shared;
  }

  Model model_;
  size_t cap_;
  bool complete_ = true;
  bool violations_ = false;
  std::unordered_map<std::string, Suffixes> memo_;
};

}  // namespace

TraceSet observable_traces(const Program& program, size_t cap) {
  return Enumerator(program, cap).run();
}

}  // namespace lifecheck::model
