"""Text copied out of a printed sheet is the text typed, in every script; fake bold never leaks;
every font in every PDF is embedded (no stray Helvetica)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from hardtruths_desktop.printing import (
    BedCard,
    PageSpec,
    render_bed_cards,
    render_board,
    render_day_board,
    render_poster,
    render_team_sheet,
    samples,
)
from hardtruths_desktop.printing.fonts import FontChain, glyph_texts

# One name per script the wards' patients and staff use (DESIGN.md "Printing").
SCRIPTS = {
    "Latin with accents": "Zoë Łukasiewicz-Müller",
    "Vietnamese": "Nguyễn Thị Ánh",
    "Greek": "Ἀθηνᾶ Παπαδοπούλου",
    "Cyrillic": "Дмитрий Иванович",
    "Arabic": "محمد عبد الله",
    "Arabic with hamza": "فاطمة بنت أحمد",
    "Urdu": "عائشہ خان",
    "Devanagari": "प्रिया शर्मा",
    "Bengali": "সৌমিত্র চট্টোপাধ্যায়",
    "Gurmukhi": "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ",
    "Chinese": "王小明",
    "Hebrew": "שרה כהן",
}


def _pypdf_lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(line.split()) for page in reader.pages for line in (page.extract_text() or "").splitlines()]


def _pdftotext_lines(pdf: bytes) -> list[str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run([tool, str(path), "-"], check=True, capture_output=True, text=True).stdout
    # pdftotext wraps right-to-left lines in embedding marks (U+202B ... U+202C): formatting, not text.
    out = re.sub("[\u202a-\u202e\u2066-\u2069]", "", out)
    return [" ".join(line.split()) for line in out.splitlines()]


def _card_pdf(name: str, fonts: FontChain, *, nurse: str = "Tom Hughes") -> bytes:
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=(BedCard("Bed 1", name, nurse, "Dr S. Patel"),))
    return render_bed_cards(view, PageSpec("a4", True), fonts=fonts)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_name_copies_out_of_the_pdf_exactly_as_typed(script: str, fonts: FontChain) -> None:
    """pypdf and poppler's pdftotext both give back the name (a line of its own, exactly)."""
    name = SCRIPTS[script]
    pdf = _card_pdf(name, fonts)
    assert name in _pypdf_lines(pdf), _pypdf_lines(pdf)
    assert name in _pdftotext_lines(pdf), _pdftotext_lines(pdf)


@pytest.mark.parametrize("script", ["Devanagari", "Bengali", "Gurmukhi", "Arabic", "Urdu"])
def test_regular_weight_text_copies_out_too(script: str, fonts: FontChain) -> None:
    """Names on the day board, beside regular-weight text, come back from both extractors too."""
    name = SCRIPTS[script]
    day = samples.sample_day_board()
    shifts = tuple(dataclasses.replace(s, nurse_in_charge=name) for s in day.shifts)
    pdf = render_day_board(dataclasses.replace(day, shifts=shifts), PageSpec("a4", True), fonts=fonts)
    assert any(name in line for line in _pypdf_lines(pdf))
    assert any(name in line for line in _pdftotext_lines(pdf))


def test_no_presentation_forms_or_private_characters_in_extracted_text(fonts: FontChain) -> None:
    pdf = _card_pdf(SCRIPTS["Arabic"] + " " + SCRIPTS["Devanagari"], fonts)
    for text in ("\n".join(_pypdf_lines(pdf)), "\n".join(_pdftotext_lines(pdf))):
        assert not re.search("[\ufb50-\ufdff\ufe70-\ufeff\ue000-\uf8ff\U000f0000-\U000fffff]", text)


def test_glyph_texts_give_each_cluster_to_its_first_glyph_in_reading_order() -> None:
    # "कि": the vowel sign is drawn first; the first glyph in reading order stands for the whole
    # cluster, the consonant glyph after it for nothing.
    assert glyph_texts("कि", [0, 0], rtl=False) == ["कि", ""]
    assert glyph_texts("abc", [0, 1, 2], rtl=False) == ["a", "b", "c"]
    # Right to left: glyphs in visual order have falling clusters; the rightmost starts a cluster.
    assert glyph_texts("لا", [0], rtl=True) == ["لا"]
    assert glyph_texts("ab", [1, 0, 0], rtl=True) == ["b", "", "a"]


