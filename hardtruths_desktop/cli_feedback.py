"""``hardtruths-desktop feedback record|summary`` and ``export fft-return`` (issue 9).

Kept beside ``cli.py`` (which wires them in) so the FFT commands read as one piece. Same rules as
every sub-command: options validated in ``domain`` before the store is touched, one clear line on
bad input, one transaction per write, files written atomically.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, today
from hardtruths_desktop.domain.validation import ValidationError, parse_date, parse_month
from hardtruths_desktop.files import write_atomically

ANSWERS_HELP = " ".join(a.cli for a in fft.answers())


def add_parsers(sub: Any, exsub: Any, common: argparse.ArgumentParser, parser_class: type) -> None:
    fb = sub.add_parser("feedback", parents=[common], help="Friends and Family Test: record a response, show a month")
    fsub = fb.add_subparsers(dest="action", required=True, parser_class=parser_class)
    rec = fsub.add_parser("record", parents=[common], help="record one response (e.g. from a paper card)")
    rec.add_argument("--ward", required=True)
    rec.add_argument("--answer", required=True, help=f"one of: {ANSWERS_HELP}")
    rec.add_argument("--comment", default="", help="what the patient wrote (held for the ward sister if it names anyone)")
    rec.add_argument("--better", default="", help="the 'what could we do better' comment, if the card has one")
    rec.add_argument("--date", help="the day the card was collected, YYYY-MM-DD (default: today)")
    summ = fsub.add_parser("summary", parents=[common], help="one month's FFT result for a ward")
    summ.add_argument("--ward", required=True)
    summ.add_argument("--month", required=True, help="YYYY-MM")
    summ.add_argument("--json", action="store_true")
    fr = exsub.add_parser("fft-return", parents=[common], help="monthly Friends and Family Test return (CSV)")
    fr.add_argument("--month", required=True, help="YYYY-MM")
    fr.add_argument("--out", required=True, type=Path)


def _clock(args: argparse.Namespace) -> Clock:
    clock: Clock | None = getattr(args, "clock", None)
    return clock or SYSTEM_CLOCK


def _open(data_dir: Path, args: argparse.Namespace) -> Any:
    from hardtruths_desktop import cli

    return cli._open(data_dir, _clock(args))


def cmd_feedback(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.readmodels.feedback import load_month_summary

    if args.action == "record":
        from hardtruths_desktop.store import feedback as repo
        from hardtruths_desktop.store.session import Actor

        now_day = today(_clock(args))
        day = parse_date(args.date, "--date") if args.date else now_day
        fft.check_response_day(day, now_day, "--date")
        given = fft.ResponseInput(fft.parse_answer(args.answer, "--answer"), args.comment, args.better, "card")
        fft.check_response(given)  # all checks before the store is opened
        store = _open(data_dir, args)
        with store.read() as s:
            wid = _ward_id(s, args.ward)
        with store.write(Actor.command_line()) as tx:
            fid = repo.record_response(tx, wid, day, given, now_day)
        with store.read() as s:
            db = s.connection().connection.driver_connection
            status = repo.head(db, fid)
        held = status is not None and status.status == fft.HELD
        print(f"Saved a '{fft.answer(given.answer).label}' response for {day.isoformat()}"
              + (" (the comment is held for the ward sister: it may identify someone)." if held else "."))
        return 0
    y, m = parse_month(args.month, "--month")
    store = _open(data_dir, args)
    summary = load_month_summary(store, args.ward, year=y, month=m)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        return 0
    s = summary.score
    print(f"{summary.ward_code} {y:04d}-{m:02d}: {s.describe()}")
    for a in fft.answers():
        print(f"  {a.label:24} {s.counts.get(a.code, 0)}")
    return 0


def _ward_id(session: Any, ward: str) -> str:
    db = session.connection().connection.driver_connection
    row = db.execute("SELECT id FROM ward WHERE upper(code) = upper(?)", (ward.strip(),)).fetchone()
    if row is None:
        codes = ", ".join(r[0] for r in db.execute("SELECT code FROM ward ORDER BY code"))
        raise ValidationError.single("--ward", f"There is no ward '{ward.strip()[:40]}' on this station (wards: {codes or 'none'})")
    return str(row[0])


def cmd_fft_return(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.readmodels.feedback import RETURN_HEADER, load_fft_return

    y, m = parse_month(args.month, "--month")
    out: Path = args.out
    if not out.parent.exists():
        raise ValidationError.single("--out", f"The folder {out.parent} does not exist")
    store = _open(data_dir, args)
    rows = load_fft_return(store, year=y, month=m)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(RETURN_HEADER)
    for r in rows:
        w.writerow(r.cells())
    write_atomically(out, buf.getvalue())
    print(f"Wrote the {y:04d}-{m:02d} Friends and Family Test return ({len(rows)} ward(s)) to {out}")
    return 0
