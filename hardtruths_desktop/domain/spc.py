"""Statistical process control: the XmR chart (DOMAIN.md section 8).

Used for the monthly FFT % positive and, by the same function, for any other monthly measure
(e.g. the Safety Thermometer's harm-free care). Pure maths, no I/O.

- centre line: the mean of the points;
- moving range: |x[i] - x[i-1]| between consecutive points that both have a value;
- process limits: mean +/- 2.66 x mean moving range (optionally clipped to a measure's bounds,
  e.g. 0..100 for a percentage);
- signals: a point outside the limits; a run of 7 or more points on one side of the mean (a point
  exactly on the mean breaks the run); a trend of 7 or more points each rising (or each falling)
  from the one before (an equal point breaks the trend).

Months without a value (``None``, e.g. no responses) are gaps: they are not plotted, they break
runs and trends, and no moving range spans them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

SCALING = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 7
#: fewer points than this and the limits are only indicative (the chart says so)
MIN_POINTS_FOR_LIMITS = 12

SignalKind = Literal["outside_limits", "run_above", "run_below", "trend_up", "trend_down"]
SIGNAL_LABELS: dict[str, str] = {
    "outside_limits": "outside the process limits",
    "run_above": "7 or more in a row above the mean",
    "run_below": "7 or more in a row below the mean",
    "trend_up": "7 or more rising in a row",
    "trend_down": "7 or more falling in a row",
}


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    indexes: tuple[int, ...]  # the points (positions in the input) that make the signal

    @property
    def label(self) -> str:
        return SIGNAL_LABELS[self.kind]


@dataclass(frozen=True)
class XmR:
    values: tuple[float | None, ...]
    mean: float | None
    mean_moving_range: float | None
    upper: float | None
    lower: float | None
    signals: tuple[Signal, ...]

    @property
    def points(self) -> int:
        return sum(v is not None for v in self.values)

    @property
    def limits_indicative(self) -> bool:
        return self.points < MIN_POINTS_FOR_LIMITS

    def signalled(self, index: int) -> tuple[SignalKind, ...]:
        return tuple(s.kind for s in self.signals if index in s.indexes)


def xmr(values: Sequence[float | None], lower_bound: float | None = None, upper_bound: float | None = None) -> XmR:
    """The XmR chart of ``values`` (oldest first). With no values there is no centre line; with
    one value there is a mean but no limits."""
    vals = tuple(values)
    present = [v for v in vals if v is not None]
    if not present:
        return XmR(vals, None, None, None, None, ())
    mean = sum(present) / len(present)
    ranges = [abs(b - a) for a, b in pairwise(vals) if a is not None and b is not None]
    if not ranges:
        return XmR(vals, mean, None, None, None, ())
    mr = sum(ranges) / len(ranges)
    upper = mean + SCALING * mr
    lower = mean - SCALING * mr
    if upper_bound is not None:
        upper = min(upper, upper_bound)
    if lower_bound is not None:
        lower = max(lower, lower_bound)
    return XmR(vals, mean, mr, upper, lower, tuple(_signals(vals, mean, upper, lower)))


def _signals(vals: tuple[float | None, ...], mean: float, upper: float, lower: float) -> list[Signal]:
    out: list[Signal] = []
    outside = tuple(i for i, v in enumerate(vals) if v is not None and (v > upper or v < lower))
    if outside:
        out.append(Signal("outside_limits", outside))
    # runs on one side of the mean
    run: list[int] = []
    side = 0
    for i, v in enumerate([*vals, None]):
        s = 0 if v is None else (1 if v > mean else -1 if v < mean else 0)
        if s != 0 and s == side:
            run.append(i)
            continue
        if len(run) >= RUN_LENGTH:
            out.append(Signal("run_above" if side > 0 else "run_below", tuple(run)))
        run, side = ([i], s) if s != 0 else ([], 0)
    # trends: each point higher (lower) than the one before; the first point of the trend counts
    trend: list[int] = []
    direction = 0
    prev: float | None = None
    for i, v in enumerate([*vals, None]):
        d = 0 if v is None or prev is None else (1 if v > prev else -1 if v < prev else 0)
        if d != 0 and d == direction:
            trend.append(i)
        else:
            if len(trend) >= TREND_LENGTH:
                out.append(Signal("trend_up" if direction > 0 else "trend_down", tuple(trend)))
            trend = [i - 1, i] if d != 0 else ([i] if v is not None else [])
            direction = d
        prev = v
    return out
