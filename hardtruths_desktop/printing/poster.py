"""The complaints poster: how to raise a concern, in the order of DOMAIN.md section 6.

Standard print keeps body text at 12pt or more, large print at 16pt or more. If the content does
not fit one sheet at that size (large print on A4 portrait), it continues on a second sheet.
Printing is refused while any contact detail is missing (:func:`validate_contacts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from hardtruths_desktop.printing.errors import LayoutOverflow, MissingContactDetails
from hardtruths_desktop.printing.fonts import RENDER_LOCK, FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    Block,
    QRCode,
    Row,
    Sheet,
    Spacer,
    Stack,
    Text,
    Unprintable,
    medium_date,
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


@dataclass(frozen=True)
class _Sizes:
    title: float
    heading: float
    body: float
    body_min: float
    number: float


def _qr_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else "https://" + url


def _sections(view: PosterView, s: _Sizes, k: float) -> list[Block]:
    c = view.contacts

    def section(number: int, heading: str, lines: list[str], contact: list[str]) -> Block:
        text: list[Block] = [
            Text(heading, s.heading * k, min_size=s.body_min + 1, bold=True, colour=NHS_BLUE, max_lines=3, gap_after=2 * k),
        ]
        text += [Text(line, s.body * k, min_size=s.body_min, max_lines=8, leading=1.22) for line in lines]
        text += [Text(line, s.body * k, min_size=s.body_min, bold=True, max_lines=3, leading=1.22) for line in contact]
        number_block = Text(str(number), s.number * k, min_size=s.body_min, bold=True, colour=NHS_BLUE, max_lines=1)
        return Row([number_block, Stack(text, gap=2 * k)], weights=[1, 16], gap=4 * k)

    pals = [f"Phone: {c.pals_phone}", f"Email: {c.pals_email}", f"Where: {c.pals_location}"]
    if c.pals_hours.strip():
        pals.append(f"Open: {c.pals_hours}")
    advocacy = [f"{c.advocacy_provider}", f"Phone: {c.advocacy_phone}"]
    if c.advocacy_web.strip():
        advocacy.append(f"Website: {c.advocacy_web}")
    complaint_lines = [
        "You can complain in writing (a letter or an email) or by speaking to someone, to us or "
        "to the organisation that pays for your care (the commissioner).",
        "Please complain within 12 months of what happened, or of when you first knew about it.",
        "We will acknowledge your complaint within 3 working days.",
    ]
    if c.commissioner.strip():
        complaint_lines.append(f"Commissioner: {c.commissioner}")
    return [
        section(
            1,
            "Talk to us first",
            [
                "Please speak to the nurse in charge or the ward manager. Most worries can be put right straight away.",
                "Raising a concern will not affect your care, or the care of the person you look after.",
            ],
            [],
        ),
        section(
            2,
            "Patient Advice and Liaison Service (PALS)",
            [
                "PALS gives confidential advice and can help sort out a problem quickly.",
            ],
            pals,
        ),
        section(
            3,
            "Make a formal complaint",
            complaint_lines,
            [
                f"Complaints team phone: {c.complaints_phone}",
                f"Email: {c.complaints_email}",
                f"Write to: {c.complaints_address}",
                f"Website: {c.complaints_web_page}",
            ],
        ),
        section(
            4,
            "Free, independent help: NHS Complaints Advocacy",
            [
                "An advocate can help you write letters and can come to meetings with you. The "
                "service is free and independent of the NHS. Your local council or Healthwatch can "
                "also tell you who provides it.",
            ],
            advocacy,
        ),
        section(
            5,
            "Local Healthwatch",
            [
                "Healthwatch is independent. It gives information and support to people who use health and care services.",
            ],
            [c.healthwatch_name, f"Phone: {c.healthwatch_phone}", f"Website: {c.healthwatch_web}"],
        ),
        section(
            6,
            "Still not happy?",
            [
                "If you are not happy with the trust's final response to your complaint, you can ask "
                "the Parliamentary and Health Service Ombudsman to look at it. This is free.",
            ],
            [f"Phone: {c.ombudsman_phone}", f"Website: {c.ombudsman_web}"],
        ),
    ]


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


def render_poster(
    view: PosterView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """The complaints poster as PDF bytes.

    Raises MissingContactDetails before drawing anything if a contact detail is missing.
    """
    validate_contacts(view.contacts)
    large = _Sizes(title=40, heading=22, body=18, body_min=16, number=34)
    s = large if view.large_print else _Sizes(title=36, heading=18, body=14, body_min=12, number=30)
    with RENDER_LOCK:
        sheet = Sheet(
            page,
            title=f"How to raise a concern: {view.ward}",
            author=view.trust,
            fonts=fonts,
            unprintable=unprintable,
        )
        k = sheet.k
        checked = view.contacts.details_checked_on
        extra = f"Contact details checked on {medium_date(checked)}" if checked else ""
        title: list[Block] = [
            Text("Tell us what you think", s.title * k, min_size=s.body_min + 10, bold=True, colour=NHS_BLUE, max_lines=2),
            Text(
                "How to raise a concern or make a complaint about care on this ward",
                (s.heading + 2) * k,
                min_size=s.body_min,
                bold=True,
                max_lines=3,
                gap_after=10 * k,
            ),
        ]
        sections = _sections(view, s, k)
        gap = 9 * k

        def one_page(blocks: list[Block]) -> Stack:
            return page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, extra)

        qr = _qr_block(view, s, k, 90)
        title = [Row([Stack(title), qr], weights=[3.2, 1], gap=16 * k), Spacer(6 * k)]
        if page.landscape:
            # Two columns, or three when two do not fit (A4 landscape).
            for split in ((3,), (2, 4), (2, 3), (3, 4)):
                bounds = [0, *split, len(sections)]
                columns: list[Block] = [Stack(sections[a:b], gap=gap) for a, b in pairwise(bounds)]
                candidate = one_page([*title, Row(columns, gap=20 * k)])
                if sheet.fitting_scale(candidate, sheet.content_width, sheet.content_height):
                    sheet.place(candidate)
                    return sheet.finish()

        def fits(blocks: list[Block]) -> bool:
            stack = one_page(blocks)
            return sheet.fitting_scale(stack, sheet.content_width, sheet.content_height) is not None

        continued = Text("Tell us what you think (continued)", s.heading * k, min_size=s.body_min, bold=True, colour=NHS_BLUE)
        pages: list[list[Block]] = [[*title]]
        for block in sections:
            trial = [*pages[-1], Spacer(gap), block]
            if fits(trial):
                pages[-1] = trial
                continue
            fresh = [continued, Spacer(gap), block]
            if not fits(fresh):
                raise LayoutOverflow("a poster section does not fit one sheet")
            pages.append(fresh)
        for number, blocks in enumerate(pages):
            if number:
                sheet.new_page()
            sheet.place(one_page(blocks))
        return sheet.finish()
