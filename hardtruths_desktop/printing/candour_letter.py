"""Duty of candour: a DRAFT written follow-up (Regulation 20) with the facts recorded, for the
ward manager to edit, sign and send. View-model in, PDF bytes out; long text continues on
further sheets, each with the header and footer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hardtruths_desktop.printing.errors import LayoutOverflow
from hardtruths_desktop.printing.fonts import RENDER_LOCK, FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    Block,
    Box,
    Spacer,
    Text,
    Unprintable,
    long_date,
    page_stack,
)
from hardtruths_desktop.printing.models import PageSpec


@dataclass(frozen=True)
class CandourLetterView:
    trust: str
    ward: str
    reference: str
    occurred: str  # "Tuesday 25 November 2026 at 14:05" or "... (night shift)"
    location: str
    description: str
    immediate_actions: str
    enquiries: str  # the review so far: response chosen, findings, actions ("" when none yet)
    aware_on: date | None
    notified_on: date | None
    notified_by: str
    written_due: date | None
    manager: str  # who signs (the ward manager), "" for a blank line
    produced_at: datetime


def _chunks(text: str, size: int = 700) -> list[str]:
    """Split long text into pieces at line or word boundaries, so it can continue on the next sheet."""
    out: list[str] = []
    for para in text.split("\n"):
        para = para.strip()
        while len(para) > size:
            cut = para.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            out.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        if para:
            out.append(para)
    return out


def _para(text: str, k: float, bold: bool = False, colour: object = None) -> list[Block]:
    kw = {"colour": colour} if colour is not None else {}
    return [Text(piece, 12 * k, min_size=12, bold=bold, max_lines=40, gap_after=5 * k, **kw)  # type: ignore[arg-type]
            for piece in _chunks(text)]


def render_candour_letter(view: CandourLetterView, page: PageSpec | None = None, *, fonts: FontChain | None = None,
                          unprintable: Unprintable = "raise") -> bytes:
    from hardtruths_desktop.printing.layout import Sheet

    page = page or PageSpec("a4", False)
    with RENDER_LOCK:
        sheet = Sheet(page, title=f"Duty of candour follow-up {view.reference} (draft)", author=view.trust, fonts=fonts,
                      unprintable=unprintable)
        k = sheet.k
        body: list[Block] = [
            Box(Text("DRAFT for the ward manager to check, edit and sign. Not to be sent as printed.", 12 * k, min_size=12,
                     bold=True, max_lines=3), padding=6 * k, fill=None, border=NHS_BLUE),
            Spacer(8 * k),
            Text("Following up our conversation about your care", 20 * k, min_size=14, bold=True, colour=NHS_BLUE, max_lines=3,
                 gap_after=6 * k),
            Text(f"Our reference: {view.reference}", 12 * k, min_size=12, max_lines=1, gap_after=8 * k),
            Text("Dear ______________________", 12 * k, min_size=12, max_lines=1, gap_after=8 * k),
        ]
        talk = (f"Thank you for speaking with {view.notified_by or 'us'}" + (f" on {long_date(view.notified_on)}" if view.notified_on else "")
                + ". As we promised, this letter sets out in writing what we know so far about what happened on our ward"
                  f" ({view.ward}) on {view.occurred}, what we are doing to find out more, and what will happen next.")
        body += _para(talk, k)
        body.append(Text("What happened", 14 * k, min_size=13, bold=True, colour=NHS_BLUE, max_lines=1, gap_after=3 * k))
        if view.location:
            body += _para(f"Where: {view.location}.", k)
        body += _para(view.description, k)
        if view.immediate_actions:
            body.append(Text("What we did straight away", 14 * k, min_size=13, bold=True, colour=NHS_BLUE, max_lines=1, gap_after=3 * k))
            body += _para(view.immediate_actions, k)
        body.append(Text("We are sorry", 14 * k, min_size=13, bold=True, colour=NHS_BLUE, max_lines=1, gap_after=3 * k))
        body += _para("We are very sorry that this happened to you. We want to understand fully how it happened and to"
                      " learn from it, so that it does not happen to you or anyone else again.", k)
        body.append(Text("What we are doing to find out more", 14 * k, min_size=13, bold=True, colour=NHS_BLUE, max_lines=1,
                         gap_after=3 * k))
        body += _para(view.enquiries or "We are reviewing what happened. ___________________________________", k)
        body.append(Text("What happens next", 14 * k, min_size=13, bold=True, colour=NHS_BLUE, max_lines=1, gap_after=3 * k))
        body += _para("When our enquiries are finished we will share the results with you, in person or in writing as you"
                      " prefer. If you have questions before then, or would rather we contacted someone else on your behalf,"
                      " please contact me on the ward. You can also speak to the Patient Advice and Liaison Service (PALS).", k)
        body += [Spacer(10 * k), Text("Yours sincerely,", 12 * k, min_size=12, max_lines=1, gap_after=28 * k),
                 Text(view.manager or "______________________", 12 * k, min_size=12, bold=True, max_lines=2),
                 Text(f"Ward manager, {view.ward}", 12 * k, min_size=12, max_lines=2, gap_after=12 * k)]
        facts = [f"Incident {view.reference}"]
        if view.aware_on:
            facts.append(f"trust aware on {long_date(view.aware_on)}")
        if view.notified_on:
            facts.append(f"notified in person on {long_date(view.notified_on)} by {view.notified_by or '(not recorded)'}")
        if view.written_due:
            facts.append(f"written follow-up due by {long_date(view.written_due)} (10 working days)")
        body.append(Box(Text("For the manager: " + "; ".join(facts) + ". An apology is not an admission of liability."
                             " Record the date this letter is sent in the incident's candour checklist.", 12 * k, min_size=12,
                             max_lines=8), padding=6 * k, fill=None, border=NHS_BLUE))

        def fits(blocks: list[Block]) -> bool:
            stack = page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, extra=f"Draft · {view.reference}")
            return sheet.fitting_scale(stack, sheet.content_width, sheet.content_height, min_scale=1.0) is not None

        pages: list[list[Block]] = [[]]
        for block in body:
            if fits([*pages[-1], block]):
                pages[-1].append(block)
                continue
            if not pages[-1] or not fits([block]):
                raise LayoutOverflow("a paragraph of the letter does not fit one sheet")
            pages.append([block])
        for number, blocks in enumerate(pages):
            if number:
                sheet.new_page()
            sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, blocks, extra=f"Draft · {view.reference}"),
                        min_scale=1.0)
        return sheet.finish()
