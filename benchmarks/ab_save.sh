#!/bin/bash
# Save a shift, old code against this checkout, alternately in one session (issue 13): each round runs
# bench_save.py once with the older commit's packages and once with this checkout's, so machine load
# falls on both alike; compare the ratios (each against its own floor, measured in the same run).
#   benchmarks/ab_save.sh <old-commit> [rounds] [samples]
set -euo pipefail
old=${1:?usage: benchmarks/ab_save.sh <old-commit> [rounds] [samples]}
rounds=${2:-3}
samples=${3:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
tree="/tmp/hardtruths-ab-$old"
[ -d "$tree" ] || git -C "$here" worktree add --detach "$tree" "$old" >/dev/null
for round in $(seq 1 "$rounds"); do
  echo "== round $round  old ($old)  load $(cut -d' ' -f1 /proc/loadavg)"
  # the old script may not know --samples: it then uses its own default
  (cd "$tree" && PYTHONPATH="$tree" "$py" benchmarks/bench_save.py --runs 1 --samples "$samples" 2>/dev/null \
     || PYTHONPATH="$tree" "$py" benchmarks/bench_save.py --runs 1) | grep '^run'
  echo "== round $round  new  load $(cut -d' ' -f1 /proc/loadavg)"
  (cd "$here" && "$py" benchmarks/bench_save.py --runs 1 --samples "$samples") | grep '^run'
done
