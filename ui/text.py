"""Small display helpers: times in ward time (Europe/London), dates and numbers as nurses read them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def local_hhmm(iso_utc: str | None) -> str:
    """``2026-11-25T14:02:03.000Z`` -> ``14:02`` in Europe/London; '' when unknown."""
    if not iso_utc:
        return ""
    dt = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    return dt.astimezone(LONDON).strftime("%H:%M")


def local_when(iso_utc: str | None, today: date | None = None) -> str:
    """``14:02`` today, else ``Mon 24 Nov 14:02``."""
    if not iso_utc:
        return ""
    dt = datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(LONDON)
    if today is not None and dt.date() == today:
        return dt.strftime("%H:%M")
    return f"{day_label(dt.date())} {dt:%H:%M}"


def day_label(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def long_day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def num(x: float | int) -> str:
    """7.5 -> '7.5', 30.0 -> '30'."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def percent(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}%"


def two_dp(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"
