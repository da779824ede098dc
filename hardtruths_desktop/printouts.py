"""Print jobs: read the store, build a printing view-model, render it to PDF bytes.

This is the only place that knows both the store and the documents; ``printing`` itself stays a
pure "view-model in, PDF bytes out" layer. Used by the CLI's ``print`` commands and the GUI's
Print screen (which runs these in its worker pool, off the GUI thread).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session

from hardtruths_desktop import printing as p
from hardtruths_desktop.domain.clock import Clock, today, ward_now
from hardtruths_desktop.domain.staffing import current_shift, duty_mismatch
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.domain.valuesets import staff_group, staff_groups
from hardtruths_desktop.store import beds as bed_store
from hardtruths_desktop.store import board as board_store
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.queries import ShiftView
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.tables import Trust, Ward

Document = Literal["board", "day-board", "bed-cards", "poster", "team", "fft-poster", "candour-letter"]
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class PrintRequest:
    document: Document
    ward_code: str
    day: date | None = None
    shift_code: str | None = None
    size: Literal["a4", "a3"] = "a4"
    landscape: bool = False
    large_print: bool = False
    beds: tuple[str, ...] = ()
    incident: str | None = None  # a document about one incident (the candour letter): its id or reference
    staff_id: str | None = None  # who asks (a confidential document checks their role); None: IT at the command line


def _local(iso_utc: str) -> datetime | None:
    if not iso_utc:
        return None
    return datetime.fromisoformat(iso_utc.replace("Z", "+00:00")).astimezone(LONDON).replace(tzinfo=None)


def produced_now(clock: Clock) -> datetime:
    """The "printed at" time every sheet carries: ward wall-clock time, to the second."""
    return ward_now(clock).replace(microsecond=0)


def _trust_name(session: Session, ward: Ward) -> str:
    trust = session.get(Trust, ward.trust_id)
    return trust.name if trust else ""


def resolve_shift(session: Session, ward: Ward, day: date | None, shift_code: str | None, clock: Clock) -> tuple[date, str]:
    """The shift asked for, or the one in progress at the clock's now."""
    pats = [queries.pattern_times(x) for x in queries.patterns(session, ward.id)]
    if not pats:
        raise ValidationError.single("shift", f"Ward {ward.code} has no shift pattern yet: set one up in Ward setup")
    if shift_code is None:
        if day is None or day == today(clock):
            cur = current_shift(pats, ward_now(clock))
            assert cur is not None
            return cur[0], cur[1].code
        return day, pats[0].code
    if shift_code not in {x.code for x in pats}:
        raise ValidationError.single("shift", f"Ward {ward.code} has no '{shift_code}' shift (shifts: {', '.join(x.code for x in pats)})")
    return day or today(clock), shift_code


def _mismatch(session: Session, ward: Ward, v: ShiftView) -> tuple[str, ...]:
    """The board's numbers against the names ticked on duty (only once the shift is recorded)."""
    if not v.recorded:
        return ()
    return duty_mismatch(v.groups, [s.role for s in board_store.on_duty(session, ward, v.date, v.shift_code)])


def _board_row(v: ShiftView, mismatch: tuple[str, ...] = ()) -> p.ShiftBoardRow:
    main: list[p.StaffGroupLine] = []
    extra: list[p.StaffGroupLine] = []
    for g in staff_groups():
        fig = v.groups.get(g.code)
        if fig is None:
            continue
        planned = fig.planned if (fig.planned or fig.planned_hours) else None
        if planned is None and fig.actual == 0:
            continue
        line = p.StaffGroupLine(g.label, planned, fig.actual if v.recorded else None)
        (main if g.counts_for_care_hours else extra).append(line)
    return p.ShiftBoardRow(
        shift_name=v.shift_name, starts=v.start, ends=v.end, nurse_in_charge=v.nurse_in_charge or "Not yet named",
        staff_groups=tuple(main), additional=tuple(extra), updated_at=_local(v.updated_at), mismatch=mismatch,
    )


def _uniform_key(session: Session, ward: Ward) -> tuple[p.UniformKeyEntry, ...]:
    contacts = board_store.trust_contacts(session, ward.trust_id)
    return tuple(p.UniformKeyEntry(e["colour_name"], e["colour_hex"], e["role"]) for e in board_store.uniform_key(contacts))


