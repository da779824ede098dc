"""The awkward days every date-sensitive test runs on (DEVELOPERS' guide: tests never read today's date).

Use as ``@pytest.mark.parametrize("clock", AWKWARD_CLOCKS, ids=AWKWARD_IDS)`` or the ``awkward_clock``
fixture in ``tests/conftest.py``; each is a ``FixedClock`` pinned at a Europe/London wall-clock time.
"""

from __future__ import annotations

from hardtruths_desktop.domain.clock import FixedClock

#: (id, year, month, day, hour, minute) in Europe/London wall-clock time.
AWKWARD_DAYS: list[tuple[str, int, int, int, int, int]] = [
    ("first-of-month", 2026, 12, 1, 10, 0),
    ("new-years-eve-late", 2026, 12, 31, 23, 59),  # a shift in progress at 23:59, New Year next
    ("new-years-day", 2027, 1, 1, 8, 0),
    ("leap-day", 2028, 2, 29, 15, 0),
    ("clocks-forward-night", 2026, 3, 29, 5, 0),  # the night of 28-29 March 2026 is an hour shorter
    ("clocks-back-night", 2026, 10, 25, 1, 30),  # 25 October 2026: 01:30 happens twice (fold=0: BST)
    ("ordinary-tuesday", 2026, 11, 24, 14, 0),
]

AWKWARD_IDS = [d[0] for d in AWKWARD_DAYS]


def awkward_clocks() -> list[FixedClock]:
    """Fresh clocks (a FixedClock can be moved by a test, so never share instances)."""
    return [FixedClock.london(y, m, d, hh, mm) for _, y, m, d, hh, mm in AWKWARD_DAYS]
