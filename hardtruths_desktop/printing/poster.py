"""The complaints poster: how to raise a concern, in the order of DOMAIN.md section 6.

Standard print keeps body text at 12pt or more, large print at 16pt or more. All six items are
always on the first sheet; when every detail does not fit there (large print), sheet 1 gives each
item at a glance with its phone number, says "1 of 2, continued overleaf", and the details follow.
Printing is refused while any contact detail is missing (:func:`validate_contacts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from hardtruths_desktop.printing.errors import LayoutOverflow, MissingContactDetails
from hardtruths_desktop.printing.fonts import FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    PALE_GREY,
    Block,
    Box,
    QRCode,
    Row,
    Sheet,
    Spacer,
    Stack,
    Text,
    Unprintable,
    medium_date,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import PageSpec, PosterView, TrustContacts

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEB = re.compile(r"^(https?://)?[^\s/]+\.[^\s]+$")

# (field, what it is called on screen, kind of check)
_REQUIRED: tuple[tuple[str, str, str], ...] = (
    ("pals_phone", "PALS phone number", "phone"),
    ("pals_email", "PALS email address", "email"),
    ("pals_location", "where to find PALS", "text"),
    ("complaints_phone", "complaints team phone number", "phone"),
    ("complaints_email", "complaints team email address", "email"),
    ("complaints_address", "complaints team postal address", "text"),
    ("complaints_web_page", "complaints web page (for the QR code)", "web"),
    ("advocacy_provider", "NHS Complaints Advocacy provider's name", "text"),
    ("advocacy_phone", "NHS Complaints Advocacy phone number", "phone"),
    ("healthwatch_name", "local Healthwatch name", "text"),
    ("healthwatch_phone", "local Healthwatch phone number", "phone"),
    ("healthwatch_web", "local Healthwatch website", "web"),
    ("ombudsman_phone", "Ombudsman phone number", "phone"),
    ("ombudsman_web", "Ombudsman website", "web"),
)


def missing_contact_details(contacts: TrustContacts) -> tuple[str, ...]:
    """Every required detail that is missing or malformed, named as the user knows it."""
    problems: list[str] = []
    for name, label, kind in _REQUIRED:
        value = str(getattr(contacts, name)).strip()
        if not value:
            problems.append(label)
        elif kind == "phone" and sum(c.isdigit() for c in value) < 10:
            problems.append(f"{label} (too few digits: {value!r})")
        elif kind == "email" and not _EMAIL.match(value):
            problems.append(f"{label} (not an email address: {value!r})")
        elif kind == "web" and not _WEB.match(value):
            problems.append(f"{label} (not a web address: {value!r})")
    for name in ("advocacy_web",):
        value = str(getattr(contacts, name)).strip()
        if value and not _WEB.match(value):
            problems.append(f"NHS Complaints Advocacy website (not a web address: {value!r})")
    if contacts.details_checked_on is None:
        problems.append("date the contact details were checked")
    return tuple(problems)


def validate_contacts(contacts: TrustContacts) -> None:
    """Raise :class:`MissingContactDetails` naming every missing or malformed detail."""
    missing = missing_contact_details(contacts)
    if missing:
        raise MissingContactDetails(missing)


_PHONE_LIKE = re.compile(r"\d(?:[\s-]?\d){9,}")
_EMAIL_IN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WEB_IN = re.compile(r"(https?://\S+|www\.\S+|\S+\.(?:uk|org|com|net|gov)\b\S*)", re.IGNORECASE)


def commissioner_to_print(contacts: TrustContacts) -> str:
    """The commissioner entry if it says how to reach them (a phone number, email or web address);
    otherwise "" and the poster leaves the commissioner out rather than print a bare name."""
    text = contacts.commissioner.strip()
    if text and (_PHONE_LIKE.search(text) or _EMAIL_IN.search(text) or _WEB_IN.search(text)):
        return text
    return ""


ASK_FOR_FORMATS = "Ask us for this in another language, large print or Easy Read."
WAIVED = "If you have a good reason for not complaining sooner, we can still look into it after 12 months."


@dataclass(frozen=True)
class _Sizes:
    title: float
    heading: float
    body: float
    body_min: float
    number: float
    one_per_line: bool  # contact details one per line (large print) or running on


@dataclass(frozen=True)
class _Item:
    """One of the poster's six items: full text, and the few lines that say it at a glance."""

    heading: str
    lines: tuple[str, ...]
    contact: tuple[str, ...]
    brief_lines: tuple[str, ...]
    brief_contact: tuple[str, ...]


