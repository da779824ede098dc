"""Issue 10: incident rules (domain), the repository with confidentiality by role, amendments,
drafts, the restricted reporter record and the Safety Thermometer, on real SQLite files."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from core_support import WardStation, build_ward, sql
from support.awkward_days import AWKWARD_IDS, awkward_clocks

from hardtruths_desktop.domain import candour, spc
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.incidents import (
    MAX_DESCRIPTION,
    PatientInput,
    ReportInput,
    check_amendment,
    check_nhs_number,
    check_report,
    never_events,
    nhs_number_check_digit,
)
from hardtruths_desktop.domain.thermometer import check_survey
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import incidents as repo
from hardtruths_desktop.store.session import Actor

CLOCK = FixedClock.london(2026, 11, 25, 15, 30)
NOW = datetime(2026, 11, 25, 15, 30)


def report(**kw: object) -> ReportInput:
    base: dict[str, object] = dict(occurred_on="2026-11-25", occurred_time="14:05", location="Bay 3",
                                   description="Found on the floor beside bed 12", category="patient_accident",
                                   patients=[PatientInput("low")])
    base.update(kw)
    return ReportInput(**base)  # type: ignore[arg-type]


# --- domain ------------------------------------------------------------------------------------

def test_nhs_number_check_digit_real_format_examples() -> None:
    assert check_nhs_number("943 476 5919") == "9434765919"
    assert check_nhs_number("401-023-2137") == "4010232137"
    assert nhs_number_check_digit("943476591") == 9
    with pytest.raises(ValidationError, match="last digit does not match"):
        check_nhs_number("943 476 5918")
    with pytest.raises(ValidationError, match="10 digits; this one has 9"):
        check_nhs_number("943476591")
    with pytest.raises(ValidationError, match="only digits"):
        check_nhs_number("94347659I9")
    with pytest.raises(ValidationError, match="only digits"):
        check_nhs_number("٩٤٣٤٧٦٥٩١٩")  # Arabic-Indic digits are not an NHS number
    # a first nine digits whose check would be 10 can never be valid
    nine = next(f"{n:09d}" for n in range(100000000, 100001000) if nhs_number_check_digit(f"{n:09d}") is None)
    for last in "0123456789":
        with pytest.raises(ValidationError):
            check_nhs_number(nine + last)


def test_report_messages_are_for_nurses_and_all_at_once() -> None:
    with pytest.raises(ValidationError) as e:
        check_report(ReportInput(occurred_on="25/11/2026", category="falls", description="  ",
                                 patients=[PatientInput("moderate", nhs_number="123")]), NOW)
    errors = e.value.errors
    assert errors["occurred_on"].startswith("'25/11/2026' is not a date")
    assert errors["occurred_time"] == "Say when it happened: a time (HH:MM) or the shift or handover"
    assert errors["description"] == "What happened is required"
    assert "not an incident category" in errors["category"]
    assert errors["patients.0.nhs_number"] == "An NHS number has 10 digits; this one has 3"


def test_report_in_the_future_and_near_miss_with_harm_refused() -> None:
    with pytest.raises(ValidationError, match="in the future"):
        check_report(report(occurred_time="16:00"), NOW)
    with pytest.raises(ValidationError, match="near miss"):
        check_report(report(near_miss=True, patients=[PatientInput("low")]), NOW)
    ok = check_report(report(occurred_time="", occurred_period="night_shift", near_miss=True, patients=[PatientInput("none")]), NOW)
    assert ok.occurred_period == "night_shift" and ok.occurred_time is None


def test_long_descriptions_emoji_and_right_to_left_text() -> None:
    text = ("المريض سقط من السرير 🛏️ ⚠️ ") * 10
    long = ("x" * 99 + "\n") * (MAX_DESCRIPTION // 100 - 1) + "x" * 100
    assert len(long) == MAX_DESCRIPTION
    r = check_report(report(description=long, went_well=text, location="جناح ٧"), NOW)
    assert len(r.description) == MAX_DESCRIPTION
    assert r.went_well == text.strip() and r.location == "جناح ٧"
    with pytest.raises(ValidationError, match=f"at most {MAX_DESCRIPTION}"):
        check_report(report(description=long + "y"), NOW)
    with pytest.raises(ValidationError, match="control character"):
        check_report(report(description="a\x07b"), NOW)


def test_never_events_list_is_data_marked_under_review() -> None:
    ne = never_events()
    assert "2018" in ne.version and "review" in ne.status.lower()
    assert len(ne.items) == 16 and {"wrong_site_surgery", "misplaced_ng_tube"} <= {c.code for c in ne.items}
    assert all(c.definition for c in ne.items)


# --- candour dates -----------------------------------------------------------------------------

def test_bank_holidays_england_and_wales_by_rule_and_exceptions() -> None:
    assert sorted(candour.bank_holidays(2026)) == [date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
                                                   date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)]
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= candour.bank_holidays(2022)
    assert date(2022, 5, 30) not in candour.bank_holidays(2022)  # moved to 2 June
    assert date(2020, 5, 8) in candour.bank_holidays(2020) and date(2020, 5, 4) not in candour.bank_holidays(2020)
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= candour.bank_holidays(2027)  # Christmas on a Saturday
    assert date(2028, 1, 3) in candour.bank_holidays(2028)  # New Year on a Saturday
    assert candour.easter_sunday(2025) == date(2025, 4, 20) and candour.easter_sunday(2038) == date(2038, 4, 25)


def test_written_follow_up_due_ten_working_days_across_easter() -> None:
    # aware Tue 31 Mar 2026; Good Friday 3 Apr and Easter Monday 6 Apr do not count
    assert candour.add_working_days(date(2026, 3, 31), 10) == date(2026, 4, 16)
    # without the two bank holidays it would be 14 April
    assert candour.add_working_days(date(2026, 6, 2), 10) == date(2026, 6, 16)
    # Christmas and the substitute Boxing Day, then New Year
    assert candour.add_working_days(date(2026, 12, 21), 10) == date(2027, 1, 7)


def test_candour_proposed_from_harm() -> None:
    from hardtruths_desktop.domain.incidents import Patient

    low, mod = Patient("low", "none", False, "", ""), Patient("moderate", "none", False, "", "")
    prolonged = Patient("none", "moderate", True, "", "")
    assert not candour.is_notifiable([low]) and candour.is_notifiable([low, mod]) and candour.is_notifiable([prolonged])
    c = candour.candour_for([mod], None, None, date(2026, 3, 31), [])
    assert c is not None and c.status == "proposed" and c.steps[1].due == date(2026, 4, 16)
    assert [s.code for s in c.overdue_steps(date(2026, 4, 17))] == []  # proposed only: not yet confirmed
    c2 = candour.candour_for([mod], "applies", "2026-03-31", date(2026, 3, 31),
                             [{"step": "notified", "on": "2026-04-01", "by": "Mary"}])
    assert c2 is not None and [s.code for s in c2.overdue_steps(date(2026, 4, 17))] == ["written"]
    assert c2.overdue_steps(date(2026, 4, 16)) == []


@pytest.mark.parametrize("clock", awkward_clocks(), ids=AWKWARD_IDS)
def test_due_date_is_a_working_day_on_awkward_days(clock: FixedClock) -> None:
    from hardtruths_desktop.domain.clock import today

    d = today(clock)
    due = candour.add_working_days(d, 10)
    assert candour.is_working_day(due) and due - d >= timedelta(days=12)


def test_harm_free_chart_uses_the_shared_xmr() -> None:
    """The Safety Thermometer charts harm-free care with main's domain/spc.py (one XmR for every measure)."""
    chart = spc.xmr([90, 92, 91, 93, 94, 95, 96, 97, 98, 99], 0, 100)
    assert chart.mean == pytest.approx(94.5) and chart.mean_moving_range == pytest.approx(11 / 9)
    assert chart.upper == pytest.approx(94.5 + 2.66 * 11 / 9)
    assert "outside_limits" in chart.signalled(9) and "trend_up" in chart.signalled(2)


