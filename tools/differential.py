#!/usr/bin/env python3
"""Differential run of every search back end against the plain search.

Each scenario (the shipped ones, and --generated N more) is checked with
`lifecheck check --json` under every configuration of CONFIGS: breadth-first
and depth-first, one and two workers, the exact, fingerprint and bitstate
stores, without symmetry, without partial-order reduction, with sleep sets,
without a visited set, --distributed on 2 and 3 MPI ranks, and --all. The
results are compared by the rules of docs/differential.md; every
counterexample is replayed. A table of mismatches goes to stdout; exit 1 on
any mismatch, 0 on none, 2 on bad options.

    tools/differential.py [--scenarios PATH]... [--generated N] [--seed S]
        [--configs a,b,...] [--lifecheck PATH] [--jobs N] [--budget SECONDS]
        [--extra-profiles 3.13t,3.14t] [--timing] [--self-test]

A scenario is checked under its own profile and under each `verdict under`
profile (as `lifecheck suite` does), and under each --extra-profiles
profile that loads it. The report is the same bytes for the same options
unless --budget stops the run or --timing is given.
"""
import argparse
import concurrent.futures
import copy
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from differential_rules import (CONFIG_NAMES, CONFIGS, Failure, compare_replay, compare_results,
                                counterexamples)
from differential_scenarios import FT_BUGS, GIL_BUGS, random_scenario

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The shipped scenarios, and those on which reviews found a reduction or the
# canonical form wrong.
DEFAULT_SCENARIOS = ["scenarios", "tests/canonical-reviews", "tests/reduction-reviews"]
FREE_THREADED = {"3.13t": "P313t", "3.14t": "P314t"}
PROFILE_ALIASES = {"3.11": "P311", "3.12": "P312", "3.13": "P313L", "3.14": "P314g",
                   **FREE_THREADED}


@dataclass
class Unit:
    """One scenario under one profile (None: the file's own)."""
    path: str
    profile: str = None
    origin: str = "shipped"

    def label(self):
        return self.path + (f" [--profile {self.profile}]" if self.profile else "")


@dataclass
class Mismatch:
    unit: str
    a: str
    b: str
    what: str


@dataclass
class Outcome:
    """What the comparisons of one unit found."""
    mismatches: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # (kind, text)
    runs: int = 0
    replays: int = 0
    compared: dict = field(default_factory=dict)  # rule -> pairs compared


# --------------------------------------------------------------------------
# Scenarios


def normal_profile(name):
    return PROFILE_ALIASES.get(name, name) if name else name


def suite_profiles(text):
    """The profiles `lifecheck suite` checks a file under: None for a plain
    verdict line (or no verdict line), each `verdict under` profile."""
    profiles, plain = [], False
    for line in text.splitlines():
        m = re.match(r"verdict\s+under\s+(\S+)\s", line + " ")
        if m:
            profiles.append(m.group(1))
        elif re.match(r"verdict\s", line + " "):
            plain = True
    return ([None] if plain or not profiles else []) + profiles


def own_profile(text):
    m = re.search(r"^profile\s+(\S+)", text, re.M)
    return normal_profile(m.group(1)) if m else "P314g"


def scenario_files(paths):
    """Every *.life under paths (files or folders), sorted, relative to ROOT."""
    found = []
    for p in paths:
        full = os.path.join(ROOT, p)
        if os.path.isdir(full):
            for d, _, names in os.walk(full):
                found += [os.path.join(d, n) for n in names if n.endswith(".life")]
        else:
            found.append(full)
    return sorted({os.path.relpath(f, ROOT) for f in found})


def units_of(path, extra_profiles, origin):
    """The units of one file: its suite profiles, then each extra profile
    that is not one of them."""
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    base = own_profile(text)
    units, seen = [], set()
    for p in suite_profiles(text) + list(extra_profiles):
        key = normal_profile(p) or base
        if key in seen:
            continue
        seen.add(key)
        extra = p in extra_profiles and p not in suite_profiles(text)
        units.append(Unit(path, p, origin + ("+profile" if extra else "")))
    return units


