"""Lines of text: bidirectional ordering, font runs, wrapping and shrink-to-fit.

The bidi part is the subset of the Unicode Bidirectional Algorithm (UAX #9) that names and plain
sentences need: paragraph direction from the first strong character, weak and neutral type rules
(W1-W7, N1-N2), implicit levels (I1-I2) and reordering (L2). Explicit embeddings and isolates are
dropped by :func:`fonts.clean_text`. Glyph order inside a right-to-left run, mirroring of brackets
and joining are HarfBuzz's work.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from hardtruths_desktop.printing.fonts import FontChain, Run, clean_text

Align = Literal["left", "center", "right"]
ELLIPSIS = "\u2026"


def bidi_levels(text: str) -> tuple[int, list[int]]:
    """Paragraph level and the resolved embedding level of every character."""
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    base = 0
    for t in types:
        if t == "L":
            break
        if t in ("R", "AL"):
            base = 1
            break
    sos = "R" if base else "L"
    n = len(types)
    prev = sos
    for i, t in enumerate(types):  # W1
        if t == "NSM":
            types[i] = prev
        else:
            prev = t
    last_strong = sos
    for i, t in enumerate(types):  # W2, W3
        if t in ("L", "R", "AL"):
            last_strong = t
        elif t == "EN" and last_strong == "AL":
            types[i] = "AN"
    types = ["R" if t == "AL" else t for t in types]
    for i in range(1, n - 1):  # W4
        if types[i] == "ES" and types[i - 1] == "EN" == types[i + 1]:
            types[i] = "EN"
        elif types[i] == "CS" and types[i - 1] == types[i + 1] and types[i - 1] in ("EN", "AN"):
            types[i] = types[i - 1]
    i = 0
    while i < n:  # W5
        if types[i] == "ET":
            j = i
            while j < n and types[j] == "ET":
                j += 1
            if (i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN"):
                for k in range(i, j):
                    types[k] = "EN"
            i = j
        else:
            i += 1
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]  # W6
    last_strong = sos
    for i, t in enumerate(types):  # W7
        if t in ("L", "R"):
            last_strong = t
        elif t == "EN" and last_strong == "L":
            types[i] = "L"
    i = 0
    while i < n:  # N1, N2
        if types[i] in ("L", "R", "EN", "AN"):
            i += 1
            continue
        j = i
        while j < n and types[j] not in ("L", "R", "EN", "AN"):
            j += 1
        before = sos if i == 0 else ("L" if types[i - 1] == "L" else "R")
        after = sos if j == n else ("L" if types[j] == "L" else "R")
        resolved = before if before == after else ("R" if base else "L")
        for k in range(i, j):
            types[k] = resolved
        i = j
    levels = []
    for t in types:  # I1, I2
        if base == 0:
            levels.append(1 if t == "R" else 2 if t in ("AN", "EN") else 0)
        else:
            levels.append(2 if t in ("L", "EN", "AN") else 1)
    return base, levels


@dataclass(frozen=True)
class Line:
    """One laid-out line: runs in visual (left-to-right drawing) order."""

    text: str
    runs: tuple[Run, ...]
    advance: float  # in 1/1000 of the font size
    unprintable: str = ""


_MEMO_LIMIT = 50_000


def layout_line(chain: FontChain, text: str, bold: bool) -> Line:
    """Split one line into font runs, shape them and put them in visual order.

    Characters no face can draw are replaced by '?' and listed in ``Line.unprintable``.
    """
    key = ("line", text, bold)
    cached = chain.memo.get(key)
    if isinstance(cached, Line):
        return cached
    if len(chain.memo) > _MEMO_LIMIT:
        chain.memo.clear()
    line = _layout_line(chain, text, bold)
    chain.memo[key] = line
    return line


def _layout_line(chain: FontChain, text: str, bold: bool) -> Line:
    text = clean_text(text).replace("\n", " ")
    if not text:
        return Line(text, (), 0.0)
    faces = chain.assign_faces(text)
    bad: list[str] = []
    chars = list(text)
    fallback_face = chain.face_index("?") or 0
    fixed_faces: list[int] = []
    for i, face in enumerate(faces):
        if face is None:
            if chars[i] not in bad:
                bad.append(chars[i])
            chars[i] = "?"
            fixed_faces.append(fallback_face)
        else:
            fixed_faces.append(face)
    shown = "".join(chars)
    _, levels = bidi_levels(shown)
    # Runs of equal (level, face) in logical order.
    pieces: list[tuple[int, Run]] = []
    start = 0
    for i in range(1, len(shown) + 1):
        if i == len(shown) or levels[i] != levels[start] or fixed_faces[i] != fixed_faces[start]:
            level = levels[start]
            pieces.append((level, chain.run(shown[start:i], fixed_faces[start], bold, level % 2 == 1)))
            start = i
    # L2: reverse every maximal sequence at or above each odd level, highest level first.
    order = list(range(len(pieces)))
    if pieces:
        highest = max(level for level, _ in pieces)
        lowest_odd = min((level for level, _ in pieces if level % 2), default=highest + 1)
        for level in range(highest, lowest_odd - 1, -1):
            i = 0
            while i < len(order):
                if pieces[order[i]][0] >= level:
                    j = i
                    while j < len(order) and pieces[order[j]][0] >= level:
                        j += 1
                    order[i:j] = reversed(order[i:j])
                    i = j
                else:
                    i += 1
    runs = tuple(pieces[k][1] for k in order)
    return Line(text, runs, sum(r.advance for r in runs), "".join(bad))


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF


def _tokens(paragraph: str) -> list[tuple[str, bool]]:
    """Break opportunities: (token, preceded by a space). CJK characters break anywhere."""
    tokens: list[tuple[str, bool]] = []
    for word in paragraph.split(" "):
        if not word:
            continue
        space = True
        current = ""
        for ch in word:
            if _is_cjk(ch):
                if current:
                    tokens.append((current, space))
                    space = False
                    current = ""
                tokens.append((ch, space))
                space = False
            else:
                current += ch
        if current:
            tokens.append((current, space))
    return tokens


def _clusters(word: str) -> list[str]:
    """Split a word where breaking it would not separate a mark or a conjunct from its base."""
    out: list[str] = []
    for ch in word:
        joins_previous = out and (
            unicodedata.category(ch)[0] == "M"
            or ch in "\u200c\u200d"
            or out[-1][-1] in "\u200c\u200d"
            or unicodedata.combining(out[-1][-1]) == 9  # after a virama
        )
        if joins_previous:
            out[-1] += ch
        else:
            out.append(ch)
    return out


@dataclass(frozen=True)
class Fitted:
    """Text fitted to a box: the font size chosen and the lines."""

    size: float
    lines: tuple[Line, ...]
    truncated: bool = False


def _wrap(
    chain: FontChain,
    paragraph: list[tuple[str, bool]],
    bold: bool,
    avail: float,
    break_words: bool,
) -> list[str] | None:
    """Greedy wrap in font units; None when a word is too long and ``break_words`` is False."""
    space = chain.measure(" ", bold)
    lines: list[str] = []
    current = ""
    width = 0.0
    for token, space_before in paragraph:
        w = chain.measure(token, bold)
        gap = space if (space_before and current) else 0.0
        if current and width + gap + w <= avail:
            current += (" " if gap else "") + token
            width += gap + w
            continue
        if w <= avail:
            if current:
                lines.append(current)
            current, width = token, w
            continue
        if not break_words:
            return None
        if current:
            lines.append(current)
        current, width = "", 0.0
        # Break a web or email address after a '/', '.', '@' or '-' if it can; else anywhere
        # between letters (never inside a conjunct or before a mark).
        pieces = [p for p in re.split(r"(?<=[/.@-])", token) if p]
        units = pieces if all(chain.measure(p, bold) <= avail for p in pieces) else _clusters(token)
        for cluster in units:
            cw = chain.measure(cluster, bold)
            if current and width + cw > avail:
                lines.append(current)
                current, width = "", 0.0
            current += cluster
            width += cw
    if current:
        lines.append(current)
    return lines


def fit_text(
    chain: FontChain,
    text: str,
    *,
    bold: bool,
    width: float,
    max_size: float,
    min_size: float,
    max_lines: int,
    single_line_down_to: float = 1.0,
) -> Fitted:
    """Largest size between ``max_size`` and ``min_size`` at which ``text`` fits ``max_lines``.

    While the size is above ``single_line_down_to * max_size`` only one line is allowed, so short
    names shrink a little rather than break.

    Words are wrapped first and shrunk next; at ``min_size`` over-long words are broken and, as a
    last resort, the text is cut with an ellipsis. The result never exceeds ``width``.
    """
    key = ("paragraphs", text)
    cached = chain.memo.get(key)
    if isinstance(cached, list):
        paragraphs: list[list[tuple[str, bool]]] = cached
    else:
        paragraphs = [_tokens(p.strip()) for p in clean_text(text).split("\n")]
        chain.memo[key] = paragraphs
    min_size = min(min_size, max_size)
    size = max_size
    while True:
        at_min = size <= min_size
        avail = width * 1000.0 / size
        all_lines: list[str] = []
        ok = True
        for paragraph in paragraphs:
            wrapped = _wrap(chain, paragraph, bold, avail, break_words=at_min)
            if wrapped is None:
                ok = False
                break
            all_lines.extend(wrapped or ([""] if len(paragraphs) > 1 else []))
        lines_allowed = 1 if size > single_line_down_to * max_size else max_lines
        if ok and (len(all_lines) <= lines_allowed or at_min):
            break
        size = max(min_size, size * 0.93)
    truncated = len(all_lines) > max_lines
    if truncated:
        all_lines = all_lines[:max_lines]
        last = all_lines[-1]
        while last and chain.measure(last + ELLIPSIS, bold) > avail:
            last = last[:-1].rstrip()
        all_lines[-1] = last + ELLIPSIS
    return Fitted(size, tuple(layout_line(chain, line, bold) for line in all_lines), truncated)


def draw_line(
    canvas: Canvas,
    line: Line,
    *,
    x: float,
    baseline: float,
    width: float,
    size: float,
    colour: Color,
    align: Align = "left",
) -> None:
    """Draw one line inside [x, x + width]; a line that would overflow is drawn smaller."""
    natural = line.advance * size / 1000.0
    if natural > width > 0:
        size = size * width / natural
        natural = width
    if align == "center":
        cursor = x + (width - natural) / 2
    elif align == "right":
        cursor = x + width - natural
    else:
        cursor = x
    canvas.setFillColor(colour)
    canvas.setStrokeColor(colour)
    for run in line.runs:
        if run.actual_text:
            # What the glyphs say, in the order typed: for copying, search and screen readers.
            canvas.addLiteral(f"/Span <</ActualText <FEFF{run.actual_text.encode('utf-16-be').hex().upper()}>>> BDC")
        obj = canvas.beginText(cursor, baseline)
        obj.setFont(run.font_name, size)
        if run.fake_bold:
            # Fill and stroke the outline: the nearest to bold a font without a bold face gets.
            # Graphics state is saved and restored around it so the stroke never leaks into
            # later text (the text render mode is part of the graphics state).
            canvas.saveState()
            canvas.setLineWidth(size * 0.035)
            obj.setTextRenderMode(2)
        else:
            obj.setTextRenderMode(0)
        obj.textOut(run.glyphs)
        canvas.drawText(obj)
        if run.fake_bold:
            canvas.restoreState()
        if run.actual_text:
            canvas.addLiteral("EMC")
        cursor += run.advance * size / 1000.0
