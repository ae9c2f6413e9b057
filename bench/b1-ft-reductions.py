#!/usr/bin/env python3
"""B1 under a GIL profile and its free-threaded twin, per reduction
(issue 11): for T = 1, 2, ... the B1 scenario of bench/b1.py is checked
under each profile with a visited set only, then with thread symmetry,
then with symmetry and partial-order reduction (the default), one worker,
until a run stops at its per-run limit or the whole budget is used.

    bench/b1-ft-reductions.py [--budget S] [--per-run S] [--max-threads N]
                              [--profiles 3.13,3.13t] [--lifecheck PATH]

Prints per T and profile: states and seconds per reduction, '+' where a run
stopped at its limit (so that T is not feasible with that reduction within
it), and the load average before and after. The counts do not depend on
the machine's load; the times do. Not part of the tests."""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from b1 import ROOT, b1, lifecheck_run  # noqa: E402  (bench/b1.py, the lead's)

REDUCTIONS = [("visited set", ["--no-symmetry", "--no-por"]),
              ("+ symmetry", ["--no-por"]),
              ("+ POR", [])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=600)
    ap.add_argument("--per-run", type=float, default=120)
    ap.add_argument("--max-threads", type=int, default=6)
    ap.add_argument("--profiles", default="3.13,3.13t")
    ap.add_argument("--lifecheck", default=os.path.join(ROOT, "build", "lifecheck"))
    args = ap.parse_args()
    profiles = args.profiles.split(",")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} cores, budget {args.budget:g} s, {args.per_run:g} s per run")
    print(f"{'T':>2} {'profile':<8}" + "".join(f"{n:>24}" for n, _ in REDUCTIONS))
    print(f"{'':>2} {'':<8}" + "".join(f"{'states':>14}{'seconds':>10}" for _ in REDUCTIONS))
    start = time.monotonic()
    feasible = {(p, n): True for p in profiles for n, _ in REDUCTIONS}
    with tempfile.TemporaryDirectory() as work:
        for t in range(1, args.max_threads + 1):
            path = os.path.join(work, f"b1-{t}.life")
            with open(path, "w") as f:
                f.write(b1(t))
            for p in profiles:
                cells = []
                for name, opts in REDUCTIONS:
                    left = args.budget - (time.monotonic() - start)
                    if not feasible[(p, name)] or left <= 1:
                        cells.append(f"{'-':>14}{'':>10}")
                        continue
                    r = lifecheck_run(args.lifecheck, path,
                                      ["--profile", p, "--jobs", "1"] + opts,
                                      min(left, args.per_run))
                    done = r["code"] in (0, 1)
                    if not done:
                        feasible[(p, name)] = False
                    cells.append(f"{r['states']:>13,}{'' if done else '+':1}{r['wall']:>10.2f}")
                print(f"{t:>2} {p:<8}" + "".join(cells), flush=True)
            if not any(feasible.values()) or time.monotonic() - start >= args.budget:
                break
    print("+: stopped at the per-run limit or the budget; -: not run (a smaller T stopped, "
          "or the budget was used up)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{time.monotonic() - start:.0f} s in all")


if __name__ == "__main__":
    main()
