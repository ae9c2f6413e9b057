#include "model/Observe.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "model/Model.h"

namespace lifecheck::model {

std::optional<std::string> observable_text(const Program& program, const Event& e) {
  auto label = [&]() {
    return e.label == kNoLabel ? program.types[e.type].name : program.labels[e.label];
  };
  std::string thread = program.threads[e.thread].name + ": ";
  switch (e.kind) {
    case EventKind::Enter:  // the first line of a __del__ or a callback
      return thread + e.text;
    case EventKind::CallbackBegin:  // a callback whose call fails: no body runs
      if (e.value == 1) return thread + "callback " + label();
      return std::nullopt;
    case EventKind::Log:
      return thread + "log " + e.text;
    case EventKind::Unraisable:
      return thread + "unraisable " + e.text;
    case EventKind::ThreadException:
      return thread + "exception " + e.text;
    case EventKind::ExceptHook:  // weakref.finalize's exit function (W14)
      return thread + "excepthook " + e.text;
    default:
      return std::nullopt;
  }
}

bool trace_allowed(const std::set<ObservedTrace>& allowed, const ObservedTrace& observed) {
  if (allowed.count(observed)) return true;
  for (const ObservedTrace& t : allowed) {
    if (t.empty() || t.back() != kUnsafeEnd || t.size() - 1 > observed.size()) continue;
    if (std::equal(t.begin(), t.end() - 1, observed.begin())) return true;
  }
  return false;
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
    Suffixes all = enumerate(model_.initial());
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

  // A state being expanded: its suffix set grows as its successors finish.
  struct Node {
    State state;
    std::string key;
    std::vector<Model::Choice> choices;
    size_t next = 0;
    Items prefix;  // of the successor being expanded
    std::shared_ptr<std::set<Items>> result = std::make_shared<std::set<Items>>();
  };

  // The suffix sets, computed depth first with an explicit stack (runs can
  // be thousands of steps long) and memoized by canonical state.
  Suffixes enumerate(State initial) {
    std::vector<Node> stack;
    Suffixes done;
    open(stack, std::move(initial), done);
    while (!stack.empty()) {
      Node& n = stack.back();
      if (n.next == n.choices.size()) {
        Suffixes finished = n.result;
        on_stack_.erase(n.key);
        memo_.emplace(std::move(n.key), finished);
        stack.pop_back();
        if (stack.empty()) return finished;
        add(*stack.back().result, stack.back().prefix, *finished);
        continue;
      }
      State succ = n.state;
      std::vector<Event> events;
      checker::StepResult r = model_.step(succ, n.choices[n.next++], &events);
      Items prefix;
      for (const Event& e : events)
        if (auto text = observable_text(model_.program(), e)) prefix.push_back(intern(*text));
      if (!r.ok()) {
        // A violation or limit ends the run: keep what was observable so
        // far, marked when memory safety is what ended it.
        violations_ = true;
        if (std::find(r.properties.begin(), r.properties.end(), "memory-safety") !=
            r.properties.end())
          prefix.push_back(intern(kUnsafeEnd));
        n.result->insert(prefix);
        continue;
      }
      n.prefix = std::move(prefix);
      Suffixes known;
      if (open(stack, std::move(succ), known)) continue;  // expanded next
      Node& parent = stack.back();
      add(*parent.result, parent.prefix, *known);
    }
    return done;
  }

  // Pushes a node for `s` unless its suffixes are known (then `known`
  // holds them and it returns false).
  bool open(std::vector<Node>& stack, State s, Suffixes& known) {
    Node n;
    model_.encode(s, n.key);
    if (auto it = memo_.find(n.key); it != memo_.end()) {
      known = it->second;
      return false;
    }
    // Back in a state the run is still expanding: the run can repeat it
    // forever (termination), and its traces have no end to enumerate.
    if (on_stack_.count(n.key)) {
      stop("some runs never end");
      known = std::make_shared<std::set<Items>>();
      return false;
    }
    model_.enabled(s, n.choices);
    // A run that ends here has the empty suffix; a run cut short by a bound
    // has none (the set stays a subset of the real one).
    if (n.choices.empty()) n.result->insert(Items{});
    if (stack.size() > 3000) {
      stop("runs longer than 3000 steps");
      n.choices.clear();
    }
    if (memo_.size() >= bounds_.max_states) {
      stop("more than " + std::to_string(bounds_.max_states) + " states");
      n.choices.clear();
    }
    if (items_ >= bounds_.max_items) {
      stop("more than " + std::to_string(bounds_.max_items) + " stored trace items");
      n.choices.clear();
    }
    if (bounds_.stop && bounds_.stop->load(std::memory_order_relaxed)) {
      stop("interrupted");
      n.choices.clear();
    } else if (bounds_.max_seconds > 0 &&
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >
                   bounds_.max_seconds) {
      stop("time limit");
      n.choices.clear();
    }
    n.state = std::move(s);
    on_stack_.insert(n.key);
    stack.push_back(std::move(n));
    return true;
  }

  // result += prefix . tail for every tail, within the bounds.
  void add(std::set<Items>& result, const Items& prefix, const std::set<Items>& tails) {
    for (const Items& tail : tails) {
      if (result.size() >= bounds_.per_state) {
        stop("more than " + std::to_string(bounds_.per_state) + " traces from one state");
        return;
      }
      if (items_ >= bounds_.max_items) {
        stop("more than " + std::to_string(bounds_.max_items) + " stored trace items");
        return;
      }
      Items t = prefix;
      t.insert(t.end(), tail.begin(), tail.end());
      items_ += t.size() + 1;
      result.insert(std::move(t));
    }
  }

  Model model_;
  TraceBounds bounds_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::unordered_set<std::string> on_stack_;  // keys of the nodes on the stack
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
