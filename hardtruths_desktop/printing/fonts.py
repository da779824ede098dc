"""Fonts for printed sheets: bundled open fonts, system Arial when installed, coverage and fallback.

A :class:`FontChain` is an ordered list of faces. Each character is drawn by the first face that has
a glyph for it (neutral characters such as spaces and digits stay with the face of the text around
them), so a name mixing scripts prints with the right font for each part. Text that needs shaping
(Arabic joining, Indic conjuncts, combining marks) or right-to-left ordering is shaped with
HarfBuzz (the ``uharfbuzz`` package) through reportlab's shaped-string support.

Threading: reportlab's font registry is process-global and shaping adds private glyph mappings to a
font, so every document is rendered while holding :data:`RENDER_LOCK` (the ``render_*`` functions do
this); callers may render from any thread.
"""

from __future__ import annotations

import os
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, ShapeData, ShapedStr, TTFont

from hardtruths_desktop import resources

try:
    import uharfbuzz  # type: ignore[import-untyped, import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - exercised only where uharfbuzz is missing
    uharfbuzz = None

RENDER_LOCK = threading.RLock()

# Characters that are never drawn: bidi controls (we resolve direction ourselves), variation
# selectors, soft hyphen, BOM. ZWJ/ZWNJ are kept: they steer shaping.
_DROP = frozenset("\u00ad\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff" + "".join(chr(c) for c in range(0xFE00, 0xFE10)))
_JOINERS = frozenset("\u200c\u200d")


@dataclass(frozen=True)
class FontFace:
    """One typeface: a regular TrueType file and, if it has one, a bold file."""

    key: str
    regular: Path
    bold: Path | None = None