def board_view(session: Session, req: PrintRequest, clock: Clock) -> p.BoardView:
    ward = queries.ward_row(session, req.ward_code)
    day, code = resolve_shift(session, ward, req.day, req.shift_code, clock)
    v = queries.shift_view(session, ward, day, code)
    wb = board_store.ward_board(session, ward)
    return p.BoardView(_trust_name(session, ward), ward.name, day, _board_row(v, _mismatch(session, ward, v)), wb.ward_manager or "Not set",
                       wb.matron or "Not set", produced_now(clock), _uniform_key(session, ward))


def day_board_view(session: Session, req: PrintRequest, clock: Clock) -> p.DayBoardView:
    ward = queries.ward_row(session, req.ward_code)
    day = req.day or today(clock)
    rows = tuple(_board_row(v, _mismatch(session, ward, v)) for v in queries.shifts_in_range(session, ward, day, day))
    wb = board_store.ward_board(session, ward)
    return p.DayBoardView(_trust_name(session, ward), ward.name, day, rows, wb.ward_manager or "Not set",
                          wb.matron or "Not set", produced_now(clock), _uniform_key(session, ward))


def bed_cards_view(session: Session, req: PrintRequest, clock: Clock) -> p.BedCardsView:
    ward = queries.ward_row(session, req.ward_code)
    day, code = resolve_shift(session, ward, req.day, req.shift_code, clock)
    all_beds = bed_store.list_beds(session, ward, day, code)
    if req.beds:
        labels = {b.label for b in all_beds}
        unknown = [b for b in req.beds if b not in labels]
        if unknown:
            raise ValidationError.single("beds", f"Ward {ward.code} has no bed {', '.join(unknown)}")
        chosen = [b for b in all_beds if b.label in set(req.beds)]
        empty = [b.label for b in chosen if not b.occupied]
        if empty:
            raise ValidationError.single("beds", f"Bed {', '.join(empty)} is empty: a name card is printed only for an occupied bed")
    else:
        chosen = [b for b in all_beds if b.occupied]
    if not chosen:
        raise ValidationError.single("beds", f"No occupied beds on ward {ward.code}: fill in the bed board first")
    cards = tuple(
        p.BedCard(b.label, b.preferred_name, b.named_nurse or "", b.consultant, b.expected_discharge, b.instructions, b.name_hidden)
        for b in chosen
    )
    shift = next(queries.pattern_times(x) for x in queries.patterns(session, ward.id) if x.code == code)
    return p.BedCardsView(_trust_name(session, ward), ward.name, day, cards, produced_now(clock), shift.name, shift.start, shift.end)


def poster_contacts(session: Session, ward: Ward) -> p.TrustContacts:
    row = board_store.trust_contacts(session, ward.trust_id)
    values = {f: getattr(row, f) for f in board_store.CONTACT_FIELDS}
    return p.TrustContacts(**values, details_checked_on=row.details_checked_on)


def poster_view(session: Session, req: PrintRequest, clock: Clock) -> p.PosterView:
    ward = queries.ward_row(session, req.ward_code)
    contacts = poster_contacts(session, ward)
    missing = p.missing_contact_details(contacts)
    if missing:
        raise ValidationError.single(
            "contacts", "The poster cannot be printed until these details are entered in Ward setup > Contacts: " + ", ".join(missing)
        )
    manager = board_store.ward_board(session, ward).ward_manager
    return p.PosterView(_trust_name(session, ward), ward.name, contacts, produced_now(clock), req.large_print, manager)


def team_view(session: Session, req: PrintRequest, clock: Clock) -> p.TeamSheetView:
    ward = queries.ward_row(session, req.ward_code)
    day, code = resolve_shift(session, ward, req.day, req.shift_code, clock)
    v = queries.shift_view(session, ward, day, code)
    people = board_store.on_duty(session, ward, day, code)
    if not people:
        raise ValidationError.single("on_duty", f"Nobody is marked on duty for the {v.shift_name} shift on {day:%d %b}: tick the team in Staffing first")
    # Grouped by staff group (the national value set's order), the job title under each name.
    members = tuple(
        p.TeamMember(s.name, staff_group(s.role).singular, s.id == v.nurse_in_charge_id, staff_group(s.role).label, s.title)
        for s in sorted(people, key=lambda s: s.name)
    )
    order = tuple(g.label for g in staff_groups())
    return p.TeamSheetView(_trust_name(session, ward), ward.name, day, v.shift_name, v.start, v.end, members, produced_now(clock), order,
                           _mismatch(session, ward, v))


# --- the one document registry ---------------------------------------------------------------------


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def _board_title(v: p.BoardView) -> str:
    return f"Who's in charge – {v.ward} – {v.shift.shift_name} shift, {_day(v.board_date)}"


