// The fuzz loop: generation with rapidcheck's generators and random
// source, our own deterministic greedy shrinking over rapidcheck's shrink
// trees (the first smaller candidate that still breaks the same property
// is taken, until none does).
#include "lifecheck/fuzz.h"

#include <algorithm>

namespace lifecheck::gen {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64: independent seeds per run
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class Fuzzer {
 public:
  Fuzzer(const FuzzOptions& options, const std::function<void(const std::string&)>& progress)
      : options_(options), progress_(progress) {}

  FuzzResult run() {
    FuzzResult out;
    const rc::Gen<ScenarioSpec> gen = scenario(options_.config);
    const int budget = options_.runs * 10 + 10;  // set-aside scenarios included
    for (int attempt = 0; attempt < budget && out.runs < options_.runs; ++attempt) {
      const int size = options_.runs <= 1 ? options_.max_size
                                          : options_.max_size * out.runs / (options_.runs - 1);
      rc::Shrinkable<ScenarioSpec> s =
          gen(rc::Random(mix(options_.seed * 1000003u + attempt)), std::max(1, size));
      Outcome o = outcome(s.value(), "");
      if (o.limited) {
        ++out.limited;
        continue;
      }
      ++out.runs;
      if (!o.property.empty()) {
        out.found = true;
        out.found_at = out.runs;
        out.original = s.value();
        out.property = o.property;
        say("run " + std::to_string(out.runs) + " (size " + std::to_string(size) + "): violates " +
            o.property + "; shrinking");
        shrink(s, out);
        out.minimal = s.value();
        out.text = apply_options(out.minimal).to_life();
        // A shortest counterexample when breadth-first search finds one
        // within the bound; else the depth-first one shrinking kept.
        CheckOptions bfs = check_options();
        bfs.breadth_first = true;
        const Scenario minimal = Scenario::parse(out.text, "fuzz.life");
        out.result = check(minimal, bfs);
        if (out.result.verdict == Verdict::LimitReached)
          out.result = check(minimal, check_options());
        return out;
      }
    }
    return out;
  }

 private:
  struct Outcome {
    std::string property;  // the first property broken that counts; empty: none
    bool limited = false;
  };

  ScenarioSpec apply_options(ScenarioSpec spec) const {
    spec.profile = options_.profile;
    spec.runtime_bugs = options_.runtime_bugs;
    // A free-threaded mutation mutates code only those profiles run.
    for (const std::string& b : options_.runtime_bugs)
      if (spec.profile.empty()) spec.profile = runtime_bug_profile(b);
    return spec;
  }

  CheckOptions check_options() const {
    CheckOptions c;
    c.max_states = options_.max_states;
    return c;
  }

  // A run that never ends under the unmutated runtime too: the scenario's
  // own code loops, whatever the runtime under test does.
  bool endless_by_itself(const ScenarioSpec& spec, const CheckResult& r) const {
    if (!r.violates(kTermination)) return false;
    if (options_.runtime_bugs.empty()) return true;
    ScenarioSpec plain = apply_options(spec);
    plain.runtime_bugs.clear();
    return check(Scenario::parse(plain.to_life(), "fuzz.life"), check_options())
        .violates(kTermination);
  }
  static constexpr const char* kTermination = "termination";

  // Checks a spec; `keep`: only a violation naming this property counts.
  Outcome outcome(const ScenarioSpec& spec, const std::string& keep) const {
    CheckResult r =
        check(Scenario::parse(apply_options(spec).to_life(), "fuzz.life"), check_options());
    Outcome o;
    if (r.verdict == Verdict::LimitReached || endless_by_itself(spec, r)) {
      o.limited = true;
      return o;
    }
    if (!r.violated()) return o;
    // Guarantees the release itself breaks (P7.20 in the free-threaded
    // profiles, P7.23 before gh-91636) say nothing of the runtime under test.
    const std::vector<std::string> release = release_bugs(apply_options(spec).profile);
    for (const std::string& p : r.properties) {
      if (std::find(release.begin(), release.end(), p) != release.end()) continue;
      const bool wanted = options_.properties.empty() ||
                          std::find(options_.properties.begin(), options_.properties.end(), p) !=
                              options_.properties.end();
      if (wanted && (keep.empty() || p == keep)) {
        o.property = p;
        break;
      }
    }
    return o;
  }

  void shrink(rc::Shrinkable<ScenarioSpec>& current, FuzzResult& out) const {
    bool progressed = true;
    while (progressed) {
      progressed = false;
      rc::Seq<rc::Shrinkable<ScenarioSpec>> candidates = current.shrinks();
      while (auto candidate = candidates.next()) {
        ++out.shrink_checks;
        if (outcome(candidate->value(), out.property).property.empty()) continue;
        current = std::move(*candidate);
        ++out.shrink_steps;
        progressed = true;
        break;
      }
    }
    say("shrunk in " + std::to_string(out.shrink_steps) + " steps (" +
        std::to_string(out.shrink_checks) + " candidates checked) to " +
        std::to_string(current.value().statements()) + " statements");
  }

  void say(const std::string& line) const {
    if (progress_) progress_(line);
  }

  const FuzzOptions& options_;
  const std::function<void(const std::string&)>& progress_;
};

}  // namespace

FuzzResult fuzz(const FuzzOptions& options,
                const std::function<void(const std::string&)>& progress) {
  return Fuzzer(options, progress).run();
}

}  // namespace lifecheck::gen