def _text_modes(pdf: bytes) -> list[tuple[str, int]]:
    """(font resource name, text render mode) for every text-showing operator, honouring q/Q."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[tuple[str, int]] = []
    for page in reader.pages:
        fonts = {name: str(ref.get_object()["/BaseFont"]) for name, ref in page["/Resources"]["/Font"].items()}
        content = ContentStream(page.get_contents(), reader)
        mode, font = 0, ""
        stack: list[int] = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(mode)
            elif op == b"Q":
                mode = stack.pop()
            elif op == b"Tr":
                mode = int(operands[0])
            elif op == b"Tf":
                font = fonts[str(operands[0])]
            elif op in (b"Tj", b"TJ", b"'", b'"'):
                found.append((font, mode))
    return found


def test_fake_bold_after_a_chinese_name_is_switched_off(fonts: FontChain, raster: Any) -> None:
    """CJK has no bold face: it is drawn filled and stroked, and only it; every later line is plain."""
    team = samples.sample_team_sheet()
    members = (dataclasses.replace(team.members[0], name="王小明"), *team.members[1:])
    pdf = render_team_sheet(dataclasses.replace(team, members=members), PageSpec("a4"), fonts=fonts)
    modes = _text_modes(pdf)
    stroked = {font for font, mode in modes if mode == 2}
    assert stroked and all("DroidSansFallback" in font for font in stroked), stroked
    assert all(mode == 0 for font, mode in modes if "DroidSansFallback" not in font)
    # And in the picture: the names after it are exactly as dark as when no Chinese name precedes.
    latin = (dataclasses.replace(team.members[0], name="Wang Xiaoming"), *team.members[1:])
    plain = render_team_sheet(dataclasses.replace(team, members=latin), PageSpec("a4"), fonts=fonts)
    img_cjk, img_plain = raster(pdf, dpi=60)[0], raster(plain, dpi=60)[0]
    w, h = img_cjk.size
    lower = (0, int(h * 0.45), w, int(h * 0.9))  # later roles: no Chinese there in either sheet
    assert img_cjk.crop(lower).tobytes() == img_plain.crop(lower).tobytes()


def test_bed_cards_after_a_chinese_name_print_plain(fonts: FontChain) -> None:
    view = dataclasses.replace(
        samples.sample_bed_cards(1),
        cards=(BedCard("Bed 1", "王小明", "李華", "Dr L. Chen"), BedCard("Bed 2", "Margaret", "Tom Hughes", "Dr S. Patel")),
    )
    modes = _text_modes(render_bed_cards(view, PageSpec("a4"), fonts=fonts))
    assert all(mode == 0 for font, mode in modes if "DroidSansFallback" not in font)


def _all_documents(fonts: FontChain) -> dict[str, bytes]:
    docs: dict[str, bytes] = {}
    for size in ("a4", "a3"):
        for landscape in (False, True):
            page = PageSpec(size, landscape)  # type: ignore[arg-type]
            tag = f"{size}-{'landscape' if landscape else 'portrait'}"
            docs[f"board-{tag}"] = render_board(samples.sample_board(), page, fonts=fonts)
            docs[f"day-board-{tag}"] = render_day_board(samples.sample_day_board(), page, fonts=fonts)
            docs[f"bed-cards-{tag}"] = render_bed_cards(samples.sample_bed_cards(5), page, fonts=fonts)
            docs[f"poster-{tag}"] = render_poster(samples.sample_poster(), page, fonts=fonts)
            docs[f"poster-large-{tag}"] = render_poster(samples.sample_poster(True), page, fonts=fonts)
            docs[f"team-{tag}"] = render_team_sheet(samples.sample_team_sheet(), page, fonts=fonts)
    return docs


def test_every_font_in_every_document_is_embedded(fonts: FontChain) -> None:
    """pdffonts lists only embedded fonts: no unused, unembedded Helvetica anywhere."""
    tool = shutil.which("pdffonts")
    if tool is None:
        pytest.skip("pdffonts not installed (apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, pdf in _all_documents(fonts).items():
            path = Path(tmp) / f"{name}.pdf"
            path.write_bytes(pdf)
            out = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout
            rows = out.splitlines()[2:]
            assert rows, f"{name}: no fonts listed"
            for row in rows:
                cols = row.split()
                # name type [type2] encoding emb sub uni id gen: emb is the 5th column from the end
                assert cols[-5] == "yes", f"{name}: font not embedded: {row}"
                assert "Helvetica" not in row, f"{name}: {row}"
