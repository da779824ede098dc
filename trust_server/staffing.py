"""A ward's month of shifts rebuilt from the merged records: the station's own read-model
(``domain.shift_rows.shift_lines``) on the server's records, typed as ``sync.protocol.ShiftSummary``
(the JSON of the station's ``hardtruths-desktop staffing show --json``)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from hardtruths_desktop.domain import staffing_return
from hardtruths_desktop.domain.shift_rows import FlagIn, PatternIn, PlanIn, ShiftIn, ShiftLine, shift_json, shift_lines
from hardtruths_desktop.domain.staffing import GroupFigures
from hardtruths_desktop.sync.protocol import GROUP_FIELD, ShiftSummary, StaffingReturn
from trust_server.models import EntityRecord, Ward


def _groups(data: dict[str, Any]) -> dict[str, GroupFigures]:
    figures: dict[str, dict[str, Any]] = defaultdict(dict)
    for f, v in data.items():
        m = GROUP_FIELD.fullmatch(f)
        if m and isinstance(v, (int, float)) and not isinstance(v, bool):
            figures[m.group(1)][m.group(2)] = v
    return {code: GroupFigures(int(g.get("planned", 0)), int(g.get("actual", 0)), float(g.get("planned_hours", 0.0)),
                               float(g.get("actual_hours", 0.0)), int(g.get("bank_agency", 0))) for code, g in figures.items()}


def _time(value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return time(0)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def month_shifts(session: Session, ward: Ward, year: int, month: int) -> list[ShiftSummary]:
    lines, _census = _month_lines(session, ward, year, month)
    return [ShiftSummary.model_validate(shift_json(ward.code, line)) for line in lines]


def month_return(session: Session, ward: Ward, year: int, month: int, now: datetime) -> StaffingReturn:
    """The ward's monthly staffing return as of ``now`` (aware): the station's own functions
    (``domain.staffing_return``) on the server's merged records, so the two returns agree."""
    return _return(ward, year, month, now, *_month_lines(session, ward, year, month))


def trust_month_returns(session: Session, year: int, month: int, now: datetime) -> list[StaffingReturn]:
    """Every ward's return for the month in one call (the trust's national return), by ward code:
    the records of all the wards read together (three queries, not three a ward), each ward's row
    built exactly as ``month_return`` builds it."""
    wards = sorted(session.exec(select(Ward)).all(), key=lambda w: w.code)
    first, last = _month_bounds(year, month)
    recs = _month_records(session, [w.id for w in wards], first, last)
    return [_return(w, year, month, now, *_lines(w, first, last, recs.get(w.id, {}))) for w in wards]


def _return(ward: Ward, year: int, month: int, now: datetime, lines: list[ShiftLine], census: dict[date, int | None]) -> StaffingReturn:
    first, last = _month_bounds(year, month)
    r = staffing_return.month_return(lines, census, first, last, now)
    label = f"{year:04d}-{month:02d}"
    row = staffing_return.return_row(ward.site, ward.code, ward.name, ward.specialty, label, r)
    return StaffingReturn(ward=ward.code, month=label, complete=r.completeness.complete, summary=r.completeness.summary(),
                          columns=staffing_return.return_header(), row=row)


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


_UNDATED = ("shift_pattern", "staff", "establishment")  # a ward's set-up: small, read whole


def dated_records_query(ward_id: str | list[str], lo: date, hi: date) -> Any:
    """The shifts and 23:59 counts of a ward (or of several) dated ``lo``..``hi``: one range scan
    of the index ``ix_entity_record_ward_day`` a ward (server migration 0006; on the generated column
    ``day`` since 0019; tests/server/test_month_query.py checks PostgreSQL's plan uses it)."""
    day = col(EntityRecord.day)  # models.RECORD_DAY_SQL, kept by the database
    ward = col(EntityRecord.ward_id) == ward_id if isinstance(ward_id, str) else col(EntityRecord.ward_id).in_(ward_id)
    return select(EntityRecord).where(ward, col(EntityRecord.deleted).is_(False),
                                      col(EntityRecord.entity).in_(("shift", "ward_day")),
                                      day >= lo.isoformat(), day <= hi.isoformat())


