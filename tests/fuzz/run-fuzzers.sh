#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz/ for a bounded time (called by
# ./run.sh fuzz). Exits non-zero on the first finding; the input that
# triggered it is kept in BUILD/fuzz-artifacts/.
#
#   tests/fuzz/run-fuzzers.sh BUILD SECONDS [libFuzzer options...]
#
# Corpora: BUILD/fuzz-corpus/TARGET keeps what the fuzzer learned between
# runs; the seeds are rebuilt each time from scenarios/ (every shipped
# scenario) and tests/fuzz/corpus/ (curated tokens, and scenarios nested
# just below and past the limit). MAX_LEN (default
# 65536) bounds the input size; a long run uses 1048576 to reach deep
# nesting.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$1
seconds=$2
shift 2
max_len=${MAX_LEN:-65536}

seed_dir() {  # seed_dir TARGET: fills and prints the seed folder
  local dir=$build/fuzz-seeds/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$1" = token ]; then
    cp tests/fuzz/corpus/token/* "$dir/"
  else
    while IFS= read -r f; do
      cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
    done < <(find scenarios -name '*.life' | sort)
    # curated: nesting just below and past the limit, which mutations of
    # the shipped scenarios rarely reach
    cp tests/fuzz/corpus/scenario/* "$dir/"
  fi
  echo "$dir"
}

status=0
for target in frontend token search; do
  dict=tests/fuzz/scenario.dict
  [ "$target" = token ] && dict=tests/fuzz/token.dict
  corpus=$build/fuzz-corpus/$target
  mkdir -p "$corpus" "$build/fuzz-artifacts"
  seeds=$(seed_dir "$target")
  log=$build/fuzz-$target.log
  echo "fuzz: $target for ${seconds} s (log: $log)"
  if "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -dict="$dict" \
      -max_len="$max_len" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$target-" "$@" "$corpus" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz: $target: ${runs:-?} executions, no finding"
  else
    status=1
    echo "fuzz: $target: FINDING (see $log and $build/fuzz-artifacts/)"
    grep -E "ERROR|SUMMARY|==[0-9]+==|Test unit written" "$log" | head -20 || true
  fi
done
exit $status
