// The fuzz loop: generation with rapidcheck's generators and random
// source, our own deterministic greedy shrinking over rapidcheck's shrink
// trees (the first smaller candidate that still breaks the same property
// is taken, until none does).
#include "lifecheck/fuzz.h"

#include <algorithm>
#include <stdexcept>

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
  Fuzzer(const FuzzOptions& options, const std::function<void(const std::string&)>& progress,
         const FuzzSpread& spread)
      : options_(options),
        progress_(progress),
        spread_(spread),
        width_(std::max<size_t>(1, spread.width)),
        properties_(lifecheck::properties()) {}

  // Run k (counting only the scenarios not set aside) has size
  // max_size * k / (runs - 1), and attempt a the seed mix(seed, a): so an
  // attempt's scenario depends on how many attempts before it were set
  // aside. A batch guesses that none of its attempts is; the results are
  // taken in attempt order while the guessed size is the size the
  // one-by-one loop gives, and the next batch starts at the first one
  // whose guess was wrong. The runs, their seeds and sizes, and the first
  // run that breaks a property are those of the one-by-one loop.
  FuzzResult run() {
    FuzzResult out;
    const int budget = options_.runs * 10 + 10;  // set-aside scenarios included
    int attempt = 0;
    while (attempt < budget && out.runs < options_.runs) {
      std::vector<int> sizes;
      for (int i = 0; sizes.size() < width_ && attempt + i < budget && out.runs + i < options_.runs;
           ++i)
        sizes.push_back(size_of(out.runs + i));
      const std::vector<int> codes = spread(sizes.size(), [&](size_t i) {
        return code_of(outcome(generate(attempt + static_cast<int>(i), sizes[i]).value(), ""));
      });
      for (size_t i = 0; i < codes.size() && sizes[i] == size_of(out.runs); ++i, ++attempt) {
        if (codes[i] == kSetAside) {
          ++out.limited;
          continue;
        }
        ++out.runs;
        if (codes[i] == kCounts) continue;
        rc::Shrinkable<ScenarioSpec> s = generate(attempt, sizes[i]);
        out.found = true;
        out.found_at = out.runs;
        out.original = s.value();
        out.property = properties_.at(static_cast<size_t>(codes[i] - 1));
        say("run " + std::to_string(out.runs) + " (size " + std::to_string(sizes[i]) +
            "): violates " + out.property + "; shrinking");
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

  // A check's result as a spread carries it: set aside, counted without a
  // violation, or k + 1 for a violation of lifecheck::properties()[k].
  static constexpr int kSetAside = -1, kCounts = 0;
  int code_of(const Outcome& o) const {
    if (o.limited) return kSetAside;
    if (o.property.empty()) return kCounts;
    const auto at = std::find(properties_.begin(), properties_.end(), o.property);
    if (at == properties_.end()) throw std::logic_error("fuzz: unknown property " + o.property);
    return static_cast<int>(at - properties_.begin()) + 1;
  }

  std::vector<int> spread(size_t count, const std::function<int(size_t)>& check) const {
    if (spread_.run) return spread_.run(count, check);
    std::vector<int> codes;
    for (size_t i = 0; i < count; ++i) codes.push_back(check(i));
    return codes;
  }

  int size_of(int run) const {
    return options_.runs <= 1 ? options_.max_size : options_.max_size * run / (options_.runs - 1);
  }

  rc::Shrinkable<ScenarioSpec> generate(int attempt, int size) const {
    return gen_(rc::Random(mix(options_.seed * 1000003u + static_cast<unsigned>(attempt))),
                std::max(1, size));
  }

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

  // The first candidate, in the shrink tree's order, that still breaks the
  // property; candidates are checked a batch at a time.
  void shrink(rc::Shrinkable<ScenarioSpec>& current, FuzzResult& out) const {
    bool progressed = true;
    while (progressed) {
      progressed = false;
      rc::Seq<rc::Shrinkable<ScenarioSpec>> candidates = current.shrinks();
      for (bool more = true; more && !progressed;) {
        std::vector<rc::Shrinkable<ScenarioSpec>> batch;
        while (batch.size() < width_) {
          auto candidate = candidates.next();
          if (!candidate) {
            more = false;
            break;
          }
          batch.push_back(std::move(*candidate));
        }
        const std::vector<int> codes = spread(batch.size(), [&](size_t i) {
          return outcome(batch[i].value(), out.property).property.empty() ? kCounts : 1;
        });
        for (size_t i = 0; i < codes.size(); ++i) {
          ++out.shrink_checks;
          if (codes[i] == kCounts) continue;
          current = std::move(batch[i]);
          ++out.shrink_steps;
          progressed = true;
          break;
        }
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
  const FuzzSpread& spread_;
  const size_t width_;  // checks per batch
  const std::vector<std::string> properties_;
  const rc::Gen<ScenarioSpec> gen_ = scenario(options_.config);
};

}  // namespace

FuzzResult fuzz(const FuzzOptions& options, const std::function<void(const std::string&)>& progress,
                const FuzzSpread& spread) {
  return Fuzzer(options, progress, spread).run();
}

}  // namespace lifecheck::gen
