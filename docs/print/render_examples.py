"""Render every printed sheet from the demo view-models to PNG images in this folder.

Run from the repository root:  .venv/bin/python docs/print/render_examples.py
Needs pdftoppm (Debian/Ubuntu: apt-get install poppler-utils). Images are 60 dpi, first page only
unless the document has more pages.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hardtruths_desktop.printing import (
    PageSpec,
    render_bed_cards,
    render_board,
    render_day_board,
    render_poster,
    render_team_sheet,
    samples,
)
from hardtruths_desktop.printing.fonts import default_font_chain

OUT = Path(__file__).resolve().parent
A4P, A4L, A3P, A3L = PageSpec("a4"), PageSpec("a4", True), PageSpec("a3"), PageSpec("a3", True)


def main() -> None:
    fonts = default_font_chain(use_system_arial=False)
    docs = {
        "board-a3-landscape": render_board(samples.sample_board(), A3L, fonts=fonts),
        "board-a4-portrait": render_board(samples.sample_board(), A4P, fonts=fonts),
        "day-board-a3-landscape": render_day_board(samples.sample_day_board(), A3L, fonts=fonts),
        "day-board-a4-portrait": render_day_board(samples.sample_day_board(), A4P, fonts=fonts),
        "day-board-a4-landscape": render_day_board(samples.sample_day_board(), A4L, fonts=fonts),
        "bed-cards-a4-landscape": render_bed_cards(samples.sample_bed_cards(2), A4L, fonts=fonts),
        "bed-cards-a4-portrait": render_bed_cards(samples.sample_bed_cards(6), A4P, fonts=fonts),
        "poster-a4-portrait": render_poster(samples.sample_poster(), A4P, fonts=fonts),
        "poster-a4-landscape": render_poster(samples.sample_poster(), A4L, fonts=fonts),
        "poster-a3-landscape": render_poster(samples.sample_poster(), A3L, fonts=fonts),
        "poster-large-print-a4-portrait": render_poster(samples.sample_poster(True), A4P, fonts=fonts),
        "poster-large-print-a4-landscape": render_poster(samples.sample_poster(True), A4L, fonts=fonts),
        "poster-large-print-a3-portrait": render_poster(samples.sample_poster(True), A3P, fonts=fonts),
        "team-sheet-a4-portrait": render_team_sheet(samples.sample_team_sheet(), A4P, fonts=fonts),
        "team-sheet-a4-landscape": render_team_sheet(samples.sample_team_sheet(), A4L, fonts=fonts),
    }
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        for name, pdf in docs.items():
            path = Path(tmp) / f"{name}.pdf"
            path.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(OUT / name)], check=True)
    print("\n".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