def test_thermometer_survey_checks() -> None:
    s = check_survey({"surveyed": "25", "harm_free": "23", "pressure_ulcers": "1", "falls_with_harm": "1"})
    assert s.harm_free_percent == 92.0
    with pytest.raises(ValidationError, match="only 0 harms"):
        check_survey({"surveyed": 25, "harm_free": 20})
    with pytest.raises(ValidationError, match="cannot be more than the 25"):
        check_survey({"surveyed": 25, "harm_free": 26})


# --- repository: confidentiality by role ---------------------------------------------------------

@pytest.fixture
def ward(tmp_path: Path) -> WardStation:
    st = build_ward(tmp_path / "s", plan_from=date(2025, 1, 1))
    with st.store.write(Actor.command_line()) as tx:
        from hardtruths_desktop.store import reference

        reference.add_staff(tx, st.ward, "James Okafor", "rn", "Matron", False)
    return st


def as_(st: WardStation, key: str) -> Actor:
    p = st.staff[key]
    return Actor(p.id, p.name)


def matron(st: WardStation) -> Actor:
    from sqlmodel import select

    from hardtruths_desktop.store.tables import Staff

    with st.store.read() as s:
        m = s.exec(select(Staff).where(Staff.name == "James Okafor")).one()
    return Actor(m.id, m.name)


