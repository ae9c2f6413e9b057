// --distributed and --swarm over MPI (cli/Mpi.h).
#include "cli/Mpi.h"

#include <fmt/format.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <iostream>
#include <thread>

#include "checker/Distributed.h"
#include "checker/Explorer.h"
#include "checker/MpiComm.h"
#include "checker/Swarm.h"

namespace lifecheck::cli {

namespace {

using checker::MpiComm;
using Choice = model::Model::Choice;
constexpr uint64_t kNone = UINT64_MAX;
bool started = false;

// Checks per rank in one batch of lifecheck fuzz --distributed: more evens
// out checks of unequal length between the ranks; fewer wastes less past a
// violation or a scenario set aside (gen::FuzzSpread).
constexpr size_t kFuzzChecksPerRank = 2;
// What this rank did under lifecheck fuzz --distributed.
struct {
  uint64_t checks = 0, batches = 0;
  double busy_seconds = 0;
} fuzz_figures;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Rank 0 prints what every rank did: states, memory and messages.
void print_figures(const MpiComm& comm, const checker::RankFigures& f, uint64_t states) {
  std::vector<uint64_t> all = comm.gather(
      {f.states, f.expanded, f.messages, f.bytes_sent, f.store_bytes, f.peak_rss, f.edges}, 0);
  if (comm.rank() != 0) return;
  uint64_t messages = 0, bytes = 0;
  for (size_t r = 0; r * 7 < all.size(); ++r) {
    const uint64_t* v = &all[r * 7];
    messages += v[2];
    bytes += v[3];
    std::cerr << fmt::format(
        "distributed: rank {}: {} states, {} transitions, {} messages, {} B sent, store "
        "{:.1f} MiB ({:.1f} B/state), peak RSS {:.1f} MiB, {} transitions kept for the cycle "
        "check\n",
        r, v[0], v[1], v[2], v[3], v[4] / 1048576.0,
        v[0] ? static_cast<double>(v[4]) / static_cast<double>(v[0]) : 0.0, v[5] / 1048576.0, v[6]);
  }
  std::cerr << fmt::format(
      "distributed: {} ranks: {} messages, {:.1f} MiB sent between ranks, {:.1f} B sent per "
      "state\n",
      comm.size(), messages, bytes / 1048576.0,
      states ? static_cast<double>(bytes) / static_cast<double>(states) : 0.0);
}

// The failure at the end of `path` as a concrete run meets it (every rank
// computes it from the path alone).
checker::StepResult failure_of(const model::Model& model, const std::vector<Choice>& path,
                               std::optional<size_t> loop_start) {
  if (loop_start) return checker::endless_run(model.cycle_property(), *loop_start, path.size());
  model::Model::State s = model.initial();
  for (Choice c : path) {
    checker::StepResult r = model.step(s, c);
    if (!r.ok()) return r;
  }
  return model.terminal(s);
}

}  // namespace

bool mpi_built() { return true; }

int mpi_start(int* argc, char*** argv) {
  MpiComm::init(argc, argv);
  started = true;
  return MpiComm().rank();
}

void mpi_stop() {
  if (started) MpiComm::finalize();
  started = false;
}

int mpi_ranks() { return MpiComm().size(); }

ModelResult distributed_search(const model::Model& model, const checker::SearchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  MpiComm comm;
  checker::RankFigures figures;
  ModelResult r = checker::distributed_explore(model, options, comm, figures);
  if (r.verdict == checker::Verdict::Violated)
    checker::detail::validate_counterexample(model, r, options.store);
  figures.peak_rss = checker::peak_rss_bytes();
  print_figures(comm, figures, r.stats.states);
  r.stats.peak_rss_bytes = comm.max(figures.peak_rss);
  r.stats.seconds = seconds_since(start);
  return r;
}

ModelResult swarm_search(const model::Model& model, const checker::SearchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  MpiComm comm;
  const int me = comm.rank(), n = comm.size();
  const checker::SwarmMember member =
      checker::swarm_member(static_cast<unsigned>(me), options.bitstate_log2_bits);
  checker::ShuffledModel<model::Model> shuffled(model, member.seed);
  checker::SearchOptions o = options;
  o.order = checker::SearchOrder::DepthFirst;
  o.store = checker::StoreKind::Bitstate;
  o.bitstate_log2_bits = member.log2_bits;
  o.bitstate_hashes = member.hashes;
  o.jobs = 1;
  // A listener thread turns another member's "stop" note (or an interrupt)
  // into the search's stop flag; the search thread makes no MPI call
  // meanwhile (MPI_THREAD_SERIALIZED).
  std::atomic<bool> stop{false}, finished{false}, stopped_by_peer{false};
  o.limits.stop = &stop;
  comm.post_stop_receive();
  std::thread listener([&] {
    while (!finished.load()) {
      if (!stopped_by_peer.load() && comm.stop_received()) {
        stopped_by_peer.store(true);
        stop.store(true);
      }
      if (options.limits.stop && options.limits.stop->load()) stop.store(true);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  ModelResult mine = checker::explore(shuffled, o);
  finished.store(true);
  listener.join();
  const bool found = mine.verdict == checker::Verdict::Violated;
  if (found)
    for (int r = 0; r < n; ++r)
      if (r != me) comm.send_stop(r);
  // Every note sent is received before the next collective call.
  const uint64_t finders = comm.sum(found ? 1 : 0);
  uint64_t expected = finders - (found ? 1 : 0);
  uint64_t received = stopped_by_peer.load() || comm.cancel_stop_receive() ? 1 : 0;
  for (; received < expected; ++received) comm.receive_stop();

  // What each member covered, printed by rank 0.
  const checker::Stats& s = mine.stats;
  std::vector<uint64_t> all = comm.gather(
      {s.states, s.transitions, s.max_depth, static_cast<uint64_t>(mine.verdict),
       stopped_by_peer.load() ? 1u : 0u, std::bit_cast<uint64_t>(s.bitstate_false_positive),
       member.seed, member.log2_bits, member.hashes},
      0);
  ModelResult r;
  for (size_t k = 0; k * 9 < all.size(); ++k) {
    const uint64_t* v = &all[k * 9];
    const char* how = v[3] == static_cast<uint64_t>(checker::Verdict::Violated) ? "counterexample"
                      : v[4]                                                    ? "stopped"
                      : v[3] == static_cast<uint64_t>(checker::Verdict::Holds)
                          ? "searched to the end"
                          : "limit";
    std::cerr << fmt::format(
        "swarm: member {}: order seed {:#x}, 2^{} bits, {} hash{}: {} states, {} transitions, "
        "depth {}, {} (chance a new state was taken for a seen one at the end: {:.2g})\n",
        k, v[6], v[7], v[8], v[8] == 1 ? "" : "es", v[0], v[1], v[2], how,
        std::bit_cast<double>(v[5]));
  }
  r.stats.states = comm.sum(s.states);
  r.stats.transitions = comm.sum(s.transitions);
  r.stats.max_depth = static_cast<uint32_t>(comm.max(s.max_depth));
  r.stats.store_bytes = comm.sum(s.store_bytes);
  r.stats.peak_rss_bytes = comm.max(checker::peak_rss_bytes());

  const uint64_t winner = comm.min(found ? static_cast<uint64_t>(me) : kNone);
  if (winner != kNone) {
    std::vector<uint64_t> path;
    if (static_cast<uint64_t>(me) == winner) {
      path.push_back(mine.loop_start ? *mine.loop_start : kNone);
      for (Choice c : mine.path) path.push_back(c);
    }
    comm.broadcast(path, static_cast<int>(winner));
    r.verdict = checker::Verdict::Violated;
    if (path[0] != kNone) r.loop_start = path[0];
    for (size_t k = 1; k < path.size(); ++k) r.path.push_back(static_cast<Choice>(path[k]));
    r.failure = failure_of(model, r.path, r.loop_start);
  } else {
    r.verdict = checker::Verdict::LimitReached;
    const bool interrupted = comm.max(options.limits.stop && options.limits.stop->load() ? 1 : 0);
    r.limit = interrupted ? std::string("interrupted")
                          : fmt::format(
                                "swarm of {} bitstate searches found no counterexample "
                                "(partial coverage: {} states visited in all, some "
                                "more than once)",
                                n, r.stats.states);
  }
  r.stats.seconds = seconds_since(start);
  return r;
}

gen::FuzzSpread fuzz_spread() {
  gen::FuzzSpread spread;
  spread.width = kFuzzChecksPerRank * static_cast<size_t>(mpi_ranks());
  spread.run = [](size_t count, const std::function<int(size_t)>& check) {
    MpiComm comm;
    const size_t me = static_cast<size_t>(comm.rank()), n = static_cast<size_t>(comm.size());
    const auto start = std::chrono::steady_clock::now();
    std::vector<uint64_t> mine;
    for (size_t i = me; i < count; i += n)
      mine.push_back(static_cast<uint64_t>(static_cast<int64_t>(check(i))));
    fuzz_figures.busy_seconds += seconds_since(start);
    fuzz_figures.checks += mine.size();
    ++fuzz_figures.batches;
    // Rank r's results, in rank order: checks r, r + n, r + 2n...
    const std::vector<uint64_t> all = comm.all_gather(mine);
    std::vector<int> codes(count);
    size_t at = 0;
    for (size_t r = 0; r < n; ++r)
      for (size_t i = r; i < count; i += n)
        codes[i] = static_cast<int>(static_cast<int64_t>(all.at(at++)));
    return codes;
  };
  return spread;
}

void print_fuzz_figures() {
  MpiComm comm;
  const std::vector<uint64_t> all =
      comm.gather({fuzz_figures.checks, std::bit_cast<uint64_t>(fuzz_figures.busy_seconds)}, 0);
  if (comm.rank() != 0) return;
  for (size_t r = 0; r * 2 < all.size(); ++r)
    std::cerr << fmt::format("distributed fuzz: rank {}: {} checks, {:.2f} s checking\n", r,
                             all[r * 2], std::bit_cast<double>(all[r * 2 + 1]));
  std::cerr << fmt::format("distributed fuzz: {} ranks, {} batches of up to {}\n", comm.size(),
                           fuzz_figures.batches, kFuzzChecksPerRank * comm.size());
}

}  // namespace lifecheck::cli
