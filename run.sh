#!/usr/bin/env bash
# One entry point for a fresh Debian machine: installs the Debian packages
# lifecheck needs (when missing), configures, builds, then
#   ./run.sh check      checks every shipped scenario against its verdict line
#   ./run.sh test       runs every test (the HTML report's in headless Chromium
#                       too), then builds and runs examples/ against the
#                       installed package
#   ./run.sh sanitize   builds with ASan + UBSan and runs the tests (every
#                       twelfth scenario of the suites repeated per shipped
#                       scenario, fewer property cases, no conformance runs)
#   ./run.sh bench      runs the benchmarks (bench/b1.sh, bench/fuzz.sh,
#                       bench/mpi.py)
#   ./run.sh fuzz [S]   builds the libFuzzer targets with clang (build-fuzz/)
#                       and runs each for S seconds (default 60); fails on
#                       any finding (tests/fuzz/README.md)
#   ./run.sh build      only builds (build/lifecheck)
#   ./run.sh tsan       builds lifecheck with ThreadSanitizer (build-tsan/) and
#                       runs the parallel searches (--jobs 2, every back end
#                       and store) over the shipped scenarios and B1 (slow:
#                       tools/tsan-searches.sh; not in CI)
#   ./run.sh differential [ARGS]
#                       builds, then runs every search back end (orders,
#                       workers, stores, reductions, --distributed on 2 and
#                       3 ranks) on every shipped and review scenario and
#                       on generated ones, against the plain search
#                       (tools/differential.py ARGS; docs/differential.md;
#                       the nightly run, not in CI)
#   ./run.sh conform-ft builds CPython 3.13.15 free-threaded and default from
#                       Debian's source archive into ~/.cache/lifecheck (slow:
#                       tools/build-cpython-ft.sh) and runs `lifecheck conform`
#                       on every shipped scenario against both (not in CI)
set -euo pipefail
cd "$(dirname "$0")"

# graphviz: `dot` lays out the heap in HTML reports (check --html) at run time.
# libclang-dev and python3-dev: `lifecheck extract` (C sources) and the
# extension modules `conform` builds for C types; without them lifecheck
# still builds, without that front end.
PACKAGES=(g++ cmake ninja-build python3 libgtest-dev libgmock-dev librapidcheck-dev
          libboost-graph-dev libcli11-dev nlohmann-json3-dev libfmt-dev libxxhash-dev
          graphviz libclang-dev python3-dev)
# The browser tests of the HTML report (./run.sh test): headless Chromium,
# and node + npm for playwright-core (installed by npm ci into build/).
# Open MPI for check --distributed/--swarm and their tests (tests/mpi/):
# CMake builds them when it finds MPI; the rest of lifecheck does not need it.
MPI_PACKAGES=(libopenmpi-dev openmpi-bin)
TEST_PACKAGES=(chromium "${MPI_PACKAGES[@]}")
# ./run.sh fuzz only: clang and its libFuzzer runtime
FUZZ_PACKAGES=(clang libclang-rt-dev)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "run.sh: installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "run.sh: need root (or sudo) to install: ${missing[*]}" >&2
      exit 2
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

jobs() { nproc 2>/dev/null || echo 2; }

# build DIR [extra cmake args...]
build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$(jobs)"
}

run_tests() {
  local dir=$1
  ctest --test-dir "$dir" --output-on-failure -j "$(jobs)" --timeout 1800 "${@:2}"
}

# run_sharded BIN FILTER [STRIDE]: runs the GoogleTest binary BIN's tests
# that match FILTER in one process per core, by GoogleTest's own sharding,
# where ctest starts a process per test: under the sanitizers a process
# takes about a second to start and end, longer than most tests. With
# STRIDE s, every s-th matching test runs (shards 0, s, 2s... of s * cores).
# A shard's output is shown when it fails.
run_sharded() {
  local bin=$1 filter=$2 stride=${3:-1} cores status=0 k path
  cores=$(jobs)
  path=$(realpath "$bin")
  local pids=() logs=()
  for ((k = 0; k < cores; k++)); do
    logs+=("$bin.shard$k.log")
    (cd "$(dirname "$path")" &&
      GTEST_TOTAL_SHARDS=$((cores * stride)) GTEST_SHARD_INDEX=$((k * stride)) \
        timeout 3600 "$path" --gtest_filter="$filter" --gtest_brief=1) >"${logs[k]}" 2>&1 &
    pids+=($!)
  done
  for ((k = 0; k < cores; k++)); do
    if wait "${pids[k]}"; then
      tail -n 1 "${logs[k]}"
    else
      status=1
      echo "run.sh: $bin shard $k of $cores ($filter) failed:" >&2
      tail -n 200 "${logs[k]}" >&2
    fi
  done
  return $status
}