def _qr_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else "https://" + url


def poster_items(view: PosterView) -> tuple[_Item, ...]:
    """The six items of DOMAIN.md section 6, in order."""
    c = view.contacts
    manager = view.ward_manager.strip()
    who = f"the nurse in charge or the ward manager, {manager}" if manager else "the nurse in charge or the ward manager"
    pals = [f"Phone: {c.pals_phone}", f"Email: {c.pals_email}", f"Where: {c.pals_location}"]
    if c.pals_hours.strip():
        pals.append(f"Open: {c.pals_hours}")
    advocacy = [c.advocacy_provider, f"Phone: {c.advocacy_phone}"]
    if c.advocacy_web.strip():
        advocacy.append(f"Website: {c.advocacy_web}")
    complaint = [
        "You can complain in writing (a letter or an email) or by speaking to someone.",
        "Please complain within 12 months of what happened, or of when you first knew about it. " + WAIVED,
        "We will acknowledge your complaint within 3 working days.",
    ]
    commissioner = commissioner_to_print(c)
    if commissioner:
        complaint.append(f"You can also complain to the organisation that pays for your care (the commissioner): {commissioner}")
    return (
        _Item(
            "Talk to us first",
            (
                f"Please speak to {who}. Most worries can be put right straight away.",
                "Raising a concern will not affect your care, or the care of the person you look after.",
            ),
            (),
            (f"Please speak to {who}.", "Raising a concern will not affect your care."),
            (),
        ),
        _Item(
            "Patient Advice and Liaison Service (PALS)",
            ("PALS gives confidential advice and can help sort out a problem quickly.",),
            tuple(pals),
            (),
            (f"Phone: {c.pals_phone}",),
        ),
        _Item(
            "Make a formal complaint",
            tuple(complaint),
            (
                f"Complaints team phone: {c.complaints_phone}",
                f"Email: {c.complaints_email}",
                f"Write to: {c.complaints_address}",
                f"Website: {c.complaints_web_page}",
            ),
            ("In writing or by speaking to someone, within 12 months (later if you have a good reason).",),
            (f"Phone: {c.complaints_phone}",),
        ),
        _Item(
            "Free, independent help: NHS Complaints Advocacy",
            (
                "An advocate can help you write letters and can come to meetings with you. The "
                "service is free and independent of the NHS. Your local council or Healthwatch can "
                "also tell you who provides it.",
            ),
            tuple(advocacy),
            (),
            (c.advocacy_provider, f"Phone: {c.advocacy_phone}"),
        ),
        _Item(
            "Local Healthwatch",
            ("Healthwatch is independent. It gives information and support to people who use health and care services.",),
            (c.healthwatch_name, f"Phone: {c.healthwatch_phone}", f"Website: {c.healthwatch_web}"),
            (),
            (c.healthwatch_name, f"Phone: {c.healthwatch_phone}"),
        ),
        _Item(
            "Still not happy?",
            (
                "If you are not happy with the trust's final response to your complaint, you can ask "
                "the Parliamentary and Health Service Ombudsman to look at it. This is free.",
            ),
            (f"Phone: {c.ombudsman_phone}", f"Website: {c.ombudsman_web}"),
            ("Ask the Parliamentary and Health Service Ombudsman to look at it.",),
            (f"Phone: {c.ombudsman_phone}", c.ombudsman_web),
        ),
    )