def fuzz_scenario(lifecheck, seed, bug, folder):
    """A scenario `lifecheck fuzz` found and shrank with a runtime
    mutation (its header comments dropped), or None."""
    out = os.path.join(folder, "fuzz-out")
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([lifecheck, "fuzz", "--seed", str(seed), "--runs", "300",
                        "--runtime-bug", bug, "--out", out, "--json"],
                       capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 1:
        return None
    path = json.loads(p.stdout)["file"]
    with open(path) as f:
        text = "".join(line for line in f if not line.startswith("#"))
    shutil.rmtree(out, ignore_errors=True)
    return text


def generate(count, seed, lifecheck, folder):
    """Writes `count` generated scenarios into folder; every fourth is one
    `lifecheck fuzz` shrank, written twice: with its mutation and without.
    Returns their paths, relative to ROOT where they lie inside it."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    bugs = GIL_BUGS + FT_BUGS
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")
        texts = {}
        if i % 4 == 3:
            bug = bugs[rng.randrange(len(bugs))]
            text = fuzz_scenario(lifecheck, seed * 1000 + i, bug, folder)
            if text:
                texts[f"g{i:04d}-fuzz-{bug}.life"] = text
                plain = re.sub(r"^(runtime-bug|verdict) .*\n", "", text, flags=re.M)
                texts[f"g{i:04d}-fuzz-{bug}-plain.life"] = plain
        if not texts:
            lock_rng = random.Random(f"{seed}:{i}:locks")
            texts[f"g{i:04d}.life"] = random_scenario(
                rng, list(FREE_THREADED), lock_rng if lock_rng.random() < 1 / 3 else None)
        for name, text in texts.items():
            path = os.path.join(folder, name)
            with open(path, "w") as f:
                f.write(text)
            paths.append(os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path)
    return paths


# --------------------------------------------------------------------------
# Running lifecheck


@dataclass
class Runner:
    lifecheck: str
    mpirun: str
    max_states: int
    tree_states: int
    timeout: float

    def command(self, config, files, profile):
        argv = [self.lifecheck, "check", "--json", "--quiet", "--max-memory", "4000",
                "--max-states", str(self.tree_states if config.tree else self.max_states)]
        argv += list(config.args) + (["--profile", profile] if profile else []) + list(files)
        if config.ranks:
            argv = [self.mpirun, "-np", str(config.ranks), "--oversubscribe"] + argv
        return argv

    def run(self, argv):
        """(exit code, stdout, stderr); exit code None on a timeout."""
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                   OMPI_MCA_mpi_yield_when_idle="1")
        try:
            p = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env,
                               timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return None, "", ""
        return p.returncode, p.stdout, p.stderr

    def check(self, config, files, profile):
        """Results per file: the JSON result, or a Failure. A run that is
        bad input as a whole is run again file by file."""
        code, out, err = self.run(self.command(config, files, profile))
        if code is None:
            return {f: Failure("timeout", f"{config.name}: no result in {self.timeout:g} s")
                    for f in files}
        try:
            results = json.loads(out)["results"] if code in (0, 1, 3) else None
        except (ValueError, KeyError, TypeError):
            results = None
        if results is not None and len(results) == len(files):
            return dict(zip(files, results))
        if len(files) > 1:  # find the file it was
            results = {}
            for f in files:
                results.update(self.check(config, [f], profile))
            return results
        if code == 2:
            return {files[0]: Failure("bad-input", first_line(err))}
        detail = f"{config.name}: {exit_text(code)}, " + (last_line(err) or "no JSON report")
        return {files[0]: Failure("error", detail)}

    def replay(self, command):
        """The replayed run of a counterexample's replay command, or a
        Failure."""
        argv = shlex.split(command)
        argv[0] = self.lifecheck
        code, out, err = self.run(argv + ["--json", "--max-memory", "4000"])
        if code != 1:
            return Failure("error", f"replay: {exit_text(code)}, " + last_line(err or out))
        try:
            return json.loads(out)["results"][0]["run"]
        except (ValueError, KeyError, IndexError, TypeError):
            return Failure("error", "replay gave no JSON run")


def first_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


def last_line(text):
    """The last line of stderr that is not a summary or MPI's banner."""
    lines = [line for line in text.splitlines()
             if line.strip() and not line.startswith(("summary:", "distributed:", "---"))]
    return lines[-1][:200] if lines else ""


def exit_text(code):
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"



# --------------------------------------------------------------------------
# The run


def batches(units, size):
    """Units grouped by profile, in order, at most `size` files a batch."""
    by_profile = {}
    for u in units:
        by_profile.setdefault(u.profile or "", []).append(u)
    out = []
    for profile in sorted(by_profile):
        group = by_profile[profile]
        out += [group[i:i + size] for i in range(0, len(group), size)]
    out.sort(key=lambda b: units.index(b[0]))
    return out


def run_batch(batch, configs, runner, pool):
    """Checks one batch under every config and compares; returns one
    Outcome per unit."""
    files = [u.path for u in batch]
    profile = batch[0].profile
    futures = {c.name: pool.submit(runner.check, c, files, profile) for c in configs}
    by_config = {name: f.result() for name, f in futures.items()}
    outcomes = []
    for u in batch:
        res = {name: by_config[name][u.path] for name in by_config}
        o = Outcome(runs=len(configs))
        ref = res.get(configs[0].name)
        if isinstance(ref, Failure) and ref.kind == "bad-input":
            if "+profile" not in u.origin:
                o.mismatches.append(Mismatch(u.label(), configs[0].name, "-",
                                             "bad input: " + ref.detail))
            else:
                o.notes.append(("not loadable under an extra profile (skipped)", ""))
            outcomes.append(o)
            continue
        f = compare_results(res, configs)
        o.mismatches += [Mismatch(u.label(), a, b, w) for a, b, w in f.mismatches]
        o.notes += f.notes
        o.compared = f.compared
        replays = counterexamples(res)
        runs = {cmd: pool.submit(runner.replay, cmd) for cmd in replays}
        for cmd, (name, cx) in replays.items():
            d = compare_replay(cx, runs[cmd].result())
            if d:
                o.mismatches.append(Mismatch(u.label(), name, "replay", d))
        o.replays = len(replays)
        outcomes.append(o)
    return outcomes


def report(units_done, units_all, outcomes, configs, args, stopped, seconds):
    """The report text."""
    mismatches = sorted((m for o in outcomes for m in o.mismatches),
                        key=lambda m: (m.unit, m.a, m.b, m.what))
    notes = {}
    for o in outcomes:
        for kind, detail in o.notes:
            notes.setdefault(kind, {}).setdefault(detail, 0)
            notes[kind][detail] += 1
    lines = [f"differential: configs {','.join(c.name for c in configs)}; seed {args.seed}, "
             f"{args.generated} generated; --max-states {args.max_states}, "
             f"no visited set {args.tree_states}"]
    if mismatches:
        lines += ["", "| scenario | config A | config B | what differs |", "|---|---|---|---|"]
        lines += [f"| {m.unit} | {m.a} | {m.b} | {m.what.replace('|', '/')} |"
                  for m in mismatches]
    if notes:
        lines += ["", "notes (not mismatches):"]
        for kind in sorted(notes):
            per = notes[kind]
            detail = ", ".join(f"{d} {n}" if d else str(n) for d, n in sorted(per.items()))
            lines.append(f"  {kind}: {detail}")
    compared = {}
    for o in outcomes:
        for rule, n in o.compared.items():
            compared[rule] = compared.get(rule, 0) + n
    lines += ["", "pairs compared: " + ", ".join(f"{rule} {n}" for rule, n in
                                                 sorted(compared.items()))]
    runs = sum(o.runs for o in outcomes)
    replays = sum(o.replays for o in outcomes)
    lines.append("")
    if stopped:
        lines.append(f"budget of {args.budget:g} s reached: stopped after {units_done} of "
                     f"{units_all} scenario-profile units")
    summary = f"summary: {units_done} of {units_all} units, {runs} checks, {replays} replays: "
    summary += f"{len(mismatches)} mismatches"
    if args.timing:
        summary += f" ({seconds:.1f} s)"
    lines.append(summary)
    return "\n".join(lines) + "\n", len(mismatches)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenarios", action="append",
                   help="scenario file or folder (repeatable; default: " +
                   ", ".join(DEFAULT_SCENARIOS) + ")")
    p.add_argument("--generated", type=int, default=100, help="generated scenarios to add")
    p.add_argument("--generated-only", action="store_true",
                   help="no scenarios from files, only the generated ones")
    p.add_argument("--seed", type=int, default=1, help="seed of the generated scenarios")
    p.add_argument("--configs", default=",".join(CONFIG_NAMES),
                   help="configurations to run, comma-separated (first: the reference)")
    p.add_argument("--lifecheck", default=os.path.join(ROOT, "build", "lifecheck"))
    p.add_argument("--mpirun", default=shutil.which("mpirun") or "",
                   help="mpirun for the --distributed configs (none: they are left out)")
    p.add_argument("--jobs", type=int, default=1, help="checks run at once")
    p.add_argument("--budget", type=float, default=0, help="seconds; 0: no limit")
    p.add_argument("--extra-profiles", default="3.13t,3.14t",
                   help="profiles each scenario is also checked under, where it loads")
    p.add_argument("--max-states", type=int, default=100000, help="state limit of a check")
    p.add_argument("--tree-states", type=int, default=20000,
                   help="state limit of the search without a visited set")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per lifecheck run")
    p.add_argument("--batch", type=int, default=32, help="scenarios per lifecheck run")
    p.add_argument("--work-dir", default=os.path.join(ROOT, "build-differential"),
                   help="where generated scenarios are written")
    p.add_argument("--report", help="also write the report to this file")
    p.add_argument("--timing", action="store_true", help="the elapsed time in the summary")
    p.add_argument("--self-test", action="store_true",
                   help="test this tool: the comparisons on made-up results, then two runs")
    args = p.parse_args(argv)
    names = [n for n in args.configs.split(",") if n]
    unknown = [n for n in names if n not in CONFIG_NAMES]
    if unknown:
        p.error(f"unknown configs {unknown}; known: {','.join(CONFIG_NAMES)}")
    if args.jobs < 1 or args.generated < 0 or args.batch < 1:
        p.error("--jobs and --batch must be at least 1, --generated at least 0")
    args.scenarios = [] if args.generated_only else args.scenarios or DEFAULT_SCENARIOS
    missing = [x for x in args.scenarios if not os.path.exists(os.path.join(ROOT, x))]
    if missing:
        p.error(f"no such scenario file or folder: {', '.join(missing)}")
    args.extra_profiles = [x for x in args.extra_profiles.split(",") if x]
    return args


