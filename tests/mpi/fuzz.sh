#!/usr/bin/env bash
# fuzz --distributed on NP ranks prints the bytes of the single-process
# fuzz (the same runs, the same first violation, shrunk the same way) and
# writes the same minimal scenario file: with no violation, with one, with
# one found after a scenario set aside, as JSON, and stopped early because
# too many scenarios are set aside (exit 3).
source "$(dirname "$0")/common.sh"
np=${1:-2}

compare() {  # compare NAME ARGS...: one process against NP ranks
  local name=$1
  shift
  rm -rf "$work/one-out" "$work/many-out"
  "$LIFECHECK" fuzz "$@" --out "$work/out" >"$work/one" 2>/dev/null
  echo "exit $?" >>"$work/one"
  [ -d "$work/out" ] && mv "$work/out" "$work/one-out"
  mpi "$np" fuzz --distributed "$@" --out "$work/out" >"$work/many" 2>"$work/many.err"
  echo "exit $?" >>"$work/many"
  [ -d "$work/out" ] && mv "$work/out" "$work/many-out"
  same "$name (np $np)" "$work/one" "$work/many" || cat "$work/many.err"
  if [ -d "$work/one-out" ]; then
    for f in "$work"/one-out/*; do
      same "$name: $(basename "$f") (np $np)" "$f" "$work/many-out/$(basename "$f")"
    done
  fi
  grep -q "^distributed fuzz: rank $((np - 1)):" "$work/many.err" || fail "$name: no figures per rank"
}

compare "no violation" --seed 3 --runs 30
grep -q "^exit 0" "$work/many" || fail "no violation: not exit 0"
compare "after a scenario set aside" --json --seed 4 --runs 30 --max-states 300 \
  --runtime-bug no-finalized-mark
grep -q '"set_aside": 1' "$work/many" || fail "no scenario set aside before the violation"
grep -q "^exit 1" "$work/many" || fail "a violation: not exit 1"
[ "$(ls "$work/many-out" | wc -l)" -eq 1 ] || fail "a violation: not one file written"
# np 4 runs the two above only (each mpirun adds about a second to CI).
[ "$np" -gt 2 ] && finish
compare "a violation" --seed 3 --runs 100 --runtime-bug no-finalized-mark
compare "too many set aside" --seed 5 --runs 3 --max-states 1
grep -q "^exit 3" "$work/many" || fail "too many set aside: not exit 3"
finish
