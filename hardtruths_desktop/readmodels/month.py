"""The month: every shift with its figures, and the month's fill rates and care hours per patient day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hardtruths_desktop.domain.staffing import MonthlyReturn
from hardtruths_desktop.readmodels.common import ward_by_id
from hardtruths_desktop.store.queries import ShiftView, month_bounds, month_return, shifts_in_range
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class MonthFigures:
    chppd_rn: float | None
    chppd_care: float | None
    chppd_total: float | None
    fill_rates: dict[str, float | None]  # "day_rn", "day_care", "night_rn", "night_care" (None: nothing planned)
    patient_days: int  # the sum of the 23:59 counts

    @classmethod
    def of(cls, r: MonthlyReturn) -> MonthFigures:
        rates = {f"{period}_{group}": r.fill_rate(period, group) for period in ("day", "night") for group in ("rn", "care")}
        return cls(r.chppd_rn(), r.chppd_care(), r.chppd_total(), rates, r.patients_at_midnight_total)


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    shifts: tuple[ShiftView, ...]  # every shift of the pattern, recorded or not, in date order
    figures: MonthFigures

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def recorded(self) -> int:
        return sum(1 for v in self.shifts if v.recorded)

    @property
    def total(self) -> int:
        return len(self.shifts)


def load_month(store: Store, ward_id: str, year: int, month: int) -> Month:
    """One query by date range (fast with years of history: benchmarks/bench_month.py)."""
    first, last = month_bounds(year, month)
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        views = tuple(shifts_in_range(s, ward, first, last))
        figures = MonthFigures.of(month_return(s, ward, year, month))
    return Month(year, month, views, figures)


__all__ = ["Month", "MonthFigures", "load_month"]