def main(argv):
    args = parse_args(argv)
    # checks and replays run in work folders: a relative path would not resolve
    args.lifecheck = os.path.abspath(args.lifecheck)
    if args.self_test:
        return self_test(args.lifecheck)
    start = time.monotonic()
    if not os.access(args.lifecheck, os.X_OK):
        print(f"differential: no lifecheck at {args.lifecheck}", file=sys.stderr)
        return 2
    chosen = [n for n in args.configs.split(",") if n]
    configs = [c for n in chosen for c in CONFIGS if c.name == n]
    left_out = [c.name for c in configs if c.ranks and not args.mpirun]
    configs = [c for c in configs if c.name not in left_out]
    if left_out:
        print(f"differential: no mpirun, left out {','.join(left_out)}", file=sys.stderr)
    files = scenario_files(args.scenarios)
    generated = generate(args.generated, args.seed, args.lifecheck,
                         os.path.join(args.work_dir, f"seed-{args.seed}"))
    units = [u for f in files for u in units_of(f, args.extra_profiles, "shipped")]
    units += [u for f in generated for u in units_of(f, [], "generated")]
    runner = Runner(args.lifecheck, args.mpirun, args.max_states, args.tree_states, args.timeout)
    outcomes, done, stopped = [], 0, False
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        todo = batches(units, args.batch)
        for k, batch in enumerate(todo):
            if args.budget and time.monotonic() - start > args.budget:
                stopped = True
                break
            outcomes += run_batch(batch, configs, runner, pool)
            done += len(batch)
            found = sum(len(o.mismatches) for o in outcomes)
            print(f"differential: batch {k + 1} of {len(todo)}: {done} of {len(units)} units, "
                  f"{found} mismatches, {time.monotonic() - start:.0f} s", file=sys.stderr)
    text, count = report(done, len(units), outcomes, configs, args, stopped,
                         time.monotonic() - start)
    sys.stdout.write(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text)
    return 1 if count else 0


