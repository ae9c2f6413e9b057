#!/usr/bin/env bash
# Benchmark of the fuzzer: scenarios checked per second under the correct
# runtime, and for each runtime mutation the run at which `lifecheck fuzz`
# finds it (seed 1), the property it reports, the size of the minimal
# scenario and the time taken.
#
#   bench/fuzz.sh [--runs N] [--seed S] [--lifecheck PATH]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lifecheck="$here/../build/lifecheck"
runs=8000
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --lifecheck) lifecheck=$2; shift 2 ;;
    *) echo "usage: bench/fuzz.sh [--runs N] [--seed S] [--lifecheck PATH]" >&2; exit 2 ;;
  esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
echo "fuzz on $(uname -m), $(nproc) cores, $("$lifecheck" --version), seed $seed, up to $runs runs"
start=$(now)
"$lifecheck" fuzz --json --seed "$seed" --runs "$runs" --out "$out" > "$out/correct.json" || true
end=$(now)
python3 - "$out/correct.json" "$start" "$end" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); secs = float(sys.argv[3]) - float(sys.argv[2])
print("correct runtime: %d scenarios checked, %d set aside, found=%s, %.1f s, %.0f scenarios/s"
      % (j["runs"], j["set_aside"], j["found"], secs, (j["runs"] + j["set_aside"]) / secs))
PY
printf '%-32s %8s %-12s %10s %8s\n' "runtime bug" "run" property statements seconds
for bug in $("$lifecheck" list-properties --json |
             python3 -c "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin)['runtime_bugs']))"); do
  start=$(now)
  "$lifecheck" fuzz --json --seed "$seed" --runs "$runs" --runtime-bug "$bug" --out "$out" > "$out/bug.json" || true
  end=$(now)
  python3 - "$out/bug.json" "$bug" "$start" "$end" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); secs = float(sys.argv[4]) - float(sys.argv[3])
if j["found"]:
    print("%-32s %8d %-12s %10d %8.1f" % (sys.argv[2], j["found_at"], j["property"], j["statements"], secs))
else:
    print("%-32s %8s %-12s %10s %8.1f" % (sys.argv[2], "-", "not found", "-", secs))
PY
done
