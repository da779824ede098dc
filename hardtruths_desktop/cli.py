"""The ``hardtruths-desktop`` command line (DESIGN.md "The command line").

Every sub-command validates its options through ``domain.validation``, prints one clear line on
bad input and exits non-zero, and never leaves a half-written record or file: writes run in one
store transaction, files are written to a temporary name and renamed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hardtruths_desktop import __version__, cli_feedback, cli_incidents
from hardtruths_desktop.domain import staffing_return
from hardtruths_desktop.domain.clock import Clock, SystemClock, parse_clock
from hardtruths_desktop.domain.validation import (
    MAX_PATIENTS,
    ValidationError,
    parse_count,
    parse_date,
    parse_month,
)
from hardtruths_desktop.domain.valuesets import staff_group, staff_group_codes
from hardtruths_desktop.files import write_atomically
from hardtruths_desktop.runtime import default_data_dir, setup_logging

log = logging.getLogger("hardtruths_desktop")

EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT, EXIT_STORE, EXIT_SYNC = 0, 1, 2, 3, 4
DEFAULT_SHIFTS = "early=07:00-15:00/day,late=14:30-22:00/day,night=21:30-07:30/night"
RETURN_HEADER = staffing_return.return_header()  # today's columns first, unchanged; then completeness; then per group


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one clear line, exit 2
        self.exit(EXIT_BAD_INPUT, f"hardtruths-desktop: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="folder of the station's store (default: $HARDTRUTHS_DATA_DIR or the user data folder)")
    # Hidden: run as of a pinned moment (Europe/London wall time, e.g. 2026-12-01T10:00). Only for
    # tests and benchmarks that run the command line in a subprocess; not shown in --help.
    common.add_argument("--clock", dest="clock_at", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p = _Parser(prog="hardtruths-desktop", description="Hard Truths ward station", parents=[common])
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--demo", action="store_true", help="open the GUI with a demo trust when there is no data yet")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("demo", parents=[common], help="create a demo trust: 3 wards, staff, 90 days of history")
    sub.add_parser("check", parents=[common], help="open/upgrade the store and run integrity checks")

    ward = sub.add_parser("ward", parents=[common], help="wards on this station")
    wsub = ward.add_subparsers(dest="action", required=True, parser_class=_Parser)
    wl = wsub.add_parser("list", parents=[common])
    wl.add_argument("--json", action="store_true")
    wa = wsub.add_parser("add", parents=[common], help="set up a real ward on this station (IT)")
    wa.add_argument("--code", required=True, help="e.g. W7")
    wa.add_argument("--name", required=True)
    wa.add_argument("--site", default="")
    wa.add_argument("--specialty", default="")
    wa.add_argument("--beds", default="28")
    wa.add_argument("--trust-code", default=None, help="needed only for the first ward on the station")
    wa.add_argument("--trust-name", default=None)
    wa.add_argument("--shifts", default=DEFAULT_SHIFTS,
                    help=f"code=HH:MM-HH:MM/day|night, comma-separated (default: {DEFAULT_SHIFTS})")

    staff = sub.add_parser("staff", parents=[common], help="a ward's staff list")
    ssub = staff.add_subparsers(dest="action", required=True, parser_class=_Parser)
    sl = ssub.add_parser("list", parents=[common])
    sl.add_argument("--ward", required=True)
    sl.add_argument("--json", action="store_true")
    sa = ssub.add_parser("add", parents=[common], help="add a person to a ward's staff list; prints their one-time code")
    sa.add_argument("--ward", required=True)
    sa.add_argument("--name", required=True)
    sa.add_argument("--role", required=True, help=f"staff group: {', '.join(staff_group_codes())}")
    sa.add_argument("--title", default="", help="e.g. Ward sister, Staff nurse, Matron")
    sa.add_argument("--manager", action="store_true", help="may use Ward setup (the ward sister / manager)")
    sc = ssub.add_parser("code", parents=[common], help="a new one-time code so a person can set their PIN")
    sc.add_argument("--ward", required=True)
    sc.add_argument("--name", required=True)

    st = sub.add_parser("staffing", parents=[common], help="record or show shift staffing")
    stsub = st.add_subparsers(dest="action", required=True, parser_class=_Parser)
    rec = stsub.add_parser("record", parents=[common], help="create or correct one shift")
    rec.add_argument("--ward", required=True)
    rec.add_argument("--date", required=True, help="YYYY-MM-DD (the date the shift starts)")
    rec.add_argument("--shift", required=True, help="shift code, e.g. early, late, night")
    for group in ("rn", "care"):
        for what in ("planned", "actual"):
            rec.add_argument(f"--{group}-{what}", metavar="N")
            rec.add_argument(f"--{group}-{what}-hours", metavar="H")
    rec.add_argument("--set", action="append", default=[], metavar="GROUP.FIELD=VALUE",
                     help="any staff group's figure, e.g. student.actual=1 or rna.actual_hours=7.5")
    rec.add_argument("--nurse-in-charge", metavar="NAME")
    rec.add_argument("--patients-at-midnight", metavar="N")
    rec.add_argument("--note", metavar="TEXT")
    rec.add_argument("--as", dest="as_name", metavar="NAME", help="the staff member making this record")
    wd = stsub.add_parser("withdraw", parents=[common], help="withdraw a shift recorded on the wrong date (it becomes 'not recorded')")
    wd.add_argument("--ward", required=True)
    wd.add_argument("--date", required=True, help="YYYY-MM-DD (the date the shift starts)")
    wd.add_argument("--shift", required=True)
    wd.add_argument("--reason", required=True, metavar="TEXT", help="why, e.g. 'recorded on the wrong date: belongs to 3 Nov'")
    wd.add_argument("--as", dest="as_name", required=True, metavar="NAME", help="the shift's nurse in charge or the ward sister")
    esc = stsub.add_parser("escalate", parents=[common], help="escalate (or answer) a red flag computed from a shift's figures")
    esc.add_argument("--ward", required=True)
    esc.add_argument("--date", required=True)
    esc.add_argument("--shift", required=True)
    esc.add_argument("--flag", required=True, choices=("rn_shortfall", "fewer_than_two_rn"))
    esc_what = esc.add_mutually_exclusive_group(required=True)
    esc_what.add_argument("--to", metavar="WHO", help="who it was escalated to, e.g. 'Matron J. Okafor'")
    esc_what.add_argument("--response", metavar="TEXT", help="the response: what was done")
    esc.add_argument("--as", dest="as_name", metavar="NAME", help="the staff member making this record")
    show = stsub.add_parser("show", parents=[common], help="shifts of one date or month")
    show.add_argument("--ward", required=True)
    when = show.add_mutually_exclusive_group(required=True)
    when.add_argument("--date")
    when.add_argument("--month", help="YYYY-MM")
    show.add_argument("--json", action="store_true")

    pr = sub.add_parser("print", parents=[common], help="print the ward board, name cards, poster or team sheet to PDF")
    prsub = pr.add_subparsers(dest="action", required=True, parser_class=_Parser)
    for name, helptext in (("board", "who's in charge board for one shift"), ("day-board", "the board with all of a day's shifts"),
                           ("bed-cards", "name-above-the-bed cards"), ("poster", "how to raise a concern (complaints poster)"),
                           ("team", "'Hello my name is' team sheet for a shift"),
                           ("fft-poster", "Friends and Family Test results poster for the month of --date")):
        d = prsub.add_parser(name, parents=[common], help=helptext)
        d.add_argument("--ward", required=True)
        d.add_argument("--out", required=True, type=Path, help="the PDF file to write")
        d.add_argument("--size", choices=("a4", "a3"), default="a4")
        d.add_argument("--landscape", action="store_true")
        if name in ("board", "day-board", "team", "bed-cards", "fft-poster"):
            d.add_argument("--date", help="YYYY-MM-DD (default: today)")
        if name in ("board", "team", "bed-cards"):
            d.add_argument("--shift", help="shift code (default: the shift in progress)")
        if name == "bed-cards":
            d.add_argument("--beds", help="comma-separated bed labels, e.g. 1,2,5 (default: every occupied bed)")
        if name in ("poster", "fft-poster"):
            d.add_argument("--large-print", action="store_true", help="16pt+ large print version")

    en = sub.add_parser("enrol", parents=[common], help="enrol this station with the trust server (one-time code from IT)")
    en.add_argument("--server", required=True, help="the trust server's address, e.g. https://wardsync.trust.nhs.uk")
    en.add_argument("--code", required=True, help="the one-time enrolment code")
    en.add_argument("--ward", help="optional cross-check: the ward the code should be for (the code names its ward)")
    en.add_argument("--ca-bundle", help="a PEM file with the trust's own CA, if the OS does not trust it")
    en.add_argument("--insecure-http", action="store_true", help="allow plain http:// to another computer (test networks only)")
    en.add_argument("--force", action="store_true", help="enrol even though the station is enrolled with another server")
    sy = sub.add_parser("sync", parents=[common], help="send waiting changes to the trust server and fetch the ward's")
    sy.add_argument("--once", action="store_true", help="one cycle, then exit (0 = everything was accepted)")
    sy.add_argument("--json", action="store_true")
    sy.add_argument("--insecure-http", action="store_true", help="allow plain http:// to another computer (test networks only)")

    ex = sub.add_parser("export", parents=[common], help="national returns")
    exsub = ex.add_subparsers(dest="action", required=True, parser_class=_Parser)
    sr = exsub.add_parser("staffing-return", parents=[common], help="monthly safe staffing return (CSV)")
    sr.add_argument("--month", required=True, help="YYYY-MM")
    sr.add_argument("--out", required=True, type=Path)
    sr.add_argument("--strict", action="store_true",
                    help="refuse a month with shifts not recorded or days without a 23:59 count (exit 2, nothing written)")
    cli_feedback.add_parsers(sub, exsub, common, _Parser)
    cli_incidents.add_export_parser(exsub, common)  # issue 10
    cli_incidents.add_print_parser(prsub, common)
    cli_incidents.add_parsers(sub, common, _Parser)
    return p


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command. ``clock``: the one clock of this run (tests pin a ``FixedClock``; the hidden
    ``--clock`` option does the same for a subprocess); by default the PC's clock."""
    return run(build_parser().parse_args(argv), clock=clock)


