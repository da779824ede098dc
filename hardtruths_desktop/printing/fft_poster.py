"""The ward's Friends and Family Test results poster: this month's score, the trend (an SPC chart of
monthly % positive), three approved comments and "You said, we did".

A pure function of its view-model (``FftPosterView``): no store, no Qt. Standard print keeps body
text at 12pt or more; large print at 16pt or more. Only comments that may be shown (published,
approved or redacted) ever reach this view-model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib.colors import HexColor

from hardtruths_desktop.domain import spc
from hardtruths_desktop.printing.fonts import FontChain
from hardtruths_desktop.printing.layout import (
    NHS_BLUE,
    TEXT,
    Block,
    Box,
    Row,
    Sheet,
    Spacer,
    Stack,
    Text,
    Unprintable,
    open_sheet,
    page_stack,
)
from hardtruths_desktop.printing.models import PageSpec
from hardtruths_desktop.printing.text import Align, draw_line, layout_line

GREY = HexColor("#768692")
PALE = HexColor("#E8EDEE")
SIGNAL = HexColor("#DA291C")


@dataclass(frozen=True)
class FftPosterView:
    trust: str
    ward: str
    month_label: str  # "November 2026"
    responses: int
    percent_positive: float | None
    percent_negative: float | None
    trend_labels: tuple[str, ...]  # "Dec 25" ... oldest first
    trend: tuple[float | None, ...]  # monthly % positive, None: no responses that month
    comments: tuple[str, ...]  # up to three approved comments
    you_said_we_did: tuple[tuple[str, str], ...]
    produced_at: datetime
    large_print: bool = False
    chart: spc.XmR | None = field(default=None)


@dataclass
class TrendChart(Block):
    """Monthly % positive as a line with the mean and process limits (dashed); a month that is an
    SPC signal is a square marker, every other month a round one (shape, not colour, carries it)."""

    labels: Sequence[str]
    chart: spc.XmR
    chart_height: float
    label_size: float

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return (self.chart_height + self.label_size * 2.4) * scale

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        c = sheet.canvas
        size = self.label_size * scale

        def label(text: str, x0: float, baseline: float, w: float, align: Align) -> None:
            draw_line(c, layout_line(sheet.fonts, text, False), x=x0, baseline=baseline, width=w, size=size,
                      colour=TEXT, align=align)

        left = x + size * 3.2
        right = x + width - size * 0.5
        h = self.chart_height * scale
        bottom = top - h
        c.setStrokeColor(GREY)
        c.setLineWidth(0.8)
        c.rect(left, bottom, right - left, h, stroke=1, fill=0)
        ch = self.chart
        vals = [v for v in (*ch.values, ch.upper, ch.lower) if v is not None]
        if not vals or ch.mean is None:
            return
        lo, hi = max(0.0, min(vals) - 5), min(100.0, max(vals) + 5)
        if hi - lo < 10:
            lo, hi = max(0.0, lo - 5), min(100.0, hi + 5)
        n = len(ch.values)

        def px(i: int) -> float:
            return left + (right - left) * (i / max(1, n - 1)) if n > 1 else (left + right) / 2

        def py(v: float) -> float:
            return bottom + (v - lo) / (hi - lo) * h

        for edge in (lo, hi):
            label(f"{edge:.0f}%", x, py(edge) - size * 0.35, left - x - size * 0.3, "right")
        for value, dashed in ((ch.mean, False), (ch.upper, True), (ch.lower, True)):
            if value is None:
                continue
            c.setStrokeColor(TEXT if not dashed else GREY)
            c.setLineWidth(1.0)
            if dashed:
                c.setDash(4, 3)
            else:
                c.setDash()
            c.line(left, py(value), right, py(value))
        c.setDash()
        c.setStrokeColor(NHS_BLUE)
        c.setLineWidth(2.2 * scale)
        prev: tuple[float, float] | None = None
        for i, v in enumerate(ch.values):
            if v is None:
                prev = None
                continue
            if prev is not None:
                c.line(prev[0], prev[1], px(i), py(v))
            prev = (px(i), py(v))
        r = 3.2 * scale
        for i, v in enumerate(ch.values):
            if v is None:
                continue
            if ch.signalled(i):
                c.setFillColor(SIGNAL)
                c.setStrokeColor(TEXT)
                c.rect(px(i) - r * 1.2, py(v) - r * 1.2, r * 2.4, r * 2.4, stroke=1, fill=1)
            else:
                c.setFillColor(HexColor("#FFFFFF"))
                c.setStrokeColor(NHS_BLUE)
                c.circle(px(i), py(v), r, stroke=1, fill=1)
        for i, lab in enumerate(self.labels):
            if i % 2 == (n - 1) % 2:
                label(lab, px(i) - size * 2.5, bottom - size * 1.3, size * 5, "center")


def _score_text(v: float | None) -> str:
    return "no responses" if v is None else f"{v:.0f}%" if v == int(v) else f"{v:.1f}%"


def render_fft_poster(view: FftPosterView, page: PageSpec, *, fonts: FontChain | None = None,
                      unprintable: Unprintable = "raise") -> bytes:
    """The FFT results poster as PDF bytes (A4 or A3, portrait or landscape)."""
    body, body_min = (18.0, 16.0) if view.large_print else (14.0, 12.0)
    with open_sheet(page, title=f"Friends and Family Test: {view.ward}, {view.month_label}", author=view.trust,
                    fonts=fonts, unprintable=unprintable) as sheet:
        k = sheet.k
        blocks: list[Block] = [
            Text("What our patients told us", 34 * k, min_size=body_min + 8, bold=True, colour=NHS_BLUE, max_lines=2),
            Text(f"Friends and Family Test, {view.month_label}", (body + 4) * k, min_size=body_min, bold=True, max_lines=2),
            Spacer(6 * k),
        ]
        score: Block
        if view.responses:
            score = Stack([
                Text(_score_text(view.percent_positive), 60 * k, min_size=28, bold=True, colour=NHS_BLUE, max_lines=1),
                Text(f"of {view.responses} people who answered said their experience was good or very good",
                     body * k, min_size=body_min, max_lines=4),
                Text(f"{_score_text(view.percent_negative)} said poor or very poor.", body * k, min_size=body_min, max_lines=2),
            ], gap=3 * k)
        else:
            score = Text("No responses yet this month. Please tell us what you think.", (body + 4) * k, min_size=body_min,
                         bold=True, max_lines=4)
        trend: Block
        if view.chart is not None and view.chart.mean is not None:
            trend = Stack([
                Text("The last 12 months: % good or very good", body * k, min_size=body_min, bold=True, max_lines=2),
                TrendChart(view.trend_labels, view.chart, 120 * k, max(body_min - 2, 10) * k),
                Text("Solid line: the average. Dashed lines: the usual range. A square marks an unusual month.",
                     (body_min - 0) * k, min_size=body_min, max_lines=3),
            ], gap=3 * k)
        else:
            trend = Text("The trend appears once there are responses in earlier months.", body * k, min_size=body_min)
        blocks.append(Row([score, trend], weights=[1, 1.4], gap=16 * k))
        blocks.append(Spacer(8 * k))
        if view.comments:
            blocks.append(Text("In your words", (body + 4) * k, min_size=body_min, bold=True, colour=NHS_BLUE))
            for comment in view.comments[:3]:
                blocks.append(Box(Text(f"\u201c{comment}\u201d", body * k, min_size=body_min, max_lines=5), padding=6 * k,
                                  fill=PALE, left_bar=NHS_BLUE))
            blocks.append(Spacer(6 * k))
        blocks.append(Text("You said, we did", (body + 4) * k, min_size=body_min, bold=True, colour=NHS_BLUE))
        if view.you_said_we_did:
            for said, did in view.you_said_we_did[:4]:
                blocks.append(Row([
                    Text(f"You said: {said}", body * k, min_size=body_min, max_lines=4),
                    Text(f"We did: {did}", body * k, min_size=body_min, bold=True, max_lines=4),
                ], gap=12 * k))
        else:
            blocks.append(Text("We read every comment. What we change will be shown here.", body * k, min_size=body_min))
        blocks.append(Spacer(6 * k))
        blocks.append(Text("Tell us about your stay: ask a nurse for a card, or use the screen on the ward. "
                           "Your answers are anonymous.", body * k, min_size=body_min, bold=True, max_lines=3))
        sheet.place(page_stack(sheet, view.trust, view.ward, view.produced_at, blocks))
        return sheet.finish()
