"""Time the printed sheets against a minimal one-page reportlab PDF, in the same run.

    .venv/bin/python benchmarks/bench_print.py [--repeat N]

Targets: the board under 150 ms and within 5x the minimal PDF. Fonts are loaded once per process
(the first, "cold" board render includes that and is reported apart); the timings after it are the
median of N warm renders. Two baselines: Helvetica (a built-in font, nothing embedded) and the same
bundled TrueType font the sheets use (embedding a font subset is the floor for any real sheet).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.pdfgen.canvas import Canvas

from hardtruths_desktop.printing import (
    PageSpec,
    render_bed_cards,
    render_board,
    render_poster,
    samples,
)
from hardtruths_desktop.printing.fonts import default_font_chain


def minimal_pdf(font: str) -> bytes:
    buf = BytesIO()
    c = Canvas(buf, invariant=True)
    c.setFont(font, 12)
    c.drawString(72, 720, "Ward 7 - Elderly Care: who's in charge")
    c.showPage()
    c.save()
    return buf.getvalue()


def median_ms(fn: Callable[[], bytes], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    fonts = default_font_chain(use_system_arial=False)
    board, cards, poster = samples.sample_board(), samples.sample_bed_cards(30), samples.sample_poster()
    a3l, a4l, a4p = PageSpec("a3", True), PageSpec("a4", True), PageSpec("a4")

    start = time.perf_counter()
    render_board(board, a3l, fonts=fonts)
    cold = (time.perf_counter() - start) * 1000
    ttf_name = next(iter(fonts.font_names()))

    base_helv = median_ms(lambda: minimal_pdf("Helvetica"), args.repeat)
    base_ttf = median_ms(lambda: minimal_pdf(ttf_name), args.repeat)
    rows = [
        ("board, A3 landscape", median_ms(lambda: render_board(board, a3l, fonts=fonts), args.repeat)),
        ("30 bed cards, A4 landscape", median_ms(lambda: render_bed_cards(cards, a4l, fonts=fonts), max(3, args.repeat // 3))),
        ("complaints poster, A4 portrait", median_ms(lambda: render_poster(poster, a4p, fonts=fonts), args.repeat)),
    ]
    print(f"minimal one-page PDF, Helvetica:        {base_helv:8.1f} ms")
    print(f"minimal one-page PDF, bundled TTF font: {base_ttf:8.1f} ms")
    print(f"first board render (loads fonts):       {cold:8.1f} ms")
    for name, ms in rows:
        print(f"{name:<40}{ms:8.1f} ms   x{ms / base_helv:6.1f} Helvetica   x{ms / base_ttf:5.1f} TTF")
    board_ms = rows[0][1]
    ok = board_ms < 150 and board_ms <= 5 * base_ttf
    print(f"board target (<150 ms and <=5x minimal TTF PDF): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
