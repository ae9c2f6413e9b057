"""The configurations tools/differential.py runs each scenario under, the
rules that relate their results (docs/differential.md), and the comparisons
that apply those rules to one unit's results. Split from differential.py,
which runs the searches and reports; its --self-test covers these."""

import json
from dataclasses import dataclass

# --------------------------------------------------------------------------
# Configurations and the rules that relate them


@dataclass(frozen=True)
class Config:
    name: str
    args: tuple
    ranks: int = 0  # MPI processes under mpirun; 0: one process
    exact: bool = True  # its verdict must be the plain search's
    tree: bool = False  # no visited set: bounded by --tree-states


CONFIGS = [
    Config("bfs-j1", ("--bfs", "--jobs", "1")),
    Config("bfs-j2", ("--bfs", "--jobs", "2")),
    Config("dfs-j1", ("--dfs", "--jobs", "1")),
    Config("dfs-j2", ("--dfs", "--jobs", "2")),
    Config("fp-j1", ("--store", "fingerprint", "--jobs", "1"), exact=False),
    Config("fp-j2", ("--store", "fingerprint", "--jobs", "2"), exact=False),
    Config("fp-dfs-j2", ("--store", "fingerprint", "--dfs", "--jobs", "2"), exact=False),
    Config("bitstate", ("--store", "bitstate", "--bitstate-bits", "24", "--jobs", "1"), exact=False),
    Config("nosym-j1", ("--no-symmetry", "--jobs", "1")),
    Config("nosym-j2", ("--no-symmetry", "--jobs", "2")),
    Config("nopor-j1", ("--no-por", "--jobs", "1")),
    Config("nopor-j2", ("--no-por", "--jobs", "2")),
    Config("plain", ("--no-symmetry", "--no-por", "--jobs", "1")),
    Config("sleep-j1", ("--sleep-sets", "--jobs", "1")),
    Config("sleep-j2", ("--sleep-sets", "--jobs", "2")),
    Config("sleep-nopor", ("--sleep-sets", "--no-por", "--jobs", "1")),
    Config("novisited", ("--no-visited-set", "--jobs", "1"), tree=True),
    Config("mpi2", ("--distributed",), ranks=2),
    Config("mpi3", ("--distributed",), ranks=3),
    Config("all-j1", ("--all", "--jobs", "1")),
    Config("all-j2", ("--all", "--jobs", "2")),
    Config("all-plain", ("--all", "--no-symmetry", "--no-por", "--jobs", "1")),
]
CONFIG_NAMES = [c.name for c in CONFIGS]

# Only --jobs or the number of MPI ranks differs: the whole result, the
# same bytes (engine.md; distributed.md).
SAME_BYTES = [("bfs-j1", "bfs-j2"), ("bfs-j1", "mpi2"), ("bfs-j1", "mpi3"),
              ("dfs-j1", "dfs-j2"), ("fp-j1", "fp-j2"), ("nosym-j1", "nosym-j2"),
              ("nopor-j1", "nopor-j2"), ("sleep-j1", "sleep-j2"), ("all-j1", "all-j2")]
# Breadth-first against depth-first: the same counts and counterexample
# (README: they do not depend on --dfs/--bfs; depth-first leaves out max_depth).
SAME_SEARCH = [("bfs-j1", "dfs-j1"), ("fp-j1", "fp-dfs-j2")]
# The exact store against the fingerprint store: the same verdict; the same
# counts and counterexample unless the report gives a merge a real chance.
SAME_STORE = [("bfs-j1", "fp-j1"), ("dfs-j2", "fp-dfs-j2")]
# Sleep sets against the same search without them, where both hold:
# (sleep, base, states must be equal): never more states or transitions.
FEWER = [("sleep-j1", "bfs-j1", False), ("sleep-nopor", "nopor-j1", True)]
# --all: the same set of violated properties as the plain search's --all.
SAME_VIOLATIONS = [("all-j1", "all-plain")]
# Every exact configuration's verdict against the first of these that
# finished: the plain search, else the default one.
VERDICT_REFERENCES = ["plain", "bfs-j1", "all-plain"]
# A fingerprint report whose merge bound is above this is compared on its
# verdict only.
MERGE_BOUND = 1e-6


