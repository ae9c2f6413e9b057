#!/usr/bin/env bash
# --swarm: a violation found by a member stops all and is reported as a
# counterexample that replays; without one the run is partial (exit 3) and
# says what every member covered; never "holds".
source "$(dirname "$0")/common.sh"
bug=scenarios/contract/P7.17-bug.life
mpi 4 check --quiet --swarm --bitstate-bits 20 "$bug" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 1 ] || fail "swarm on $bug: exit $code, not 1"
grep -q "P7.17" "$work/out" || fail "no P7.17 counterexample"
token=$(grep -o "lc2:[^ ]*" "$work/out" | head -1)
[ -n "$token" ] || fail "no replay token"
"$LIFECHECK" replay "$bug" "$token" >"$work/replay" 2>&1
[ $? -eq 1 ] || fail "the swarm's counterexample does not replay"
[ "$(grep -c "^swarm: member" "$work/err")" -eq 4 ] || fail "no line per member"

ok=scenarios/basics/refcount-del.life
mpi 2 check --quiet --swarm --bitstate-bits 20 "$ok" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 3 ] || fail "swarm on $ok: exit $code, not 3"
grep -q "swarm of 2 bitstate searches found no counterexample" "$work/out" || fail "no coverage"
grep -q "holds" "$work/out" && fail "a swarm claimed 'holds'"
grep "^swarm: member" "$work/err"
finish