def file(st: WardStation, actor: Actor, **kw: object) -> repo.Reported:
    with st.store.write(actor) as tx:
        return repo.report_incident(tx, st.ward.id, report(**kw), clock=CLOCK)


def visible(st: WardStation, actor: Actor) -> set[str]:
    with st.store.write(actor) as tx:  # read in a transaction like the GUI worker does
        v = repo.viewer_for(tx.db, actor.staff_id, st.ward.id)
        return {r.reference for r in repo.list_incidents(tx.db, v, st.ward.id)}


def test_role_based_visibility_at_the_repository(ward: WardStation) -> None:
    hca = file(ward, as_(ward, "care"), patients=[PatientInput("moderate", nhs_number="9434765919", hospital_number="RX123")])
    rn = file(ward, as_(ward, "rn"))
    anon = file(ward, as_(ward, "rn2"), anonymous=True)
    everyone = {hca.reference, rn.reference, anon.reference}
    assert visible(ward, as_(ward, "sister")) == everyone  # ward manager
    assert visible(ward, matron(ward)) == everyone  # matron
    assert visible(ward, as_(ward, "care")) == {hca.reference}  # an HCA sees only their own
    assert visible(ward, as_(ward, "student")) == set()
    assert visible(ward, as_(ward, "rn")) == {rn.reference}
    assert visible(ward, as_(ward, "rn2")) == {anon.reference}  # the anonymous reporter still sees their own
    with ward.store.write(as_(ward, "care")) as tx:
        v = repo.viewer_for(tx.db, ward.staff["care"].id)
        with pytest.raises(ValidationError, match="that you can see"):
            repo.get_incident(tx.db, v, rn.id)
        own = repo.get_incident(tx.db, v, hca.id)
        assert own.patients[0].nhs_number == "" and own.identifiers_hidden  # the HCA does not need the NHS number
    with ward.store.write(as_(ward, "sister")) as tx:
        v = repo.viewer_for(tx.db, ward.staff["sister"].id)
        d = repo.get_incident(tx.db, v, hca.id)
        assert d.patients[0].nhs_number == "9434765919" and d.patients[0].hospital_number == "RX123"
        assert d.reporter == "Dylan Evans"
        a = repo.get_incident(tx.db, v, anon.id)
        assert "Not shown to the ward" in a.reporter and a.state.reporter_id is None
    # the reporter's identity is only in the restricted record
    assert sql(ward.path, "SELECT reporter_id FROM incident WHERE id = ?", (anon.id,)) == [(None,)]
    assert sql(ward.path, "SELECT reporter_name FROM incident_reporter WHERE incident_id = ?", (anon.id,)) == [("Chloé Martin",)]
    outbox = sql(ward.path, "SELECT entity, op FROM outbox WHERE entity_id = ?", (anon.id,))
    assert sorted(outbox) == [("incident", "create"), ("incident_reporter", "create")]


