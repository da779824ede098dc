#!/bin/bash
# Push and size, old code against this checkout, alternately in one session (issue 13, i13-push): each
# round runs bench_vs_pouchdb.py at 2,000 shifts once with the older commit's packages (no peer) and
# once with this checkout's (with the PouchDB peer, right after ours); compare old and new within a
# round and each against PouchDB in the same invocation. The old tree needs benchmarks/peer/node_modules
# only if run with the peer; the new one installs it itself.
#   benchmarks/ab_push.sh <old-commit> [rounds]        (e.g. a06d00b, main before i13-push)
set -euo pipefail
old=${1:?usage: benchmarks/ab_push.sh <old-commit> [rounds]}
rounds=${2:-3}
. "$(dirname "$0")/ab_common.sh" "$old"
for round in $(seq 1 "$rounds"); do
  round_header "$round" " old ($old)"
  (cd "$tree" && PYTHONPATH="$tree" "$py" benchmarks/bench_vs_pouchdb.py --sizes 2000 --runs 1 --no-peer) \
    | grep -E '^(push_|pull_s|server_B)'
  round_header "$round" " new"
  (cd "$here" && "$py" benchmarks/bench_vs_pouchdb.py --sizes 2000 --runs 1) | grep -E '^(push_|pull_s|server_B)'
done
