"""A small box layout for printed sheets: blocks that measure themselves at a scale, and a sheet.

Every document is a vertical :class:`Stack` of blocks. :meth:`Sheet.place` finds the largest scale
(at most 1) at which the stack fits the page between the margins, then draws it; text blocks never
go below their minimum size, so content that cannot fit raises :class:`LayoutOverflow` (or is moved
to a new page by the document) rather than overlapping.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from io import BytesIO
from typing import Literal

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A3, A4, landscape, portrait
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from hardtruths_desktop.printing.errors import LayoutOverflow, UnprintableCharacters, UnprintableText
from hardtruths_desktop.printing.fonts import RENDER_LOCK, FontChain, default_font_chain
from hardtruths_desktop.printing.models import PageSpec
from hardtruths_desktop.printing.text import Align, Fitted, draw_line, fit_text

NHS_BLUE = HexColor("#005EB8")
TEXT = HexColor("#212B32")
GREY = HexColor("#768692")
PALE_GREY = HexColor("#E8EDEE")
WHITE = white
MARGIN: float = 12 * mm
Unprintable = Literal["raise", "mark"]

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def long_date(d: date) -> str:
    """'Tuesday 25 November 2026' (English, whatever the computer's locale)."""
    return f"{_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


def medium_date(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def hhmm(t: time | datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def produced_line(produced_at: datetime, on_screen: bool = False) -> str:
    if on_screen:  # the live board display: it is not a printout
        return f"On screen {long_date(produced_at.date())}, brought up to date at {hhmm(produced_at)}"
    return f"Printed {long_date(produced_at.date())} at {hhmm(produced_at)}"


class Sheet:
    """One PDF being drawn: canvas, fonts, geometry and the unprintable-text check."""

    def __init__(
        self,
        page: PageSpec,
        *,
        title: str,
        author: str,
        fonts: FontChain | None = None,
        unprintable: Unprintable = "raise",
    ) -> None:
        base = A3 if page.size == "a3" else A4
        self.page = page
        size = landscape(base) if page.landscape else portrait(base)
        self.width, self.height = float(size[0]), float(size[1])
        # Type scale: 1.0 on A4, about 1.41 on A3, so A3 sheets read from further away.
        self.k = 1.0 if page.size == "a4" else 2**0.5
        self.fonts = fonts if fonts is not None else default_font_chain()
        self.unprintable_mode = unprintable
        self._problems: dict[str, str] = {}
        self._buffer = BytesIO()
        # A bundled, embedded font as the canvas's initial font: reportlab's default would add a
        # reference to Helvetica, which is never drawn with and never embedded.
        self.canvas = Canvas(
            self._buffer,
            pagesize=(self.width, self.height),
            invariant=True,
            initialFontName=self.fonts.first_font_name(),
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator("Hard Truths ward station")
        self._fit_cache: dict[tuple[str, bool, float, float, float, int, float], Fitted] = {}
        # id(block) -> (block, height): holding the block keeps its id from being reused.
        self._heights: dict[tuple[int, float, float], tuple[Block, float]] = {}

    def measure(self, block: Block, width: float, scale: float) -> float:
        """``block.height`` memoised for this sheet (layouts ask the same question many times)."""
        key = (id(block), width, scale)
        hit = self._heights.get(key)
        if hit is None:
            hit = self._heights[key] = (block, block.height(self, width, scale))
        return hit[1]

    @property
    def content_width(self) -> float:
        return self.width - 2 * MARGIN

    @property
    def content_height(self) -> float:
        return self.height - 2 * MARGIN

    def fit(
        self,
        text: str,
        *,
        bold: bool,
        width: float,
        max_size: float,
        min_size: float,
        max_lines: int,
        single_line_down_to: float = 1.0,
    ) -> Fitted:
        key = (text, bold, round(width, 2), round(max_size, 3), min_size, max_lines, single_line_down_to)
        fitted = self._fit_cache.get(key)
        if fitted is None:
            if text not in self._problems:
                self._problems[text] = self.fonts.unprintable(text)
            fitted = fit_text(
                self.fonts,
                text,
                bold=bold,
                width=width,
                max_size=max_size,
                min_size=min_size,
                max_lines=max_lines,
                single_line_down_to=single_line_down_to,
            )
            self._fit_cache[key] = fitted
        return fitted

    def place(
        self,
        stack: Stack,
        *,
        region: tuple[float, float, float, float] | None = None,
        min_scale: float = 0.25,
    ) -> None:
        """Draw ``stack`` at the largest scale that fits ``region`` (x, top, width, height).

        The region defaults to the page inside the margins.
        """
        x, top, width, avail = region or (MARGIN, self.height - MARGIN, self.content_width, self.content_height)
        scale = self.fitting_scale(stack, width, avail, min_scale=min_scale)
        if scale is None:
            raise LayoutOverflow("the content does not fit one sheet even at the smallest text size")
        stack.draw_with_extra(self, x, top, width, scale, avail - self.measure(stack, width, scale))

    def fitting_scale(self, stack: Stack, width: float, avail: float, *, min_scale: float = 0.25) -> float | None:
        """The largest scale in [min_scale, 1] at which ``stack`` is at most ``avail`` high."""
        if self.measure(stack, width, 1.0) <= avail:
            return 1.0
        if self.measure(stack, width, min_scale) > avail:
            return None
        lo, hi = min_scale, 1.0
        for _ in range(7):
            mid = (lo + hi) / 2
            if self.measure(stack, width, mid) <= avail:
                lo = mid
            else:
                hi = mid
        return lo

    def new_page(self) -> None:
        self.canvas.showPage()

    def finish(self) -> bytes:
        """Close the PDF. Raises :class:`UnprintableCharacters` unless told to mark them."""
        problems = tuple(UnprintableText(t, c) for t, c in self._problems.items() if c)
        if problems and self.unprintable_mode == "raise":
            raise UnprintableCharacters(problems)
        self.canvas.save()
        return self._buffer.getvalue()


@contextmanager
def open_sheet(
    page: PageSpec,
    *,
    title: str,
    author: str,
    fonts: FontChain | None = None,
    unprintable: Unprintable = "raise",
) -> Iterator[Sheet]:
    """Every document starts here: the render lock held (fonts are process-wide) and a new sheet."""
    with RENDER_LOCK:
        yield Sheet(page, title=title, author=author, fonts=fonts, unprintable=unprintable)


class Block(ABC):
    @abstractmethod
    def height(self, sheet: Sheet, width: float, scale: float) -> float: ...

    @abstractmethod
    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None: ...

    def flex(self) -> float:
        return 0.0


@dataclass
class Text(Block):
    """Wrapped text that shrinks (never below ``min_size``) to fit ``max_lines`` lines."""

    text: str
    size: float
    min_size: float = 12.0
    bold: bool = False
    colour: Color = TEXT
    align: Align = "left"
    max_lines: int = 3
    leading: float = 1.3
    gap_after: float = 0.0
    single_line_down_to: float = 1.0  # e.g. 0.7: shrink names to 70% before wrapping them

    def fitted(self, sheet: Sheet, width: float, scale: float) -> Fitted:
        return sheet.fit(
            self.text,
            bold=self.bold,
            width=width,
            max_size=max(self.min_size, self.size * scale),
            min_size=self.min_size,
            max_lines=self.max_lines,
            single_line_down_to=self.single_line_down_to,
        )

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        f = self.fitted(sheet, width, scale)
        return len(f.lines) * f.size * self.leading + self.gap_after * scale

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        f = self.fitted(sheet, width, scale)
        baseline = top - f.size * (self.leading - 0.28)
        for line in f.lines:
            draw_line(
                sheet.canvas,
                line,
                x=x,
                baseline=baseline,
                width=width,
                size=f.size,
                colour=self.colour,
                align=self.align,
            )
            baseline -= f.size * self.leading


@dataclass
class Spacer(Block):
    size: float
    grow: float = 0.0

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return self.size * scale

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        return None

    def flex(self) -> float:
        return self.grow


@dataclass
class Rule(Block):
    thickness: float = 1.0
    colour: Color = NHS_BLUE
    gap: float = 6.0  # above and below

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return self.thickness + 2 * self.gap * scale

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        c = sheet.canvas
        c.setFillColor(self.colour)
        c.rect(x, top - self.gap * scale - self.thickness, width, self.thickness, stroke=0, fill=1)


@dataclass
class Stack(Block):
    children: Sequence[Block]
    gap: float = 0.0

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        gaps = self.gap * scale * max(0, len(self.children) - 1)
        return sum(sheet.measure(ch, width, scale) for ch in self.children) + gaps

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        self.draw_with_extra(sheet, x, top, width, scale, 0.0)

    def draw_with_extra(self, sheet: Sheet, x: float, top: float, width: float, scale: float, extra: float) -> None:
        """Draw, giving ``extra`` vertical space to the growing spacers."""
        total_flex = sum(ch.flex() for ch in self.children)
        for ch in self.children:
            ch.draw(sheet, x, top, width, scale)
            top -= sheet.measure(ch, width, scale) + self.gap * scale
            if total_flex and extra > 0:
                top -= extra * ch.flex() / total_flex


@dataclass
class Row(Block):
    """Children side by side; ``weights`` share the width after the gaps."""

    children: Sequence[Block]
    weights: list[float] | None = None
    gap: float = 12.0
    valign: Literal["top", "bottom"] = "top"

    def _widths(self, width: float, scale: float) -> list[float]:
        weights = self.weights or [1.0] * len(self.children)
        free = width - self.gap * scale * (len(self.children) - 1)
        total = sum(weights)
        return [free * w / total for w in weights]

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        widths = self._widths(width, scale)
        return max(
            (sheet.measure(ch, w, scale) for ch, w in zip(self.children, widths, strict=True)),
            default=0.0,
        )

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        widths = self._widths(width, scale)
        full = sheet.measure(self, width, scale)
        for ch, w in zip(self.children, widths, strict=True):
            offset = full - sheet.measure(ch, w, scale) if self.valign == "bottom" else 0.0
            ch.draw(sheet, x, top - offset, w, scale)
            x += w + self.gap * scale


@dataclass
class Box(Block):
    """A child with padding, an optional fill and an optional left bar or border."""

    child: Block
    padding: float = 8.0
    fill: Color | None = None
    border: Color | None = None
    border_width: float = 1.5
    left_bar: Color | None = None
    bar_width: float = 6.0

    def _inset(self, scale: float) -> float:
        return self.padding * scale + (self.bar_width * scale if self.left_bar is not None else 0.0)

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        inner = width - self._inset(scale) - self.padding * scale
        return sheet.measure(self.child, inner, scale) + 2 * self.padding * scale

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        c = sheet.canvas
        h = sheet.measure(self, width, scale)
        if self.fill is not None or self.border is not None:
            c.setFillColor(self.fill or WHITE)
            c.setStrokeColor(self.border or self.fill or WHITE)
            c.setLineWidth(self.border_width)
            inset = self.border_width / 2 if self.border is not None else 0.0
            c.rect(
                x + inset,
                top - h + inset,
                width - 2 * inset,
                h - 2 * inset,
                stroke=1 if self.border is not None else 0,
                fill=1 if self.fill is not None else 0,
            )
        if self.left_bar is not None:
            c.setFillColor(self.left_bar)
            c.rect(x, top - h, self.bar_width * scale, h, stroke=0, fill=1)
        inner = width - self._inset(scale) - self.padding * scale
        self.child.draw(sheet, x + self._inset(scale), top - self.padding * scale, inner, scale)


@dataclass
class Swatch(Block):
    """A colour square with a dark outline, so white and pale uniforms show too."""

    colour_hex: str
    size: float

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return min(self.size * scale, width)

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        side = self.height(sheet, width, scale)
        c = sheet.canvas
        c.setFillColor(HexColor(self.colour_hex))
        c.setStrokeColor(TEXT)
        c.setLineWidth(1)
        c.rect(x + 0.5, top - side + 0.5, side - 1, side - 1, stroke=1, fill=1)


@dataclass
class QRCode(Block):
    """reportlab's own QR code, square, at most ``size`` points (scaled) and the width."""

    data: str
    size: float
    min_size: float = 68.0  # 24 mm: smaller codes are hard for phones to read

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return min(max(self.size * scale, self.min_size), width)

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        side = self.height(sheet, width, scale)
        qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        qr.addData(self.data)
        qr.make()
        count = qr.getModuleCount()
        quiet = 4  # the standard's quiet zone, in modules
        cell = side / (count + 2 * quiet)
        c = sheet.canvas
        c.setFillColor(TEXT)
        # Drawn as plain rectangles: reportlab's drawing renderer would add an unused Helvetica.
        for r, row in enumerate(qr.modules):
            for col_, dark in enumerate(row):
                if dark:
                    c.rect(x + (quiet + col_) * cell, top - (quiet + r + 1) * cell, cell, cell, stroke=0, fill=1)


@dataclass
class Grid(Block):
    """Rows of cells in weighted columns, with a rule under each row."""

    rows: Sequence[Sequence[Block]]
    weights: list[float]
    col_gap: float = 10.0
    row_pad: float = 5.0
    rule: Color | None = PALE_GREY
    header_rule: Color | None = NHS_BLUE
    cell_align_bottom: bool = False
    _rows: list[Row] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = [Row(cells, self.weights, self.col_gap) for cells in self.rows]

    def _row_height(self, sheet: Sheet, row: Row, width: float, scale: float) -> float:
        return sheet.measure(row, width, scale) + 2 * self.row_pad * scale

    def height(self, sheet: Sheet, width: float, scale: float) -> float:
        return sum(self._row_height(sheet, r, width, scale) for r in self._rows)

    def draw(self, sheet: Sheet, x: float, top: float, width: float, scale: float) -> None:
        c = sheet.canvas
        for i, row in enumerate(self._rows):
            h = self._row_height(sheet, row, width, scale)
            row.draw(sheet, x, top - self.row_pad * scale, width, scale)
            top -= h
            colour = self.header_rule if i == 0 else self.rule
            if colour is not None and i < len(self.rows) - 1:
                c.setFillColor(colour)
                thick = 2.0 if i == 0 else 1.0
                c.rect(x, top - thick / 2, width, thick, stroke=0, fill=1)


def header_band(sheet: Sheet, trust: str, ward: str) -> Block:
    """The blue band at the top of every sheet: trust on the left, ward on the right."""
    size = 16 * sheet.k
    return Box(
        Row(
            [
                Text(trust, size, min_size=12, bold=True, colour=WHITE, max_lines=2),
                Text(ward, size, min_size=12, bold=True, colour=WHITE, align="right", max_lines=2),
            ],
            gap=16,
        ),
        padding=8 * sheet.k,
        fill=NHS_BLUE,
    )


def footer(sheet: Sheet, trust: str, ward: str, produced_at: datetime, extra: str = "", on_screen: bool = False) -> Block:
    """The line at the foot of every sheet: when it was printed, and ``extra`` or the ward and trust
    (which the header band also shows)."""
    right = extra or f"{ward} \u00b7 {trust}"
    return Stack(
        [
            Rule(1.0, GREY, gap=3),
            Row(
                [
                    Text(produced_line(produced_at, on_screen), 12, min_size=12, colour=TEXT, max_lines=2),
                    Text(right, 12, min_size=12, align="right", max_lines=2),
                ],
                weights=[1, 1],
            ),
        ]
    )


def page_stack(sheet: Sheet, trust: str, ward: str, produced_at: datetime, body: Sequence[Block], extra: str = "",
               on_screen: bool = False) -> Stack:
    """Header band, the body, a growing space, then the footer."""
    return Stack([header_band(sheet, trust, ward), Spacer(10 * sheet.k), *body, Spacer(8, grow=1.0),
                  footer(sheet, trust, ward, produced_at, extra, on_screen)])
