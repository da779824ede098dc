"""The board from across the ward: the nurse in charge's name never below the 5-metre floor, the
uniform key gives way first, "updated at" dated when not today, "on duty now" only while it is."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime, time

import pytest
from print_helpers import pdf_text, text_sizes
from pypdf import PdfReader

from hardtruths_desktop.printing import PageSpec, StaffGroupLine, render_board, render_day_board, samples
from hardtruths_desktop.printing.board import NIC_FLOOR_PT, in_progress, updated_text
from hardtruths_desktop.printing.fonts import FontChain

PAGES = [PageSpec("a4"), PageSpec("a4", True), PageSpec("a3"), PageSpec("a3", True)]
FIVE_GROUPS = (
    StaffGroupLine("Registered nurses", 5, 4),
    StaffGroupLine("Registered nursing associates", 1, 1),
    StaffGroupLine("Care staff", 3, 3),
    StaffGroupLine("Trainee nursing associates", 1, 1),
    StaffGroupLine("Allied health professionals", 2, 2),
)
NAMES = ["Aisha Rahman", "Zoë Łukasiewicz-Müller", "Oluwaseun Adebayo-Okonkwo", "Дмитрий Петров"]


def _name_sizes(pdf: bytes, name: str) -> list[float]:
    parts = set(name.split())
    return [size for text, size in text_sizes(pdf) if text and set(text.split()) <= parts | {p.rstrip("-") + "-" for p in parts}]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.size}-{'land' if p.landscape else 'port'}")
@pytest.mark.parametrize("name", NAMES)
def test_the_nurse_in_charge_never_goes_below_the_floor(page: PageSpec, name: str, fonts: FontChain) -> None:
    assert NIC_FLOOR_PT == 58.0
    board = samples.sample_board()
    shift = dataclasses.replace(board.shift, nurse_in_charge=name, staff_groups=FIVE_GROUPS)
    pdf = render_board(dataclasses.replace(board, shift=shift), page, fonts=fonts)
    sizes = _name_sizes(pdf, name)
    assert sizes and min(sizes) >= NIC_FLOOR_PT - 0.01, sizes
    day = samples.sample_day_board()
    shifts = tuple(dataclasses.replace(s, nurse_in_charge=name, staff_groups=FIVE_GROUPS) for s in day.shifts)
    pdf = render_day_board(dataclasses.replace(day, shifts=shifts), page, fonts=fonts)
    sizes = _name_sizes(pdf, name)
    assert len(sizes) >= 3 and min(sizes) >= NIC_FLOOR_PT - 0.01, sizes


def test_the_uniform_key_gives_way_first(fonts: FontChain) -> None:
    """With room the key prints; when space is short it is dropped rather than the rest of the
    sheet shrinking under it (the name keeps its floor either way, tested above)."""
    board = samples.sample_board()
    assert "Who is who: our uniforms" in pdf_text(render_board(board, PageSpec("a4"), fonts=fonts))
    crowded = dataclasses.replace(board, shift=dataclasses.replace(board.shift, staff_groups=FIVE_GROUPS))
    assert "Who is who: our uniforms" not in pdf_text(render_board(crowded, PageSpec("a4", True), fonts=fonts))
    day = samples.sample_day_board()
    assert "Who is who: our uniforms" in pdf_text(render_day_board(day, PageSpec("a3"), fonts=fonts))
    assert "Who is who: our uniforms" not in pdf_text(render_day_board(day, PageSpec("a4"), fonts=fonts))


def test_a_day_board_too_full_for_one_sheet_runs_on_and_says_so(fonts: FontChain) -> None:
    day = samples.sample_day_board()
    shifts = tuple(dataclasses.replace(s, staff_groups=FIVE_GROUPS) for s in day.shifts)
    pdf = render_day_board(dataclasses.replace(day, shifts=shifts), PageSpec("a4", True), fonts=fonts)
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2
    assert "Sheet 1 of 2, continued overleaf" in pages[0] and "Sheet 2 of 2" in pages[1]
    assert all(name in pages[0] for name in ("Zoë Kowalczyk", "Aisha Rahman", "Дмитрий Петров"))
    assert "(continued)" in pages[1] and "Allied health professionals" in pages[1]


def test_updated_at_carries_the_date_when_it_is_not_today(fonts: FontChain) -> None:
    today = datetime(2026, 11, 24, 9, 0).date()
    assert updated_text(datetime(2026, 11, 24, 14, 32), today) == "14:32"
    assert updated_text(datetime(2026, 11, 23, 21, 50), today) == "21:50 on Monday 23 November 2026"
    board = samples.sample_board()
    stale = dataclasses.replace(board.shift, updated_at=datetime(2026, 11, 20, 7, 5))
    text = " ".join(pdf_text(render_board(dataclasses.replace(board, shift=stale), PageSpec("a4"), fonts=fonts)).split())
    assert "Staffing numbers updated at 07:05 on Friday 20 November 2026" in text
    day = samples.sample_day_board()
    shifts = (dataclasses.replace(day.shifts[0], updated_at=datetime(2026, 11, 23, 19, 0)), *day.shifts[1:])
    text = " ".join(pdf_text(render_day_board(dataclasses.replace(day, shifts=shifts), PageSpec("a3", True), fonts=fonts)).split())
    assert "19:00 on Monday 23 November 2026" in text and "14:32" in text


@pytest.mark.parametrize(
    ("produced", "now"),
    [
        (datetime(2026, 11, 24, 14, 33), True),  # the late shift is under way
        (datetime(2026, 11, 24, 13, 0), False),  # printed before it starts
        (datetime(2026, 11, 24, 22, 0), False),  # printed as it ends
        (datetime(2026, 11, 25, 9, 0), False),  # printed the next day
    ],
)
def test_on_duty_now_only_while_the_shift_is_under_way(produced: datetime, now: bool, fonts: FontChain) -> None:
    board = dataclasses.replace(samples.sample_board(), produced_at=produced)
    text = pdf_text(render_board(board, PageSpec("a4"), fonts=fonts))
    assert ("On duty now" in text) is now
    assert "On duty" in text


def test_a_night_shift_is_under_way_after_midnight() -> None:
    night = dataclasses.replace(samples.sample_day_board().shifts[2], starts=time(21, 30), ends=time(7, 30))
    day = samples.DAY
    assert in_progress(day, night, datetime(2026, 11, 25, 3, 0))
    assert not in_progress(day, night, datetime(2026, 11, 25, 7, 30))
    assert not in_progress(day, night, datetime(2026, 11, 24, 21, 0))
