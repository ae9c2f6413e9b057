#include "cli/SearchAll.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "checker/Explorer.h"
#include "cli/Interrupt.h"
#include "cli/Mpi.h"
#include "cli/Progress.h"

namespace lifecheck::cli {

ScenarioSearch search_scenario(const model::Program& program, const CheckOptions& options) {
  ScenarioSearch out;
  model::Program current = program;
  std::vector<std::string> ignored;
  const checker::Limits& whole = options.limits;
  for (;;) {
    model::Model model(current, options.symmetry);
    checker::SearchOptions so;
    so.order = options.all ? checker::SearchOrder::BreadthFirst : options.order;
    so.jobs = options.jobs;
    so.store = options.store;
    so.bitstate_log2_bits = options.bitstate_log2_bits;
    so.limits = whole;
    so.use_visited_set = options.use_visited_set;
    so.partial_order = options.partial_order;
    so.sleep_sets = options.sleep_sets;
    // --max-seconds and --max-states bound the whole of --all, not each
    // search: each search gets what the ones before have left.
    if (whole.max_seconds > 0) {
      so.limits.max_seconds = whole.max_seconds - out.stats.seconds;
      if (so.limits.max_seconds <= 0) {
        out.limit = fmt::format("time limit ({:g} s)", whole.max_seconds);
        break;
      }
    }
    if (whole.max_states) {
      if (out.stats.states >= whole.max_states) {
        out.limit = fmt::format("state limit ({} states)", whole.max_states);
        break;
      }
      so.limits.max_states = whole.max_states - out.stats.states;
    }
    std::string label = out.searches > 0 ? "search " + std::to_string(out.searches + 1) + ": " : "";
    TerminalProgress progress(model, so.partial_order, label);
    if (!options.quiet && isatty(2)) so.progress = &progress;
    auto result = options.distributed ? distributed_search(model, so)
                  : options.swarm     ? swarm_search(model, so)
                                      : checker::explore(model, so);
    progress.clear();
    ++out.searches;
    out.symmetry = model.uses_symmetry();
    out.stats.states += result.stats.states;
    out.stats.transitions += result.stats.transitions;
    out.stats.reduced_states += result.stats.reduced_states;
    out.stats.por_restarted |= result.stats.por_restarted;
    out.stats.pruned_transitions += result.stats.pruned_transitions;
    out.stats.max_depth = std::max(out.stats.max_depth, result.stats.max_depth);
    out.stats.depth_from_stack |= result.stats.depth_from_stack;
    out.stats.seconds += result.stats.seconds;
    out.stats.store_bytes = std::max(out.stats.store_bytes, result.stats.store_bytes);
    out.stats.peak_rss_bytes = std::max(out.stats.peak_rss_bytes, result.stats.peak_rss_bytes);
    out.stats.omission_optimistic += result.stats.omission_optimistic;
    out.stats.omission_bound += result.stats.omission_bound;
    out.stats.bitstate_false_positive =
        std::max(out.stats.bitstate_false_positive, result.stats.bitstate_false_positive);
    out.stats.hash_factor = result.stats.hash_factor;
    if (result.verdict == checker::Verdict::LimitReached) {
      // A later search's limit is what was left: name the whole budget.
      if (stop_requested())
        out.limit = interrupt_reason();
      else if (whole.max_states && out.stats.states >= whole.max_states)
        out.limit = fmt::format("state limit ({} states)", whole.max_states);
      else if (whole.max_seconds > 0 && out.stats.seconds >= whole.max_seconds)
        out.limit = fmt::format("time limit ({:g} s)", whole.max_seconds);
      else
        out.limit = result.limit;
    }
    if (result.verdict != checker::Verdict::Violated) {
      if (out.found.empty()) out.verdict = result.verdict;
      // what the expect lines saw: only from a whole search in this process
      if (out.found.empty() && result.verdict == checker::Verdict::Holds && !options.swarm &&
          !options.distributed)
        out.expect_seen = model.expect_events_seen();
      break;
    }
    out.verdict = checker::Verdict::Violated;
    std::vector<std::string> properties = result.failure.properties;
    bool fresh = false;  // a guard: an ignored property is never reported again
    for (const std::string& p : properties)
      fresh = fresh || std::find(ignored.begin(), ignored.end(), p) == ignored.end();
    out.found.push_back(FoundViolation{current, ignored, std::move(result)});
    if (!options.all || !fresh) break;
    if (stop_requested()) {  // an interrupt ends --all with what it has
      out.limit = interrupt_reason();
      break;
    }
    for (const std::string& p : properties) {
      ignored.push_back(p);
      current.ignores.push_back(model::Ignore{p, "--all: reported already", 0});
    }
  }
  return out;
}

}  // namespace lifecheck::cli