def _section(number: int, item: _Item, s: _Sizes, k: float, *, brief: bool) -> Block:
    lines = item.brief_lines if brief else item.lines
    contact = item.brief_contact if brief else item.contact
    text: list[Block] = [
        Text(item.heading, s.heading * k, min_size=s.body_min + 1, bold=True, colour=NHS_BLUE, max_lines=3, gap_after=2 * k),
    ]
    text += [Text(line, s.body * k, min_size=s.body_min, max_lines=8, leading=1.22) for line in lines]
    if not s.one_per_line and len(contact) > 1:
        # Standard print: the contact details run on, each kept whole on a line of its own.
        contact = (" \u00b7 ".join(_keep_together(c) for c in contact),)
    text += [Text(line, s.body * k, min_size=s.body_min, bold=True, max_lines=6, leading=1.22) for line in contact]
    number_block = Text(str(number), s.number * k, min_size=s.body_min, bold=True, colour=NHS_BLUE, max_lines=1)
    return Row([number_block, Stack(text, gap=2 * k)], weights=[1, 16], gap=4 * k)


def _keep_together(detail: str) -> str:
    """A short detail ("Phone: 0121 496 0000") with no-break spaces, so no line break splits it."""
    return detail.replace(" ", "\u00a0") if len(detail) <= 40 else detail


def _qr_block(view: PosterView, s: _Sizes, k: float, size: float) -> Block:
    """The QR code to the complaints page with a caption (the address itself is in section 3)."""
    url = view.contacts.complaints_web_page
    return Stack(
        [
            QRCode(_qr_url(url), size * k),
            Text("Scan for our complaints web page", s.body_min * k, min_size=s.body_min, max_lines=3, align="center"),
        ],
        gap=2 * k,
    )


def _columns(sheet: Sheet, blocks: Sequence[Block], count: int, gap: float) -> Block:
    """``blocks`` in ``count`` side-by-side columns, split where the tallest column is lowest."""
    if count <= 1 or len(blocks) <= 1:
        return Stack(list(blocks), gap=gap)
    width = (sheet.content_width - 20 * sheet.k * (count - 1)) / count
    best: tuple[float, list[Block]] | None = None
    for cuts in combinations(range(1, len(blocks)), count - 1):
        bounds = [0, *cuts, len(blocks)]
        cols: list[Block] = [Stack(list(blocks[a:b]), gap=gap) for a, b in pairwise(bounds)]
        tallest = max(sheet.measure(col, width, 1.0) for col in cols)
        if best is None or tallest < best[0]:
            best = (tallest, cols)
    assert best is not None
    return Row(best[1], gap=20 * sheet.k)


