# Shared by the tests/mpi scripts: $LIFECHECK, $MPIRUN and
# $LIFECHECK_SOURCE_DIR come from ctest (tests/mpi/CMakeLists.txt).
set -u
cd "$LIFECHECK_SOURCE_DIR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# mpirun NP ARGS...: lifecheck under mpirun on this machine (loopback),
# oversubscribed when NP exceeds the cores.
mpi() {
  local np=$1
  shift
  "$MPIRUN" -np "$np" --oversubscribe "$LIFECHECK" "$@"
}

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# same NAME FILE_A FILE_B: the two outputs are the same bytes.
same() {
  if cmp -s "$2" "$3"; then
    echo "ok: $1"
  else
    fail "$1 differs:"
    diff "$2" "$3" | head -20
  fi
}

finish() {
  [ "$failures" -eq 0 ] && echo "all passed" && exit 0
  echo "$failures failed"
  exit 1
}
