"""Fixtures for the printing tests: deterministic fonts, PDF text and PDF-to-image helpers.

Image tests need ``pdftoppm`` (poppler-utils). Without it they are skipped with a reason, except
under CI (CI=true), where a missing pdftoppm fails them: CI installs poppler-utils.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from hardtruths_desktop.printing.fonts import FontChain, default_font_chain

Raster = Callable[..., list[Image.Image]]


@pytest.fixture(scope="session")
def fonts() -> FontChain:
    """The bundled fonts only (never a system Arial), so output is the same everywhere."""
    return default_font_chain(use_system_arial=False)


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdftoppm is missing under CI: install poppler-utils")
        pytest.skip("pdftoppm not installed (apt-get install poppler-utils): image checks skipped")
    return path


@pytest.fixture
def raster(pdftoppm: str) -> Raster:
    """raster(pdf, dpi=...) -> one greyscale PIL image per page."""

    def run(pdf: bytes, dpi: int = 20) -> list[Image.Image]:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "doc.pdf"
            src.write_bytes(pdf)
            subprocess.run(
                [pdftoppm, "-gray", "-r", str(dpi), str(src), str(Path(tmp) / "page")],
                check=True,
                capture_output=True,
            )
            pages = sorted(Path(tmp).glob("page-*.pgm"))
            return [Image.open(p).copy() for p in pages]

    return run
