#!/usr/bin/env bash
# Benchmark family B1: T threads; each creates two objects of a class with
# __del__ that reference each other, a weakref with a callback to one of
# them, drops both, and calls gc.collect(). Runs T = 1, 2, ... while the
# total stays within the budget (default 600 s) and prints, per T: states,
# transitions, seconds, states/s, peak RSS, and bytes per state.
#
#   bench/b1.sh [--budget SECONDS] [--max-threads N] [--lifecheck PATH] [-- extra check options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lifecheck="$here/../build/lifecheck"
budget=600
max_threads=6
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=$2; shift 2 ;;
    --max-threads) max_threads=$2; shift 2 ;;
    --lifecheck) lifecheck=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: bench/b1.sh [--budget S] [--max-threads N] [--lifecheck PATH] [-- options]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scenario() {  # scenario T
  cat <<'HEAD'
class Node:
    def __del__(self):
        pass

def on_gone(wr):
    pass
HEAD
  for t in $(seq 1 "$1"); do
    cat <<BODY

thread T$t:
    a = Node()
    b = Node()
    a.peer = b
    b.peer = a
    w = weakref.ref(a, on_gone)
    del a
    del b
    gc.collect()
BODY
  done
}

echo "B1 on $(uname -m), $(nproc) cores, lifecheck $("$lifecheck" --version 2>/dev/null || echo '?'), budget ${budget}s"
printf '%3s %12s %13s %9s %12s %12s %12s %12s  %s\n' T states transitions seconds states/s peak-RSS RSS/state store/state verdict
start=$(date +%s)
for t in $(seq 1 "$max_threads"); do
  left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -le 0 ]; then echo "budget used up before T=$t"; break; fi
  scenario "$t" > "$work/b1-$t.life"
  set +e
  "$lifecheck" check --json --timing --quiet --max-seconds "$left" "${extra[@]}" "$work/b1-$t.life" \
    > "$work/out-$t.json" 2>/dev/null
  code=$?
  set -e
  python3 - "$work/out-$t.json" "$t" "$code" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["results"][0]; t = sys.argv[2]; code = int(sys.argv[3])
s = j["stats"]; states = max(s["states"], 1)
verdict = {0: "holds", 1: "violated", 3: "limit: " + j.get("limit", "")}.get(code, "exit %d" % code)
print("%3s %12d %13d %9.2f %12.0f %10.1fMB %10.0f B %10.0f B  %s" % (
    t, s["states"], s["transitions"], s["seconds"], s["states_per_second"],
    s["peak_rss_bytes"] / 1e6, s["peak_rss_bytes"] / states, s["store_bytes"] / states, verdict))
PY
  if [ "$code" -ne 0 ]; then break; fi
done