def test_only_reviewers_amend_and_every_change_is_an_amendment(ward: WardStation) -> None:
    r = file(ward, as_(ward, "care"), patients=[PatientInput("low")])
    with pytest.raises(ValidationError, match="Only the ward manager or matron"), ward.store.write(as_(ward, "rn")) as tx:
        repo.amend_incident(tx, r.id, "triage", {"response": "swarm_huddle"}, clock=CLOCK)
    steps = [("triage", {"response": "swarm_huddle", "note": "Huddle at 15:00"}, ""),
             ("confirm_harm", {"patients": [{"physical_harm": "moderate", "psychological_harm": "none"}]}, "X-ray: fracture"),
             ("findings", {"text": "Call bell out of reach"}, ""),
             ("actions", {"text": "Bell checks at every intentional rounding"}, "")]
    for kind, data, why in steps:
        with ward.store.write(as_(ward, "sister")) as tx:
            repo.amend_incident(tx, r.id, kind, data, why, clock=CLOCK)
    with ward.store.write(matron(ward)) as tx:
        repo.amend_incident(tx, r.id, "candour", {"decision": "applies", "aware_on": "2026-11-25"}, clock=CLOCK)
        repo.amend_incident(tx, r.id, "candour_step", {"step": "notified", "on": "2026-11-25", "by": "Mary O'Neill",
                                                       "apology": True}, clock=CLOCK)
        repo.amend_incident(tx, r.id, "close", {"outcome": "Learning shared at huddle"}, clock=CLOCK)
    with ward.store.write(as_(ward, "sister")) as tx:
        d = repo.get_incident(tx.db, repo.viewer_for(tx.db, ward.staff["sister"].id), r.id)
        with pytest.raises(ValidationError, match="closed: it cannot be changed"):
            repo.amend_incident(tx, r.id, "findings", {"text": "late"}, clock=CLOCK)
    st = d.state
    assert st.status == "closed" and st.harm == "moderate" and st.response == "swarm_huddle"
    assert [a.kind for a in st.history] == ["triage", "confirm_harm", "findings", "actions", "candour", "candour_step", "close"]
    assert all(a.by_name and a.at for a in st.history) and st.history[1].reason == "X-ray: fracture"
    assert d.candour is not None and d.candour.status == "applies"
    assert d.candour.steps[0].done_on == date(2026, 11, 25) and d.candour.steps[1].due == date(2026, 12, 9)
    # nothing was updated in place: one incident row, seven amendment rows, each with its outbox row
    assert sql(ward.path, "SELECT count(*) FROM incident") == [(1,)]
    assert sql(ward.path, "SELECT count(*) FROM outbox WHERE entity = 'incident_amendment' AND op = 'amend'") == [(7,)]
    assert sql(ward.path, "SELECT count(*) FROM audit_trail WHERE entity = 'incident_amendment'") == [(7,)]


def test_withdraw_by_reporter_is_an_amendment_and_needs_a_reason(ward: WardStation) -> None:
    r = file(ward, as_(ward, "care"))
    with pytest.raises(ValidationError, match="reason is required"), ward.store.write(as_(ward, "care")) as tx:
        repo.amend_incident(tx, r.id, "withdraw", {}, "", clock=CLOCK)
    with pytest.raises(ValidationError, match="Only the person who reported it"), ward.store.write(as_(ward, "rn")) as tx:
        repo.amend_incident(tx, r.id, "withdraw", {}, "not mine", clock=CLOCK)
    with ward.store.write(as_(ward, "care")) as tx:
        repo.amend_incident(tx, r.id, "withdraw", {}, "Reported twice by mistake", clock=CLOCK)
    assert sql(ward.path, "SELECT status FROM incident_state") == [("withdrawn",)]
    assert sql(ward.path, "SELECT count(*) FROM incident") == [(1,)]


