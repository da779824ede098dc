"""The print centre's document layer: view-model in, PDF bytes out.

No database, no Qt, no I/O other than reading the bundled fonts (and Arial, if installed). Each
``render_*`` function is pure: the same view-model gives the same bytes. They may be called from
any thread (they serialise on :data:`fonts.RENDER_LOCK`).

Text that no font can draw raises :class:`UnprintableCharacters` (check first with
:func:`find_unprintable`); a poster with missing contact details raises
:class:`MissingContactDetails`.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardtruths_desktop.printing.bed_cards import UnprintableCard, render_bed_cards, unprintable_cards
from hardtruths_desktop.printing.board import render_board, render_day_board
from hardtruths_desktop.printing.errors import (
    LayoutOverflow,
    MissingContactDetails,
    UnprintableCharacters,
    UnprintableText,
)
from hardtruths_desktop.printing.fonts import FontChain, FontFace, default_font_chain
from hardtruths_desktop.printing.models import (
    BedCard,
    BedCardsView,
    BoardView,
    DayBoardView,
    PageSpec,
    PosterView,
    ShiftBoardRow,
    StaffGroupLine,
    TeamMember,
    TeamSheetView,
    TrustContacts,
    UniformKeyEntry,
)
from hardtruths_desktop.printing.poster import (
    missing_contact_details,
    render_poster,
    validate_contacts,
)
from hardtruths_desktop.printing.team_sheet import render_team_sheet


def find_unprintable(texts: Iterable[str], *, fonts: FontChain | None = None) -> tuple[UnprintableText, ...]:
    """The texts (e.g. names typed in Ward setup) holding characters no font can draw."""
    chain = fonts if fonts is not None else default_font_chain()
    found = []
    for text in texts:
        bad = chain.unprintable(text)
        if bad:
            found.append(UnprintableText(text, bad))
    return tuple(found)


__all__ = [
    "BedCard",
    "BedCardsView",
    "BoardView",
    "DayBoardView",
    "FontChain",
    "FontFace",
    "LayoutOverflow",
    "MissingContactDetails",
    "PageSpec",
    "PosterView",
    "ShiftBoardRow",
    "StaffGroupLine",
    "TeamMember",
    "TeamSheetView",
    "TrustContacts",
    "UniformKeyEntry",
    "UnprintableCard",
    "UnprintableCharacters",
    "UnprintableText",
    "default_font_chain",
    "find_unprintable",
    "missing_contact_details",
    "render_bed_cards",
    "render_board",
    "render_day_board",
    "render_poster",
    "render_team_sheet",
    "unprintable_cards",
    "validate_contacts",
]
