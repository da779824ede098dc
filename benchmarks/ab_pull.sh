#!/bin/bash
# Pull (and push) speed of an older commit and of this checkout, alternately in one session, against
# PouchDB 9 -> pouchdb-server 4 (run by this checkout's side): `bench_vs_pouchdb.py --sizes N --runs 1`.
#   benchmarks/ab_pull.sh <old-commit> [rounds] [N]      (e.g. ae25ccd, main before issue 13's pull work)
# The older code runs from a detached worktree in /tmp with this checkout's virtualenv (PYTHONPATH first).
# Compare old and new within a round (machine load falls on both), and each round's ratio to PouchDB.
set -euo pipefail
old=${1:?usage: benchmarks/ab_pull.sh <old-commit> [rounds] [N]}
rounds=${2:-3}
n=${3:-2000}
. "$(dirname "$0")/ab_common.sh" "$old"
for round in $(seq 1 "$rounds"); do
  round_header "$round" " old ($old)"
  (cd "$tree" && PYTHONPATH="$tree" "$py" benchmarks/bench_vs_pouchdb.py --sizes "$n" --runs 1 --no-peer 2>&1 \
    | grep -E "^(push_new_s|push_edit_s|pull_s|down_pull_B)")
  round_header "$round" " new"
  (cd "$here" && "$py" benchmarks/bench_vs_pouchdb.py --sizes "$n" --runs 1 2>&1 \
    | grep -E "^(peer:|push_new_s|push_edit_s|pull_s|down_pull_B)")
done