# --------------------------------------------------------------------------
# Self-test: the comparisons must find made-up faults, and a run through a
# lifecheck that miscounts on two workers must fail.


def made_up_result(verdict="holds", states=10, transitions=12, props=()):
    r = {"file": "x.life", "profile": "P314g", "verdict": verdict, "exhaustive": True,
         "search": "bfs", "store": "exact",
         "stats": {"states": states, "transitions": transitions, "max_depth": 5},
         "counterexamples": []}
    if props:
        r["counterexamples"] = [{
            "replay": "lc2:1:0x1:2", "replay_command": "lifecheck replay x.life lc2:1:0x1:2",
            "replay_reproduces": True, "steps": [{"step": 1}], "outcome": "violated",
            "violation": {"message": "m", "properties": [{"id": p} for p in props]}}]
    return r


def self_test_comparisons():
    """Each made-up fault gives a mismatch naming the right configs."""
    base = {c.name: made_up_result() for c in CONFIGS}
    for name in ("dfs-j1", "dfs-j2"):
        base[name]["search"] = "dfs"
    assert compare_results(base, CONFIGS).mismatches == [], \
        compare_results(base, CONFIGS).mismatches

    def faults(change):
        res = copy.deepcopy(base)
        change(res)
        return {(a, b) for a, b, _ in compare_results(res, CONFIGS).mismatches}

    cases = [
        (lambda r: r["bfs-j2"]["stats"].update(states=11), ("bfs-j1", "bfs-j2")),
        (lambda r: r["mpi3"]["stats"].update(transitions=13), ("bfs-j1", "mpi3")),
        (lambda r: r["dfs-j1"]["stats"].update(states=9), ("bfs-j1", "dfs-j1")),
        (lambda r: r["fp-j1"]["stats"].update(states=9), ("bfs-j1", "fp-j1")),
        (lambda r: r.update({"nopor-j2": made_up_result("violated", props=["P7.1"])}),
         ("plain", "nopor-j2")),
        (lambda r: r.update({"bitstate": made_up_result("violated", props=["P7.1"])}),
         ("bitstate", "plain")),
        (lambda r: r["sleep-j1"]["stats"].update(transitions=13), ("sleep-j1", "bfs-j1")),
        (lambda r: r["sleep-nopor"]["stats"].update(states=9), ("sleep-nopor", "nopor-j1")),
        (lambda r: r.update({"mpi2": Failure("error", "mpi2: exit 139")}), ("mpi2", "-")),
        (lambda r: r["nosym-j1"].update(verdict="limit", limit="a counterexample that does "
                                        "not replay on concrete states (a fault)"),
         ("nosym-j1", "-")),
    ]
    for change, pair in cases:
        found = faults(change)
        assert pair in found, f"expected a mismatch {pair}, got {found}"
    both = copy.deepcopy(base)
    both["all-j1"] = made_up_result("violated", props=["P7.1"])
    both["all-j2"] = copy.deepcopy(both["all-j1"])
    both["all-plain"] = made_up_result("violated", props=["P7.1", "P7.5"])
    found = {(a, b) for a, b, _ in compare_results(both, CONFIGS).mismatches}
    assert ("all-j1", "all-plain") in found, found
    # a fingerprint store whose report allows a merge is held to its verdict only
    res = copy.deepcopy(base)
    res["fp-j1"]["stats"].update(states=9, omission_bound=0.01)
    res["fp-j2"] = copy.deepcopy(res["fp-j1"])
    assert compare_results(res, CONFIGS).mismatches == []
    cx = made_up_result("violated", props=["P7.1"])["counterexamples"][0]
    assert compare_replay(cx, {"outcome": "violated", "violation": cx["violation"],
                               "steps": cx["steps"]}) is None
    assert compare_replay(cx, {"outcome": "completed"}) is not None
    assert compare_replay(cx, Failure("error", "replay exits 0")) is not None