# The out-of-tree example (examples/): install lifecheck into DIR/install,
# build the example against the installed package, run its tests.
run_example() {
  local dir=$1
  rm -rf "$dir/install" "$dir/examples"
  cmake --install "$dir" --prefix "$dir/install" >/dev/null
  cmake -S examples -B "$dir/examples" -G Ninja -DCMAKE_PREFIX_PATH="$PWD/$dir/install" >/dev/null
  cmake --build "$dir/examples" -j "$(jobs)"
  ctest --test-dir "$dir/examples" --output-on-failure --timeout 1800
}

verb=${1:-}
case "$verb" in
  check)
    install_packages
    build build
    build/lifecheck suite scenarios
    ;;
  test)
    # A node from elsewhere (NodeSource) brings its own npm; Debian's come apart.
    node_packages=()
    command -v node >/dev/null 2>&1 || node_packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || node_packages+=(npm)
    PACKAGES+=("${TEST_PACKAGES[@]}" "${node_packages[@]}")
    install_packages
    build build -DLIFECHECK_BROWSER_TESTS=ON
    run_tests build
    run_example build
    ;;
  sanitize)
    install_packages
    # -O1 -g1: ASan's advice, line tables for its reports, and less
    # compile time than -O2 -g. Each rapidcheck property runs 25 cases here
    # (200 in `test`).
    build build-sanitize -DLIFECHECK_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DLIFECHECK_RC_CASES=25
    export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    export RC_PARAMS="seed=20261121 max_success=25"
    # Every test but these, which `test` runs: the conformance runs against
    # real interpreters (ConformShipped/: their time goes to CPython, and
    # what they run of lifecheck the other suites run already) and the
    # fuzz loop over each broken runtime (the fuzz targets run under the
    # sanitizers in `fuzz`). The suites that repeat one check over every
    # shipped scenario in another mode (canonical forms, sleep and
    # persistent sets, step reuse, the concrete search) run every twelfth
    # scenario; Shipped/Scenarios runs them all.
    repeated='Shipped/Canonical*:Shipped/SleepSets*:Shipped/PersistentShipped*'
    repeated+=':Shipped/ConcreteSearch*:Shipped/StepReuseShipped*'
    run_sharded build-sanitize/tests/lifecheck_tests \
      "-$repeated:ConformShipped/*:Meta.FuzzerFindsEveryBrokenRuntime"
    run_sharded build-sanitize/tests/lifecheck_tests "$repeated" 12
    run_sharded build-sanitize/tests/extract/lifecheck_extract_tests '*'
    # the MPI searches under mpirun (tests/mpi/) but the two longest, which
    # compare every back end over many scenarios
    run_tests build-sanitize -R '^Mpi[.]' -E '^Mpi[.](SameResultsAsOneProcess|FuzzSameOutput[.]np4)'
    ;;
  bench)
    # SPIN and a C compiler for the side-by-side baseline (bench/b1.py)
    PACKAGES+=(spin gcc "${MPI_PACKAGES[@]}")
    install_packages
    build build
    bench/b1.sh "${@:2}"
    bench/b1.sh --reductions
    bench/ft-scenarios.py
    bench/fuzz.sh
    bench/mpi.py
    ;;
  fuzz)
    PACKAGES+=("${FUZZ_PACKAGES[@]}")
    install_packages
    # clang's -Wshadow is stricter than GCC's on model code; warnings are
    # errors in the GCC builds, reported here.
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLIFECHECK_FUZZ=ON -DLIFECHECK_TESTS=OFF -DLIFECHECK_WERROR=OFF >/dev/null
    cmake --build build-fuzz -j "$(jobs)" --target fuzz_frontend fuzz_token fuzz_search
    tests/fuzz/run-fuzzers.sh build-fuzz "${2:-60}" "${@:3}"
    ;;
  build)
    install_packages
    build build
    ;;
  tsan)
    install_packages
    cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIFECHECK_TSAN=ON \
      -DLIFECHECK_TESTS=OFF >/dev/null
    cmake --build build-tsan -j "$(jobs)" --target lifecheck
    tools/tsan-searches.sh build-tsan
    ;;
  differential)
    PACKAGES+=("${MPI_PACKAGES[@]}")
    install_packages
    build build
    python3 tools/differential.py --lifecheck build/lifecheck "${@:2}"
    ;;
  conform-ft)
    install_packages
    build build
    tools/build-cpython-ft.sh
    cache=${LIFECHECK_CACHE:-$HOME/.cache/lifecheck}
    status=0
    build/lifecheck conform scenarios --python "$cache/cpython-3.13.15t/python" "${@:2}" || status=1
    build/lifecheck conform scenarios --python "$cache/cpython-3.13.15/python" "${@:2}" || status=1
    exit $status
    ;;
  *)
    echo "usage: ./run.sh check | test | sanitize | bench | fuzz [SECONDS] | build | tsan |" \
      "differential [ARGS] | conform-ft" >&2
    exit 2
    ;;
esac
