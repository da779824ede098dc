"""Row builders for the staffing tables. Pure Python (no Qt calls): they run on the store worker so
the GUI thread only swaps finished rows into a ``RowTableModel``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from hardtruths_desktop.domain.staffing import GroupFigures, fill_rate, group_status
from hardtruths_desktop.domain.valuesets import red_flag_type, staff_group
from ui.models.rows import Row
from ui.text import day_label, local_when, num, percent

if TYPE_CHECKING:
    from hardtruths_desktop.store.queries import RedFlagView, ShiftView

GROUP_HEADERS = ("Staff group", "Planned", "Actual", "Planned hours", "Actual hours", "Bank/agency", "Status")
MONTH_HEADERS = (
    "Date", "Shift", "RN planned", "RN actual", "Care planned", "Care actual",
    "RN fill rate", "Care fill rate", "Nurse in charge", "Red flags", "Recorded",
)


def group_label(code: str) -> str:
    try:
        return staff_group(code).label
    except KeyError:
        return code


def status_text(code: str, g: GroupFigures, computed_flags: Sequence[str]) -> tuple[str, str]:
    """A status as icon + words (never colour alone) and its colour key."""
    st = group_status(g)
    short_heads = g.planned - g.actual
    short_hours = g.planned_hours - g.actual_hours
    if st == "not_planned":
        return ("– Not planned", "muted") if g.actual == 0 else (f"+ {g.actual} not in the plan", "muted")
    if st == "below_plan":
        gap = f"{short_heads} short" if short_heads > 0 else f"{num(round(short_hours, 2))} hours short"
        if code == "rn" and computed_flags:
            return f"⚑ Red flag: below plan ({gap})", "bad"
        return f"▲ Below plan ({gap})", "warn"
    if st == "above_plan":
        return f"✓ Above plan (+{g.actual - g.planned})", "ok"
    return "✓ As planned", "ok"


def group_rows(view: ShiftView) -> list[Row]:
    flags = view.computed_flags
    rows: list[Row] = []
    for code, g in view.groups.items():
        if not view.recorded:
            rows.append(Row((group_label(code), str(g.planned), "not recorded", num(g.planned_hours), "–", "–",
                             "… Not recorded yet"), code, {6: "muted"}))
            continue
        text, key = status_text(code, g, flags)
        rows.append(Row(
            (group_label(code), str(g.planned) if g.planned or g.planned_hours else "–", str(g.actual),
             num(g.planned_hours) if g.planned_hours else "–", num(g.actual_hours), str(g.bank_agency), text),
            code, {6: key},
        ))
    return rows


def _sum_return_group(groups: Mapping[str, GroupFigures], wanted: str) -> GroupFigures:
    planned = actual = 0
    ph = ah = 0.0
    for code, g in groups.items():
        try:
            rg = staff_group(code).return_group
        except KeyError:
            continue
        if rg == wanted:
            planned += g.planned
            actual += g.actual
            ph += g.planned_hours
            ah += g.actual_hours
    return GroupFigures(planned, actual, ph, ah)


def _fill_cell(rate: float | None) -> str:
    """A fill rate; below 100% it carries "▲" as well as the amber colour."""
    return ("▲ " if rate is not None and rate < 100 else "") + percent(rate)


def month_rows(views: Sequence[ShiftView]) -> list[Row]:
    rows: list[Row] = []
    for v in views:
        rn = _sum_return_group(v.groups, "rn")
        care = _sum_return_group(v.groups, "care")
        labels = [f.label for f in v.red_flags]
        open_n = sum(1 for f in v.red_flags if f.open)
        status: dict[int, str] = {}
        # issue 12: never colour alone: open or closed is said in words, a fill rate below 100% has a symbol
        flag_cell = (f"⚑ {len(labels)} " + (f"({open_n} open)" if open_n else "(closed)")) if labels else "none"
        if v.recorded:
            rn_fill = fill_rate(rn.actual_hours, rn.planned_hours)
            care_fill = fill_rate(care.actual_hours, care.planned_hours)
            cells = (
                day_label(v.date), v.shift_name, str(rn.planned), str(rn.actual), str(care.planned), str(care.actual),
                _fill_cell(rn_fill), _fill_cell(care_fill), v.nurse_in_charge or "not named", flag_cell,
                "✓ Recorded",
            )
            if labels:
                status[9] = "bad" if open_n else "warn"
            for col, rate in ((6, rn_fill), (7, care_fill)):
                if rate is not None and rate < 100:
                    status[col] = "warn"
        else:  # red flags raised on a shift before its staffing was entered still show, and stand out
            flags = flag_cell if labels else "–"
            cells = (day_label(v.date), v.shift_name, str(rn.planned), "–", str(care.planned), "–", "–", "–",
                     v.nurse_in_charge or "–", flags, "… Not recorded")
            status[10] = "muted"
            if labels:
                status[9] = "bad" if open_n else "warn"
        rows.append(Row(cells, (v.date, v.shift_code), status, "\n".join(labels)))
    return rows


def flag_line(f: RedFlagView, today: date | None = None) -> str:
    """One red flag as a sentence for the Today and Staffing lists."""
    if f.computed and f.id is None:
        ref = f" – reported as incident {f.incident_ref}" if f.incident_ref else ""
        return f"⚑ {f.label} (worked out from the staffing figures) – not escalated yet{ref}"
    head = f"{f.label} (worked out from the staffing figures)" if f.computed else f"{local_when(f.raised_at, today)} {f.label}"
    parts = [f"⚑ {head}"]
    if f.detail and not f.computed:
        parts.append(f"“{f.detail}”")
    if f.raised_by and not f.computed:
        parts.append(f"raised by {f.raised_by}")
    if f.escalated_to:
        parts.append(f"escalated to {f.escalated_to} {local_when(f.escalated_at, today)}")
    elif f.open:
        parts.append("not escalated yet")
    if f.resolved_at:
        parts.append(f"resolved: {f.response}")
    if f.incident_ref:
        parts.append(f"reported as incident {f.incident_ref}")
    return " – ".join(parts)


def flag_type_label(code: str) -> str:
    return red_flag_type(code).label
