"""A pytest-xdist worker whose end-of-session garbage collection is slow ends cleanly (``support/worker_exit.py``).

Reviewer, issue 13: some CI runs printed a ``KeyboardInterrupt`` inside a SQLAlchemy weakref callback after 100%.
execnet gives a worker 5 s after its controller ends it, then sends it SIGINT; the suite's worker was still in
pytest's final ``gc.collect()`` passes then. Here a real ``pytest -n 1`` runs one test that leaves 8 s of
finalizers to the collector (objects in cycles, each finalizer 0.1 s): without the plugin their collection
starts after the worker reported it had finished and the SIGINT lands in one of them; with it, the worker
collects before it reports and the run prints no interrupt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

SLOW_GARBAGE = '''
import gc
import time


class Slow:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it

    def __del__(self):
        time.sleep(0.1)


def test_leaves_slow_garbage():
    gc.disable()  # all of it left to the collections at the session's end
    for _ in range(80):
        Slow()
'''


@pytest.mark.slow
def test_a_worker_whose_last_collection_is_slow_is_not_interrupted(tmp_path: Path) -> None:
    (tmp_path / "test_slow_garbage.py").write_text(SLOW_GARBAGE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "1", "-p", "no:cacheprovider", "-p", "support.worker_exit",
                           "--rootdir", str(tmp_path), "-c", os.devnull, "test_slow_garbage.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "1 passed" in out, out
    assert "KeyboardInterrupt" not in out, out