def _month_records(session: Session, ward_ids: list[str], first: date, last: date) -> dict[str, dict[str, list[EntityRecord]]]:
    """The records a month needs of each ward (by ward id, then entity), not its whole history:
    its set-up, the shifts and 23:59 counts dated in the month (an index range scan), and the red
    flags of those shifts. Before, every call read every record the ward ever had (issue 13: 1,501
    rows decoded for 90 shifts)."""
    live = (col(EntityRecord.ward_id).in_(ward_ids), col(EntityRecord.deleted).is_(False))
    recs: dict[str, dict[str, list[EntityRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in session.exec(select(EntityRecord).where(*live, col(EntityRecord.entity).in_(_UNDATED))).all():
        recs[r.ward_id or ""][r.entity].append(r)
    shift_ids: list[str] = []
    for r in session.exec(dated_records_query(ward_ids[0] if len(ward_ids) == 1 else ward_ids,
                                              first - timedelta(days=1), last + timedelta(days=1))).all():
        recs[r.ward_id or ""][r.entity].append(r)
        if r.entity == "shift":
            shift_ids.append(r.id)
    for i in range(0, len(shift_ids), 500):
        chunk = shift_ids[i:i + 500]
        for r in session.exec(select(EntityRecord).where(
                *live, col(EntityRecord.entity) == "red_flag", EntityRecord.data["shift_id"].as_string().in_(chunk))).all():
            recs[r.ward_id or ""]["red_flag"].append(r)
    return recs


def _month_lines(session: Session, ward: Ward, year: int, month: int) -> tuple[list[ShiftLine], dict[date, int | None]]:
    first, last = _month_bounds(year, month)
    return _lines(ward, first, last, _month_records(session, [ward.id], first, last).get(ward.id, {}))


def _lines(ward: Ward, first: date, last: date, found: dict[str, list[EntityRecord]]) -> tuple[list[ShiftLine], dict[date, int | None]]:
    recs: dict[str, list[EntityRecord]] = defaultdict(list, found)
    patterns = [PatternIn(_text(d.get("code")), _text(d.get("name")) or _text(d.get("code")), _time(d.get("start_time")),
                          _time(d.get("end_time")), "night" if d.get("period") == "night" else "day", d.get("active", True) is not False)
                for d in sorted((p.data for p in recs["shift_pattern"]),
                                key=lambda d: (d.get("sort_order", 0) if isinstance(d.get("sort_order"), int) else 0,
                                               _text(d.get("start_time"))))]
    names = {s.id: _text(s.data.get("name")) for s in recs["staff"]}
    census = {day: d.data.get("patients_at_midnight") for d in recs["ward_day"] if (day := _date(d.data.get("day")))}
    plan = [PlanIn(_text(e.data.get("shift_code")), _text(e.data.get("staff_group")), eff, int(e.data.get("planned_heads", 0)),
                   float(e.data.get("planned_hours", 0.0)))
            for e in recs["establishment"] if (eff := _date(e.data.get("effective_from")))]
    flags: dict[str, list[FlagIn]] = defaultdict(list)
    for f in recs["red_flag"]:
        d = f.data
        flags[_text(d.get("shift_id"))].append(FlagIn(f.id, _text(d.get("flag_type")), d.get("raised_at"), _text(d.get("raised_by")),
                                                      _text(d.get("detail")), _text(d.get("escalated_to")), d.get("escalated_at"),
                                                      _text(d.get("response")), d.get("resolved_at")))
    shifts = [ShiftIn(s.id, day, _text(s.data.get("shift_code")), _groups(s.data), s.data.get("nurse_in_charge_id"),
                      _text(s.data.get("notes")), bool(s.data.get("staffing_recorded", False)), flags[s.id],
                      needs_review=s.needs_review)
              for s in recs["shift"] if (day := _date(s.data.get("shift_date")))]
    census_typed = {k: v if isinstance(v, int) and not isinstance(v, bool) else None for k, v in census.items()}
    return shift_lines(ward.id, first, last, patterns, shifts, plan, names, census_typed), census_typed
