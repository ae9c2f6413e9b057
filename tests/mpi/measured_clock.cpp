// checker::distributed_explore on a toy model with a progress measure, run
// under mpirun by ctest (tests/mpi/CMakeLists.txt): the same lasso, counts
// and flag as one process's explore(), whether the measure is right (the
// ranks then keep fewer transitions for the cycle check) or wrong (it goes
// down: noticed, and the search runs again keeping every transition).
// Exit 0 when every check passes; rank 0 prints what failed.
#include <iostream>
#include <string>
#include <vector>

#include "checker/Distributed.h"
#include "checker/Explorer.h"
#include "checker/MpiComm.h"

namespace {

using namespace lifecheck;

// Two threads: thread 0 counts x up to 4 and wraps to 2 forever (a run
// that never ends), thread 1 sets y once. y only grows: a right measure
// (thread 1's transition raises it, thread 0's keep it); x wraps: a wrong
// one.
struct MeasuredClock {
  struct State {
    int x = 0;
    int y = 0;
  };
  using Choice = uint16_t;
  bool broken = false;

  const char* cycle_property() const { return "ends"; }
  State initial() const { return {}; }
  void enabled(const State& s, std::vector<Choice>& out) const {
    out.assign({0});
    if (s.y == 0) out.push_back(1);
  }
  checker::StepResult step(State& s, Choice c) const {
    if (c == 0)
      s.x = s.x == 4 ? 2 : s.x + 1;
    else
      s.y = 1;
    return {};
  }
  checker::StepResult terminal(State&) const { return {}; }
  void encode(const State& s, std::string& out) const {
    out.assign({static_cast<char>(s.x), static_cast<char>(s.y)});
  }
  State decode(std::string_view b) const { return {b[0], b[1]}; }
  uint64_t progress_measure(const State& s) const {
    return static_cast<uint64_t>(broken ? s.x : s.y);
  }
};

}  // namespace

int main(int argc, char** argv) {
  checker::MpiComm::init(&argc, &argv);
  const checker::MpiComm comm;
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok && comm.rank() == 0) std::cout << "FAIL: " << what << "\n";
    failures += ok ? 0 : 1;
  };
  for (bool broken : {false, true}) {
    MeasuredClock m;
    m.broken = broken;
    const std::string name = broken ? "wrong measure: " : "right measure: ";
    checker::SearchOptions o;
    const auto want = checker::explore(m, o);
    checker::RankFigures figures;
    const auto got = checker::distributed_explore(m, o, comm, figures);
    expect(got.verdict == checker::Verdict::Violated, name + "no lasso");
    expect(got.path == want.path && got.loop_start == want.loop_start,
           name + "not the lasso of one process");
    expect(got.stats.states == want.stats.states, name + "not the states of one process");
    expect(got.stats.transitions == want.stats.transitions,
           name + "not the transitions of one process");
    expect(got.stats.progress_decreased == broken, name + "progress_decreased is wrong");
    const uint64_t kept = comm.sum(figures.edges);
    o.use_progress_measure = false;
    checker::distributed_explore(m, o, comm, figures);
    const uint64_t all = comm.sum(figures.edges);
    expect(all == got.stats.transitions, name + "without the measure not every transition kept");
    expect(broken ? kept == all : kept < all,
           name + "kept " + std::to_string(kept) + " of " + std::to_string(all));
  }
  if (comm.rank() == 0)
    std::cout << (failures ? "failed" : "all passed") << " on " << comm.size() << " ranks\n";
  checker::MpiComm::finalize();
  return failures ? 1 : 0;
}
