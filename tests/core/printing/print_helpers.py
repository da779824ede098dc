"""Helpers shared by the printing tests (imported by test modules; not a test module itself)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF, pages joined, white space collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def text_sizes(pdf: bytes) -> list[tuple[str, float]]:
    """(text, effective font size in points) for every text piece pypdf reports."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[tuple[str, float]] = []
    for page in reader.pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                scale = (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5
                found.append((text.strip(), size * scale))

        page.extract_text(visitor_text=visit)
    return found


def ink_outside(image: Image.Image, margin_px: int, threshold: int = 235) -> int:
    """Number of pixels darker than ``threshold`` within ``margin_px`` of any page edge."""
    width, height = image.size
    data = image.load()
    assert data is not None
    count = 0
    for y in range(height):
        inside_rows = margin_px <= y < height - margin_px
        for x in range(width):
            if inside_rows and margin_px <= x < width - margin_px:
                continue
            value = data[x, y]
            if isinstance(value, tuple):
                value = value[0]
            if value < threshold:
                count += 1
    return count


def ink_box(image: Image.Image, threshold: int = 235) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of everything darker than ``threshold``."""
    mask = image.point(lambda v: 255 if v < threshold else 0)
    return mask.getbbox()