def test_rejected_report_leaves_nothing(ward: WardStation) -> None:
    from core_support import db_snapshot

    before = db_snapshot(ward.path)
    with pytest.raises(ValidationError), ward.store.write(as_(ward, "rn")) as tx:
        repo.report_incident(tx, ward.ward.id, report(category="nope"), clock=CLOCK)
    assert db_snapshot(ward.path) == before


def test_overdue_candour_for_reviewers_only(ward: WardStation) -> None:
    r = file(ward, as_(ward, "rn"), patients=[PatientInput("severe")])
    late = FixedClock.london(2026, 12, 10)
    with ward.store.write(as_(ward, "sister")) as tx:
        v = repo.viewer_for(tx.db, ward.staff["sister"].id)
        assert [x.reference for x in repo.overdue_candour(tx.db, v, ward.ward.id, date(2026, 12, 10))] == [r.reference]
        assert repo.overdue_candour(tx.db, v, ward.ward.id, date(2026, 12, 9)) == []
        repo.amend_incident(tx, r.id, "candour_step", {"step": "notified", "on": "2026-11-26", "by": "Mary", "apology": True},
                            clock=late)
        repo.amend_incident(tx, r.id, "candour_step", {"step": "written", "on": "2026-12-01", "by": "Mary"}, clock=late)
        assert repo.overdue_candour(tx.db, v, ward.ward.id, date(2026, 12, 10)) == []
    with ward.store.write(as_(ward, "rn")) as tx:
        assert repo.overdue_candour(tx.db, repo.viewer_for(tx.db, ward.staff["rn"].id), ward.ward.id, date(2026, 12, 10)) == []


def test_drafts_are_private_to_their_author(ward: WardStation) -> None:
    repo.save_draft(ward.store, ward.staff["rn"].id, ward.ward.id, report(description="half typed 🙂"), clock=CLOCK)
    assert repo.load_draft(ward.store, ward.staff["rn"].id) is not None
    assert repo.load_draft(ward.store, ward.staff["care"].id) is None
    assert sql(ward.path, "SELECT count(*) FROM outbox") == sql(ward.path, "SELECT count(*) FROM outbox")  # never synced
    assert not sql(ward.path, "SELECT 1 FROM outbox WHERE entity LIKE '%draft%'")
    with ward.store.write(as_(ward, "rn")) as tx:
        repo.report_incident(tx, ward.ward.id, report(), clock=CLOCK)
    assert repo.load_draft(ward.store, ward.staff["rn"].id) is None  # submitted: the draft is gone


def test_red_flag_incident_links_the_shift(ward: WardStation) -> None:
    from hardtruths_desktop.store.shifts import raise_red_flag

    with ward.store.write(as_(ward, "rn")) as tx:
        flag = raise_red_flag(tx, ward.ward, date(2026, 11, 25), "early", "medicines_omission", "Insulin late", date(2026, 11, 25))
        r = repo.report_incident(tx, ward.ward.id, report(category="infrastructure_staffing"), clock=CLOCK, red_flag_id=flag.id)
        c = repo.report_incident(tx, ward.ward.id, report(category="infrastructure_staffing"), clock=CLOCK,
                                 shift_id=flag.shift_id, red_flag_type="rn_shortfall")
        assert repo.incident_refs_by_flag(tx.db, flag.shift_id) == {flag.id: r.reference, "rn_shortfall": c.reference}
        with pytest.raises(ValidationError, match="not a red flag"):
            repo.report_incident(tx, ward.ward.id, report(), clock=CLOCK, shift_id=flag.shift_id, red_flag_type="bogus")


