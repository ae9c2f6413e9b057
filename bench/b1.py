#!/usr/bin/env python3
"""Benchmark family B1, side by side with SPIN in one run.

B1 with T threads: each creates two objects of a class with __del__ that
reference each other, takes a weakref with a callback to one of them, drops
both and calls gc.collect(). For T = 1, 2, ... it runs `lifecheck check`
with the exact and the fingerprint store on 1 and 2 jobs, and, where `spin`
and a C compiler are installed, the Promela model of a simplified B1
(../shared/bench/spin, copied to a temporary folder; the project does not
depend on SPIN otherwise). Per run: states, transitions, CPU and wall
seconds, states/s per core, peak RSS, bytes per state (resident and
stored), and the CPU cost per state as a ratio to SPIN's at the same T.

    bench/b1.py [--budget S] [--max-threads N] [--configs exact-1,fp-2,...]
                [--lifecheck PATH] [--spin-dir DIR]
                [--reductions | --instructions | --sleep-sets] [-- CHECK OPTIONS]

--reductions prints, instead, the reductions table: B1 and a few shipped
scenarios searched naively (no visited set), with a visited set, and with
thread symmetry, then with partial-order reduction, states and seconds each.

--sleep-sets prints, instead, B1 at T = 1 ... --max-threads (default 4
here) with thread symmetry alone, with symmetry and sleep sets alone (both
without the persistent sets), with the persistent sets (the default) and
with sleep sets and persistent sets together (exact store, 1 job): states,
transitions and CPU seconds; the CHECK OPTIONS (say `-- --profile 3.13t`)
go to every run.

--instructions prints, instead, the cost per state in machine instructions
counted by valgrind's callgrind (a Debian package), for SPIN's pan and
lifecheck (exact and fingerprint stores, 1 job) at T = 1 ... --max-threads
(default 3 here: callgrind runs some 50 times slower). Instruction counts
do not depend on the machine's load, so the comparison holds on a shared
machine where seconds do not. The marginal cost, (I(T) - I(T-1)) /
(states(T) - states(T-1)), leaves out what a run costs before its first
state (loading, SPIN's hash table) and is the figure to compare.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CONFIGS = {
    "exact-1": ["--store", "exact", "--jobs", "1"],
    "exact-2": ["--store", "exact", "--jobs", "2"],
    "fp-1": ["--store", "fingerprint", "--jobs", "1"],
    "fp-2": ["--store", "fingerprint", "--jobs", "2"],
    "exact-dfs": ["--store", "exact", "--dfs", "--jobs", "1"],
    "exact-dfs-2": ["--store", "exact", "--dfs", "--jobs", "2"],
    "fp-dfs-2": ["--store", "fingerprint", "--dfs", "--jobs", "2"],
    # sleep sets (checker/BfsSleepSets.inc) against the search without them
    # (and without the persistent sets: --no-por), with and without
    # symmetry; then persistent sets alone and with sleep sets
    "nosym-1": ["--store", "exact", "--jobs", "1", "--no-symmetry", "--no-por"],
    "sleep-1": ["--store", "exact", "--jobs", "1", "--no-symmetry", "--sleep-sets", "--no-por"],
    "sym-1": ["--store", "exact", "--jobs", "1", "--no-por"],
    "symsleep-1": ["--store", "exact", "--jobs", "1", "--sleep-sets", "--no-por"],
    "sym-2": ["--store", "exact", "--jobs", "2", "--no-por"],
    "symsleep-2": ["--store", "exact", "--jobs", "2", "--sleep-sets", "--no-por"],
    "por-1": ["--store", "exact", "--jobs", "1"],
    "porsleep-1": ["--store", "exact", "--jobs", "1", "--sleep-sets"],
}


def b1(threads):
    out = ["class Node:", "    def __del__(self):", "        pass", "",
           "def on_gone(wr):", "    pass"]
    for t in range(1, threads + 1):
        out += ["", f"thread T{t}:", "    a = Node()", "    b = Node()", "    a.peer = b",
                "    b.peer = a", "    w = weakref.ref(a, on_gone)", "    del a", "    del b",
                "    gc.collect()"]
    return "\n".join(out) + "\n"


def run_measured(cmd, cwd=None, timeout=None):
    """Runs cmd; returns (exit code, stdout, wall s, CPU s of the child, peak RSS bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        code, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        code, out = -1, e.stdout or ""
        if isinstance(out, bytes):
            out = out.decode()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, out, wall, cpu, after.ru_maxrss * 1024


def lifecheck_run(lifecheck, path, options, seconds_left):
    cmd = [lifecheck, "check", "--json", "--timing", "--quiet", "--max-seconds",
           str(max(1, int(seconds_left)))] + options + [path]
    code, out, wall, cpu, _ = run_measured(cmd)
    j = json.loads(out) if out.strip() else {}
    if "results" in j:  # the report's envelope: one result per scenario
        j = j["results"][0] if j["results"] else {}
    s = j.get("stats", {})
    return {
        "code": code, "states": s.get("states", 0), "transitions": s.get("transitions", 0),
        "wall": wall, "cpu": cpu, "rss": s.get("peak_rss_bytes", 0),
        "store": s.get("store_bytes", 0), "limit": j.get("limit", ""),
    }


class Spin:
    """SPIN on the Promela B1, built per T in a temporary copy of its folder."""

    def __init__(self, spin_dir, work):
        self.ok = bool(shutil.which("spin") and shutil.which("gcc") and
                       os.path.exists(os.path.join(spin_dir, "gc_model.pml")))
        self.dir = os.path.join(work, "spin")
        if self.ok:
            shutil.copytree(spin_dir, self.dir)

    def run(self, threads, seconds_left):
        d = self.dir
        subprocess.run(["spin", f"-DT={threads}", "-DUSE_DSTEP", "-a", "gc_model.pml"], cwd=d,
                       check=True, capture_output=True)
        subprocess.run(["gcc", "-w", "-O2", "-DSAFETY", "-DMEMLIM=16000", "-o", "pan", "pan.c"],
                       cwd=d, check=True, capture_output=True)
        hash_log2 = min(30, max(16, 4 * threads + 6))
        code, out, wall, cpu, _ = run_measured(["./pan", "-m100000", f"-w{hash_log2}"], cwd=d,
                                               timeout=max(1, seconds_left))
        r = {"code": code, "wall": wall, "cpu": cpu, "states": 0, "transitions": 0, "bytes": 0}
        for line in out.splitlines():
            words = line.split()
            if "states, stored" in line:
                r["states"] = int(words[0])
            elif "transitions (= stored+matched)" in line:
                r["transitions"] = int(words[0])
            elif "total actual memory usage" in line:
                r["bytes"] = float(words[0]) * 1e6
        return r


def bench(args):
    lifecheck = args.lifecheck
    configs = args.configs.split(",")
    work = tempfile.mkdtemp()
    spin = Spin(args.spin_dir, work)
    cores = os.cpu_count()
    print(f"B1 on {platform.machine()}, {cores} cores, "
          f"{subprocess.run([lifecheck, '--version'], capture_output=True, text=True).stdout.strip()}"
          f", budget {args.budget} s" + ("" if spin.ok else "; spin not installed: no baseline"))
    head = f"{'T':>2} {'run':<9} {'states':>11} {'transitions':>12} {'cpu s':>8} {'wall s':>8} " \
           f"{'st/s/core':>10} {'peak RSS':>9} {'RSS/st':>7} {'store/st':>8} {'x SPIN':>6}  verdict"
    print(head)
    start = time.monotonic()
    alive = set(configs) | ({"spin"} if spin.ok else set())
    for t in range(1, args.max_threads + 1):
        path = os.path.join(work, f"b1-{t}.life")
        with open(path, "w") as f:
            f.write(b1(t))
        spin_cost = None
        rows = []
        for name in (["spin"] if "spin" in alive else []) + configs:
            if name not in alive:
                continue
            left = args.budget - (time.monotonic() - start)
            if left <= 1:
                print(f"budget used up at T={t}")
                return
            if name == "spin":
                r = spin.run(t, left)
                ok = r["code"] == 0 and r["states"] > 0
                if ok:
                    spin_cost = r["cpu"] / r["states"]
                per = r["states"] / max(r["cpu"], 1e-9)
                rows.append(f"{t:>2} {'spin':<9} {r['states']:>11,} {r['transitions']:>12,} "
                            f"{r['cpu']:>8.2f} {r['wall']:>8.2f} {per:>10,.0f} "
                            f"{r['bytes'] / 1e6:>8.0f}M {r['bytes'] / max(r['states'], 1):>7.0f} "
                            f"{'':>8} {'1.00':>6}  {'done' if ok else 'stopped'}")
                if not ok:
                    alive.discard(name)
                continue
            r = lifecheck_run(lifecheck, path, CONFIGS[name] + args.extra, left)
            states = max(r["states"], 1)
            jobs = 2 if name.endswith("-2") else 1
            per_core = r["states"] / max(r["cpu"], 1e-9)
            ratio = f"{r['cpu'] / states / spin_cost:>6.2f}" if spin_cost else f"{'-':>6}"
            verdict = {0: "holds", 1: "violated", 3: "limit: " + r["limit"]}.get(
                r["code"], f"exit {r['code']}")
            rows.append(f"{t:>2} {name:<9} {r['states']:>11,} {r['transitions']:>12,} "
                        f"{r['cpu']:>8.2f} {r['wall']:>8.2f} {per_core:>10,.0f} "
                        f"{r['rss'] / 1e6:>8.0f}M {r['rss'] / states:>7.0f} "
                        f"{r['store'] / states:>8.1f} {ratio}  {verdict}"
                        + (f" ({jobs} jobs)" if jobs > 1 else ""))
            if r["code"] != 0:
                alive.discard(name)
        print("\n".join(rows), flush=True)
        if not alive:
            break
    shutil.rmtree(work, ignore_errors=True)


def callgrind(cmd, cwd, work):
    """Runs cmd under callgrind; returns (instructions, stdout)."""
    out_file = os.path.join(work, "callgrind.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd,
                       cwd=cwd, capture_output=True, text=True)
    total = 0
    with open(out_file) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    os.remove(out_file)
    return total, p.stdout


def instructions(args):
    if not shutil.which("valgrind"):
        sys.exit("--instructions needs valgrind (Debian: valgrind)")
    work = tempfile.mkdtemp()
    spin = Spin(args.spin_dir, work)
    max_t = args.max_threads if args.max_threads_given else 3
    print(f"B1: instructions per state (callgrind), T = 1..{max_t}"
          + ("" if spin.ok else "; spin not installed: no baseline"))
    print(f"{'T':>2} {'run':<9} {'states':>9} {'transitions':>12} {'instructions':>15} "
          f"{'Ir/state':>9} {'marginal':>9} {'x SPIN':>7}")
    previous = {}
    for t in range(1, max_t + 1):
        path = os.path.join(work, f"b1-{t}.life")
        with open(path, "w") as f:
            f.write(b1(t))
        spin_marginal = None
        runs = []
        if spin.ok:
            d = spin.dir
            subprocess.run(["spin", f"-DT={t}", "-DUSE_DSTEP", "-a", "gc_model.pml"], cwd=d,
                           check=True, capture_output=True)
            subprocess.run(["gcc", "-w", "-O2", "-DSAFETY", "-DMEMLIM=16000", "-o", "pan", "pan.c"],
                           cwd=d, check=True, capture_output=True)
            ir, out = callgrind(["./pan", "-m100000", "-w20"], d, work)
            st = tr = 0
            for line in out.splitlines():
                if "states, stored" in line:
                    st = int(line.split()[0])
                elif "transitions (= stored+matched)" in line:
                    tr = int(line.split()[0])
            runs.append(("spin", st, tr, ir))
        for name in ("exact-1", "fp-1"):
            ir, out = callgrind([args.lifecheck, "check", "--json", "--quiet"] + CONFIGS[name]
                                + args.extra + [path], work, work)
            j = json.loads(out) if out.strip() else {}
            if "results" in j:
                j = j["results"][0] if j["results"] else {}
            s = j.get("stats", {})
            runs.append((name, s.get("states", 0), s.get("transitions", 0), ir))
        for name, st, tr, ir in runs:
            marginal = None
            if name in previous and st > previous[name][0]:
                marginal = (ir - previous[name][1]) / (st - previous[name][0])
            previous[name] = (st, ir)
            if name == "spin":
                spin_marginal = marginal
            ratio = f"{marginal / spin_marginal:>7.2f}" if marginal and spin_marginal else f"{'-':>7}"
            print(f"{t:>2} {name:<9} {st:>9,} {tr:>12,} {ir:>15,} {ir / max(st, 1):>9,.0f} "
                  + (f"{marginal:>9,.0f}" if marginal else f"{'-':>9}") + f" {ratio}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


def reductions(args):
    work = tempfile.mkdtemp()
    files = []
    for t in (2, 3, 4):
        path = os.path.join(work, f"b1-{t}.life")
        with open(path, "w") as f:
            f.write(b1(t))
        files.append((f"B1 T={t}", path))
    for rel in ["scenarios/basics/threads-shared-cycle.life",
                "scenarios/basics/weakref-callbacks-gc.life",
                "scenarios/contract/P7.12-ok.life"]:
        p = os.path.join(ROOT, rel)
        if os.path.exists(p):
            files.append((rel.split("/")[-1][:-5], p))
    steps = [("naive (tree)", ["--no-visited-set", "--no-symmetry", "--no-por", "--dfs"]),
             ("visited set", ["--no-symmetry", "--no-por", "--jobs", "1"]),
             ("+ symmetry", ["--no-por", "--jobs", "1"]),
             ("+ partial order", ["--jobs", "1"]),
             ("sleep sets, no symmetry", ["--no-symmetry", "--sleep-sets", "--no-por",
                                          "--jobs", "1"]),
             ("symmetry + sleep sets", ["--sleep-sets", "--no-por", "--jobs", "1"]),
             ("+ partial order + sleep sets", ["--sleep-sets", "--jobs", "1"])]
    print(f"{'scenario':<32}" + "".join(f"{n:>38}" for n, _ in steps))
    print(f"{'':<32}" + "".join(f"{'states':>16}{'transitions':>12}{'seconds':>10}"
                                for _ in steps))
    for name, path in files:
        cells = []
        for _, opts in steps:
            r = lifecheck_run(args.lifecheck, path, opts + ["--max-states", "2000000"], 60)
            mark = "" if r["code"] in (0, 1) else "+"
            cells.append(f"{r['states']:>15,}{mark:1}{r['transitions']:>12,}{r['wall']:>10.2f}")
        print(f"{name:<32}" + "".join(cells), flush=True)
    print("+: stopped at a limit (2,000,000 states or 60 s)")
    shutil.rmtree(work, ignore_errors=True)


def sleep_table(args):
    work = tempfile.mkdtemp()
    runs = [("symmetry", CONFIGS["sym-1"]), ("symmetry + sleep sets", CONFIGS["symsleep-1"]),
            ("persistent sets", CONFIGS["por-1"]), ("persistent + sleep sets", CONFIGS["porsleep-1"])]
    print(f"{'T':>2} {'run':<24}{'states':>12}{'transitions':>14}{'CPU s':>9}{'wall s':>9}")
    for t in range(1, (args.max_threads or 4) + 1):
        path = os.path.join(work, f"b1-{t}.life")
        with open(path, "w") as f:
            f.write(b1(t))
        for name, opts in runs:
            r = lifecheck_run(args.lifecheck, path, opts + args.extra, args.budget)
            mark = "" if r["code"] in (0, 1) else "+"
            print(f"{t:>2} {name:<24}{r['states']:>11,}{mark:1}{r['transitions']:>14,}"
                  f"{r['cpu']:>9.2f}{r['wall']:>9.2f}", flush=True)
    shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=600)
    ap.add_argument("--max-threads", type=int, default=None)
    ap.add_argument("--configs", default="exact-1,exact-2,fp-1,fp-2")
    ap.add_argument("--lifecheck", default=os.path.join(ROOT, "build", "lifecheck"))
    ap.add_argument("--spin-dir", default=os.path.join(ROOT, "..", "shared", "bench", "spin"))
    ap.add_argument("--reductions", action="store_true")
    ap.add_argument("--instructions", action="store_true")
    ap.add_argument("--sleep-sets", action="store_true")
    ap.add_argument("extra", nargs="*", help="options for every lifecheck check (after --)")
    args = ap.parse_args()
    # the runs happen in temporary folders: relative paths would not resolve
    args.lifecheck = os.path.abspath(args.lifecheck)
    args.spin_dir = os.path.abspath(args.spin_dir)
    for c in args.configs.split(","):
        if c not in CONFIGS:
            sys.exit(f"unknown configuration {c}; known: {', '.join(CONFIGS)}")
    args.max_threads_given = args.max_threads is not None
    if args.max_threads is None:
        args.max_threads = 6
    (instructions if args.instructions else reductions if args.reductions
     else sleep_table if args.sleep_sets else bench)(args)


if __name__ == "__main__":
    main()
