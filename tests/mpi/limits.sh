#!/usr/bin/env bash
# A time or memory limit stops every rank: exit 3, one report with the combined
# partial counts, printed once.
source "$(dirname "$0")/common.sh"
big=scenarios/cpython-tests/test_gc-test_trashcan_threads.life
mpi 2 check --quiet --distributed --max-seconds 0.3 "$big" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 3 ] || fail "time limit: exit $code, not 3"
grep -q "no verdict .*time limit (0.3 s) reached after" "$work/out" || fail "no partial report"
[ "$(grep -c "no verdict" "$work/out")" -eq 1 ] || fail "the report is not printed once"
[ "$(grep -c "^summary:" "$work/err")" -eq 1 ] || fail "the summary is not printed once"
[ "$(grep -c "^distributed: rank" "$work/err")" -eq 2 ] || fail "no figures per rank"
cat "$work/out"
# A memory limit is per rank (each rank's resident memory).
mpi 2 check --quiet --distributed --max-memory 40 "$big" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 3 ] || fail "memory limit: exit $code, not 3"
grep -q "no verdict .*memory limit (40 MiB) reached after" "$work/out" || fail "no partial report"
cat "$work/out"
# A model bound (exit 3) met inside a level: the same report as one
# process, counts included (the transition that met it is not counted).
printf 'k = [1, 2, 3, 4, 5, 6, 7, 8]\nk.append(9)\n' >"$work/bound.life"
for np in 2 3; do
  mpi "$np" check --quiet --distributed --json "$work/bound.life" >"$work/mpi.json" 2>/dev/null
  "$LIFECHECK" check --quiet --jobs 1 --json "$work/bound.life" >"$work/one.json" 2>/dev/null
  same "model bound, $np ranks" "$work/one.json" "$work/mpi.json"
done
finish
