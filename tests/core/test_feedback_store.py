"""Feedback repository and read-models on a real SQLite file: immutable responses, amendments,
anonymity, permissions, and the CLI (``feedback record|summary``, ``export fft-return``)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from core_support import WardStation, db_snapshot, sql

from hardtruths_desktop.cli import main
from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import field_meta
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.readmodels.feedback import load_fft_return, load_moderation, load_month_summary, load_results
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store.session import Actor

TODAY = date(2026, 11, 24)


def record(st: WardStation, answer: str, day: date = TODAY, good: str = "", better: str = "", channel: str = "kiosk") -> str:
    with st.store.write(Actor.kiosk()) as tx:
        return repo.record_response(tx, st.ward.id, day, fft.ResponseInput(answer, good, better, channel), TODAY)


def sister(st: WardStation) -> Actor:
    p = st.staff["sister"]
    return Actor(p.id, p.name)


def test_response_is_saved_with_its_outbox_and_audit_rows(station: WardStation) -> None:
    fid = record(station, "very_good", good="Kind and caring")
    rows = sql(station.path, "SELECT ward_id, response_date, answer, channel, comment_good, status FROM feedback WHERE id = ?", (fid,))
    assert rows == [(station.ward.id, "2026-11-24", "very_good", "kiosk", "Kind and caring", "published")]
    out = sql(station.path, "SELECT entity, op, recorded_by, wall_time, hlc FROM outbox WHERE entity_id = ?", (fid,))
    assert len(out) == 1 and out[0][:3] == ("feedback", "create", "station:kiosk")
    assert out[0][3] == "2026-11-24T00:00:00.000Z"  # the day's midnight, never the time
    assert out[0][4].startswith("1795478400000-00000-")  # 2026-11-24T00:00Z: the day's start, counter 0
    audit = sql(station.path, "SELECT at, actor_name, action FROM audit_trail WHERE entity_id = ?", (fid,))
    assert audit == [("2026-11-24T00:00:00.000Z", "patient kiosk", "feedback_recorded")]


def test_no_identifying_field_is_stored(station: WardStation, tmp_path: Path) -> None:
    """Everything the station holds about a kiosk response: the ward, the day, the answer, the
    words, the channel. No column of the table can hold a name, bed or time, the id is random (not
    a time-ordered UUIDv7), and no row anywhere in the file carries the moment it was given."""
    cols = {r[1] for r in sql(station.path, "PRAGMA table_info(feedback)")}
    assert cols == {"id", "ward_id", "response_date", "question", "answer", "channel", "comment_good", "comment_better",
                    "status", "findings", "amends_id", "reason", "amended_by", "field_meta"}
    before = db_snapshot(station.path)
    fid = record(station, "good", good="Clean ward")
    assert fid[14] == "4"  # UUID version 4: random
    after = db_snapshot(station.path)
    new_rows = [row for t, rows in after.items() for row in rows if row not in before.get(t, [])]
    text = json.dumps(new_rows, default=str)
    # no time of day other than the day's midnight, no millisecond epoch other than that midnight's
    text = text.replace("2026-11-24T00:00:00.000Z", "2026-11-24")
    assert not re.search(r"T\d{2}:\d{2}", text), text
    assert not re.search(r"\b\d{2}:\d{2}(:\d{2})?\b", text), text
    epochs = set(re.findall(r"\b1[0-9]{12}\b", text))
    assert epochs <= {"1795478400000"}, epochs
    # the signed-in nurse (none: the kiosk) and no staff id are attached to a patient's response
    assert not any(s.id in text for s in station.staff.values())


def test_field_meta_of_a_response_holds_only_the_day(station: WardStation) -> None:
    fid = record(station, "good")
    meta = field_meta.loads(sql(station.path, "SELECT field_meta FROM feedback WHERE id = ?", (fid,))[0][0])
    assert {m["hlc"][:13] for m in meta.values()} == {"1795478400000"}


def test_bad_input_leaves_nothing_behind(station: WardStation) -> None:
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError, match="not an answer"):
        record(station, "excellent")
    with pytest.raises(ValidationError, match="in the future"):
        record(station, "good", day=date(2026, 11, 25))
    with pytest.raises(ValidationError, match="Card 2: What was good is too long"):
        with station.store.write(Actor.command_line()) as tx:
            repo.record_responses(tx, station.ward.id, TODAY, [fft.ResponseInput("good", "", "", "card"),
                                                              fft.ResponseInput("poor", "x" * 3000, "", "card")], TODAY)
    assert db_snapshot(station.path) == before


def test_identifying_comment_is_held_then_redacted_by_an_amendment(station: WardStation) -> None:
    fid = record(station, "good", good="Aisha Rahman was wonderful, ring me 07700 900123")
    assert [i.id for i in load_moderation(station.store, station.ward.id)] == [fid]
    item = load_moderation(station.store, station.ward.id)[0]
    assert {f.kind for f in item.findings} == {"name", "phone"}
    assert item.suggested_good == "[name removed] was wonderful, ring me [phone number removed]"
    results = load_results(station.store, station.ward.id, year=2026, month=11)
    assert results.held == 1 and results.comments == ()  # held: not shown on the ward
    with station.store.write(sister(station)) as tx:
        aid = repo.amend_response(tx, fid, "redact", reason="names a nurse")
    # the response itself is untouched; the amendment carries the new content
    assert sql(station.path, "SELECT comment_good, status FROM feedback WHERE id = ?", (fid,))[0] == (
        "Aisha Rahman was wonderful, ring me 07700 900123", "held")
    assert sql(station.path, "SELECT amends_id, status, amended_by FROM feedback WHERE id = ?", (aid,))[0] == (
        fid, "redacted", "Mary O'Neill")
    assert sql(station.path, "SELECT op FROM outbox WHERE entity_id = ?", (aid,)) == [("amend",)]
    results = load_results(station.store, station.ward.id, year=2026, month=11)
    assert results.held == 0
    assert [c.good for c in results.comments] == ["[name removed] was wonderful, ring me [phone number removed]"]
    assert load_moderation(station.store, station.ward.id) == ()


def test_only_the_ward_sister_moderates(station: WardStation) -> None:
    fid = record(station, "good", good="Nurse Jane was kind")
    nurse = station.staff["rn"]
    with pytest.raises(ValidationError, match="Only the ward sister"):
        with station.store.write(Actor(nurse.id, nurse.name)) as tx:
            repo.amend_response(tx, fid, "approve")
    with station.store.write(sister(station)) as tx:
        repo.amend_response(tx, fid, "approve")
    assert load_results(station.store, station.ward.id, year=2026, month=11).comments[0].status == "approved"


def test_withdrawn_card_is_not_counted_and_a_correction_is(station: WardStation) -> None:
    a = record(station, "good", channel="card")
    b = record(station, "very_good", channel="card")
    record(station, "dont_know")
    with station.store.write(sister(station)) as tx:
        repo.amend_response(tx, a, "withdraw", reason="card entered twice")
        repo.amend_response(tx, b, "correct", reason="typed 1 for 4", new_answer="poor")
    s = load_month_summary(station.store, "T1", year=2026, month=11).score
    assert (s.responses, s.counts["poor"], s.counts["good"], s.percent_negative) == (2, 1, 0, 50.0)
    with pytest.raises(ValidationError, match="withdrawn"):
        with station.store.write(sister(station)) as tx:
            repo.amend_response(tx, a, "approve")


def test_two_amendments_newest_wins(station: WardStation) -> None:
    fid = record(station, "good", good="Nurse Jane was kind")
    with station.store.write(sister(station)) as tx:
        repo.amend_response(tx, fid, "redact", comment_good="Nurse [name removed] was kind", reason="")
    with station.store.write(sister(station)) as tx:
        repo.amend_response(tx, fid, "correct", reason="card said poor", new_answer="poor")
    h = load_results(station.store, station.ward.id, year=2026, month=11)
    assert h.this_month.counts["poor"] == 1
    assert h.comments[0].good == "Nurse [name removed] was kind"


def test_results_months_spc_and_themes(station: WardStation) -> None:
    for month, answers in ((9, ["very_good", "good", "poor"]), (11, ["very_good", "very_good", "neither", "dont_know"])):
        for a in answers:
            record(station, a, day=date(2026, month, 3), good="The food was bland" if a == "neither" else "")
    r = load_results(station.store, station.ward.id, year=2026, month=11)
    assert len(r.months) == 13 and (r.months[0].year, r.months[0].month) == (2025, 11)
    assert [p.score.responses for p in r.months[-3:]] == [3, 0, 4]
    assert r.this_month.percent_positive == 50.0
    assert r.chart.values[-3:] == (66.7, None, 50.0)
    assert r.themes == (("Food and drink", 1),)


def test_you_said_we_did(station: WardStation) -> None:
    with station.store.write(sister(station)) as tx:
        eid = repo.save_you_said(tx, station.ward.id, "2026-11", "It was noisy at night", "Quiet hours from 23:00")
    r = load_results(station.store, station.ward.id, year=2026, month=11)
    assert [(y.you_said, y.we_did) for y in r.you_said] == [("It was noisy at night", "Quiet hours from 23:00")]
    with station.store.write(sister(station)) as tx:
        repo.save_you_said(tx, station.ward.id, "2026-11", "It was noisy at night", "Quiet hours from 22:30", entry_id=eid)
    assert sql(station.path, "SELECT op, payload FROM outbox WHERE entity_id = ? ORDER BY client_seq", (eid,))[-1] == (
        "patch", '{"we_did":"Quiet hours from 22:30"}')
    with station.store.write(sister(station)) as tx:
        repo.delete_you_said(tx, eid)
    assert load_results(station.store, station.ward.id, year=2026, month=11).you_said == ()


# --- the command line -------------------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_record_summary_and_return(station: WardStation, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    d = str(station.dir)
    station.store.close()
    for answer in ("very-good", "good", "poor", "dont-know"):
        code, out, _ = run(capsys, "feedback", "record", "--data-dir", d, "--ward", "T1", "--answer", answer, "--date", "2026-11-20")
        assert code == 0, out
    code, out, _ = run(capsys, "feedback", "record", "--data-dir", d, "--ward", "t1", "--answer", "good",
                       "--comment", "Nurse Jane was lovely", "--date", "2026-11-21")
    assert code == 0 and "held for the ward sister" in out
    code, out, _ = run(capsys, "feedback", "summary", "--data-dir", d, "--ward", "T1", "--month", "2026-11", "--json")
    assert code == 0
    assert json.loads(out) == {
        "ward": "T1", "month": "2026-11", "responses": 5,
        "counts": {"very_good": 1, "good": 2, "neither": 0, "poor": 1, "very_poor": 0, "dont_know": 1},
        "percent_positive": 60.0, "percent_negative": 20.0,
    }
    code, out, _ = run(capsys, "feedback", "summary", "--data-dir", d, "--ward", "T1", "--month", "2026-10", "--json")
    assert json.loads(out)["percent_positive"] is None and json.loads(out)["responses"] == 0
    code, out, _ = run(capsys, "feedback", "summary", "--data-dir", d, "--ward", "T1", "--month", "2026-10")
    assert "no responses" in out
    target = tmp_path / "fft.csv"
    code, out, _ = run(capsys, "export", "fft-return", "--data-dir", d, "--month", "2026-11", "--out", str(target))
    assert code == 0
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 1 and rows[0]["ward_code"] == "T1"
    assert (rows[0]["very_good"], rows[0]["total_responses"], rows[0]["percent_positive"], rows[0]["mode_paper"]) == ("1", "5", "60.0", "5")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--answer", "excellent"], "is not an answer"),
        (["--answer", "good", "--date", "2026-13-01"], "not a real date"),
        (["--answer", "good", "--date", "2099-01-01"], "in the future"),
        (["--answer", "good", "--ward", "ZZ"], "no ward 'ZZ'"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(station: WardStation, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    d = str(station.dir)
    station.store.close()
    before = db_snapshot(station.path)
    args = ["feedback", "record", "--data-dir", d] + (["--ward", "T1"] if "--ward" not in argv else []) + argv
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err and err.count("\n") == 1
    assert db_snapshot(station.path) == before


def test_cli_summary_bad_month(station: WardStation, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "feedback", "summary", "--data-dir", str(station.dir), "--ward", "T1", "--month", "Nov")
    assert code == 2 and "is not a month" in err


def test_fft_return_for_a_month_without_responses(station: WardStation) -> None:
    rows = load_fft_return(station.store, year=2026, month=1)
    assert [r.cells()[5:] for r in rows] == [[0, 0, 0, 0, 0, 0, 0, 0, 0, "", "", 0, 0]]


def test_sqlite_sees_one_head_per_response(station: WardStation) -> None:
    fid = record(station, "good")
    con = sqlite3.connect(station.path)
    try:
        assert con.execute(f"SELECT count(*) FROM ({repo.HEAD_SQL})").fetchone()[0] == 1
    finally:
        con.close()
    assert fid
