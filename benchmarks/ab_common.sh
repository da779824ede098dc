# Sourced by the ab_*.sh scripts (old code against this checkout, alternately in one session):
#   . "$(dirname "$0")/ab_common.sh" <old-commit>
# sets `here` (this checkout), `py` (its virtualenv's Python, used for both sides) and `tree` (the older
# commit's code, a detached worktree in /tmp, made once; run it with PYTHONPATH="$tree" so its packages
# come first), and `round_header <round> <side...>` prints a round's line with the load average.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py="$here/.venv/bin/python"
tree="/tmp/hardtruths-ab-$1"
[ -d "$tree" ] || git -C "$here" worktree add --detach "$tree" "$1" >/dev/null
round_header() { echo "== round $*  load $(cut -d' ' -f1 /proc/loadavg)"; }
