"""A ward's month of shifts rebuilt from the merged records, in the JSON shape of the station's
``hardtruths-desktop staffing show --json`` (``store.queries.ShiftView.to_json``)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from hardtruths_desktop.domain.staffing import GroupFigures, computed_red_flags, ordered_group_codes
from hardtruths_desktop.domain.valuesets import red_flag_type
from hardtruths_desktop.sync.protocol import GROUP_FIELD
from trust_server.models import EntityRecord, Ward


def _label(code: str) -> str:
    try:
        return red_flag_type(code).label
    except KeyError:
        return code


def _groups(data: dict[str, Any]) -> dict[str, GroupFigures]:
    figures: dict[str, dict[str, Any]] = defaultdict(dict)
    for f, v in data.items():
        m = GROUP_FIELD.fullmatch(f)
        if m and v is not None:
            figures[m.group(1)][m.group(2)] = v
    out = {}
    for code in ordered_group_codes(figures):
        g = figures[code]
        out[code] = GroupFigures(int(g.get("planned", 0)), int(g.get("actual", 0)), float(g.get("planned_hours", 0.0)),
                                 float(g.get("actual_hours", 0.0)), int(g.get("bank_agency", 0)))
    return out


def _groups_json(groups: dict[str, GroupFigures]) -> dict[str, Any]:
    return {
        code: {"planned": g.planned, "actual": g.actual, "planned_hours": g.planned_hours,
               "actual_hours": g.actual_hours, "bank_agency": g.bank_agency}
        for code, g in {"rn": GroupFigures(), "care": GroupFigures(), **groups}.items()
    }


def _computed(groups: dict[str, GroupFigures]) -> list[dict[str, Any]]:
    return [{"id": None, "type": c, "label": _label(c), "computed": True, "raised_at": None, "raised_by": "",
             "detail": "", "escalated_to": "", "escalated_at": None, "response": "", "resolved_at": None}
            for c in computed_red_flags(groups)]


def month_shifts(session: Session, ward: Ward, year: int, month: int) -> list[dict[str, Any]]:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    recs: dict[str, list[EntityRecord]] = defaultdict(list)
    for r in session.exec(select(EntityRecord).where(EntityRecord.ward_id == ward.id, EntityRecord.deleted == False)).all():  # noqa: E712
        recs[r.entity].append(r)
    patterns = sorted((p.data for p in recs["shift_pattern"] if p.data.get("active", True)),
                      key=lambda d: (d.get("sort_order", 0), d.get("start_time", "")))
    retired = {str(p.data.get("code")): p.data for p in recs["shift_pattern"] if not p.data.get("active", True)}
    names = {s.id: str(s.data.get("name", "")) for s in recs["staff"]}
    census = {str(d.data.get("day")): d.data.get("patients_at_midnight") for d in recs["ward_day"]}
    estab = sorted((e.data for e in recs["establishment"]), key=lambda d: str(d.get("effective_from", "")))
    shifts = {(str(s.data.get("shift_date")), str(s.data.get("shift_code"))): s for s in recs["shift"]}
    flags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in sorted(recs["red_flag"], key=lambda r: str(r.data.get("raised_at") or "")):
        flags[str(f.data.get("shift_id"))].append(f.data | {"id": f.id})

    def plan(day: date, code: str) -> dict[str, GroupFigures]:
        out: dict[str, GroupFigures] = {}
        for e in estab:
            if e.get("shift_code") == code and str(e.get("effective_from", "")) <= day.isoformat():
                out[str(e.get("staff_group"))] = GroupFigures(planned=int(e.get("planned_heads", 0)),
                                                              planned_hours=float(e.get("planned_hours", 0.0)))
        return {c: out[c] for c in ordered_group_codes(out)}

    def recorded(row: EntityRecord, day: date, code: str, name: str, period: str, with_computed: bool) -> dict[str, Any]:
        groups = _groups(row.data)
        nic = row.data.get("nurse_in_charge_id")
        views = [{"id": f["id"], "type": f.get("flag_type"), "label": _label(str(f.get("flag_type"))), "computed": False,
                  "raised_at": f.get("raised_at"), "raised_by": names.get(str(f.get("raised_by")), f.get("raised_by", "")),
                  "detail": f.get("detail", ""), "escalated_to": f.get("escalated_to", ""),
                  "escalated_at": f.get("escalated_at"), "response": f.get("response", ""),
                  "resolved_at": f.get("resolved_at")} for f in flags[row.id]]
        staffed = bool(row.data.get("staffing_recorded", False))
        with_computed = with_computed and staffed
        return {"ward": ward.code, "date": day.isoformat(), "shift": code, "shift_name": name, "period": period,
                "recorded": staffed, "nurse_in_charge": names.get(str(nic)) if nic else None,
                "patients_at_midnight": census.get(day.isoformat()), "notes": row.data.get("notes", ""),
                "red_flags": (_computed(groups) if with_computed else []) + views, "groups": _groups_json(groups)}

    out: list[dict[str, Any]] = []
    known = {str(p.get("code")) for p in patterns}
    day = first
    while day <= last:
        for p in patterns:
            code, name = str(p.get("code")), str(p.get("name", p.get("code")))
            period = "night" if p.get("period") == "night" else "day"
            row = shifts.get((day.isoformat(), code))
            if row is not None:
                out.append(recorded(row, day, code, name, period, True))
            else:
                out.append({"ward": ward.code, "date": day.isoformat(), "shift": code, "shift_name": name,
                            "period": period, "recorded": False, "nurse_in_charge": None,
                            "patients_at_midnight": census.get(day.isoformat()), "notes": "", "red_flags": [],
                            "groups": _groups_json(plan(day, code))})
        for (d, code), row in shifts.items():
            if d == day.isoformat() and code not in known:
                old = retired.get(code, {})
                out.append(recorded(row, day, code, str(old.get("name", code)),
                                    "night" if old.get("period") == "night" else "day", True))
        day += timedelta(days=1)
    return out
