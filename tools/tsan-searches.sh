#!/usr/bin/env bash
# The parallel searches under ThreadSanitizer (./run.sh tsan): every shipped
# scenario and B1 with 3 and 4 threads, on two workers, with each back end
# and store that shares state between workers. Any data race TSan reports
# ends the run with its report and exit 66. Slow (TSan runs 5-15x slower):
# not part of CI.
set -euo pipefail
bin=${1:?usage: tools/tsan-searches.sh BUILD_DIR}/lifecheck
root=$(cd "$(dirname "$0")/.." && pwd)
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<PY
import sys
sys.path.insert(0, "$root/bench")
from b1 import b1
for t in (3, 4):
    open(f"{sys.argv[1]}/b1-{t}.life", "w").write(b1(t))
PY
configs=("--bfs" "--dfs" "--store fingerprint" "--store fingerprint --dfs" "--sleep-sets")
for c in "${configs[@]}"; do
  echo "tsan: suite scenarios --jobs 2 $c"
  # shellcheck disable=SC2086
  "$bin" suite "$root/scenarios" --jobs 2 $c >"$work/out" || { tail -50 "$work/out"; exit 1; }
  tail -1 "$work/out"
  for t in 3 4; do
    echo "tsan: B1 T=$t --jobs 2 $c"
    # shellcheck disable=SC2086
    "$bin" check --quiet --jobs 2 $c "$work/b1-$t.life" | tail -2
  done
done
echo "tsan: B1 T=3 --store bitstate --jobs 2"
"$bin" check --quiet --jobs 2 --store bitstate --bitstate-bits 24 "$work/b1-3.life" | tail -2
echo "tsan: no data race reported"
