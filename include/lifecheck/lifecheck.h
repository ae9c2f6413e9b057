// lifecheck's C++ API: load a scenario, choose a profile, explore every
// interleaving, read the verdict and the counterexample. A thin layer over
// the model and the checker (src folders lang/, model/, checker/), which it
// hides: this header needs nothing but the standard library.
//
//   auto s = lifecheck::Scenario::parse(text);          // or ::load(path)
//   lifecheck::CheckResult r = lifecheck::check(s);
//   if (r.violated()) std::cout << r.report;            // the trace, as the CLI prints it
//
// Generators for rapidcheck property tests are in <lifecheck/generators.h>.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lifecheck {

// Bad scenario text: one message with file:line:col.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(const std::string& message, std::string file_name, int line_number, int column)
      : std::runtime_error(message), file(std::move(file_name)), line(line_number), col(column) {}
  std::string file;
  int line;
  int col;
};

// How a scenario is read: the profile (a name such as "P311" or a release
// such as "3.13.5"; empty: the file's `profile` line, else the default)
// and runtime bugs to inject (names as `lifecheck list-properties` shows).
struct LoadOptions {
  std::string profile;
  std::vector<std::string> runtime_bugs;
};

// A compiled scenario under one profile.
class Scenario {
 public:
  // Throws ScenarioError on bad text or an unknown profile or bug name.
  static Scenario parse(const std::string& text, const std::string& name = "scenario.life",
                        const LoadOptions& options = {});
  static Scenario load(const std::string& path, const LoadOptions& options = {});

  Scenario(const Scenario&);
  Scenario& operator=(const Scenario&);
  Scenario(Scenario&&) noexcept;
  Scenario& operator=(Scenario&&) noexcept;
  ~Scenario();

  const std::string& name() const;
  const std::string& text() const;
  std::string profile() const;  // e.g. "P314g"
  size_t threads() const;       // main included

  // Internal: the compiled program, for lifecheck's own sources.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Scenario(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct CheckOptions {
  uint64_t max_states = 1000000;  // 0: no bound
  double max_seconds = 0;         // 0: no bound
  uint64_t max_memory_mb = 0;     // 0: no bound
  // The order costs only time and memory: every counterexample is the
  // canonical one (shortest, then smallest schedule) either way.
  bool breadth_first = true;
  unsigned jobs = 1;          // workers (either order); results do not depend on it
  bool fingerprints = false;  // 64-bit fingerprints instead of whole states
  bool symmetry = true;       // merge states of interchangeable threads
  bool partial_order = true;  // explore a thread's private step alone
  bool visited_set = true;    // false: tree search (for comparisons)
};

enum class Verdict { Holds, Violated, LimitReached };

struct CheckResult {
  Verdict verdict = Verdict::Holds;
  std::vector<std::string> properties;  // Violated: the properties broken
  std::string message;                  // Violated: what happened; LimitReached: which limit
  std::string replay_token;             // Violated: for `lifecheck replay` and replay()
  std::string report;                   // Violated: the counterexample as the CLI prints it
  std::vector<uint16_t> schedule;       // Violated: the choices, step by step
  // Violated by a run that never ends ("termination"): the schedule's steps
  // after this many lead back to the state they started from, forever.
  std::optional<size_t> loop_start;
  uint64_t states = 0;
  uint64_t transitions = 0;

  bool holds() const { return verdict == Verdict::Holds; }
  bool violated() const { return verdict == Verdict::Violated; }
  bool violates(const std::string& property) const;
};

// Explores every interleaving the scenario's profile allows.
CheckResult check(const Scenario& scenario, const CheckOptions& options = {});

// Replays a token (from check() or the CLI) step by step; the result's
// verdict is what the run ended in, and `report` is its trace.
CheckResult replay(const Scenario& scenario, const std::string& token);

// One seeded random run, as `lifecheck simulate --seed`.
CheckResult simulate(const Scenario& scenario, uint64_t seed);

// Profile names, oldest first ("P311" ... "P314g"), and the default.
std::vector<std::string> profiles();
std::string default_profile();
// Properties a profile's releases themselves break (CPython bugs fixed in
// later releases, e.g. P7.23 before gh-91636): correct code may violate
// them there. An empty name means the default profile.
std::vector<std::string> release_bugs(const std::string& profile);
// Built-in property ids ("P7.1" ... "quiescence", ...) and runtime bug names.
std::vector<std::string> properties();
std::vector<std::string> runtime_bugs();
// The profile a runtime bug mutates when none is given ("P314t" for the
// free-threaded ones), or "" when it applies to any.
std::string runtime_bug_profile(const std::string& bug);

}  // namespace lifecheck