def render_poster(
    view: PosterView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """The complaints poster as PDF bytes.

    All six items on one sheet when they fit at the minimum text size (12pt, large print 16pt);
    landscape sheets set them in columns. When they do not fit (large print), sheet 1 still has
    all six, each with its phone number, says "1 of 2, continued overleaf", and the following
    sheets give every detail.

    Raises MissingContactDetails before drawing anything if a contact detail is missing.
    """
    validate_contacts(view.contacts)
    large = _Sizes(title=40, heading=22, body=18, body_min=16, number=34, one_per_line=True)
    s = large if view.large_print else _Sizes(title=36, heading=18, body=14, body_min=12, number=30, one_per_line=False)
    with open_sheet(page, title=f"How to raise a concern: {view.ward}", author=view.trust, fonts=fonts, unprintable=unprintable) as sheet:
        k = sheet.k
        checked = view.contacts.details_checked_on
        checked_note = f"Contact details checked on {medium_date(checked)}" if checked else ""
        items = poster_items(view)
        gap = 9 * k
        column_counts = (2, 3) if page.landscape else (1,)
        ask = Box(
            Text(ASK_FOR_FORMATS, s.body * k, min_size=s.body_min, bold=True, max_lines=3),
            padding=5 * k,
            left_bar=NHS_BLUE,
            bar_width=6 * k,
            fill=PALE_GREY,
        )
        heading = Stack(
            [
                Text("Tell us what you think", s.title * k, min_size=s.body_min + 10, bold=True, colour=NHS_BLUE, max_lines=2),
                Text(
                    "How to raise a concern or make a complaint about care on this ward",
                    (s.heading + 2) * k,
                    min_size=s.body_min,
                    bold=True,
                    max_lines=3,
                    gap_after=6 * k,
                ),
                # Beside the QR code, where it costs no height.
                ask,
            ]
        )
        title: list[Block] = [Row([heading, _qr_block(view, s, k, 90)], weights=[3.2, 1], gap=16 * k), Spacer(6 * k)]

        def one_page(blocks: list[Block], extra: str) -> Stack:
            return page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, extra)

        def fits(stack: Stack) -> bool:
            return sheet.fitting_scale(stack, sheet.content_width, sheet.content_height) is not None

        full = [_section(i + 1, item, s, k, brief=False) for i, item in enumerate(items)]
        for count in column_counts:
            candidate = one_page([*title, _columns(sheet, full, count, gap)], checked_note)
            if fits(candidate):
                sheet.place(candidate)
                return sheet.finish()

        # Sheet 1: the six at a glance; then the details, packed into as few sheets as they need.
        brief = [_section(i + 1, item, s, k, brief=True) for i, item in enumerate(items)]
        # The details in at most two columns: long sentences and web addresses need the width.
        detail_pages = _pack_details(sheet, s, full, column_counts[:1], gap, one_page, fits)
        total = 1 + len(detail_pages)

        def marker(number: int) -> str:
            return f"{number} of {total}, continued overleaf" if number < total else f"{number} of {total}"

        def footer_note(number: int) -> str:
            return " \u00b7 ".join(x for x in (f"Sheet {number} of {total}", checked_note) if x)

        overleaf = Text(marker(1), s.heading * k, min_size=s.body_min, bold=True, colour=NHS_BLUE, max_lines=2, align="right")
        first: Block | None = None
        for count in column_counts:
            candidate = one_page([*title, _columns(sheet, brief, count, gap), Spacer(gap), overleaf], footer_note(1))
            if fits(candidate):
                first = candidate
                break
        if first is None:
            raise LayoutOverflow("the poster's six items do not fit one sheet even at the smallest text size")
        assert isinstance(first, Stack)
        sheet.place(first)
        for number, blocks in enumerate(detail_pages, start=2):
            sheet.new_page()
            head = Text(f"Tell us what you think: the details ({marker(number)})", s.heading * k, min_size=s.body_min, bold=True, colour=NHS_BLUE, max_lines=2)
            sheet.place(one_page([head, Spacer(gap), blocks], footer_note(number)))
        return sheet.finish()


def _pack_details(
    sheet: Sheet,
    s: _Sizes,
    sections: list[Block],
    column_counts: tuple[int, ...],
    gap: float,
    one_page: Callable[[list[Block], str], Stack],
    fits: Callable[[Stack], bool],
) -> list[Block]:
    """The full sections, in order, on as few sheets as possible (in columns on landscape)."""
    best: list[Block] | None = None
    for columns in column_counts:
        pages = _pack_in_columns(sheet, s, sections, columns, gap, one_page, fits)
        if pages is not None and (best is None or len(pages) < len(best)):
            best = pages
    if best is None:
        raise LayoutOverflow("a poster section does not fit one sheet")
    return best


def _pack_in_columns(
    sheet: Sheet,
    s: _Sizes,
    sections: list[Block],
    columns: int,
    gap: float,
    one_page: Callable[[list[Block], str], Stack],
    fits: Callable[[Stack], bool],
) -> list[Block] | None:
    """Fill column after column, sheet after sheet; None if a section is too tall for a column."""
    k = sheet.k
    head = Text("Tell us what you think: the details (2 of 2)", s.heading * k, min_size=s.body_min, bold=True, colour=NHS_BLUE, max_lines=2)

    def body(cols: list[list[Block]]) -> Block:
        if columns == 1:
            return Stack(cols[0], gap=gap)
        padded = [Stack(c, gap=gap) for c in cols] + [Spacer(0)] * (columns - len(cols))
        return Row(padded, gap=20 * k)

    def page_fits(cols: list[list[Block]]) -> bool:
        return fits(one_page([head, Spacer(gap), body(cols)], "Sheet 2 of 2"))

    pages: list[Block] = []
    cols: list[list[Block]] = [[]]
    for section in sections:
        trial = [*cols[:-1], [*cols[-1], section]]
        if page_fits(trial):
            cols = trial
        elif len(cols) < columns and page_fits([*cols, [section]]):
            cols = [*cols, [section]]
        elif page_fits([[section]]):
            pages.append(body(cols))
            cols = [[section]]
        else:
            return None
    pages.append(body(cols))
    return pages
