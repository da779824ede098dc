"""``hardtruths-server``: run the trust server, or ``admin`` commands against its database.

    hardtruths-server [--database-url URL] [--data-dir DIR] [--host H] [--port P]
    hardtruths-server admin [--database-url URL] [--data-dir DIR] create-trust --code C --name N
    hardtruths-server admin ... create-ward --code W --name N [--site S] [--specialty S] [--trust CODE]
    hardtruths-server admin ... enrolment-code --ward W          (prints only the code)
    hardtruths-server admin ... devices [--json]
    hardtruths-server admin ... revoke --device ID
    hardtruths-server admin ... staffing --ward W --month YYYY-MM [--json]
    hardtruths-server admin ... staffing-return [--ward W] --month YYYY-MM [--as-of TIME] [--json | --csv]
                                                                  (no --ward: every ward, the national return)
    hardtruths-server admin ... records --ward W [--entity E] [--json]   (no --ward: trust-wide records)
    hardtruths-server admin ... void --record ID --reason TEXT [--entity E]
    hardtruths-server admin ... feedback --ward W --month YYYY-MM [--json]
    hardtruths-server admin ... new-epoch                         (restore runbook)
    hardtruths-server admin ... gaps [--json]                     (changes stations declared lost)
    hardtruths-server admin ... purge                             (nightly: retention, SYNC.md 3.8)
    hardtruths-server admin ... settle-record-ids                 (odd record ids written in their usual form;
                                                                   runs without upgrading the database first)

Errors are one line on stderr: exit 2 for bad input or configuration (an unknown ward, a short
admin token file), 3 when the database cannot be opened, 1 for anything unexpected.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain.clock import utc_now
from hardtruths_desktop.domain.validation import ValidationError, parse_month
from trust_server.errors import ApiError
from trust_server.settings import ENV_PINNED_CLOCK, ConfigError, Settings

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DATABASE = 0, 1, 2, 3


def _common(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--database-url", default=default, help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
                        "(default: a SQLite file in the data folder)")
    parser.add_argument("--data-dir", default=default, help="data folder (env HARDTRUTHS_SERVER_DATA_DIR)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hardtruths-server", description="The Hard Truths trust server.")
    _common(p, suppress=False)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    sub = p.add_subparsers(dest="command")
    admin = sub.add_parser("admin", help="administer wards, enrolment codes and devices")
    _common(admin, suppress=True)
    asub = admin.add_subparsers(dest="action", required=True)
    shared = argparse.ArgumentParser(add_help=False)
    _common(shared, suppress=True)
    t = asub.add_parser("create-trust", parents=[shared], help="create (or rename) a trust")
    t.add_argument("--code", required=True)
    t.add_argument("--name", required=True)
    w = asub.add_parser("create-ward", parents=[shared], help="create (or update) a ward")
    w.add_argument("--code", required=True)
    w.add_argument("--name", required=True)
    w.add_argument("--site", default="")
    w.add_argument("--specialty", default="")
    w.add_argument("--beds", type=int, default=28)
    w.add_argument("--trust", default=None, help="trust code (default: the first trust; one is made if none)")
    e = asub.add_parser("enrolment-code", parents=[shared], help="a one-time code to enrol a station (valid 24 h)")
    e.add_argument("--ward", required=True)
    d = asub.add_parser("devices", parents=[shared], help="list enrolled stations")
    d.add_argument("--json", action="store_true")
    r = asub.add_parser("revoke", parents=[shared], help="revoke a station's access (its records are kept)")
    r.add_argument("--device", required=True)
    fb = asub.add_parser("feedback", parents=[shared], help="a ward's Friends and Family Test month")
    fb.add_argument("--ward", required=True)
    fb.add_argument("--month", required=True, help="YYYY-MM")
    fb.add_argument("--json", action="store_true")
    s = asub.add_parser("staffing", parents=[shared], help="a ward's merged shifts for a month")
    s.add_argument("--ward", required=True)
    s.add_argument("--month", required=True)
    s.add_argument("--json", action="store_true")
    sr = asub.add_parser("staffing-return", parents=[shared], help="a ward's monthly staffing return (the station's CSV row)")
    sr.add_argument("--ward", default=None, help="ward code (leave out for every ward's row: the trust's national return)")
    sr.add_argument("--month", required=True)
    sr.add_argument("--as-of", default=None, help="judge what is missing as of this time (ISO, with offset; default now)")
    sr_format = sr.add_mutually_exclusive_group()
    sr_format.add_argument("--json", action="store_true")
    sr_format.add_argument("--csv", action="store_true", help="the return's header and one row a ward, as CSV")
    rec = asub.add_parser("records", parents=[shared], help="a ward's records as the server holds them")
    rec.add_argument("--ward", default=None, help="ward code (leave out for the trust-wide records)")
    rec.add_argument("--entity", default=None)
    rec.add_argument("--json", action="store_true")
    v = asub.add_parser("void", parents=[shared], help="void a record (an audited tombstone every station applies)")
    v.add_argument("--record", required=True)
    v.add_argument("--reason", required=True)
    v.add_argument("--entity", default=None, help="needed only when two records share the id (a ward and its board)")
    inc = asub.add_parser("incidents", parents=[shared], help="a ward's incidents of a month, for the patient safety team")
    inc.add_argument("--ward", required=True)
    inc.add_argument("--month", required=True)
    inc.add_argument("--json", action="store_true")
    asub.add_parser("new-epoch", parents=[shared], help="after restoring the database from a backup: make stations re-sync")
    asub.add_parser("purge", parents=[shared], help="nightly retention: superseded change-log rows, tombstones over 180 days")
    asub.add_parser("settle-record-ids", parents=[shared], help="write record ids an older server kept in another form "
                    "(braces, dashes elsewhere) in their usual form; works before the database is upgraded")
    g = asub.add_parser("gaps", parents=[shared], help="changes stations can no longer send (after a restore from an old backup)")
    g.add_argument("--json", action="store_true")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.resolve(getattr(args, "database_url", None), getattr(args, "data_dir", None))


def run_server(args: argparse.Namespace) -> int:
    import uvicorn

    from trust_server.app import create_app

    settings = _settings(args)
    app = create_app(settings)  # refuses a bad configuration first (one line, exit 2)
    if settings.clock_is_pinned:  # said on the terminal too, not only in the log
        print(f"hardtruths-server: WARNING: the clock is pinned at {settings.pinned_clock} "
              f"({ENV_PINNED_CLOCK}): for test and benchmark servers only", file=sys.stderr)
    settle_interpreter()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return EXIT_OK


#: the collector's thresholds while the server serves (``settle_interpreter``): a young-generation pass every
#: 250,000 container objects made (Python's default: 700), an older pass every 50 of those, a full pass every 100.
#: At 50,000 a young pass walked the objects of the batch being merged (alive, so all scanned) once or twice in every
#: sync of 2,000 edits: 14-25 ms of the server's CPU (``benchmarks/push_timeline.py``'s gc column; issue 13, lead),
#: none in three syncs at 250,000. Only garbage in reference cycles waits for a pass: a few MB at most.
SERVER_GC_THRESHOLDS = (250_000, 50, 100)
#: how long a thread may keep the interpreter while another wants it, while the server serves (Python's default 5 ms)
SERVER_SWITCH_INTERVAL_S = 0.0005


def settle_interpreter() -> None:
    """The interpreter set for serving: the collector (``settle_gc``), and a switch interval of 0.5 ms. A push's
    transaction waits on PostgreSQL some twenty times while the station's next push is read and checked on
    another thread (the pipelined push); each time its answer came, it waited up to the whole 5 ms default
    for that thread to give the interpreter back (issue 13, i13-http6: a 500-change transaction took 1.5-2x
    its time alone; with 0.5 ms, a sync of 2,000 new shifts 0.45-0.78 s against 0.83-0.99 s, same run)."""
    settle_gc()
    sys.setswitchinterval(SERVER_SWITCH_INTERVAL_S)


def settle_gc() -> None:
    """The collector set for serving. Everything imported and built so far lives as long as the process:
    moved out of the collector's sight (``gc.freeze``), so its full passes scan only the requests' own
    objects (issue 13: py-spy put a sixth of a 500-change push in collections walking the imported
    libraries' objects). And passes far apart (``SERVER_GC_THRESHOLDS``): a push of 500 changes makes
    ~100,000 short-lived containers, nearly all freed by their reference counts, for which Python's
    default ran ~40 young and a full pass each (issue 13, i13-http6: 20-130 ms a sync of 2,000 changes,
    ~7% of the server's CPU). Only garbage in reference cycles waits for a pass, a few MB at most."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)


def _open(settings: Settings) -> tuple[Session, str]:
    """A session on the migrated database, and the token-signing secret (enrolment codes need it)."""
    from trust_server.db import make_engine, prepare

    engine = make_engine(settings.database_url)
    try:
        secret = prepare(engine, settings)
    except BaseException:
        engine.dispose()
        raise
    return Session(engine, expire_on_commit=False), secret


def admin(args: argparse.Namespace) -> int:
    from trust_server import devices, incidents, reference, staffing
    from trust_server.models import WardCreate

    settings = _settings(args)
    clock = settings.clock  # the server's: every "now" of a command (a code's expiry, --as-of's default, purge)
    if args.action == "settle-record-ids":
        return _settle_record_ids(settings)
    session, secret = _open(settings)
    try:
        with session.begin():
            out: str
            if args.action == "create-trust":
                t = reference.create_trust(session, args.code, args.name, clock=clock)
                out = f"Trust {t.code} ({t.name}) is ready."
            elif args.action == "create-ward":
                w = reference.create_ward(session, WardCreate(code=args.code.strip()[:16] or "?", name=args.name.strip()[:200] or "?",
                                                              site=args.site[:200], specialty=args.specialty[:200],
                                                              beds=args.beds if 1 <= args.beds <= 120 else 28,
                                                              trust_code=args.trust), clock=clock)
                if not 1 <= args.beds <= 120:
                    raise ValidationError.single("beds", "A ward has between 1 and 120 beds")
                if not args.name.strip():
                    raise ValidationError.single("name", "Ward name is required")
                out = f"Ward {w.code} ({w.name}) is ready."
            elif args.action == "enrolment-code":
                out = devices.new_enrolment_code(session, secret, args.ward, utc_now(clock)).code
            elif args.action == "devices":
                rows = devices.list_devices(session)
                if args.json:
                    out = json.dumps([r.model_dump() for r in rows], indent=2)
                else:
                    lines = [f"{r.device_id}  {r.ward_code:6} {r.name[:20]:20} last sync {r.last_sync or 'never':24} "
                             f"pending {r.pending_reported if r.pending_reported is not None else '?':>5}  "
                             f"{'REVOKED' if r.revoked else 'active'}" for r in rows]
                    out = "\n".join(lines) or "No stations are enrolled yet."
            elif args.action == "revoke":
                d = devices.revoke(session, args.device, utc_now(clock))
                out = f"Device {d.device_id} is revoked; its records are kept."
            elif args.action == "staffing":
                y, m = parse_month(args.month, "--month")
                shifts = staffing.month_shifts(session, reference.ward_by_code(session, args.ward), y, m)
                if args.json:
                    out = json.dumps([v.model_dump() for v in shifts], ensure_ascii=False, indent=2)
                else:
                    out = "\n".join(
                        f"{v.date} {v.shift_name:9} RN {v.groups['rn'].actual}/{v.groups['rn'].planned}  "
                        f"CARE {v.groups['care'].actual}/{v.groups['care'].planned}  "
                        f"{'recorded' if v.recorded else 'not recorded'}" for v in shifts) or "No shifts."
            elif args.action == "staffing-return":
                from hardtruths_desktop.domain.validation import parse_as_of

                y, m = parse_month(args.month, "--month")
                now = parse_as_of(args.as_of, "--as-of") if args.as_of else utc_now(clock)
                rets = ([staffing.month_return(session, reference.ward_by_code(session, args.ward), y, m, now)] if args.ward
                        else staffing.trust_month_returns(session, y, m, now))
                if args.json:
                    out = json.dumps(rets[0].model_dump() if args.ward else [r.model_dump() for r in rets], ensure_ascii=False, indent=2)
                elif args.csv:
                    out = _csv([staffing_return_header(), *([r.row.get(c, "") for c in staffing_return_header()] for r in rets)])
                else:
                    out = "\n\n".join("\n".join([f"Ward {ret.ward} {ret.month}: {ret.summary}",
                                                  *(f"{c}: {ret.row[c]}" for c in ret.columns if ret.row[c] != "")])
                                      for ret in rets) or "No wards."
            elif args.action == "records":
                found = reference.list_records(session, args.ward, args.entity)
                if args.json:
                    out = json.dumps([r.model_dump() for r in found], ensure_ascii=False, indent=2)
                else:
                    out = "\n".join(f"{r.entity:15} {r.id}  {'VOID ' if r.deleted else ''}"
                                    f"{json.dumps(r.data, ensure_ascii=False, sort_keys=True)[:160]}" for r in found) or "No records."
            elif args.action == "void":
                voided = reference.void_record(session, args.record, args.reason, args.entity, clock=clock)
                out = f"The {voided.entity.replace('_', ' ')} record {voided.id} is void; stations remove it when they next sync."
            elif args.action == "feedback":
                from trust_server import feedback

                y, m = parse_month(args.month, "--month")
                summary = feedback.month_summary(session, reference.ward_by_code(session, args.ward), y, m)
                if args.json:
                    out = json.dumps(summary, ensure_ascii=False, indent=2)
                else:
                    score = fft.score(summary["counts"])
                    out = f"{summary['ward']} {summary['month']}: {score.describe()}"
            elif args.action == "purge":
                from trust_server import retention

                out = retention.purge(session, utc_now(clock)).describe()
            elif args.action == "gaps":
                from trust_server import gaps

                found_gaps = gaps.list_gaps(session)
                if args.json:
                    out = json.dumps([g.model_dump() for g in found_gaps], indent=2)
                else:
                    out = "\n".join(f"{g.declared_at}  {g.ward_code:6} device {g.device_id}: {g.changes} change(s) "
                                    f"{g.from_seq}-{g.to_seq} can never arrive (kept on the PC until "
                                    f"{g.oldest_retained_wall_time or 'unknown'}): check with the ward"
                                    for g in found_gaps) or "No gaps declared: every station's changes arrived."
            elif args.action == "incidents":
                y, m = parse_month(args.month, "--month")
                items = incidents.month_incidents(session, reference.ward_by_code(session, args.ward), y, m)
                if args.json:
                    out = json.dumps(items, ensure_ascii=False, indent=2)
                else:
                    out = "\n".join(f"{i['reference']:22} {i['occurred']:16} {i['category']:24} {i['harm']:9} {i['status']}"
                                    for i in items) or "No incidents."
            elif args.action == "new-epoch":
                out = f"New server epoch {devices.new_epoch(session)}: stations will re-send what they hold and pull again."
            else:  # pragma: no cover - argparse refuses unknown actions
                raise ValidationError.single("action", f"unknown command {args.action}")
    finally:
        bind = session.get_bind()
        session.close()
        if isinstance(bind, Engine):  # one admin command, one engine: don't leave its pooled connections open
            bind.dispose()
    _print(out)
    return EXIT_OK


def _settle_record_ids(settings: Settings) -> int:
    """``admin settle-record-ids``: on the database as it is (migration 0013 refuses history holding an odd
    id, so this must not upgrade it first), in one transaction."""
    from trust_server import record_ids
    from trust_server.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            report = record_ids.settle(conn)
    finally:
        engine.dispose()
    _print(report.describe())
    return EXIT_OK


def staffing_return_header() -> list[str]:
    from hardtruths_desktop.domain import staffing_return

    return list(staffing_return.return_header())


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().rstrip("\n")


def _print(text: str) -> None:
    """Print whatever a record holds: a character the terminal cannot show is replaced, never a crash."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, errors="replace").decode(encoding, errors="replace") + "\n")
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code) if isinstance(e.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = admin if args.command == "admin" else run_server
    try:
        return handler(args)
    except (ValidationError, ConfigError) as e:
        print(f"hardtruths-server: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ApiError as e:
        print(f"hardtruths-server: {e.message}", file=sys.stderr)
        return EXIT_USAGE if 400 <= e.status < 500 else EXIT_ERROR
    except SQLAlchemyError as e:
        from sqlalchemy.exc import OperationalError

        from trust_server.middleware import describe

        # a connection failure says why; other database errors may quote row values: type and code only
        why = str(e.orig).splitlines()[0][:300] if isinstance(e, OperationalError) else describe(e).split(" at ")[0]
        print(f"hardtruths-server: the database cannot be used: {why}", file=sys.stderr)
        return EXIT_DATABASE
    except OSError as e:
        print(f"hardtruths-server: {e}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
