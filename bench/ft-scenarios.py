#!/usr/bin/env python3
"""State counts and times of the free-threading scenarios under a GIL
profile and its free-threaded twin (default 3.14 and 3.14t): one
`lifecheck check --json --timing` per scenario and profile, on one worker.

    bench/ft-scenarios.py [--lifecheck PATH] [--profiles 3.14,3.14t] [--json]

Prints a table: scenario, then per profile verdict, states, transitions and
seconds, then the totals. Timings depend on the machine's load; the counts
do not. Not part of the tests (issue 11, docs/free-threading.md)."""
import argparse, glob, json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--lifecheck", default=os.path.join(here, "..", "build", "lifecheck"))
ap.add_argument("--profiles", default="3.14,3.14t")
ap.add_argument("--scenarios", default=os.path.join(here, "..", "scenarios", "free-threading"))
ap.add_argument("--json", action="store_true", help="print the rows as JSON")
args = ap.parse_args()
profiles = args.profiles.split(",")

rows = []
for path in sorted(glob.glob(os.path.join(args.scenarios, "*.life"))):
    row = {"scenario": os.path.basename(path)}
    for p in profiles:
        out = subprocess.run([args.lifecheck, "check", path, "--profile", p, "--json", "--timing",
                              "-j1", "--quiet"], capture_output=True, text=True)
        try:
            r = json.loads(out.stdout)["results"][0]
        except (ValueError, KeyError, IndexError):
            sys.exit(f"{path} under {p}: no JSON result (exit {out.returncode}): {out.stderr}")
        st = r["stats"]
        row[p] = {"verdict": r["verdict"], "states": st["states"],
                  "transitions": st["transitions"], "seconds": st.get("seconds", 0.0)}
    rows.append(row)

if args.json:
    print(json.dumps(rows, indent=1))
    sys.exit(0)
head = f"{'scenario':50}" + "".join(f" | {p + ' verdict':>18} {'states':>8} {'trans':>8} {'s':>7}"
                                    for p in profiles)
print(head)
print("-" * len(head))
for row in rows:
    print(f"{row['scenario']:50}" + "".join(
        f" | {row[p]['verdict']:>18} {row[p]['states']:>8} {row[p]['transitions']:>8} "
        f"{row[p]['seconds']:>7.3f}" for p in profiles))
print("-" * len(head))
print(f"{'total':50}" + "".join(
    f" | {'':>18} {sum(r[p]['states'] for r in rows):>8} "
    f"{sum(r[p]['transitions'] for r in rows):>8} {sum(r[p]['seconds'] for r in rows):>7.3f}"
    for p in profiles))