def run(args: argparse.Namespace, *, clock: Clock | None = None) -> int:
    """Run a parsed sub-command. The window is not the core's: ``ui.launcher`` opens it when there is none."""
    data_dir: Path = getattr(args, "data_dir", None) or default_data_dir()
    if data_dir.exists() and not data_dir.is_dir():
        print(f"hardtruths-desktop: error: --data-dir {data_dir} is a file, not a folder: check the path", file=sys.stderr)
        return EXIT_BAD_INPUT
    if clock is None:
        try:
            clock = parse_clock(args.clock_at) if getattr(args, "clock_at", None) else SystemClock()
        except ValueError as e:
            print(f"hardtruths-desktop: error: --clock: {e}", file=sys.stderr)
            return EXIT_BAD_INPUT
    args.clock = clock
    setup_logging(data_dir)
    if args.command is None:
        print("hardtruths-desktop: error: name a sub-command (see --help); the ward station window opens from the "
              "hardtruths-desktop program itself", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(COMMANDS[args.command](args, data_dir))
    except ValidationError as e:
        print(f"hardtruths-desktop: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _StoreErrors as e:
        from hardtruths_desktop.store.disk import disk_problem

        print(f"hardtruths-desktop: error: {disk_problem(e, data_dir) or e}", file=sys.stderr)
        return EXIT_STORE
    except BrokenPipeError:  # the output was piped into something that stopped reading (e.g. `| head`)
        return EXIT_OK
    except Exception as e:
        from hardtruths_desktop.store.disk import disk_problem

        problem = disk_problem(e, data_dir)
        if problem is not None:  # a full or read-only disk is not a damaged store, nor a bug
            log.warning("%s: %s", args.command, problem)
            print(f"hardtruths-desktop: error: {problem}", file=sys.stderr)
            return EXIT_STORE
        log.exception("unexpected error in %s", args.command)
        print(f"hardtruths-desktop: unexpected error: nothing was saved; details are in {data_dir / 'logs'}", file=sys.stderr)
        return EXIT_UNEXPECTED


from hardtruths_desktop.store.migrate import StoreError as _StoreErrors  # noqa: E402


def _check_out(out: Path, suffix: str) -> Path:
    """``--out`` names a new or existing file (never a folder) in a folder that exists."""
    if out.is_dir():
        raise ValidationError.single("--out", f"--out {out} is a folder: name the {suffix} file to write, e.g. {out / ('return' + suffix)}")
    if suffix == ".pdf" and out.suffix.lower() != ".pdf":
        raise ValidationError.single("--out", f"--out must name a .pdf file, not '{out.name}'")
    if not out.parent.exists():
        raise ValidationError.single("--out", f"The folder {out.parent} does not exist")
    return out


def _open(data_dir: Path, clock: Clock, must_exist: bool = True) -> Any:
    from hardtruths_desktop.store.engine import db_path
    from hardtruths_desktop.store.session import Store

    if must_exist and not db_path(data_dir).exists():
        raise ValidationError.single(
            "data_dir", f"There is no ward station data in {data_dir}: check --data-dir, or create it with 'hardtruths-desktop demo'"
        )
    return Store(data_dir, clock)


def cmd_demo(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.store.queries import list_wards

    store = _open(data_dir, args.clock, must_exist=False)
    with store.read() as s:
        if list_wards(s):
            raise ValidationError.single("data_dir", f"{data_dir} already has wards; the demo only fills an empty station")
    sign_ins = create_demo(store)
    print(f"Demo trust created in {data_dir}: 3 wards, 90 days of staffing history.")
    print("Sign in by choosing your name and entering the PIN. Demo staff (all use the same PIN):")
    for ward, name, pin in sign_ins:
        print(f"  {ward:5} {name:28} PIN {pin}")
    print("Start it with: hardtruths-desktop --data-dir", data_dir)
    return EXIT_OK


def cmd_check(args: argparse.Namespace, data_dir: Path) -> int:
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    try:
        store = _open(data_dir, args.clock)
        with store.engine.connect() as conn:
            result = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).fetchall()]
            fk = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            mode = conn.execute(text("PRAGMA journal_mode")).scalar()
    except (DatabaseError, sqlite3.DatabaseError) as e:
        # a damaged page makes SQLite raise before integrity_check can report: say so plainly
        log.exception("check failed on %s", data_dir)
        reason = getattr(e, "orig", None) or e
        print(f"hardtruths-desktop: error: the database in {data_dir} is damaged ({reason}); restore it from a backup", file=sys.stderr)
        return EXIT_STORE
    if result != ["ok"]:
        print(f"hardtruths-desktop: error: the database is damaged: {'; '.join(result[:5])}", file=sys.stderr)
        return EXIT_STORE
    if fk:
        print(f"hardtruths-desktop: error: {len(fk)} broken references between records", file=sys.stderr)
        return EXIT_STORE
    from hardtruths_desktop.store.feedback import refresh_heads, stale_heads
    from hardtruths_desktop.store.session import Actor

    with store.write(Actor.command_line()) as tx:  # the results' derived table agrees with the responses
        stale = stale_heads(tx.db)
        refresh_heads(tx.db, stale)
    from hardtruths_desktop.printing import PageSpec, render_board
    from hardtruths_desktop.printing.samples import sample_board

    try:  # the bundled fonts and the PDF engine work on this PC
        pdf = render_board(sample_board(), PageSpec("a4", True))
    except Exception as e:
        log.exception("check: printing failed")
        print(f"hardtruths-desktop: error: the store is fine but printing does not work here ({e})", file=sys.stderr)
        return EXIT_UNEXPECTED
    rebuilt = f"; feedback results rebuilt for {len(stale)} responses" if stale else ""
    print(f"ok: {store.path} (integrity ok, journal {mode}{', backed up before upgrade' if store.backup_made else ''};"
          f" test board rendered, {len(pdf) // 1024} KB{rebuilt})")
    return EXIT_OK


def _parse_shifts(text: str) -> list[Any]:
    from hardtruths_desktop.domain.validation import parse_time
    from hardtruths_desktop.store.reference import PatternInput

    out = []
    for order, item in enumerate(p.strip() for p in text.split(",") if p.strip()):
        code, eq, rest = item.partition("=")
        times, slash, period = rest.partition("/")
        start, dash, end = times.partition("-")
        if not (eq and slash and dash) or period not in ("day", "night"):
            raise ValidationError.single("--shifts", f"'{item}' should look like early=07:00-15:00/day")
        out.append(PatternInput(code.strip(), code.strip().replace("_", " ").capitalize(), parse_time(start, "--shifts"),
                                parse_time(end, "--shifts"), period, order))
    if not out:
        raise ValidationError.single("--shifts", "Give at least one shift, e.g. early=07:00-15:00/day")
    return out


def cmd_ward_add(args: argparse.Namespace, data_dir: Path) -> int:
    from sqlmodel import select

    from hardtruths_desktop.store import reference
    from hardtruths_desktop.store.session import Actor
    from hardtruths_desktop.store.tables import Trust

    beds = parse_count(args.beds, "--beds", "beds", 120)
    patterns = _parse_shifts(args.shifts)
    store = _open(data_dir, args.clock, must_exist=False)
    with store.write(Actor.command_line()) as tx:
        trusts = tx.session.exec(select(Trust)).all()
        if args.trust_code or not trusts:
            if not (args.trust_code and args.trust_name):
                raise ValidationError.single("--trust-code", "The first ward on a station needs --trust-code and --trust-name")
            trust = reference.upsert_trust(tx, args.trust_code, args.trust_name)
        else:
            trust = trusts[0]
        from hardtruths_desktop.domain import ids
        from hardtruths_desktop.domain.validation import check_ward_code
        from hardtruths_desktop.store.tables import Ward

        if tx.session.get(Ward, ids.ward_id(check_ward_code(args.code, "--code"))) is not None:
            raise ValidationError.single("--code", f"Ward {args.code.upper()} is already set up here: change it in Ward setup")
        ward = reference.upsert_ward(tx, trust.id, args.code, args.name, args.site, args.specialty, beds)
        for pattern in patterns:
            reference.set_shift_pattern(tx, ward, pattern)
    print(f"Ward {ward.code} ({ward.name}) is set up with shifts {', '.join(p.code for p in patterns)}. "
          f"Next: hardtruths-desktop staff add --ward {ward.code} --name NAME --role rn --title 'Ward sister' --manager")
    return EXIT_OK


def cmd_ward(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.store.queries import list_wards

    if args.action == "add":
        return cmd_ward_add(args, data_dir)

    with _open(data_dir, args.clock).read() as s:
        wards = list_wards(s)
    if args.json:
        print(json.dumps([w.to_json() for w in wards], ensure_ascii=False, indent=2))
    else:
        for w in wards:
            place = ", ".join(x for x in (w.site, w.specialty) if x)
            shifts = ", ".join(f"{p.name} {p.start:%H:%M}-{p.end:%H:%M}" for p in w.patterns)
            # a ward the trust server set up arrives with no site and no shifts until Ward setup gives them
            print(f"{w.code:6} {w.name}" + (f" ({place})" if place else "") + " - "
                  + (shifts or "no shift pattern yet: the ward sister sets it in Ward setup > Shift pattern"))
        if not wards:
            print("No wards yet: run 'hardtruths-desktop demo' or set up a ward in the ward station.")
    return EXIT_OK


def cmd_staff(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.store.queries import list_staff, ward_row

    if args.action in ("add", "code"):
        return cmd_staff_write(args, data_dir)

    with _open(data_dir, args.clock).read() as s:
        staff = list_staff(s, ward_row(s, args.ward).id)
    if args.json:
        print(json.dumps([x.to_json() for x in staff], ensure_ascii=False, indent=2))
    else:
        for x in staff:
            print(f"{x.name:30} {staff_group(x.role).singular}{' - ' + x.title if x.title else ''}")
    return EXIT_OK


def cmd_staff_write(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.store import auth, queries, reference
    from hardtruths_desktop.store.session import Actor

    store = _open(data_dir, args.clock)
    with store.write(Actor.command_line()) as tx:
        ward = queries.ward_row(tx.session, args.ward)
        if args.action == "add":
            person = reference.add_staff(tx, ward, args.name, args.role, args.title, args.manager)
        else:
            person = queries.find_staff(tx.session, ward.id, args.name)
        code = auth.issue_onetime_code(tx, person.id)
    print(f"{person.name} ({ward.code}) can now sign in once with the one-time code {code} (valid 24 hours) and then "
          "choose a PIN.")
    return EXIT_OK


def _record_change(args: argparse.Namespace) -> Any:
    """The options as a ``ShiftChange``, every figure parsed once here by the domain's rules."""
    from hardtruths_desktop.domain.shift_entry import ACTUAL_REQUIRED, GROUP_FIELDS, actual_missing, parse_figure
    from hardtruths_desktop.store.shifts import ShiftChange

    def figure(group: str, field: str, value: str, label: str) -> int | float:
        if field == "actual" and group in ACTUAL_REQUIRED and not value.strip():
            raise ValidationError.single(label, actual_missing(group))
        return parse_figure(group, field, value, label)

    change = ShiftChange(hours_pro_rata=True)  # a person typed these: hours follow the people
    for group in ("rn", "care"):
        for what in ("planned", "actual"):
            label = f"--{group}-{what}"
            heads = getattr(args, f"{group}_{what}")
            if heads is not None:
                change.groups.setdefault(group, {})[what] = figure(group, what, heads, label)
            hours = getattr(args, f"{group}_{what}_hours")
            if hours is not None:
                change.groups.setdefault(group, {})[f"{what}_hours"] = figure(group, f"{what}_hours", hours, f"{label}-hours")
    for item in args.set:
        key, sep, value = item.partition("=")
        group, dot, field = key.strip().partition(".")
        if not sep or not dot or group not in staff_group_codes() or field not in GROUP_FIELDS:
            raise ValidationError.single(
                "set",
                f"--set {item!r}: write GROUP.FIELD=VALUE with GROUP one of {', '.join(staff_group_codes())}"
                f" and FIELD one of {', '.join(GROUP_FIELDS)}",
            )
        change.groups.setdefault(group, {})[field] = figure(group, field, value, f"--set {key}")
    if args.patients_at_midnight is not None:
        change.patients_at_midnight = parse_count(args.patients_at_midnight, "--patients-at-midnight", "patients_at_midnight", MAX_PATIENTS)
    if args.note is not None:
        change.notes = args.note
    return change


def cmd_staffing(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.readmodels.staffing import load_shift, load_shifts
    from hardtruths_desktop.store import queries
    from hardtruths_desktop.store.session import Actor
    from hardtruths_desktop.store.shifts import save_shift

    if args.action in ("withdraw", "escalate"):
        return _staffing_amend(args, data_dir)
    if args.action == "record":
        day = parse_date(args.date, "--date")
        change = _record_change(args)  # all parsing before the store is touched
        store = _open(data_dir, args.clock)
        with store.read() as s:
            ward = queries.ward_row(s, args.ward)
            actor = Actor.command_line()
            if args.as_name:
                person = queries.find_staff(s, ward.id, args.as_name)
                actor = Actor(person.id, person.name)
            if args.nurse_in_charge is not None:
                change.nurse_in_charge_id = queries.find_staff(s, ward.id, args.nurse_in_charge).id
        with store.write(actor) as tx:
            changed = save_shift(tx, ward.id, day, args.shift.strip().lower(), change, tx.today)
        view = load_shift(store, args.ward, day, args.shift.strip().lower())
        print(("Saved" if changed else "No change to") + f" {view.ward_code} {view.date} {view.shift_name} shift (by {actor.name}).")
        return EXIT_OK
    if args.date:
        first = last = parse_date(args.date, "--date")
    else:
        first, last = queries.month_bounds(*parse_month(args.month, "--month"))
    views = load_shifts(_open(data_dir, args.clock), args.ward, first, last)  # the read-model Record staffing and Month show
    if args.json:
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=2))
    else:
        for v in views:
            figures = "  ".join(f"{code.upper()} {g.actual}/{g.planned}" for code, g in v.groups.items() if code in ("rn", "care"))
            state = "recorded" if v.recorded else "not recorded"
            print(f"{v.date} {v.shift_name:9} {figures:16} NIC {v.nurse_in_charge or '-':24} {len(v.red_flags)} flag(s)  {state}")
    return EXIT_OK


def _staffing_amend(args: argparse.Namespace, data_dir: Path) -> int:
    """``staffing withdraw`` and ``staffing escalate``: one write, by a named person where the rule needs one."""
    from hardtruths_desktop.store import queries
    from hardtruths_desktop.store.session import Actor
    from hardtruths_desktop.store.shifts import escalate_computed_flag, resolve_computed_flag, withdraw_shift

    day = parse_date(args.date, "--date")
    code = args.shift.strip().lower()
    store = _open(data_dir, args.clock)
    with store.read() as s:
        ward = queries.ward_row(s, args.ward)
        actor = Actor.command_line()
        if args.as_name:
            person = queries.find_staff(s, ward.id, args.as_name)
            actor = Actor(person.id, person.name)
    with store.write(actor) as tx:
        if args.action == "withdraw":
            withdraw_shift(tx, ward.id, day, code, args.reason)
            said = f"Withdrew the {ward.code} {day} {code} shift: it is now 'not recorded' (by {actor.name})."
        elif args.to is not None:
            escalate_computed_flag(tx, ward.id, day, code, args.flag, args.to, tx.today)
            said = f"Recorded the escalation of '{args.flag}' on the {ward.code} {day} {code} shift (by {actor.name})."
        else:
            resolve_computed_flag(tx, ward.id, day, code, args.flag, args.response, tx.today)
            said = f"Recorded the response to '{args.flag}' on the {ward.code} {day} {code} shift (by {actor.name})."
    print(said)
    return EXIT_OK


def cmd_export(args: argparse.Namespace, data_dir: Path) -> int:
    if args.action == "incidents":
        return cli_incidents.cmd_export_incidents(args, data_dir, _open)
    from hardtruths_desktop.store import queries
    from hardtruths_desktop.store.tables import Ward

    if args.action == "fft-return":
        return cli_feedback.cmd_fft_return(args, data_dir)

    y, m = parse_month(args.month, "--month")
    out = _check_out(args.out, ".csv")
    month = f"{y:04d}-{m:02d}"
    store = _open(data_dir, args.clock)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=RETURN_HEADER, lineterminator="\n")
    w.writeheader()
    lines: list[str] = []
    incomplete: list[str] = []
    with store.read() as s:
        from sqlmodel import select

        for ward in s.exec(select(Ward).order_by(Ward.code)).all():
            r = queries.month_return(s, ward, y, m, args.clock.now())
            w.writerow(staffing_return.return_row(ward.site, ward.code, ward.name, ward.specialty, month, r))
            lines.append(staffing_return.ward_line(ward.code, month, r.completeness))
            if not r.completeness.complete:
                incomplete.append(ward.code)
    if args.strict and incomplete:
        for line in lines:
            print(line, file=sys.stderr)
        raise ValidationError.single(
            "--strict", f"The {month} return is incomplete for ward{'s' if len(incomplete) > 1 else ''} {', '.join(incomplete)}:"
            " record the missing shifts and 23:59 counts (listed above), or export without --strict; nothing was written")
    write_atomically(out, buf.getvalue())
    for line in lines:
        print(line, file=sys.stderr)
    print(f"Wrote the {month} staffing return to {out}"
          + (f" (incomplete: {', '.join(incomplete)}; the missing shifts and counts are named in its columns)" if incomplete else ""))
    return EXIT_OK


def cmd_print(args: argparse.Namespace, data_dir: Path) -> int:
    if args.action == "candour-letter":
        return cli_incidents.cmd_candour_letter(args, data_dir, _open)
    from hardtruths_desktop.printing import UnprintableCard, UnprintableCharacters, unprintable_cards
    from hardtruths_desktop.printouts import PrintRequest, bed_cards_view, render

    out = _check_out(args.out, ".pdf")
    day = parse_date(args.date, "--date") if getattr(args, "date", None) else None
    beds: tuple[str, ...] = ()
    if getattr(args, "beds", None):
        beds = tuple(b.strip() for b in args.beds.split(",") if b.strip())
        if not beds:
            raise ValidationError.single("--beds", "--beds takes bed labels separated by commas, e.g. 1,2,5")
    shift = getattr(args, "shift", None)
    req = PrintRequest(args.action, args.ward, day, shift.strip().lower() if shift else None, args.size, args.landscape,
                       getattr(args, "large_print", False), beds)
    store = _open(data_dir, args.clock)
    left_out: tuple[UnprintableCard, ...] = ()
    try:
        with store.read() as s:
            pdf = render(s, req, store.clock)
            if req.document == "bed-cards":
                left_out = unprintable_cards(bed_cards_view(s, req, store.clock))
    except UnprintableCharacters as e:
        raise ValidationError.single("text", str(e)) from e
    write_atomically(out, pdf)
    print(f"Wrote {out} ({len(pdf) // 1024 + 1} KB)")
    for card in left_out:
        print(f"hardtruths-desktop: warning: card not printed, no font can draw some characters: {card.describe()}", file=sys.stderr)
    return EXIT_OK


def cmd_enrol(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.sync.engine import SyncEngine, SyncError

    store = _open(data_dir, args.clock, must_exist=False)
    try:
        res = SyncEngine(store, allow_insecure_http=args.insecure_http).enrol(args.server, args.code, args.ward, args.ca_bundle,
                                                                              force=args.force)
    except SyncError as e:
        print(f"hardtruths-desktop: error: {e.message}", file=sys.stderr)
        return EXIT_SYNC
    if res.ward_has_setup:
        print(f"Enrolled with ward {res.ward_code} (device {res.device_id}). The trust's ward setup will come down at the next sync.")
    else:
        print(f"Enrolled with ward {res.ward_code} (device {res.device_id}). This station's ward setup becomes the trust's at the next sync.")
    return EXIT_OK


def _say_sync(result: Any, once: bool) -> None:
    """One cycle's result in words (``sync`` without ``--json``)."""
    err = sys.stderr if once else sys.stdout
    if result.set_aside:
        print(f"The trust server sent {result.set_aside} record(s) this station cannot store: they are kept aside and "
              "listed under Review; tell IT.", file=err, flush=True)
    if result.gaps_declared:
        print(f"The trust server was restored from an old backup and asked for {result.gaps_declared} change(s) this "
              "station deleted after 30 days: it has recorded them as missing for IT (admin gaps); everything since "
              "was sent.", file=err, flush=True)
    if result.ok and not result.rejected:
        print(f"Synced: {result.applied} sent, {result.duplicates} already there, {result.pulled} received; nothing waiting.",
              flush=True)
    elif result.ok:
        print(f"Synced, but the trust server refused {result.rejected} change(s): they are kept on this PC, listed under "
              f"Review ({result.applied} sent, {result.pulled} received).", file=err, flush=True)
    else:
        print(f"Not synced: {result.message} ({result.pending} change(s) waiting, {result.rejected_total} rejected)",
              file=err, flush=True)


def cmd_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from hardtruths_desktop.sync.engine import SyncEngine, SyncResult
    from hardtruths_desktop.sync.loop import run_loop

    engine = SyncEngine(_open(data_dir, args.clock), allow_insecure_http=args.insecure_http)

    def report(result: SyncResult) -> None:
        if result.held_wards and not args.json:
            print(f"Not sent: {result.held_total} change(s) of {', '.join('Ward ' + w for w in result.held_wards)}, which "
                  f"{'is' if len(result.held_wards) == 1 else 'are'} not connected to the trust server on this PC: they are kept here.",
                  flush=True)
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        else:
            _say_sync(result, args.once)

    if args.once:  # 0 only when everything pending was accepted in this run
        result = engine.sync_once()
        report(result)
        return EXIT_OK if result.ok and result.rejected == 0 else EXIT_SYNC
    run_loop(engine, report)  # until interrupted; saves by any process on this PC go within seconds
    return EXIT_OK


def cmd_incident(args: argparse.Namespace, data_dir: Path) -> int:
    return cli_incidents.cmd_incident(args, data_dir, _open)


COMMANDS = {
    "enrol": cmd_enrol,
    "sync": cmd_sync,
    "print": cmd_print,
    "demo": cmd_demo,
    "check": cmd_check,
    "ward": cmd_ward,
    "staff": cmd_staff,
    "staffing": cmd_staffing,
    "export": cmd_export,
    "feedback": cli_feedback.cmd_feedback,
    "incident": cmd_incident,
}
