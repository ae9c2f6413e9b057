#!/usr/bin/env bash
# B1 under a free-threaded profile (issue 11): the scenario family of
# bench/b1.sh, checked with --profile 3.14t (or $LIFECHECK_FT_PROFILE).
# Without the GIL every C step is a switch point, the collector's heap
# order is a choice per garbage object and the owner's merges are steps of
# their own, so the states multiply; compare with bench/b1.sh.
#
#   bench/b1-ft.sh [--budget SECONDS] [--max-threads N] [--lifecheck PATH]
set -euo pipefail
exec "$(dirname "$0")/b1.sh" "$@" -- --profile "${LIFECHECK_FT_PROFILE:-3.14t}"
