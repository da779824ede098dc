"""Shared helpers for the benchmark scripts: timing, percentiles and a throwaway demo store."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.clock import FixedClock


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Run ``fn`` ``repeat`` times and return each duration in milliseconds."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} ms, p99 {pct(values, 99):.2f} ms"


def bench_clock() -> FixedClock:
    """The benchmarks' pinned "now" (an ordinary mid-month Tuesday morning): the same data and the
    same month every run, whatever the date (the one clock, ``domain/clock.py``)."""
    return FixedClock.london(2026, 11, 24, 10, 0)


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def record_and_log_sizes(con: Any) -> tuple[int, int]:
    """A trust server database's ``entity_record`` and ``change_log``, each with its indexes and TOAST, in
    bytes (``con``: a psycopg connection); the migration benchmarks' before and after."""
    row = con.execute("SELECT pg_total_relation_size('entity_record'), pg_total_relation_size('change_log')").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
