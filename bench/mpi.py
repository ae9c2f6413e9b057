#!/usr/bin/env python3
"""The distributed search (check --distributed) on benchmark family B1.

For B1 at T threads (bench/b1.py; default T=3, the largest that finishes in
seconds here: T=4 has 4.75 M states) it runs the single-process search
(--jobs 1) and then `mpirun -np N lifecheck check --distributed` for each N,
and prints per N: wall seconds, states/s in all and per rank, the bytes a
rank's store and its resident memory take per state it owns, and the
messages and bytes sent between ranks per state. It checks that every run
reports the same states and transitions as the single-process one.

    bench/mpi.py [--threads T] [--ranks 1,2,4] [--lifecheck PATH] [--mpirun PATH]

Ranks beyond the machine's cores run oversubscribed (--oversubscribe): on
a 2-core machine N=4 measures the protocol, not a speed-up.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import b1  # noqa: E402  (the scenario generator)

ROOT = os.path.dirname(HERE)
RANK = re.compile(r"distributed: rank (\d+): (\d+) states, (\d+) transitions, (\d+) messages, "
                  r"(\d+) B sent, store ([\d.]+) MiB \(([\d.]+) B/state\), peak RSS "
                  r"([\d.]+) MiB")
SUMMARY = re.compile(r"summary: .*?: (\d+) states, (\d+) transitions, depth (\d+), ([\d.]+) s")


def run(cmd):
    # root in CI; waiting ranks yield their core (a shared, oversubscribed machine)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_mpi_yield_when_idle="1")
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    if p.returncode not in (0, 1):
        sys.exit(f"bench/mpi.py: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    m = SUMMARY.search(p.stderr)
    if not m:
        sys.exit(f"bench/mpi.py: no summary line from {' '.join(cmd)}:\n{p.stderr}")
    ranks = [tuple(float(x) for x in r.groups()) for r in RANK.finditer(p.stderr)]
    return {"states": int(m.group(1)), "transitions": int(m.group(2)),
            "search_s": float(m.group(4)), "wall": wall, "ranks": ranks}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=3)
    ap.add_argument("--ranks", default="1,2,4")
    ap.add_argument("--lifecheck", default=os.path.join(ROOT, "build", "lifecheck"))
    ap.add_argument("--mpirun", default="mpirun")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, f"b1-t{args.threads}.life")
        with open(path, "w") as f:
            f.write(b1.b1(args.threads))
        base = [args.lifecheck, "check", "--quiet", path]
        single = run(base + ["--jobs", "1"])
        print(f"B1 T={args.threads}: {single['states']} states, {single['transitions']} "
              f"transitions; one process, --jobs 1: {single['search_s']:.2f} s, "
              f"{single['states'] / max(single['search_s'], 1e-9):,.0f} states/s")
        print(f"{'N':>2} {'search s':>8} {'wall s':>7} {'states/s':>9} {'per rank':>9} "
              f"{'store B/st':>10} {'RSS B/st':>9} {'msgs/st':>8} {'sent B/st':>9}")
        for n in [int(x) for x in args.ranks.split(",")]:
            cmd = [args.mpirun, "-np", str(n), "--oversubscribe"] + base + ["--distributed"]
            r = run(cmd)
            if (r["states"], r["transitions"]) != (single["states"], single["transitions"]):
                sys.exit(f"bench/mpi.py: N={n} found {r['states']} states, "
                         f"{r['transitions']} transitions: not the single-process counts")
            owned = sum(x[1] for x in r["ranks"])
            store = sum(x[5] for x in r["ranks"]) * 1048576
            rss = sum(x[7] for x in r["ranks"]) * 1048576
            messages = sum(x[3] for x in r["ranks"])
            sent = sum(x[4] for x in r["ranks"])
            rate = r["states"] / max(r["search_s"], 1e-9)
            print(f"{n:>2} {r['search_s']:>8.2f} {r['wall']:>7.2f} {rate:>9,.0f} "
                  f"{rate / n:>9,.0f} {store / owned:>10.0f} {rss / owned:>9.0f} "
                  f"{messages / r['states']:>8.4f} {sent / r['states']:>9.1f}")


if __name__ == "__main__":
    main()
