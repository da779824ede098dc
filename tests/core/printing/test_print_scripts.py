"""Names in any script: fallback fonts, shaping, right-to-left order, long names, unprintable text."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from print_helpers import ink_box, pdf_text, text_sizes

from hardtruths_desktop.printing import (
    BedCard,
    PageSpec,
    UnprintableCharacters,
    find_unprintable,
    render_bed_cards,
    render_board,
    render_team_sheet,
    samples,
)
from hardtruths_desktop.printing.fonts import FontChain
from hardtruths_desktop.printing.text import bidi_levels, fit_text, layout_line

# name -> the bundled face that must draw its letters
NAMES = {
    "Zoë Łukasiewicz-Müller": "NotoSans",
    "Nguyễn Thị Ánh": "NotoSans",
    "Ἀθηνᾶ Παπαδοπούλου": "NotoSans",
    "Дмитрий Иванович": "NotoSans",
    "محمد عبد الله": "NotoSansArabic",
    "فاطمة بنت أحمد": "NotoSansArabic",
    "प्रिया शर्मा": "NotoSansDevanagari",
    "সৌমিত্র চট্টোপাধ্যায়": "NotoSansBengali",
    "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ": "NotoSansGurmukhi",
    "王小明": "DroidSansFallbackFull",
    "李華": "DroidSansFallbackFull",
    "שרה כהן": "NotoSansHebrew",
}
# Scripts whose text a PDF extractor gives back exactly as typed (no shaping involved).
EXTRACTABLE = [n for n, face in NAMES.items() if face in ("NotoSans", "DroidSansFallbackFull")]


@pytest.mark.parametrize("name", NAMES)
def test_each_script_is_drawn_by_its_font_without_missing_glyphs(name: str, fonts: FontChain) -> None:
    line = layout_line(fonts, name, bold=True)
    assert line.unprintable == ""
    used = {run.font_name for run in line.runs}
    assert any(f"HT-{NAMES[name]}-" in font for font in used), used
    for run in line.runs:
        data = getattr(run.glyphs, "__shapeData__", None)
        if data is not None:  # shaped: every glyph has a width or is a mark
            assert all(d.x_advance >= 0 for d in data)


def test_arabic_is_joined_and_in_right_to_left_order(fonts: FontChain) -> None:
    line = layout_line(fonts, "محمد", bold=False)
    (run,) = line.runs
    glyphs = str(run.glyphs)
    # Shaped into joined (presentation) forms; the last letter (dal) is drawn first, on the left.
    assert glyphs != "محمد"
    assert glyphs[0] != "م"
    assert len(glyphs) == 4


def test_mixed_direction_runs_are_reordered(fonts: FontChain) -> None:
    base, levels = bidi_levels("Dr محمد 12")
    assert base == 0
    # UAX #9: digits after Arabic in a left-to-right line join the right-to-left run (level 2).
    assert levels[:3] == [0, 0, 0] and levels[3:8] == [1, 1, 1, 1, 1] and levels[-2:] == [2, 2]
    base, levels = bidi_levels("فاطمة 45")
    assert base == 1 and levels[-2:] == [2, 2]
    line = layout_line(fonts, "Dr محمد 12", bold=False)
    # Visual order: "Dr ", then the digits, then the Arabic word (drawn right to left).
    assert [str(r.glyphs) for r in line.runs][:2] == ["Dr ", "12"]
    assert "Arabic" in line.runs[-1].font_name and len(line.runs) == 3


def test_board_and_cards_print_names_in_every_script(fonts: FontChain, raster: Any) -> None:
    board = samples.sample_board()
    names = list(NAMES)
    cards = tuple(BedCard(f"Bed {i + 1}", n, names[-i - 1], n) for i, n in enumerate(names))
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=cards)
    pdf = render_bed_cards(view, PageSpec("a4", True), fonts=fonts)
    text = pdf_text(pdf)
    for name in EXTRACTABLE:
        assert name in text
    images = raster(pdf, dpi=30)
    assert len(images) == len(names)
    for image in images:
        assert ink_box(image) is not None
    for name in names:
        shift = dataclasses.replace(board.shift, nurse_in_charge=name)
        pdf = render_board(dataclasses.replace(board, shift=shift), PageSpec("a4"), fonts=fonts)
        # The name may wrap (58pt at least on A4): compare without the line breaks.
        assert name.replace(" ", "") in pdf_text(pdf).replace(" ", "")


def test_unprintable_characters_are_reported_not_printed_as_boxes(fonts: FontChain) -> None:
    board = samples.sample_board()
    shift = dataclasses.replace(board.shift, nurse_in_charge="Sam \U0001f600 Jones")
    view = dataclasses.replace(board, shift=shift, matron="Jo \U00013000")
    with pytest.raises(UnprintableCharacters) as caught:
        render_board(view, PageSpec("a4"), fonts=fonts)
    items = {item.text: item.characters for item in caught.value.items}
    assert items == {"Sam \U0001f600 Jones": "\U0001f600", "Jo \U00013000": "\U00013000"}
    assert "GRINNING FACE" in str(caught.value)
    assert "Sam \U0001f600 Jones" in str(caught.value)
    found = find_unprintable(["Aisha Rahman", "Sam \U0001f600 Jones"], fonts=fonts)
    assert [f.text for f in found] == ["Sam \U0001f600 Jones"]
    # Asked for explicitly, a visible '?' takes the character's place.
    marked = render_board(view, PageSpec("a4"), fonts=fonts, unprintable="mark")
    assert "Sam ? Jones" in pdf_text(marked)


LONG = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh Hubert Blaine Aaliyah Oluwaseun Nkemdirim Maximiliana von Hohenzollern-Sigmaringen"


def test_fit_text_never_exceeds_its_box(fonts: FontChain) -> None:
    for width in (80, 200, 400):
        fitted = fit_text(fonts, LONG * 3, bold=True, width=width, max_size=60, min_size=14, max_lines=2)
        assert len(fitted.lines) <= 2
        assert fitted.size >= 14
        assert all(line.advance * fitted.size / 1000 <= width + 0.01 for line in fitted.lines)


def test_very_long_names_stay_in_their_boxes(fonts: FontChain, raster: Any) -> None:
    card = BedCard("Bed 1", LONG, LONG, LONG, special_instructions=LONG * 2)
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=(card,))
    for page in (PageSpec("a4", True), PageSpec("a4")):
        pdf = render_bed_cards(view, page, fonts=fonts)
        sizes = text_sizes(pdf)
        assert min(s for _, s in sizes) >= 11.99
        # The name sits between "Please call me" and the fields row below it.
        found = pdf_text(pdf)
        assert "Please call me" in found and "My nurse for the late shift" in found
        for image in raster(pdf, dpi=20):
            box = ink_box(image)
            assert box is not None
            w, h = image.size
            assert box[0] >= 8 and box[1] >= 8 and box[2] <= w - 8 and box[3] <= h - 8
    board = samples.sample_board()
    shift = dataclasses.replace(board.shift, nurse_in_charge=LONG)
    long_board = dataclasses.replace(board, shift=shift, ward_manager=LONG, matron=LONG)
    for page in (PageSpec("a3", True), PageSpec("a4")):
        pdf = render_board(long_board, page, fonts=fonts)
        assert "Nurse in charge" in pdf_text(pdf)
        (image,) = raster(pdf, dpi=20)
        assert ink_box(image) is not None
    team = samples.sample_team_sheet()
    members = tuple(dataclasses.replace(m, name=LONG) for m in team.members)
    pdf = render_team_sheet(dataclasses.replace(team, members=members), PageSpec("a4"), fonts=fonts)
    assert min(s for _, s in text_sizes(pdf)) >= 11.99


def test_long_name_lines_do_not_overlap_the_next_block(fonts: FontChain) -> None:
    """Every text line's baseline is at least one text size below the previous one on a card."""
    card = BedCard("Bed 1", LONG, "Tom Hughes", "Dr S. Patel")
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=(card,))
    pdf = render_bed_cards(view, PageSpec("a4", True), fonts=fonts)
    import io

    from pypdf import PdfReader

    rows: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            rows.append((tm[5], size * abs(tm[3]), text.strip()))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    label = next(y for y, _, t in rows if t.startswith("Please call me"))
    fields = next(y for y, _, t in rows if t.startswith("My nurse"))
    name_lines = sorted({(y, s) for y, s, t in rows if label > y > fields and s > 19}, reverse=True)
    assert 1 <= len(name_lines) <= 3
    previous = label
    for y, size in name_lines:
        assert previous - y >= size * 0.95
        previous = y
    assert previous - fields >= 15
