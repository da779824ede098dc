"""The month: every shift with its figures, and the month's fill rates and care hours per patient day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from hardtruths_desktop.domain.staffing import MonthlyReturn
from hardtruths_desktop.domain.staffing_return import Completeness, MissingShift
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
    completeness: Completeness = field(default_factory=Completeness)  # what the figures do not cover (named, never zero)

    @classmethod
    def of(cls, r: MonthlyReturn) -> MonthFigures:
        rates = {f"{period}_{group}": r.fill_rate(period, group) for period in ("day", "night") for group in ("rn", "care")}
        return cls(r.chppd_rn(), r.chppd_care(), r.chppd_total(), rates, r.patients_at_midnight_total,
                   r.completeness or Completeness())


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
    """One query by date range (fast with years of history: benchmarks/bench_month.py); what is
    missing is judged as of the store's clock."""
    first, last = month_bounds(year, month)
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        views = tuple(shifts_in_range(s, ward, first, last))
        figures = MonthFigures.of(month_return(s, ward, year, month, store.clock.now(), views))
    return Month(year, month, views, figures)


def census_shift(month: Month, day: date) -> str | None:
    """The shift where the 23:59 count of ``day`` is entered: its night shift (else its last shift)."""
    on_day = [v for v in month.shifts if v.date == day]
    nights = [v for v in on_day if v.period == "night"]
    pick = (nights or on_day)[-1:]
    return pick[0].shift_code if pick else None


__all__ = ["Completeness", "MissingShift", "Month", "MonthFigures", "census_shift", "load_month"]
