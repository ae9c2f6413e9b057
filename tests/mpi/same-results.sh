#!/usr/bin/env bash
# check --distributed on NP ranks gives the bytes of the single-process
# search (verdicts, counts, counterexamples, exit codes) on every shipped
# scenario, as text and as JSON; suite; with the fingerprint store; --all;
# and stopped by a state limit (exit 3, the same partial counts).
source "$(dirname "$0")/common.sh"
np=${1:-2}
mapfile -t files < <(find scenarios -name '*.life' | sort)
[ ${#files[@]} -gt 100 ] || fail "only ${#files[@]} scenarios found"

compare() {  # compare NAME [suite] ARGS...: one process against NP ranks
  local name=$1 verb=check
  shift
  [ "$1" = suite ] && verb=suite && shift
  "$LIFECHECK" "$verb" --quiet --jobs 1 "$@" >"$work/one" 2>/dev/null
  echo "exit $?" >>"$work/one"
  mpi "$np" "$verb" --quiet --distributed "$@" >"$work/many" 2>"$work/many.err"
  echo "exit $?" >>"$work/many"
  same "$name (np $np)" "$work/one" "$work/many" || cat "$work/many.err"
}

compare "every shipped scenario" "${files[@]}"
# JSON (the same search; the text run above has every scenario)
compare "JSON" --json scenarios/basics/*.life scenarios/contract/*.life
compare "suite" suite scenarios/basics scenarios/contract
compare "fingerprint store" --store fingerprint scenarios/basics/*.life scenarios/contract/*.life
compare "--all" --all scenarios/contract/*.life
compare "state limit" --max-states 5000 scenarios/cpython-tests/test_gc-test_trashcan_threads.life
grep -q "^exit 3" "$work/many" || fail "the state limit did not exit 3"
compare "depth limit" --max-depth 7 scenarios/basics/*.life
# The cycle check (termination) with its lasso, counterexample and all.
grep -l "termination" scenarios/contract/*.life >/dev/null || fail "no termination scenario"
compare "termination" scenarios/contract/termination-bug.life
grep -q "termination" "$work/many" || fail "the termination counterexample is missing"
# Only fair loops count (IT10): spins another thread ends hold, a spin
# nothing ends is reported, without the GIL too.
compare "fair loops" scenarios/loops/while-*.life
compare "fair loops, 3.13t" --profile 3.13t scenarios/loops/while-*.life
finish
