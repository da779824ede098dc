"""Command line for incidents and the duty of candour (issue 10), wired into ``cli.py``:

``incident report``, ``incident list``, ``export incidents`` and ``print candour-letter``.
Same rules as the screens: the read-models and repositories decide who sees what.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.validation import ValidationError, parse_month
from hardtruths_desktop.files import write_atomically

HARM_CHOICES = ("none", "low", "moderate", "severe", "fatal")


def add_parsers(sub: Any, common: argparse.ArgumentParser, parser_class: type[argparse.ArgumentParser]) -> None:
    inc = sub.add_parser("incident", parents=[common], help="report and list patient safety incidents")
    isub = inc.add_subparsers(dest="action", required=True, parser_class=parser_class)
    rep = isub.add_parser("report", parents=[common], help="report an incident or near miss; prints its id")
    rep.add_argument("--ward", required=True)
    rep.add_argument("--as", dest="as_name", required=True, metavar="STAFF", help="the staff member reporting")
    rep.add_argument("--occurred", required=True, metavar='"YYYY-MM-DD HH:MM"', help="when it happened (ward time)")
    rep.add_argument("--category", required=True, metavar="CODE")
    rep.add_argument("--description", required=True, metavar="TEXT", help="what happened")
    rep.add_argument("--harm", choices=HARM_CHOICES, default=None, help="physical harm to the patient (none if not given)")
    rep.add_argument("--near-miss", action="store_true", help="it did not reach the patient")
    rep.add_argument("--nhs-number", metavar="N")
    rep.add_argument("--immediate-action", metavar="TEXT", default="")
    rep.add_argument("--location", metavar="TEXT", default="")
    rep.add_argument("--anonymous", action="store_true", help="do not show my name to the ward")
    lst = isub.add_parser("list", parents=[common], help="the incidents a staff member may see")
    lst.add_argument("--ward", required=True)
    lst.add_argument("--as", dest="as_name", required=True, metavar="STAFF")
    lst.add_argument("--month", help="YYYY-MM (default: all)")
    lst.add_argument("--json", action="store_true")


def add_export_parser(exsub: Any, common: argparse.ArgumentParser) -> None:
    ei = exsub.add_parser("incidents", parents=[common], help="a month's incidents in Learn From Patient Safety Events fields (JSON)")
    ei.add_argument("--month", required=True, help="YYYY-MM (the month the incidents happened)")
    ei.add_argument("--out", required=True, type=Path)
    ei.add_argument("--ward", help="one ward (default: every ward on this station)")


def add_print_parser(prsub: Any, common: argparse.ArgumentParser) -> None:
    cl = prsub.add_parser("candour-letter", parents=[common], help="a draft duty of candour written follow-up (PDF)")
    cl.add_argument("--incident", required=True, help="the incident's id or reference")
    cl.add_argument("--out", required=True, type=Path)


def _parse_occurred(text: str) -> tuple[str, str]:
    parts = text.strip().split()
    if len(parts) != 2:
        raise ValidationError.single("--occurred", f"--occurred '{text[:30]}': write the date and time as \"YYYY-MM-DD HH:MM\"")
    return parts[0], parts[1]


def _staff(store: Any, ward_code: str, name: str) -> tuple[Any, Any]:
    from hardtruths_desktop.store import queries

    with store.read() as s:
        ward = queries.ward_row(s, ward_code)
        person = queries.find_staff(s, ward.id, name)
        return ward, person


def cmd_incident(args: argparse.Namespace, data_dir: Path, open_store: Any) -> int:
    clock = args.clock
    from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
    from hardtruths_desktop.readmodels.incidents import load_incident_list
    from hardtruths_desktop.store import incidents as repo
    from hardtruths_desktop.store.session import Actor

    if args.action == "report":
        day, hhmm = _parse_occurred(args.occurred)
        patients = []
        if args.harm is not None or args.nhs_number or not args.near_miss:
            patients.append(PatientInput(args.harm or "none", "none", False, args.nhs_number or ""))
        report = ReportInput(occurred_on=day, occurred_time=hhmm, location=args.location, description=args.description,
                             category=args.category.strip(), immediate_actions=args.immediate_action,
                             near_miss=args.near_miss, patients=patients, anonymous=args.anonymous)
        store = open_store(data_dir, clock)
        ward, person = _staff(store, args.ward, args.as_name)
        with store.write(Actor(person.id, person.name)) as tx:
            done = repo.report_incident(tx, ward.id, report, clock=clock)
        print(done.id)
        return 0
    store = open_store(data_dir, clock)
    ward, person = _staff(store, args.ward, args.as_name)
    month = None
    if args.month:
        y, m = parse_month(args.month, "--month")
        month = f"{y:04d}-{m:02d}"
    from hardtruths_desktop.readmodels.incidents import load_incident

    listing = load_incident_list(store, ward.id, clock=clock, staff_id=person.id, month=month)
    if args.json:
        out = []
        for r in listing.rows:
            out.append(load_incident(store, r.id, clock=clock, staff_id=person.id).json)
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for r in listing.rows:
            print(f"{r.reference:22} {r.occurred_on} {r.category_label[:34]:34} {r.harm_label:13} {r.status_label:18} {r.candour}")
        if not listing.rows:
            print("No incidents you can see.")
    return 0


# --- export: Learn From Patient Safety Events fields ------------------------------------------------

def lfpse_record(detail: Any, ward: Any, reporter_role: str | None) -> dict[str, Any]:
    """One incident in a structure that follows the national LFPSE record (event, agents,
    patients, reporter role, response) so a trust can map it to its risk system. Patient
    identifiers and reporters' names are never exported."""
    from hardtruths_desktop.domain import incidents as rules

    st = detail.state
    rec = st.record
    return {
        "record_type": "patient_safety_incident",
        "local_reference": st.reference,
        "local_id": st.id,
        "event": {
            "date": rec["occurred_on"], "time": rec.get("occurred_time"), "time_period": rec.get("occurred_period"),
            "organisation_site": ward.site, "service_area": ward.specialty,
            "location": {"ward_code": ward.code, "ward_name": ward.name, "detail": rec.get("location") or ""},
            "outcome_type": "near_miss" if rec.get("near_miss") else "incident",
            "problem_category": {"code": rec["category"], "label": rules.label_of(rules.categories(), rec["category"])},
            "description": rec.get("description") or "",
            "immediate_actions": rec.get("immediate_actions") or "",
            "what_went_well": rec.get("went_well") or "",
            "never_event": ({"code": st.never_event, "label": rules.label_of(rules.never_events().items, st.never_event),
                             "list_version": rules.never_events().version} if st.never_event else None),
        },
        "involved_agents": [{"code": c, "label": rules.label_of(rules.involved_kinds(), c)} for c in rec.get("involved") or []],
        "patients": [{"patient_number": i + 1,
                      "physical_harm": {"code": p.physical_harm, "label": rules.label_of(rules.physical_harms(), p.physical_harm)},
                      "psychological_harm": {"code": p.psychological_harm,
                                             "label": rules.label_of(rules.psychological_harms(), p.psychological_harm)},
                      "prolonged_psychological_harm": p.prolonged_psychological}
                     for i, p in enumerate(st.patients)],
        "reporter": {"role": reporter_role, "anonymous_to_ward": bool(rec.get("anonymous"))},
        "reported_at": st.reported_at,
        "response": {"status": st.status, "psirf_response": st.response, "findings": list(st.findings),
                     "actions": list(st.actions), "outcome": st.outcome or None},
        "duty_of_candour": detail.candour.to_json() if detail.candour else None,
        "amendments": len(st.history),
    }