def _day_board_title(v: p.DayBoardView) -> str:
    return f"Ward board – {v.ward} – {_day(v.board_date)}"


def _bed_cards_title(v: p.BedCardsView) -> str:
    n = len(v.cards)
    return f"Name cards above beds – {v.ward} – {n} card{'s' if n != 1 else ''}"


def _poster_title(v: p.PosterView) -> str:
    return f"Complaints poster – {v.ward}" + (" (large print)" if v.large_print else "")


def _team_title(v: p.TeamSheetView) -> str:
    return f"Hello my name is – {v.ward} – {v.shift_name} shift, {_day(v.sheet_date)}"


def fft_poster_view(session: Session, req: PrintRequest, clock: Clock) -> Any:
    """Issue 9: the Friends and Family Test results poster for the month of ``req.day`` (default: this month)."""
    from hardtruths_desktop.readmodels.feedback import fft_poster_of

    produced_at = produced_now(clock)
    day = req.day or produced_at.date()
    return fft_poster_of(session.connection().connection.driver_connection, req.ward_code, year=day.year, month=day.month,
                         produced_at=produced_at, large_print=req.large_print)


def _fft_title(v: Any) -> str:
    return f"Friends and Family Test results – {v.ward} – {v.month_label}" + (" (large print)" if v.large_print else "")


def _render_fft(view: Any, page: p.PageSpec) -> bytes:
    from hardtruths_desktop.printing.fft_poster import render_fft_poster

    return render_fft_poster(view, page)


def candour_letter_view(session: Session, req: PrintRequest, clock: Clock) -> Any:
    """Issue 10: the draft duty of candour written follow-up of ``req.incident`` (id or reference).
    Only a reviewer (ward manager, matron, IT at the command line) may print it: it carries the facts."""
    from hardtruths_desktop.printing.candour_letter import CandourLetterView
    from hardtruths_desktop.printing.layout import long_date
    from hardtruths_desktop.readmodels.incidents import incident_detail
    from hardtruths_desktop.store import incidents as repo

    wanted = (req.incident or "").strip()
    if not wanted:
        raise ValidationError.single("incident", "Say which incident the letter is about (its reference, e.g. W7-20261125-1A2B)")
    db: sqlite3.Connection = session.connection().connection.driver_connection  # type: ignore[assignment]
    row = db.execute("SELECT i.id, w.name, t.name, w.id FROM incident i JOIN ward w ON w.id = i.ward_id"
                     " JOIN trust t ON t.id = w.trust_id WHERE i.id = ? OR i.reference = ?", (wanted, wanted.upper())).fetchone()
    if row is None:
        raise ValidationError.single("incident", f"There is no incident '{wanted[:40]}' on this station")
    if not repo.viewer_for(db, req.staff_id, row[3]).reviews:
        raise ValidationError.single("permission", "Only the ward manager or matron can print a duty of candour letter")
    manager = db.execute("SELECT name FROM staff WHERE ward_id = ? AND is_manager = 1 AND active = 1 ORDER BY name LIMIT 1",
                         (row[3],)).fetchone()
    d = incident_detail(db, row[0], on=today(clock), staff_id=req.staff_id)
    c = d.candour
    notified = next((x for x in (c.steps if c else ()) if x.code == "notified"), None)
    written = next((x for x in (c.steps if c else ()) if x.code == "written"), None)
    rec = d.json
    occurred = long_date(date.fromisoformat(rec["occurred"][:10])) + (f" at {rec['occurred'][11:]}" if len(rec["occurred"]) > 10 else "")
    enquiries = [f"We are reviewing what happened through a {d.response.lower()}."] if d.response else []
    enquiries += [f"What we have found so far: {f}" for f in d.findings]
    enquiries += [f"What we are changing: {a}" for a in d.actions]
    return CandourLetterView(
        trust=row[2], ward=row[1], reference=d.reference, occurred=occurred, location=d.location, description=d.description,
        immediate_actions=d.immediate_actions, enquiries="\n".join(enquiries), aware_on=c.aware_on if c else None,
        notified_on=notified.done_on if notified else None, notified_by=notified.by if notified else "",
        written_due=written.due if written else None, manager=manager[0] if manager else "", produced_at=produced_now(clock),
    )


def _render_candour_letter(view: Any, page: p.PageSpec) -> bytes:
    from hardtruths_desktop.printing.candour_letter import render_candour_letter

    return render_candour_letter(view, page, unprintable="mark")  # a draft to edit: mark what cannot print, never drop it


def _candour_title(v: Any) -> str:
    return f"Duty of candour letter (draft) – {v.ward} – {v.reference}"


