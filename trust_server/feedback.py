"""A ward's Friends and Family Test month on the trust server, in the JSON shape of the station's
``hardtruths-desktop feedback summary --json`` (``domain.feedback.summary_json``): same keys, same
scoring, the current view of each response chosen as the station chooses it (newest amendment by HLC)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from hardtruths_desktop.domain import feedback as fft
from trust_server import field_versions
from trust_server.models import EntityRecord, Ward


def _hlc(rec: EntityRecord) -> str:
    meta = field_versions.unpack(rec.field_meta)  # packed (server migration 0021) or the older object
    return str((meta.get("amends_id") or {}).get("hlc") or "")


def month_summary(session: Session, ward: Ward, year: int, month: int) -> dict[str, Any]:
    first, last = fft.month_bounds(year, month)
    rows = session.exec(
        select(EntityRecord).where(EntityRecord.entity == "feedback", EntityRecord.ward_id == ward.id)
    ).all()
    responses: dict[str, dict[str, Any]] = {}
    newest: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for r in rows:
        data = dict(r.data or {})
        day = str(data.get("response_date", ""))
        if not first.isoformat() <= day <= last.isoformat():
            continue
        parent = data.get("amends_id")
        if parent is None:
            responses[r.id] = data
        else:
            key = (_hlc(r), r.id)
            if parent not in newest or key > newest[parent][:2]:
                newest[parent] = (*key, data)
    counts: dict[str, int] = {}
    for rid, data in responses.items():
        head = newest[rid][2] if rid in newest else data
        if head.get("status") == fft.WITHDRAWN:
            continue
        code = str(head.get("answer"))
        counts[code] = counts.get(code, 0) + 1
    return fft.summary_json(ward.code, year, month, fft.score(counts))
