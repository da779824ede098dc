"""The suite's pinned "now" (DEVELOPERS' guide: tests never read today's date).

Tests that need "today" without caring which day it is use ``suite_clock()``: an ordinary
mid-month Tuesday afternoon, so a month already has history and nothing crosses a boundary.
Date-sensitive behaviour is tested on every day of ``awkward_days.py`` instead.
"""

from __future__ import annotations

from datetime import date

from hardtruths_desktop.domain.clock import FixedClock, iso_utc, today

SUITE_AT = (2026, 11, 24, 14, 0)  # Europe/London wall-clock time


def suite_clock() -> FixedClock:
    """A fresh clock at ``SUITE_AT`` (a FixedClock can be moved by a test: never share one)."""
    return FixedClock.london(*SUITE_AT)


SUITE_TODAY: date = today(suite_clock())

#: the suite's "now" in milliseconds since the epoch (a station's HLC physical time, ``sync_support.Clock``)
SUITE_MS: int = int(suite_clock().now().timestamp() * 1000)

#: the suite's "now" as ``HARDTRUTHS_SERVER_PINNED_CLOCK`` takes it (a trust server in its own process)
SUITE_ISO: str = iso_utc(suite_clock().now())
