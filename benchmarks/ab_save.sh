#!/bin/bash
# Save a shift, old code against this checkout, alternately in one session (issue 13): each round runs
# bench_save.py once with the older commit's packages and once with this checkout's, so machine load
# falls on both alike; compare the ratios (each against its own floor, measured in the same run).
#   benchmarks/ab_save.sh <old-commit> [rounds] [samples]
set -euo pipefail
old=${1:?usage: benchmarks/ab_save.sh <old-commit> [rounds] [samples]}
rounds=${2:-3}
samples=${3:-1000}
. "$(dirname "$0")/ab_common.sh" "$old"
for round in $(seq 1 "$rounds"); do
  round_header "$round" " old ($old)"
  # the old script may not know --samples: it then uses its own default
  (cd "$tree" && PYTHONPATH="$tree" "$py" benchmarks/bench_save.py --runs 1 --samples "$samples" 2>/dev/null \
     || PYTHONPATH="$tree" "$py" benchmarks/bench_save.py --runs 1) | grep '^run'
  round_header "$round" " new"
  (cd "$here" && "$py" benchmarks/bench_save.py --runs 1 --samples "$samples") | grep '^run'
done
