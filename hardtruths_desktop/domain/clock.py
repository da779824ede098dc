"""The one clock: every "now" in the core comes from a ``Clock`` passed in.

Production code uses ``SystemClock``; tests pin a ``FixedClock`` on the awkward days (the 1st of a
month, New Year, 29 February, both Europe/London clock changes). Nothing in the core calls
``datetime.now()`` / ``date.today()`` / ``time.time()`` for a business "now": it asks its clock.

Ward time is Europe/London: ``local_now`` and ``today`` give the ward's wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    """Gives the current instant as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The PC's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass
class FixedClock:
    """A clock that stands still until told otherwise (tests, benchmarks, the demo's "as of")."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (UTC or Europe/London)")
        self.at = self.at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta

    @classmethod
    def london(cls, year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> FixedClock:
        """A clock pinned at a Europe/London wall-clock time (resolved as zoneinfo does, fold=0)."""
        return cls(datetime(year, month, day, hour, minute, tzinfo=LONDON))


SYSTEM_CLOCK: Clock = SystemClock()


def utc_now(clock: Clock) -> datetime:
    return clock.now().astimezone(UTC)


def local_now(clock: Clock) -> datetime:
    """The ward's wall clock (Europe/London), aware."""
    return clock.now().astimezone(LONDON)


def ward_now(clock: Clock) -> datetime:
    """The ward's wall clock as a naive datetime, to match shift patterns (which are wall-clock
    times such as 07:00-15:00) with ``domain.staffing.current_shift``."""
    return local_now(clock).replace(tzinfo=None)


def today(clock: Clock) -> date:
    """The ward's calendar date (Europe/London)."""
    return local_now(clock).date()


def iso_utc(dt: datetime) -> str:
    """A time as the wire and the stores write it: UTC, milliseconds, ``Z`` (``2026-03-10T14:05:11.123Z``)."""
    d = dt.astimezone(UTC)
    if d.year < 1000:  # strftime does not pad such a year: keep its exact text
        return d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    # the same text as strftime's, without its parsing of the format (every write stamps one: issue 13)
    return (f"{d.year}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
            f".{d.microsecond // 1000:03d}Z")


def wall_ms(clock: Clock) -> int:
    """Milliseconds since the epoch, for HLC physical time."""
    return int(clock.now().timestamp() * 1000)


def parse_clock(text: str) -> FixedClock:
    """A pinned clock from ``YYYY-MM-DDTHH:MM`` (Europe/London wall time) or an ISO time with an offset.

    For the command line's hidden ``--clock`` option (tests and benchmarks run the CLI as of a
    known moment); raises ``ValueError`` with a plain message.
    """
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not a date and time such as 2026-12-01T10:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=LONDON)
    return FixedClock(at)