def candour_letter(store: Store, incident: str, *, staff_id: str | None, clock: Clock | None = None) -> bytes:
    """The candour letter's PDF bytes (CLI, Incidents screen): through the one registry."""
    return render_prepared(prepare(store, PrintRequest("candour-letter", "", incident=incident, staff_id=staff_id), clock))


@dataclass(frozen=True)
class DocumentKind:
    """Everything about one printed document: how it is offered, read, drawn, titled and named."""

    key: Document
    label: str  # as the Print screen lists it
    short_name: str  # in a suggested file name
    build: Callable[[Session, PrintRequest, Clock], Any]  # the view-model, read from the store as of the clock's now
    render: Callable[[Any, p.PageSpec], bytes]  # view-model in, PDF bytes out (no store)
    title: Callable[[Any], str]  # the print job's / preview's title
    uses_date: bool = True
    uses_shift: bool = False
    per_incident: bool = False  # printed from an incident (Incidents screen, CLI), not offered on the Print screen


DOCUMENTS: dict[str, DocumentKind] = {d.key: d for d in (
    DocumentKind("board", "Who's in charge board (one shift)", "who's in charge board", board_view, p.render_board,
                 _board_title, uses_shift=True),
    DocumentKind("day-board", "Board for the whole day (every shift)", "board for the day", day_board_view, p.render_day_board,
                 _day_board_title),
    DocumentKind("bed-cards", "Name cards above beds", "bed name cards", bed_cards_view, p.render_bed_cards,
                 _bed_cards_title, uses_shift=True),
    DocumentKind("poster", "Complaints poster (\"Tell us what you think\")", "complaints poster", poster_view, p.render_poster,
                 _poster_title, uses_date=False),
    DocumentKind("team", "\"Hello my name is\" team sheet", "team sheet", team_view, p.render_team_sheet,
                 _team_title, uses_shift=True),
    DocumentKind("fft-poster", "Friends and Family Test results poster", "FFT results poster", fft_poster_view, _render_fft,
                 _fft_title),
    DocumentKind("candour-letter", "Duty of candour letter (draft written follow-up)", "candour letter", candour_letter_view,
                 _render_candour_letter, _candour_title, uses_date=False, per_incident=True),
)}


def document(key: str) -> DocumentKind:
    try:
        return DOCUMENTS[key]
    except KeyError:
        raise ValidationError.single("document", f"Unknown document '{key}' (documents: {', '.join(DOCUMENTS)})") from None


@dataclass(frozen=True)
class Prepared:
    """A document's view-model read from the store, ready to render (in a worker pool, or at once)."""

    request: PrintRequest
    view: Any
    title: str
    produced_at: datetime

    @property
    def kind(self) -> DocumentKind:
        return DOCUMENTS[self.request.document]

    def file_name(self) -> str:
        """A file name to suggest when saving, e.g. ``Ward 7 who's in charge board 2026-11-25 early.pdf``."""
        req = self.request
        stem = f"{self.view.ward} {self.kind.short_name} {(req.day or self.produced_at.date()).isoformat()}"
        if req.shift_code and req.document in ("board", "team"):
            stem += f" {req.shift_code}"
        return re.sub(r"[^\w\- ]+", "", stem).strip() + ".pdf"


def prepare_in(session: Session, req: PrintRequest, clock: Clock) -> Prepared:
    """Read what the document shows, as of the clock's now (the shift in progress, "printed at").
    Raises ValidationError with a plain message when something is missing."""
    kind = document(req.document)
    view = kind.build(session, req, clock)
    return Prepared(req, view, kind.title(view), produced_now(clock))


def prepare(store: Store, req: PrintRequest, clock: Clock | None = None) -> Prepared:
    """The Print screen's read-model (runs on the store worker); the store's clock unless given."""
    with store.read() as s:
        return prepare_in(s, req, clock or store.clock)


def render_prepared(prep: Prepared) -> bytes:
    """The PDF bytes (raises UnprintableCharacters / LayoutOverflow); no store, safe in a pool thread."""
    return prep.kind.render(prep.view, p.PageSpec(prep.request.size, prep.request.landscape))


def render(session: Session, req: PrintRequest, clock: Clock) -> bytes:
    """The PDF for a request (the CLI's ``print``). Raises ValidationError (missing data) or UnprintableCharacters."""
    return render_prepared(prepare_in(session, req, clock))


__all__ = ["DOCUMENTS", "DocumentKind", "Prepared", "PrintRequest", "document", "prepare", "render", "render_prepared", "resolve_shift"]
