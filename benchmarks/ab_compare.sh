#!/bin/bash
# "No worse than before": run the cold start, save and month-view benchmarks of an older commit and of
# this checkout alternately, in one run, so machine load falls on both alike.
#   benchmarks/ab_compare.sh <old-commit> [rounds]        (e.g. 366e21b, before issue 7)
# The older code runs from a detached worktree in /tmp with this checkout's virtualenv (PYTHONPATH
# puts the old packages first). Compare the absolute medians of the same round, and the ratios.
set -euo pipefail
old=${1:?usage: benchmarks/ab_compare.sh <old-commit> [rounds]}
rounds=${2:-3}
. "$(dirname "$0")/ab_common.sh" "$old"
export QT_QPA_PLATFORM=offscreen
for round in $(seq 1 "$rounds"); do
  for b in bench_cold_start bench_save bench_month_view; do
    round_header "$round" " old ($old)  $b"
    (cd "$tree" && PYTHONPATH="$tree" "$py" "benchmarks/$b.py" 2>&1 | grep -v propagateSizeHints | tail -4)
    round_header "$round" " new  $b"
    (cd "$here" && "$py" "benchmarks/$b.py" 2>&1 | grep -v propagateSizeHints | tail -5)
  done
done