WRAPPER = """#!{python}
# lifecheck, but every check on two workers counts one state more
import json, subprocess, sys
argv = sys.argv[1:]
p = subprocess.run([{real!r}] + argv, capture_output=True, text=True)
out = p.stdout
if argv[:1] == ["check"] and "--json" in argv and "--jobs" in argv \\
        and argv[argv.index("--jobs") + 1] == "2" and p.returncode in (0, 1, 3):
    report = json.loads(out)
    for r in report["results"]:
        r["stats"]["states"] += 1
    out = json.dumps(report)
sys.stdout.write(out)
sys.stderr.write(p.stderr)
sys.exit(p.returncode)
"""


def self_test(lifecheck):
    self_test_comparisons()
    print("self-test: the comparisons find every made-up fault")
    if not os.access(lifecheck, os.X_OK):
        print(f"self-test: no lifecheck at {lifecheck}", file=sys.stderr)
        return 1
    lifecheck = os.path.abspath(lifecheck)
    scenarios = ["scenarios/basics/cycle2-del.life", "scenarios/contract/P7.5-bug.life"]
    configs = "bfs-j1,bfs-j2,dfs-j1,dfs-j2,plain,sleep-j1,all-j1,all-plain"
    with tempfile.TemporaryDirectory() as work:
        common = ["--configs", configs, "--extra-profiles", "3.14t", "--budget", "60",
                  "--work-dir", work, "--mpirun", ""]
        for s in scenarios:
            common += ["--scenarios", s]
        good = main(common + ["--lifecheck", lifecheck, "--generated", "1"])
        wrapper = os.path.join(work, "miscounting-lifecheck")
        with open(wrapper, "w") as f:
            f.write(WRAPPER.format(python=sys.executable, real=lifecheck))
        os.chmod(wrapper, 0o755)
        bad = main(common + ["--lifecheck", wrapper, "--generated", "0"])
    if good != 0 or bad != 1:
        print(f"self-test FAILED: exit {good} on lifecheck (want 0), {bad} on a lifecheck "
              "that miscounts on two workers (want 1)")
        return 1
    print("self-test: passed (exit 0 on lifecheck, 1 on a lifecheck that miscounts)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
