"""An xdist worker's garbage collected before it says it has finished (imported by ``tests/conftest.py``).

Why (issue 13, reviewer: some CI runs printed a ``KeyboardInterrupt`` inside a SQLAlchemy weakref callback
after 100%, the run still green): once a worker reports ``workerfinished`` the controller ends its gateway,
and execnet gives the worker's main thread 5 s to finish, then sends the worker SIGINT
(``execnet.gateway_base._terminate_execution``: ``os.kill(os.getpid(), SIGINT)``). After that report the
worker still runs pytest's unraisable-exception checks, two full ``gc.collect()`` passes (``pytest_unconfigure``
and its cleanup), and the interpreter's own at exit: on a heap of the whole suite (thousands of engines,
stores and Qt objects) each took 1.5-2.7 s on a loaded 2-core machine, so the SIGINT landed in the middle of a
collection, in whichever finalizer was running: most often one of SQLAlchemy's weakref callbacks (a pool's
connection records, its event registry), printed as an exception ignored there. Harmless (every result had
been reported), but noise.

Here the worker collects BEFORE it reports (this ``pytest_sessionfinish`` runs inside xdist's, which sends the
report after every other), while the controller still waits for it, and then freezes what is left
(``gc.freeze``): the later passes scan only what is made after, in milliseconds. Garbage collected here runs
its finalizers while pytest's unraisable hook is installed, so anything they raise is still reported."""

from __future__ import annotations

import gc
import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        gc.collect()
        gc.freeze()
