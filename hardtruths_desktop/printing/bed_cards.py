"""Name-above-the-bed cards: one card per occupied bed.

Landscape paper holds one card per sheet; portrait paper holds two (each half landscape), with a
cut line between them. A card shows only public fields (see :class:`models.BedCard`).
"""

from __future__ import annotations

from reportlab.lib.units import mm

from hardtruths_desktop.printing.fonts import FontChain
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
    long_date,
    medium_date,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import BedCard, BedCardsView, PageSpec

TO_BE_CONFIRMED = "To be confirmed"


def _field(label: str, value: str, k: float) -> Stack:
    return Stack(
        [
            Text(label, 15 * k, bold=True, colour=NHS_BLUE, max_lines=2),
            Text(value, 26 * k, bold=True, max_lines=3, min_size=14, single_line_down_to=0.7),
        ]
    )


def _card(sheet: Sheet, view: BedCardsView, card: BedCard, k: float) -> list[Block]:
    edd = medium_date(card.expected_discharge) if card.expected_discharge else TO_BE_CONFIRMED
    body: list[Block] = [
        Row(
            [
                Text(long_date(view.card_date), 18 * k, bold=True, max_lines=1),
                Text(card.bed_label, 18 * k, bold=True, colour=NHS_BLUE, align="right", max_lines=1),
            ],
            weights=[1.4, 1],
        ),
        Spacer(10 * k),
        Text("Please call me", 18 * k, bold=True, colour=NHS_BLUE),
        Text(card.preferred_name, 80 * k, bold=True, max_lines=3, min_size=20, single_line_down_to=0.55),
        Spacer(12 * k, grow=1.0),
        Row(
            [
                _field("My nurse this shift", card.named_nurse, k),
                _field("My consultant", card.consultant, k),
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
    """All cards as PDF bytes, in the order given (one or two per sheet, see the module doc)."""
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