# (key, regular file, bold file or None); order is the fallback order.
BUNDLED_FACES: tuple[tuple[str, str, str | None], ...] = (
    ("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("NotoSansArabic", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    ("NotoSansHebrew", "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    ("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    ("NotoSansBengali", "NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf"),
    ("NotoSansGurmukhi", "NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf"),
    ("NotoSansGujarati", "NotoSansGujarati-Regular.ttf", "NotoSansGujarati-Bold.ttf"),
    ("NotoSansTamil", "NotoSansTamil-Regular.ttf", "NotoSansTamil-Bold.ttf"),
    ("DroidSansFallback", "DroidSansFallbackFull.ttf", None),
)

_ARIAL_PLACES: tuple[tuple[str, str], ...] = (
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/usr/share/fonts/truetype/msttcorefonts/Arial.ttf", "/usr/share/fonts/truetype/msttcorefonts/Arial_Bold.ttf"),
)


def bundled_fonts_dir() -> Path:
    """The folder with the bundled fonts: ``resources/fonts`` (through the resource helper).

    ``HARDTRUTHS_FONTS_DIR`` overrides it (for packagers).
    """
    override = os.environ.get("HARDTRUTHS_FONTS_DIR")
    if override:
        return Path(override)
    return resources.resource("fonts")


def bundled_faces() -> tuple[FontFace, ...]:
    folder = bundled_fonts_dir()
    return tuple(FontFace(key, folder / regular, folder / bold if bold else None) for key, regular, bold in BUNDLED_FACES)


def find_arial() -> FontFace | None:
    """Arial as installed on this computer (never bundled), or None."""
    for regular, bold in _ARIAL_PLACES:
        if Path(regular).is_file():
            return FontFace("Arial", Path(regular), Path(bold) if Path(bold).is_file() else None)
    return None


@dataclass(frozen=True)
class Run:
    """A piece of one line drawn in one font, already in visual order.

    ``glyphs`` is a plain string, or a reportlab ``ShapedStr`` when HarfBuzz shaped it.
    ``advance`` is the width in 1/1000 of the font size.
    """

    font_name: str
    glyphs: str
    advance: float
    fake_bold: bool = False
    # The text as typed when HarfBuzz shaped left-to-right text (Indic scripts); drawn as the
    # run's ActualText. Right-to-left runs need none: their ToUnicode map already reads back
    # right, and poppler would reverse an ActualText string a second time.
    actual_text: str = ""


@dataclass
class _LoadedFace:
    face: FontFace
    regular: TTFont
    coverage: frozenset[int]
    bold: TTFont | None = None
    bold_coverage: frozenset[int] = field(default_factory=frozenset)
    bold_loaded: bool = False


_TTF_CACHE: dict[Path, tuple[TTFont, frozenset[int]]] = {}
_TEXT_MAPS: dict[str, GlyphTextMap] = {}


def _load_ttf(path: Path) -> tuple[TTFont, frozenset[int]]:
    cached = _TTF_CACHE.get(path)
    if cached is None:
        name = "HT-" + path.stem + "-" + format(zlib.crc32(str(path).encode()) & 0xFFFF, "04x")
        ttf = TTFont(name, str(path))
        _TEXT_MAPS[name] = GlyphTextMap(ttf)
        pdfmetrics.registerFont(ttf)
        # Snapshot the cmap now: shaping later adds private-use entries to it.
        cached = (ttf, frozenset(ttf.face.charToGlyph))
        _TTF_CACHE[path] = cached
    return cached


def clean_text(text: str) -> str:
    """NFC-normalise, turn any white space into plain spaces and drop invisible controls."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        if ch in _DROP:
            continue
        if ch in "\n\u00a0":  # a no-break space stays: line breaking keeps words joined by it
            out.append(ch)
        elif ch.isspace() or unicodedata.category(ch) in ("Zs", "Cc"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _is_neutral(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PSNZ" or ch in _JOINERS


def _needs_shaping(text: str) -> bool:
    for ch in text:
        o = ord(ch)
        if (
            0x0590 <= o <= 0x08FF  # Hebrew, Arabic, Syriac, Thaana ...
            or 0x0900 <= o <= 0x0DFF  # Indic scripts
            or 0xFB1D <= o <= 0xFEFF
            or ch in _JOINERS
            or unicodedata.category(ch)[0] == "M"
        ):
            return True
    return False


class FontChain:
    """Ordered faces with per-character fallback. Faces load lazily on first need."""

    def __init__(self, faces: Sequence[FontFace]) -> None:
        if not faces:
            raise ValueError("a font chain needs at least one face")
        self.faces = tuple(faces)
        self._loaded: list[_LoadedFace | None] = [None] * len(self.faces)
        self._measure_cache: dict[tuple[str, bool], float] = {}
        self._shape_cache: dict[tuple[str, bool, int, bool], Run] = {}
        # Memo for the text layer (laid-out lines, fitted text); cleared when it grows large.
        self.memo: dict[tuple[object, ...], object] = {}

    def _face(self, index: int) -> _LoadedFace:
        loaded = self._loaded[index]
        if loaded is None:
            face = self.faces[index]
            ttf, coverage = _load_ttf(face.regular)
            loaded = _LoadedFace(face, ttf, coverage)
            self._loaded[index] = loaded
        return loaded

    def _bold(self, index: int) -> TTFont | None:
        loaded = self._face(index)
        if not loaded.bold_loaded:
            loaded.bold_loaded = True
            if loaded.face.bold is not None:
                loaded.bold, loaded.bold_coverage = _load_ttf(loaded.face.bold)
        return loaded.bold

    def covers(self, index: int, ch: str) -> bool:
        return ord(ch) in self._face(index).coverage

    def face_index(self, ch: str, prefer: int | None = None) -> int | None:
        """The face that draws ``ch``: ``prefer`` if it can, else the first that can."""
        if prefer is not None and self.covers(prefer, ch):
            return prefer
        for i in range(len(self.faces)):
            if self.covers(i, ch):
                return i
        return None

    def unprintable(self, text: str) -> str:
        """The distinct characters of ``text`` that no face can draw (in order of appearance)."""
        bad: list[str] = []
        for ch in clean_text(text):
            if ch in "\n " or ch in _JOINERS or ch in bad:
                continue
            if self.face_index(ch) is None:
                bad.append(ch)
        if uharfbuzz is None:
            bad.extend(ch for ch in clean_text(text) if _needs_shaping(ch) and ch not in bad)
        return "".join(bad)

    def assign_faces(self, text: str) -> list[int | None]:
        """Face index per character of cleaned ``text``; None where no face has the character."""
        result: list[int | None] = []
        prev: int | None = None
        for i, ch in enumerate(text):
            if ch in _JOINERS or unicodedata.category(ch)[0] == "M":
                idx = self.face_index(ch, prev) if prev is not None else self.face_index(ch)
                if idx is None and prev is not None and ch in _JOINERS:
                    idx = prev  # HarfBuzz hides joiners the font lacks
            elif _is_neutral(ch):
                # Stay with the surrounding text's face when it has the character.
                nxt = _next_strong_face(self, text, i + 1)
                idx = self.face_index(ch, prev if prev is not None else nxt)
            else:
                idx = self.face_index(ch)
            result.append(idx)
            if idx is not None:
                prev = idx
        return result

    def run(self, text: str, face: int, bold: bool, rtl: bool) -> Run:
        """Shape (if needed) and measure one single-face, single-direction piece of text."""
        key = (text, bold, face, rtl)
        cached = self._shape_cache.get(key)
        if cached is not None:
            return cached
        ttf = self._face(face).regular
        fake_bold = False
        if bold:
            bold_ttf = self._bold(face)
            if bold_ttf is not None and all(ord(c) in self._face(face).bold_coverage or c in _JOINERS for c in text):
                ttf = bold_ttf
            else:
                fake_bold = True
        if (rtl or _needs_shaping(text)) and uharfbuzz is not None:
            glyphs, advance = _shape(ttf, text, rtl)
            result = Run(ttf.fontName, glyphs, advance, fake_bold, "" if rtl else text)
        else:
            result = Run(ttf.fontName, text, ttf.stringWidth(text, 1000), fake_bold)
        self._shape_cache[key] = result
        return result

    def measure(self, text: str, bold: bool) -> float:
        """Width of ``text`` (cleaned, one line) in 1/1000 of the font size."""
        key = (text, bold)
        cached = self._measure_cache.get(key)
        if cached is None:
            from hardtruths_desktop.printing.text import layout_line

            cached = sum(r.advance for r in layout_line(self, text, bold).runs)
            self._measure_cache[key] = cached
        return cached

    def first_font_name(self) -> str:
        """The registered name of the first face's regular font (loading it if needed)."""
        name: str = self._face(0).regular.fontName
        return name

    def font_names(self) -> Iterable[str]:
        return (lf.regular.fontName for lf in self._loaded if lf is not None)


def _next_strong_face(chain: FontChain, text: str, start: int) -> int | None:
    for ch in text[start : start + 8]:
        if not _is_neutral(ch) and unicodedata.category(ch)[0] != "M":
            return chain.face_index(ch)
    return None


class GlyphTextMap:
    """Makes a TrueType font's shaped glyphs copy and extract as the text they stand for.

    HarfBuzz turns text into glyphs that a font's own character map does not name (Arabic joining
    forms, Indic conjuncts, reordered vowel signs). Each such glyph gets a private code of its own
    for the text it stands for, and the font's ToUnicode map (written when the PDF is saved) says
    what that text is, so PDF text extraction, search and screen readers get the characters as
    typed: "प्रिया", not its glyph order, and Arabic letters, not presentation forms.
    """

    # Supplementary Private Use Area-A: no font we bundle maps characters there.
    FIRST_PRIVATE = 0xF0000

    def __init__(self, ttf: TTFont) -> None:
        self.ttf = ttf
        self.private_text: dict[int, str] = {}
        self._codes: dict[tuple[int, str], int] = {}
        self._next = self.FIRST_PRIVATE
        self._add_objects = ttf.addObjects
        # reportlab calls font.addObjects(doc) when it saves a document: ours wraps it.
        ttf.addObjects = self.add_objects

    def code_for(self, gid: int, text: str) -> int:
        """The character code that draws glyph ``gid`` and extracts as ``text``."""
        face = self.ttf.face
        if len(text) == 1 and ord(text) < self.FIRST_PRIVATE and face.charToGlyph.get(ord(text)) == gid:
            return ord(text)
        code = self._codes.get((gid, text))
        if code is None:
            code = self._next
            while code in face.charToGlyph:
                code += 1
            self._next = code + 1
            face.charToGlyph[code] = gid
            face.glyphToChar.setdefault(gid, []).append(code)
            face.charWidths[code] = face._pdfScale(face.hmetrics[gid][0])
            self._codes[(gid, text)] = code
            self.private_text[code] = text
        return code

    def add_objects(self, doc: Any) -> None:
        """reportlab's font objects, then the ToUnicode maps of subsets with private codes rewritten."""
        state = self.ttf.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        self._add_objects(doc)
        face = self.ttf.face
        for n, subset in enumerate(subsets):
            if not any(code in self.private_text for code in subset):
                continue
            base = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject["toUnicodeCMap:" + base]
            stream.content = _to_unicode_cmap(base, [self.private_text.get(code, chr(code)) for code in subset])


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(name: str, texts: Sequence[str]) -> str:
    """A ToUnicode CMap mapping one-byte code ``i`` to ``texts[i]`` (which may be several characters)."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name}) /Supplement 0 >> def",
        f"/CMapName /{name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(texts) - 1:02X}>",
        "endcodespacerange",
    ]
    entries = list(enumerate(texts))
    for start in range(0, len(entries), 100):  # at most 100 entries per block
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{i:02X}> <{_utf16_hex(t)}>" for i, t in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def glyph_texts(text: str, clusters: Sequence[int], rtl: bool) -> list[str]:
    """The text each shaped glyph stands for, so that reading the glyphs gives back ``text``.

    ``clusters`` are HarfBuzz's cluster values in glyph (visual) order. A cluster's text goes to
    its first glyph in reading order (the leftmost for left-to-right text, the rightmost for
    right-to-left); its other glyphs (a vowel sign drawn before its consonant, the second part of
    a split vowel) stand for nothing.
    """
    starts = sorted(set(clusters))
    ends = {c: (starts[i + 1] if i + 1 < len(starts) else len(text)) for i, c in enumerate(starts)}
    result = [""] * len(clusters)
    seen: set[int] = set()
    order = range(len(clusters) - 1, -1, -1) if rtl else range(len(clusters))
    for i in order:
        c = clusters[i]
        if c in seen:
            continue
        seen.add(c)
        result[i] = text[c : ends[c]]
    return result


def _shape(ttf: TTFont, text: str, rtl: bool) -> tuple[str, float]:
    """Shape ``text`` with HarfBuzz; returns a reportlab ShapedStr in visual order and its advance."""
    assert uharfbuzz is not None
    text_map = _TEXT_MAPS[ttf.fontName]
    hb_font = ttf.hbFont(1000)
    buf = uharfbuzz.Buffer()
    buf.cluster_level = uharfbuzz.BufferClusterLevel.MONOTONE_CHARACTERS
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.direction = "rtl" if rtl else "ltr"
    # Standard ligatures and kerning only: discretionary ligatures would add vowel marks to names.
    uharfbuzz.shape(hb_font, buf, {"kern": True, "liga": True})
    face = ttf.face
    infos, positions = buf.glyph_infos, buf.glyph_positions
    # HarfBuzz clusters count UTF-8 bytes or code points depending on add_str; map them to indices.
    texts = glyph_texts(text, [info.cluster for info in infos], rtl)
    chars: list[str] = []
    data: list[ShapeData] = []
    advance = 0.0
    for info, pos, piece in zip(infos, positions, texts, strict=True):
        code = text_map.code_for(info.codepoint, piece)
        x_advance = ttf.pdfScale(pos.x_advance)
        chars.append(chr(code))
        data.append(
            ShapeData(
                info.cluster,
                x_advance,
                ttf.pdfScale(pos.y_advance),
                ttf.pdfScale(pos.x_offset),
                ttf.pdfScale(pos.y_offset),
                face.charWidths[code],
            )
        )
        advance += x_advance
    return ShapedStr("".join(chars), shapeData=data), advance


_DEFAULT_CHAINS: dict[bool, FontChain] = {}


def default_font_chain(*, use_system_arial: bool = True) -> FontChain:
    """Arial first when installed (the NHS print font), then the bundled faces.

    Tests and golden images use ``use_system_arial=False`` so output is the same on every computer.
    """
    chain = _DEFAULT_CHAINS.get(use_system_arial)
    if chain is None:
        faces = list(bundled_faces())
        arial = find_arial() if use_system_arial else None
        if arial is not None:
            faces.insert(0, arial)
        chain = FontChain(faces)
        _DEFAULT_CHAINS[use_system_arial] = chain
    return chain
