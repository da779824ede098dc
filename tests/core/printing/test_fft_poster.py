"""The FFT results poster: a real PDF, its text extracted, rendered to PNG (A4 and A3, large print)."""

from __future__ import annotations

import io
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from core_support import WardStation
from pypdf import PdfReader

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.printing.fft_poster import render_fft_poster
from hardtruths_desktop.printing.models import PageSpec
from hardtruths_desktop.printouts_fft import fft_poster_view as load_fft_poster
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store.session import Actor

PRODUCED = datetime(2026, 11, 24, 14, 5)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages).split())


def fill(st: WardStation) -> None:
    with st.store.write(Actor.command_line()) as tx:
        for month in range(1, 12):
            day = date(2026, month, 10)
            n = 10 + month
            answers = ["very_good"] * (n // 2) + ["good"] * (n // 4) + ["poor"] * 2 + ["dont_know"]
            repo.record_responses(tx, st.ward.id, day, [fft.ResponseInput(a, channel="card") for a in answers], date(2026, 11, 24))
        repo.record_responses(tx, st.ward.id, date(2026, 11, 20), [
            fft.ResponseInput("very_good", "The nurses were kind and patient"),
            fft.ResponseInput("good", "Nurse Jane was wonderful"),  # held: never on the poster
            fft.ResponseInput("poor", "", "It was noisy at night"),
        ], date(2026, 11, 24))
        repo.save_you_said(tx, st.ward.id, "2026-11", "It was noisy at night", "Quiet hours from 11pm")


@pytest.mark.parametrize(("size", "large"), [("a4", False), ("a3", False), ("a4", True)])
def test_poster_shows_score_trend_comments_and_you_said(station: WardStation, tmp_path: Path, size: str, large: bool) -> None:
    fill(station)
    view = load_fft_poster(station.store, station.ward.id, year=2026, month=11, produced_at=PRODUCED, large_print=large)
    pdf = render_fft_poster(view, PageSpec(size, False))  # type: ignore[arg-type]
    text = text_of(pdf)
    assert "What our patients told us" in text and "November 2026" in text
    s = load_fft_poster(station.store, station.ward.id, year=2026, month=11, produced_at=PRODUCED)
    assert f"of {s.responses} people" in text
    assert "The nurses were kind and patient" in text and "It was noisy at night" in text
    assert "Jane" not in text  # a held comment never reaches the poster
    assert "Quiet hours from 11pm" in text
    assert "24/11/2026" in text or "24 November 2026" in text or "24 Nov 2026" in text  # when it was printed
    png = tmp_path / "poster"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", "-", str(png)], input=pdf, check=True)
    assert (tmp_path / "poster.png").stat().st_size > 5000


def test_poster_for_a_month_without_responses(station: WardStation) -> None:
    view = load_fft_poster(station.store, station.ward.id, year=2026, month=11, produced_at=PRODUCED)
    text = text_of(render_fft_poster(view, PageSpec("a4", False)))
    assert "No responses yet this month" in text and "The trend appears" in text


def test_print_fft_poster_from_the_command_line(station: WardStation, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hardtruths_desktop.cli import main
    from hardtruths_desktop.printouts import DOCUMENTS

    assert "fft-poster" in DOCUMENTS  # a document of the print centre like the others
    fill(station)
    station.store.close()
    out = tmp_path / "fft.pdf"
    code = main(["print", "fft-poster", "--data-dir", str(station.dir), "--ward", "T1", "--date", "2026-11-05",
                 "--size", "a3", "--large-print", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = text_of(out.read_bytes())
    assert "Friends and Family Test, November 2026" in text and "The nurses were kind and patient" in text
