"""Incidents on the trust server, for the patient safety team (``admin incidents``).

Rebuilt from the stored immutable records with the same fold as the stations
(``domain.incidents.fold``), so the server and every station agree on each incident's current
view. Unlike a ward station, this view includes who reported anonymously (the restricted record)
and the patients' identifiers: the admin command line is the patient safety team's.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from hardtruths_desktop.domain.candour import summary_json
from hardtruths_desktop.domain.incidents import Amendment, fold
from trust_server.models import EntityRecord, Ward


def month_incidents(session: Session, ward: Ward, year: int, month: int) -> list[dict[str, Any]]:
    prefix = f"{year:04d}-{month:02d}"
    rows = session.exec(select(EntityRecord).where(
        col(EntityRecord.ward_id) == ward.id,
        col(EntityRecord.entity).in_(("incident", "incident_amendment", "incident_reporter")))).all()
    incidents = {r.id: r.data for r in rows if r.entity == "incident" and str(r.data.get("occurred_on", "")).startswith(prefix)}
    amendments: dict[str, list[Amendment]] = {i: [] for i in incidents}
    reporters: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = r.data
        iid = str(d.get("incident_id", ""))
        if r.entity == "incident_amendment" and iid in amendments:
            amendments[iid].append(Amendment(r.id, iid, d.get("amends_id"), str(d["kind"]), d.get("data") or {},
                                             str(d.get("reason", "")), d.get("by_id"), str(d.get("by_name", "")), str(d["at"])))
        elif r.entity == "incident_reporter":
            reporters[iid] = d
    out = []
    for iid, rec in incidents.items():
        st = fold(iid, ward.id, str(rec.get("reference", "")), rec, str(rec["reported_at"]), rec.get("reporter_id"), amendments[iid])
        item = summary_json(st)
        restricted = reporters.get(iid)
        item["anonymous"] = bool(rec.get("anonymous"))
        item["reporter_id"] = rec.get("reporter_id") or (restricted or {}).get("reporter_id")
        item["reporter_name"] = (restricted or {}).get("reporter_name")
        item["patients"] = [p.to_json() for p in st.patients]
        item["history"] = [{"id": a.id, "kind": a.kind, "by": a.by_name, "at": a.at, "reason": a.reason, "data": dict(a.data)}
                           for a in st.history]
        out.append(item)
    out.sort(key=lambda x: (x["occurred"], x["id"]))
    return out
