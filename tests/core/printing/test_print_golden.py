"""Golden images of the board and the poster, compared with a tolerance.

Regenerate after an intended change of layout (then look at the new images before committing):

    HT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/core/printing/test_print_golden.py

The images are 30 dpi greyscale renderings by pdftoppm of the demo view-models with the bundled
fonts; small differences between poppler versions stay within the tolerance.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from hardtruths_desktop.printing import PageSpec, render_board, render_poster, samples
from hardtruths_desktop.printing.fonts import FontChain

GOLDEN = Path(__file__).parent / "golden"
DPI = 30
CASES: dict[str, Callable[[FontChain], bytes]] = {
    "board-a3-landscape": lambda f: render_board(samples.sample_board(), PageSpec("a3", True), fonts=f),
    "board-a4-portrait": lambda f: render_board(samples.sample_board(), PageSpec("a4"), fonts=f),
    "poster-a4-portrait": lambda f: render_poster(samples.sample_poster(), PageSpec("a4"), fonts=f),
    "poster-large-a3-landscape": lambda f: render_poster(samples.sample_poster(True), PageSpec("a3", True), fonts=f),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_golden_image(name: str, fonts: FontChain, raster: Any) -> None:
    image = raster(CASES[name](fonts), dpi=DPI)[0].convert("L")
    path = GOLDEN / f"{name}.png"
    if os.environ.get("HT_UPDATE_GOLDEN") == "1":
        image.save(path, optimize=True)
        pytest.skip(f"golden image rewritten: {path}")
    assert path.exists(), f"no golden image {path}: run with HT_UPDATE_GOLDEN=1"
    golden = Image.open(path).convert("L")
    assert image.size == golden.size
    diff = ImageChops.difference(image, golden)
    histogram = diff.histogram()
    total = image.size[0] * image.size[1]
    mean = sum(value * count for value, count in enumerate(histogram)) / total
    strong = sum(histogram[64:]) / total
    assert mean < 2.0 and strong < 0.005, f"{name}: mean diff {mean:.2f}, {strong:.2%} pixels differ"
