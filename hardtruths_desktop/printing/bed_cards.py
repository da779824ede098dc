"""Name-above-the-bed cards: one card per occupied bed.

Landscape paper holds one card per sheet; portrait paper holds two (each half landscape), with a
cut line between them. A card shows only public fields (see :class:`models.BedCard`): the name the
patient wants to be called (or that they asked for it not to be shown), the named nurse and the
shift they are named for, the consultant, the expected date of discharge and special instructions.
A blank nurse or consultant prints "Ask the nurse in charge", never a gap.

A card with a character no font can draw (an emoji in a name) is left out and reported
(:func:`unprintable_cards`); the other cards print.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reportlab.lib.units import mm

from hardtruths_desktop.printing.errors import UnprintableCharacters, UnprintableText
from hardtruths_desktop.printing.fonts import FontChain, default_font_chain
from hardtruths_desktop.printing.layout import (
    GREY,
    MARGIN,
    NHS_BLUE,
    PALE_GREY,
    Block,
    Box,
    Row,
    Sheet,
    Spacer,
    Stack,
    Text,
    Unprintable,
    hhmm,
    long_date,
    medium_date,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import BedCard, BedCardsView, PageSpec

TO_BE_CONFIRMED = "To be confirmed"
ASK_NIC = "Ask the nurse in charge"
NAME_NOT_SHOWN = "Name not shown at the patient's request"


@dataclass(frozen=True)
class UnprintableCard:
    """A card left out because some of its text holds characters no font can draw."""

    bed_label: str
    problems: tuple[UnprintableText, ...]

    def describe(self) -> str:
        return f"{self.bed_label}: " + "; ".join(p.describe() for p in self.problems)


def _card_texts(card: BedCard) -> tuple[str, ...]:
    name = "" if card.name_hidden else card.preferred_name
    return (card.bed_label, name, card.named_nurse, card.consultant, card.special_instructions)


def unprintable_cards(view: BedCardsView, *, fonts: FontChain | None = None) -> tuple[UnprintableCard, ...]:
    """The cards :func:`render_bed_cards` leaves out, each with the text it cannot draw."""
    chain = fonts if fonts is not None else default_font_chain()
    found = []
    for card in view.cards:
        problems = tuple(UnprintableText(t, bad) for t in _card_texts(card) if (bad := chain.unprintable(t)))
        if problems:
            found.append(UnprintableCard(card.bed_label, problems))
    return tuple(found)


def nurse_label(view: BedCardsView) -> str:
    """ "My nurse this shift", naming the shift: the named nurse changes every shift."""
    if not view.shift_name:
        return "My nurse this shift"
    when = f" ({hhmm(view.shift_starts)} to {hhmm(view.shift_ends)})" if view.shift_starts and view.shift_ends else ""
    return f"My nurse for the {view.shift_name.lower()} shift{when}"


def _field(label: str, value: str, k: float) -> Stack:
    return Stack(
        [
            Text(label, 15 * k, bold=True, colour=NHS_BLUE, max_lines=2),
            Text(value, 26 * k, bold=True, max_lines=3, min_size=14, single_line_down_to=0.7),
        ]
    )


def _card(sheet: Sheet, view: BedCardsView, card: BedCard, k: float) -> list[Block]:
    edd = medium_date(card.expected_discharge) if card.expected_discharge else TO_BE_CONFIRMED
    if card.name_hidden:
        name: Block = Text(NAME_NOT_SHOWN, 30 * k, bold=True, max_lines=3, min_size=16)
    else:
        name = Text(card.preferred_name, 80 * k, bold=True, max_lines=3, min_size=20, single_line_down_to=0.55)
    body: list[Block] = [
        Row(
            [
                Text(long_date(view.card_date), 18 * k, bold=True, max_lines=1),
                Text(card.bed_label, 18 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=1),
            ],
            weights=[1.4, 1],
        ),
        Spacer(10 * k),
        *([] if card.name_hidden else [Text("Please call me", 18 * k, bold=True, colour=NHS_BLUE)]),
        name,
        Spacer(12 * k, grow=1.0),
        Row(
            [
                _field(nurse_label(view), card.named_nurse.strip() or ASK_NIC, k),
                _field("My consultant", card.consultant.strip() or ASK_NIC, k),
                _field("Expected date of discharge", edd, k),
            ],
            gap=16 * k,
        ),
    ]
    if card.special_instructions.strip():
        body += [
            Spacer(12 * k),
            Box(
                Stack(
                    [
                        Text("Please note", 15 * k, bold=True, colour=NHS_BLUE),
                        Text(card.special_instructions, 22 * k, bold=True, max_lines=3, min_size=14),
                    ]
                ),
                padding=8 * k,
                left_bar=NHS_BLUE,
                bar_width=6 * k,
                fill=PALE_GREY,
            ),
        ]
    return body


def render_bed_cards(
    view: BedCardsView,
    page: PageSpec,
    *,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> bytes:
    """All cards as PDF bytes, in the order given (one or two per sheet, see the module doc).

    Cards with text no font can draw are left out (``unprintable="raise"``; find them with
    :func:`unprintable_cards` to report them) or printed with '?' (``"mark"``). When no card at
    all can print, :class:`UnprintableCharacters` is raised.
    """
    chain = fonts if fonts is not None else default_font_chain()
    if unprintable == "raise":
        left_out = unprintable_cards(view, fonts=chain)
        if left_out and len(left_out) == len(view.cards):
            raise UnprintableCharacters(tuple(p for card in left_out for p in card.problems))
        skip = {c.bed_label for c in left_out}
        view = replace(view, cards=tuple(c for c in view.cards if c.bed_label not in skip))
        fonts = chain
    with open_sheet(page, title=f"Bed cards: {view.ward}, {long_date(view.card_date)}", author=view.trust, fonts=fonts, unprintable=unprintable) as sheet:
        per_sheet = 1 if page.landscape else 2
        if not view.cards:
            sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, [Text("No occupied beds to print cards for.", 18)]))
            return sheet.finish()
        gap = 2 * MARGIN
        slot_h = (sheet.content_height - gap * (per_sheet - 1)) / per_sheet
        # Two half-page cards are each A5 landscape, so they use the A4 landscape type scale.
        k = sheet.k if per_sheet == 1 else sheet.k / 2**0.5 * 1.15
        for index, card in enumerate(view.cards):
            slot = index % per_sheet
            if index and slot == 0:
                sheet.new_page()
            top = sheet.height - MARGIN - slot * (slot_h + gap)
            stack = page_stack(sheet, view.trust, view.ward, view.produced_at, _card(sheet, view, card, k))
            sheet.place(stack, region=(MARGIN, top, sheet.content_width, slot_h))
            if per_sheet == 2 and slot == 0:
                c = sheet.canvas
                c.setStrokeColor(GREY)
                c.setLineWidth(0.5)
                c.setDash(4 * mm, 3 * mm)
                y = top - slot_h - gap / 2
                c.line(MARGIN, y, sheet.width - MARGIN, y)
                c.setDash()
        return sheet.finish()