def cmd_export_incidents(args: argparse.Namespace, data_dir: Path, open_store: Any) -> int:
    clock = args.clock
    from sqlmodel import select

    from hardtruths_desktop.store import incidents as repo
    from hardtruths_desktop.store import queries
    from hardtruths_desktop.store.tables import Ward

    y, m = parse_month(args.month, "--month")
    out: Path = args.out
    if not out.parent.exists():
        raise ValidationError.single("--out", f"The folder {out.parent} does not exist")
    store = open_store(data_dir, clock)
    with store.read() as s:
        wards = [queries.ward_row(s, args.ward)] if args.ward else list(s.exec(select(Ward).order_by(Ward.code)).all())
    records = []
    with repo.reading(store) as db:
        it = repo.viewer_for(db, None)
        for ward in wards:
            for row in reversed(repo.list_incidents(db, it, ward.id, month=f"{y:04d}-{m:02d}")):
                d = repo.get_incident(db, it, row.id)
                role = None
                if d.state.reporter_id:
                    r = db.execute("SELECT role FROM staff WHERE id = ?", (d.state.reporter_id,)).fetchone()
                    role = r[0] if r else None
                records.append(lfpse_record(d, ward, role))
    doc = {
        "format": "hardtruths-incidents-lfpse/1",
        "about": "Patient safety incidents in Learn From Patient Safety Events fields, for mapping to the trust's risk system."
                 " Patient identifiers and reporters' names are not included.",
        "month": f"{y:04d}-{m:02d}",
        "generated_at": clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wards": [w.code for w in wards],
        "records": records,
    }
    write_atomically(out, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    print(f"Wrote {len(records)} incident{'s' if len(records) != 1 else ''} of {y:04d}-{m:02d} to {out}")
    return 0




def cmd_candour_letter(args: argparse.Namespace, data_dir: Path, open_store: Any) -> int:
    clock = args.clock
    from hardtruths_desktop.printing import UnprintableCharacters
    from hardtruths_desktop.printouts import candour_letter

    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise ValidationError.single("--out", f"--out must name a .pdf file, not '{out.name}'")
    if not out.parent.exists():
        raise ValidationError.single("--out", f"The folder {out.parent} does not exist")
    store = open_store(data_dir, clock)
    try:
        pdf = candour_letter(store, args.incident, staff_id=None, clock=clock)
    except UnprintableCharacters as e:
        raise ValidationError.single("text", str(e)) from e
    write_atomically(out, pdf)
    print(f"Wrote the draft duty of candour letter to {out} ({len(pdf) // 1024 + 1} KB)")
    return 0