@dataclass
class Failure:
    """A run that gave no result for a scenario."""
    kind: str  # "error" (a mismatch) or "timeout", "bad-input" (notes)
    detail: str



# --------------------------------------------------------------------------
# Comparisons (each takes the results of one unit: config name -> result
# dict or Failure)


def is_result(r):
    return isinstance(r, dict)


def complete(r):
    return is_result(r) and "limit" not in r


def decided(r):
    return is_result(r) and r.get("verdict") in ("holds", "violated")


def violated_properties(r):
    return sorted({p["id"] for c in r.get("counterexamples", [])
                   for p in c["violation"]["properties"]})


def first_difference(a, b, path=""):
    """The first place two JSON values differ, as 'path: A vs B', or None."""
    if type(a) is not type(b):
        return f"{path or 'value'}: {short(a)} vs {short(b)}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: " + ("missing" if k not in a else short(a[k])) + \
                       " vs " + ("missing" if k not in b else short(b[k]))
            d = first_difference(a[k], b[k], f"{path}.{k}" if path else k)
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        return None
    return None if a == b else f"{path or 'value'}: {short(a)} vs {short(b)}"


def short(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= 60 else s[:57] + "..."


def counterexample_key(r):
    """What identifies a result's counterexamples: replay token, properties
    and steps of each."""
    return [{"replay": c["replay"], "steps": c["steps"],
             "properties": [p["id"] for p in c["violation"]["properties"]]}
            for c in r.get("counterexamples", [])]


class Findings:
    """What the comparisons of one unit found, and how many of each rule ran."""

    def __init__(self):
        self.mismatches = []  # (config a, config b, what)
        self.notes = []  # (kind, detail)
        self.compared = {}  # rule -> pairs compared

    def rule(self, name):
        self.compared[name] = self.compared.get(name, 0) + 1

    def differ(self, a, b, what):
        self.mismatches.append((a, b, what))


def compare_bytes(res, f):
    for a, b in SAME_BYTES:
        ra, rb = res.get(a), res.get(b)
        if is_result(ra) and is_result(rb):
            f.rule("same bytes")
            if json.dumps(ra, sort_keys=True) != json.dumps(rb, sort_keys=True):
                f.differ(a, b, "not the same bytes: " + first_difference(ra, rb))


def compare_counts_and_counterexample(ra, rb):
    for k in ("verdict",):
        if ra[k] != rb[k]:
            return f"{k}: {ra[k]} vs {rb[k]}"
    for k in ("states", "transitions"):
        if ra["stats"][k] != rb["stats"][k]:
            return f"stats.{k}: {ra['stats'][k]} vs {rb['stats'][k]}"
    d = first_difference(counterexample_key(ra), counterexample_key(rb), "counterexamples")
    return d and "counterexample differs: " + d


def merge_possible(r):
    s = r["stats"]
    return max(s.get("omission_bound", 0), s.get("omission_probability", 0)) > MERGE_BOUND


def compare_counts(pairs, rule, res, f):
    """Counts and counterexample of each pair; the verdict only where a
    fingerprint store may have merged states."""
    for a, b in pairs:
        ra, rb = res.get(a), res.get(b)
        if not (complete(ra) and complete(rb)):
            continue
        if merge_possible(ra) or merge_possible(rb):
            f.rule(rule + " (verdict only: a merge was possible)")
            if ra["verdict"] != rb["verdict"]:
                f.differ(a, b, f"verdict: {ra['verdict']} vs {rb['verdict']}")
            continue
        f.rule(rule)
        d = compare_counts_and_counterexample(ra, rb)
        if d:
            f.differ(a, b, d)


def verdict_reference(res):
    return next((c for c in VERDICT_REFERENCES if decided(res.get(c))), None)


def compare_verdicts(res, configs, f):
    ref = verdict_reference(res)
    if ref is None:
        f.notes.append(("no verdict from the reference searches (a limit)", ""))
        return
    for c in configs:
        r = res.get(c.name)
        if c.name == ref or not c.exact or not decided(r):
            continue
        f.rule("verdict")
        if r["verdict"] != res[ref]["verdict"]:
            f.differ(ref, c.name, f"verdict: {res[ref]['verdict']} vs {r['verdict']}")


def compare_bitstate(res, f):
    rb, ref = res.get("bitstate"), verdict_reference(res)
    if not decided(rb) or ref is None:
        return
    f.rule("bitstate")
    if rb["verdict"] == "violated" and res[ref]["verdict"] != "violated":
        f.differ("bitstate", ref, "bitstate reports a violation the exact search does not "
                 "find: " + ", ".join(violated_properties(rb)))
    if rb["verdict"] == "holds" and res[ref]["verdict"] == "violated":
        f.notes.append(("bitstate missed a violation (allowed)", ""))


def compare_fewer(res, f):
    for sleep, base, equal_states in FEWER:
        rs, rb = res.get(sleep), res.get(base)
        if not (complete(rs) and complete(rb)):
            continue
        if rs["verdict"] != "holds" or rb["verdict"] != "holds":
            continue
        f.rule("fewer")
        ss, sb = rs["stats"], rb["stats"]
        if equal_states and ss["states"] != sb["states"]:
            f.differ(sleep, base, f"states: {ss['states']} vs {sb['states']} (must be equal)")
        elif ss["states"] > sb["states"]:
            f.differ(sleep, base, f"more states: {ss['states']} vs {sb['states']}")
        if ss["transitions"] > sb["transitions"]:
            f.differ(sleep, base,
                     f"more transitions: {ss['transitions']} vs {sb['transitions']}")


def compare_violations(res, f):
    for a, b in SAME_VIOLATIONS:
        ra, rb = res.get(a), res.get(b)
        if complete(ra) and complete(rb):
            f.rule("violations")
            pa, pb = violated_properties(ra), violated_properties(rb)
            if pa != pb:
                f.differ(a, b, f"violated properties: {pa or 'none'} vs {pb or 'none'}")


def compare_runs(res, configs, f):
    """Runs that gave no result, and counterexamples that did not replay."""
    for c in configs:
        r = res.get(c.name)
        if isinstance(r, Failure):
            if r.kind == "error":
                f.differ(c.name, "-", r.detail)
            else:
                f.notes.append((r.kind, c.name))
        elif is_result(r):
            # with the exact store only a fault can make one (checker/Explorer.h)
            if r.get("store") == "exact" and "does not replay" in r.get("limit", ""):
                f.differ(c.name, "-", "exact store: " + r["limit"].split(" (")[0])
            for cx in r.get("counterexamples", []):
                if not cx.get("replay_reproduces", False):
                    f.differ(c.name, "-", "a counterexample with replay_reproduces false")


def compare_results(res, configs):
    """The Findings of one unit's results (config name -> result or Failure)."""
    f = Findings()
    compare_runs(res, configs, f)
    compare_bytes(res, f)
    compare_counts(SAME_SEARCH, "same search", res, f)
    compare_counts(SAME_STORE, "same store", res, f)
    compare_verdicts(res, configs, f)
    compare_bitstate(res, f)
    compare_fewer(res, f)
    compare_violations(res, f)
    return f


def compare_replay(cx, run):
    """What a replayed run changes of its counterexample, or None."""
    if isinstance(run, Failure):
        return run.detail
    if run.get("outcome") != "violated":
        return f"replay ends {run.get('outcome')}, not violated"
    ids = [p["id"] for p in run["violation"]["properties"]]
    want = [p["id"] for p in cx["violation"]["properties"]]
    if ids != want:
        return f"replay violates {ids}, the counterexample {want}"
    if run["violation"]["message"] != cx["violation"]["message"]:
        return "replay message: " + first_difference(cx["violation"]["message"],
                                                     run["violation"]["message"])
    if run["steps"] != cx["steps"]:
        return "replay steps differ: " + first_difference(cx["steps"], run["steps"], "steps")
    return None


def counterexamples(res):
    """Each distinct counterexample of a unit: replay command -> (first
    config that reported it, counterexample)."""
    found = {}
    for name in CONFIG_NAMES:
        r = res.get(name)
        if is_result(r):
            for cx in r.get("counterexamples", []):
                found.setdefault(cx["replay_command"], (name, cx))
    return found
