#!/usr/bin/env bash
# A rank killed in the middle of a distributed search, or of a distributed
# fuzz run, makes the run fail (mpirun's message, a non-zero exit that is
# neither 0 nor 1), never "holds" nor "no violation".
source "$(dirname "$0")/common.sh"
big=scenarios/cpython-tests/test_gc-test_trashcan_threads.life

# kill_rank_one NAME ARGS...: lifecheck ARGS on 2 ranks, rank 1 killed
# after a second.
kill_rank_one() {
  local name=$1
  shift
  "$MPIRUN" -np 2 "$LIFECHECK" "$@" >"$work/out" 2>"$work/err" &
  local launcher=$! victim=""
  for _ in $(seq 100); do  # up to 10 s for rank 1 to start
    for pid in $(pgrep -P "$launcher"); do
      tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" &&
        victim=$pid
    done
    [ -n "$victim" ] && break
    sleep 0.1
  done
  if [ -z "$victim" ]; then
    fail "$name: rank 1 not found"
    kill "$launcher"
    wait "$launcher"
    return
  fi
  sleep 1  # into the run
  kill -9 "$victim"
  wait "$launcher"
  local code=$?
  echo "$name: exit $code"
  head -20 "$work/err"
  [ "$code" -ne 0 ] && [ "$code" -ne 1 ] || fail "$name: a run with a dead rank exited $code"
  grep -q "holds\|no violation" "$work/out" && fail "$name: a run with a dead rank passed"
  grep -qi "signal 9\|killed" "$work/err" || fail "$name: no message about the dead rank"
}

kill_rank_one "check --distributed" check --quiet --distributed "$big"
kill_rank_one "fuzz --distributed" fuzz --distributed --seed 1 --runs 1000000 --out "$work/fuzz"
finish
