"""A demo trust so anyone can try every screen: 3 wards, their staff and 90 days of history.

Deterministic (seeded) so screenshots and tests are repeatable; the history runs up to and
including the shift in progress now. Some shifts run short and some carry red flags, as real
wards do. Written through the same repositories as everything else (outbox + audit).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from hardtruths_desktop.demo_feedback import add_demo_feedback
from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.clock import ward_now
from hardtruths_desktop.domain.ids import ward_id
from hardtruths_desktop.domain.staffing import current_shift
from hardtruths_desktop.store import auth, reference, shifts
from hardtruths_desktop.store.queries import pattern_times, patterns
from hardtruths_desktop.store.session import Actor, Store, WriteTx
from hardtruths_desktop.store.tables import Ward

DEMO_PIN = "2580"
HISTORY_DAYS = 90


@dataclass(frozen=True)
class DemoWard:
    code: str
    name: str
    site: str
    specialty: str
    beds: int
    pattern: tuple[tuple[str, str, str, str, str], ...]  # code, name, start, end, period
    plan: dict[str, dict[str, tuple[int, float]]]  # shift -> group -> (heads, hours)
    staff: tuple[tuple[str, str, str, bool], ...]  # name, role, title, manager


THREE_SHIFTS = (("early", "Early", "07:00", "15:00", "day"), ("late", "Late", "14:30", "22:00", "day"),
                ("night", "Night", "21:30", "07:30", "night"))
LONG_DAY = (("long_day", "Long day", "07:30", "20:00", "day"), ("night", "Night", "19:30", "08:00", "night"))

WARDS = (
    DemoWard(
        "W7", "Ward 7 - Elderly Care", "North Site", "Geriatric medicine", 28, THREE_SHIFTS,
        {"early": {"rn": (5, 37.5), "care": (3, 22.5)}, "late": {"rn": (4, 30.0), "care": (3, 22.5)},
         "night": {"rn": (3, 30.0), "care": (2, 20.0)}},
        (("Mary O'Neill", "rn", "Ward sister", True), ("Aisha Rahman", "rn", "Staff nurse", False),
         ("Tomasz Kowalczyk", "rn", "Staff nurse", False), ("Chloé Martin", "rn", "Staff nurse", False),
         ("Oluwaseun Adeyemi", "rn", "Staff nurse", False), ("Priya Sharma", "rn", "Staff nurse", False),
         ("Γιώργος Παπαδόπουλος", "rn", "Staff nurse", False), ("James Okafor", "rn", "Matron", False),
         ("Grace Mensah", "rna", "Nursing associate", False), ("Dylan Evans", "care", "Healthcare assistant", False),
         ("Siobhan Murphy", "care", "Healthcare assistant", False), ("Ahmed Hassan", "care", "Healthcare assistant", False),
         ("Ellie Turner", "student", "Student nurse", False)),
    ),
    DemoWard(
        "AMU", "Acute Medical Unit", "North Site", "Acute medicine", 32, LONG_DAY,
        {"long_day": {"rn": (6, 72.0), "care": (4, 48.0)}, "night": {"rn": (5, 60.0), "care": (3, 36.0)}},
        (("Fatima Begum", "rn", "Ward manager", True), ("Daniel Kim", "rn", "Staff nurse", False),
         ("Olena Shevchenko", "rn", "Staff nurse", False), ("Rahul Gupta", "rn", "Staff nurse", False),
         ("Sarah Thompson", "rn", "Staff nurse", False), ("Li Wei", "rn", "Staff nurse", False),
         ("Kwame Boateng", "rn", "Charge nurse", False), ("Hannah Lewis", "care", "Healthcare assistant", False),
         ("Marek Nowak", "care", "Healthcare assistant", False), ("Jasmine Patel", "care", "Healthcare assistant", False),
         ("Ruth Campbell", "rn", "Matron", False)),
    ),
    DemoWard(
        "W12", "Ward 12 - Surgical", "South Site", "General surgery", 24, THREE_SHIFTS,
        {"early": {"rn": (4, 30.0), "care": (2, 15.0)}, "late": {"rn": (4, 30.0), "care": (2, 15.0)},
         "night": {"rn": (3, 30.0), "care": (1, 10.0)}},
        (("Helen Walsh", "rn", "Ward sister", True), ("Mohammed Ali", "rn", "Staff nurse", False),
         ("Anna Kowalski", "rn", "Staff nurse", False), ("Joseph Mwangi", "rn", "Staff nurse", False),
         ("Emily Clarke", "rn", "Staff nurse", False), ("Harpreet Kaur", "rn", "Staff nurse", False),
         ("Ben Carter", "care", "Healthcare assistant", False), ("Zainab Yusuf", "care", "Healthcare assistant", False),
         ("Peter Hughes", "rn", "Matron", False)),
    ),
)


def create_demo(store: Store, days: int = HISTORY_DAYS, seed: int = 7) -> list[tuple[str, str, str]]:
    """Fill an empty store with the demo trust. Returns (ward, name, PIN) sign-in lines.

    The history is relative to the store's clock: ``days`` days back up to and including the shift
    in progress at its now (pin a ``FixedClock`` for a demo as of a known moment)."""
    rng = random.Random(seed)
    local = ward_now(store.clock)
    actor = Actor.command_line()
    sign_ins: list[tuple[str, str, str]] = []
    with store.write(actor) as tx:
        trust = reference.upsert_trust(tx, "NHT", "Northgate Hospitals NHS Trust (demo)")
        for dw in WARDS:
            ward = reference.upsert_ward(tx, trust.id, dw.code, dw.name, dw.site, dw.specialty, dw.beds)
            for order, (code, name, start, end, period) in enumerate(dw.pattern):
                reference.set_shift_pattern(tx, ward, reference.PatternInput(
                    code, name, time.fromisoformat(start), time.fromisoformat(end), period, order))
            first_day = local.date() - timedelta(days=days + 30)
            for code, groups in dw.plan.items():
                for group, (heads, hours) in groups.items():
                    reference.set_establishment(tx, ward, code, group, first_day, heads, hours)
            for name, role, title, manager in dw.staff:
                s = reference.add_staff(tx, ward, name, role, title, manager)
                auth.set_pin(tx, s.id, DEMO_PIN)
                sign_ins.append((dw.code, name, DEMO_PIN))
        # One transaction for the whole demo: a full disk or a crash leaves no half demo behind, so
        # `demo` can simply be run again.
        for dw in WARDS:
            found = tx.session.get(Ward, ward_id(dw.code))
            assert found is not None
            _history(tx, found, dw, local, days, rng)
            _print_centre(tx, found, dw, local, rng)
            add_demo_feedback(tx, found, local.date(), random.Random(f"fft-{dw.code}-{seed}"))  # issue 9; own random: staffing stays as it was
    return sign_ins


DEMO_CONTACTS = {
    "pals_phone": "0300 555 0142",
    "pals_email": "pals@northgate-demo.nhs.uk",
    "pals_location": "Main entrance, ground floor, North Site",
    "pals_hours": "Monday to Friday, 9am to 5pm",
    "complaints_phone": "0300 555 0143",
    "complaints_email": "complaints@northgate-demo.nhs.uk",
    "complaints_address": "Complaints Team, Northgate Hospitals NHS Trust, North Site, Northgate NG1 1AA",
    "complaints_web_page": "https://www.northgate-demo.nhs.uk/complaints",
    "advocacy_provider": "Northgate Independent Advocacy (demo)",
    "advocacy_phone": "0300 555 0144",
    "healthwatch_name": "Healthwatch Northgate (demo)",
    "healthwatch_phone": "0300 555 0145",
    "healthwatch_web": "www.healthwatch-northgate-demo.org.uk",
}
DEMO_UNIFORMS = [
    {"colour_name": "Navy blue", "colour_hex": "#1D2B57", "role": "Ward manager / sister"},
    {"colour_name": "Royal blue", "colour_hex": "#005EB8", "role": "Registered nurse"},
    {"colour_name": "Teal", "colour_hex": "#00A499", "role": "Nursing associate"},
    {"colour_name": "Green", "colour_hex": "#007F3B", "role": "Healthcare assistant"},
    {"colour_name": "Grey", "colour_hex": "#768692", "role": "Student"},
]
PATIENTS = ("Margaret", "Mr Patel", "Bill", "Dorothy", "Zoë", "Grandad Joe", "Mrs Nowak", "Sami", "Eileen", "Tom",
            "Αλεξάνδρα", "Olena", "Mr Osei", "Rose", "Jaswinder", "Wei", "Fatima", "Peggy", "Ken", "Aoife")
CONSULTANTS = ("Dr S. Patel", "Dr L. Chen", "Mr A. Bello", "Dr R. Evans")


def _print_centre(tx: WriteTx, ward: Ward, dw: DemoWard, local: datetime, rng: random.Random) -> None:
    from sqlmodel import select

    from hardtruths_desktop.store import beds, board
    from hardtruths_desktop.store.tables import Shift, Staff

    staff = {s.name: s for s in tx.session.exec(select(Staff).where(Staff.ward_id == ward.id)).all()}
    manager = next(s for s in staff.values() if s.is_manager)
    matron = next(s for s in staff.values() if s.title == "Matron")
    board.set_ward_board(tx, ward, f"{manager.title} {manager.name}", f"{matron.name} (bleep 4471)")
    if ward.code == WARDS[0].code:
        board.set_trust_contacts(tx, ward.trust_id, {**DEMO_CONTACTS, "details_checked_on": local.date(),
                                                      "uniform_key": DEMO_UNIFORMS})
    cur = current_shift([pattern_times(p) for p in patterns(tx.session, ward.id)], local)
    assert cur is not None
    day, pat = cur
    shift = tx.session.get(Shift, ids.shift_id(ward.id, day, pat.code))
    assert shift is not None
    rns = [s for s in staff.values() if s.role == "rn" and s.title != "Matron"]
    others = [s for s in staff.values() if s.role != "rn"]
    on = rng.sample(rns, min(len(rns), 4)) + rng.sample(others, min(len(others), 3))
    nic = tx.session.get(Staff, shift.nurse_in_charge_id) if shift.nurse_in_charge_id else None
    if nic is not None and nic not in on:
        on.append(nic)
    board.set_on_duty(tx, ward, day, pat.code, [s.id for s in on], local.date())
    on_rns = [s for s in on if s.role == "rn"]
    for n in range(1, dw.beds + 1):
        occupied = n <= dw.beds - 3
        name = PATIENTS[(n - 1) % len(PATIENTS)] if occupied else ""
        beds.save_bed(tx, ward, beds.BedInput(
            str(n), occupied, name, CONSULTANTS[n % len(CONSULTANTS)] if occupied else "",
            local.date() + timedelta(days=rng.randint(1, 9)) if occupied else None,
            ("Nil by mouth after midnight" if n % 7 == 0 else "Hard of hearing: please speak on my left" if n % 11 == 0 else "")
            if occupied else "", n), local.date())
        if occupied:
            beds.set_named_nurse(tx, ward, str(n), day, pat.code, on_rns[n % len(on_rns)].id)


def _history(tx: WriteTx, ward: Ward, dw: DemoWard, local: datetime, days: int, rng: random.Random) -> None:
    from sqlmodel import select

    from hardtruths_desktop.store.tables import Staff

    staff = tx.session.exec(select(Staff).where(Staff.ward_id == ward.id)).all()
    rns = [s for s in staff if s.role == "rn" and s.title != "Matron"]
    pats = [pattern_times(p) for p in patterns(tx.session, ward.id)]
    cur = current_shift(pats, local)
    assert cur is not None
    cur_date, cur_pat = cur
    today = local.date()
    flag_types = ("medicines_omission", "pain_relief_delay", "vital_signs", "fundamental_care")
    for offset in range(days, -1, -1):
        day = today - timedelta(days=offset)
        for p in pats:
            if (day, p.start) > (cur_date, cur_pat.start):
                continue
            change = shifts.ShiftChange()
            for group, (heads, hours) in dw.plan[p.code].items():
                per_head = hours / heads
                short = rng.random()
                actual = heads - (1 if short < 0.18 else 0) - (1 if short < 0.04 else 0) + (1 if short > 0.95 else 0)
                actual = max(actual, 0)
                change.groups[group] = {"actual": actual, "actual_hours": round(actual * per_head, 2),
                                        "bank_agency": 1 if actual and rng.random() < 0.2 else 0}
            if rng.random() < 0.3:
                change.groups["student"] = {"actual": 1, "actual_hours": round(p.hours, 2)}
            change.nurse_in_charge_id = rng.choice(rns).id
            if day < today and (p.period == "night" or p == pats[-1]):
                change.patients_at_midnight = dw.beds - rng.randint(0, 3)
            shifts.save_shift(tx, ward, day, p.code, change, today)
            if rng.random() < 0.06:
                flag = shifts.raise_red_flag(tx, ward, day, p.code, rng.choice(flag_types), "Recorded in the demo history", today)
                shifts.escalate_red_flag(tx, flag.id, "Matron")
                if (day, p.code) != (cur_date, cur_pat.code):  # only the shift in progress has open flags
                    shifts.resolve_red_flag(tx, flag.id, "Bank nurse moved from another ward; care caught up")
