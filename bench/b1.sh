#!/usr/bin/env bash
# Benchmark family B1 with the exact and fingerprint stores on 1 and 2 jobs,
# side by side with SPIN where it is installed (bench/b1.py says more).
#   bench/b1.sh [--budget S] [--max-threads N] [--configs exact-1,fp-2,...]
#               [--reductions | --instructions]
exec python3 "$(dirname "$0")/b1.py" "$@"
