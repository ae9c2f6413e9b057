#!/usr/bin/env bash
# A rank killed in the middle of a distributed search makes the run fail
# (mpirun's message, a non-zero exit that is neither 0 nor 1), never
# "holds".
source "$(dirname "$0")/common.sh"
big=scenarios/cpython-tests/test_gc-test_trashcan_threads.life
"$MPIRUN" -np 2 "$LIFECHECK" check --quiet --distributed "$big" >"$work/out" 2>"$work/err" &
launcher=$!
victim=""
for _ in $(seq 100); do  # up to 10 s for rank 1 to start
  for pid in $(pgrep -P "$launcher"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" &&
      victim=$pid
  done
  [ -n "$victim" ] && break
  sleep 0.1
done
[ -n "$victim" ] || fail "rank 1 not found"
sleep 1  # into the search
kill -9 "$victim"
wait "$launcher"
code=$?
echo "exit $code"
cat "$work/err" | head -20
[ "$code" -ne 0 ] && [ "$code" -ne 1 ] || fail "a run with a dead rank exited $code"
grep -q "holds" "$work/out" && fail "a run with a dead rank said 'holds'"
grep -qi "signal 9\|killed" "$work/err" || fail "no message about the dead rank"
finish