def test_recorded_and_computed_red_flags_show_the_incidents_reference(ward: WardStation) -> None:
    """A staffing shortfall reported straight from a red flag: the shift's red flags, as the Today and
    Staffing screens read them (readmodels.staffing), carry the incident's reference; a computed flag
    (no row of its own) is matched by its type."""
    from hardtruths_desktop.readmodels.staffing import load_shifts
    from hardtruths_desktop.store.shifts import ShiftChange, raise_red_flag, save_shift

    day = date(2026, 11, 25)
    with ward.store.write(as_(ward, "rn")) as tx:
        save_shift(tx, ward.ward, day, "early", ShiftChange(groups={"rn": {"planned": 5, "actual": 1}}), day)
        flag = raise_red_flag(tx, ward.ward, day, "early", "medicines_omission", "Insulin late", day)
    before = next(v for v in load_shifts(ward.store, ward.ward.code, day, day) if v.shift_code == "early")
    computed = [f for f in before.red_flags if f.computed]
    assert computed and all(f.incident_ref is None for f in before.red_flags)
    with ward.store.write(as_(ward, "rn")) as tx:
        on_flag = repo.report_incident(tx, ward.ward.id, report(category="infrastructure_staffing"), clock=CLOCK,
                                         red_flag_id=flag.id)
        on_computed = repo.report_incident(tx, ward.ward.id, report(category="infrastructure_staffing"), clock=CLOCK,
                                           shift_id=flag.shift_id,
                                           red_flag_type=computed[0].flag_type)
    after = next(v for v in load_shifts(ward.store, ward.ward.code, day, day) if v.shift_code == "early")
    refs = {(f.id or f.flag_type): f.incident_ref for f in after.red_flags}
    assert refs[flag.id] == on_flag.reference and refs[computed[0].flag_type] == on_computed.reference
    assert next(f for f in after.red_flags if f.id == flag.id).to_json()["incident"] == on_flag.reference


def test_thermometer_recorded_and_corrected(ward: WardStation) -> None:
    with ward.store.write(as_(ward, "rn")) as tx:
        repo.record_thermometer(tx, ward.ward.id, "2026-11", {"surveyed": 28, "harm_free": 27, "falls_with_harm": 1})
    with ward.store.write(as_(ward, "rn")) as tx:
        repo.record_thermometer(tx, ward.ward.id, "2026-11", {"surveyed": 28, "harm_free": 26, "falls_with_harm": 1,
                                                              "pressure_ulcers": 1})
    with pytest.raises(ValidationError, match="registered nurse"), ward.store.write(as_(ward, "care")) as tx:
        repo.record_thermometer(tx, ward.ward.id, "2026-11", {"surveyed": 28, "harm_free": 28})
    ops = sql(ward.path, "SELECT op, payload FROM outbox WHERE entity = 'safety_thermometer' ORDER BY client_seq")
    assert [o for o, _ in ops] == ["create", "patch"]
    assert json.loads(str(ops[1][1])) == {"harm_free": 26, "pressure_ulcers": 1}


def test_amendment_checks() -> None:
    with pytest.raises(ValidationError, match="must include an apology"):
        check_amendment("candour_step", {"step": "notified", "on": "2026-11-25", "by": "Mary"}, "", date(2026, 11, 25))
    with pytest.raises(ValidationError, match="in the future"):
        check_amendment("candour_step", {"step": "written", "on": "2026-11-26"}, "", date(2026, 11, 25))
    with pytest.raises(ValidationError, match="not a change"):
        check_amendment("delete", {}, "", date(2026, 11, 25))


def test_a_notifiable_incident_needs_a_candour_decision_before_closing(ward: WardStation) -> None:
    r = file(ward, as_(ward, "rn"), patients=[PatientInput("moderate")])
    with pytest.raises(ValidationError, match="decide whether the duty of candour applies"), \
            ward.store.write(as_(ward, "sister")) as tx:
        repo.amend_incident(tx, r.id, "close", {"outcome": "done"}, clock=CLOCK)
    with ward.store.write(as_(ward, "sister")) as tx:
        repo.amend_incident(tx, r.id, "candour", {"decision": "not_applicable"}, "Harm was not caused by the incident",
                            clock=CLOCK)
        repo.amend_incident(tx, r.id, "close", {"outcome": "done"}, clock=CLOCK)
        v = repo.viewer_for(tx.db, ward.staff["sister"].id)
        assert repo.overdue_candour(tx.db, v, ward.ward.id, date(2027, 1, 1)) == []
