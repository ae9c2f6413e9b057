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

// Observable strings are interned; a trace is a vector of their numbers.
using Item = uint32_t;
using Items = std::vector<Item>;
using Suffixes = std::shared_ptr<const std::set<Items>>;

class Enumerator {
 public:
  // No thread symmetry: traces name their threads.
  Enumerator(const Program& program, const TraceBounds& bounds)
      : model_(program, false), bounds_(bounds) {}

  TraceSet run() {
    State s = model_.initial();
    Suffixes all = suffixes(s, 0);
    TraceSet out;
    for (const Items& t : *all) {
      ObservedTrace text;
      text.reserve(t.size());
      for (Item i : t) text.push_back(texts_[i]);
      out.traces.insert(std::move(text));
    }
    out.complete = complete_;
    out.violations = violations_;
    out.states = memo_.size();
    out.stopped = stopped_;
    return out;
  }

 private:
  Item intern(std::string text) {
    auto [it, fresh] = ids_.emplace(std::move(text), static_cast<Item>(texts_.size()));
    if (fresh) texts_.push_back(it->first);
    return it->second;
  }

  void stop(const std::string& why) {
    complete_ = false;
    if (stopped_.empty()) stopped_ = why;
  }

  Suffixes suffixes(const State& s, size_t depth) {
    std::string key;
    model_.encode(s, key);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    auto result = std::make_shared<std::set<Items>>();
    std::vector<Model::Choice> choices;
    model_.enabled(s, choices);
    // A run that ends here has the empty suffix; a run cut short by a bound
    // has none (the set stays a subset of the real one).
    if (choices.empty()) result->insert(Items{});
    if (depth > 3000) {  // bounds the recursion; such runs are not enumerated
      stop("runs longer than 3000 steps");
      choices.clear();
    }
    if (memo_.size() >= bounds_.max_states) {
      stop("more than " + std::to_string(bounds_.max_states) + " states");
      choices.clear();
    }
    if (items_ >= bounds_.max_items) {
      stop("more than " + std::to_string(bounds_.max_items) + " stored trace items");
      choices.clear();
    }
    for (Model::Choice c : choices) {
      State next = s;
      std::vector<Event> events;
      checker::StepResult r = model_.step(next, c, &events);
      Items prefix;
      for (const Event& e : events)
        if (auto text = observable_text(model_.program(), e)) prefix.push_back(intern(*text));
      if (!r.ok()) {
        // A violation or limit ends the run: keep what was observable so far.
        violations_ = true;
        result->insert(prefix);
        continue;
      }
      for (const Items& tail : *suffixes(next, depth + 1)) {
        if (result->size() >= bounds_.per_state) {
          stop("more than " + std::to_string(bounds_.per_state) + " traces from one state");
          break;
        }
        if (items_ >= bounds_.max_items) {
          stop("more than " + std::to_string(bounds_.max_items) + " stored trace items");
          break;
        }
        Items t = prefix;
        t.insert(t.end(), tail.begin(), tail.end());
        items_ += t.size() + 1;
        result->insert(std::move(t));
      }
    }
    Suffixes shared = result;
    memo_.emplace(std::move(key), shared);
    return shared;
  }

  Model model_;
  TraceBounds bounds_;
  bool complete_ = true;
  bool violations_ = false;
  std::string stopped_;
  uint64_t items_ = 0;
  std::unordered_map<std::string, Suffixes> memo_;
  std::unordered_map<std::string, Item> ids_;
  std::vector<std::string> texts_;
};

}  // namespace

TraceSet observable_traces(const Program& program, const TraceBounds& bounds) {
  return Enumerator(program, bounds).run();
}

}  // namespace lifecheck::model
