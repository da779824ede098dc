"""``incident report|list``, ``export incidents`` and ``print candour-letter`` on a copy of the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from core_support import db_snapshot
from support.clocks import suite_clock

from hardtruths_desktop import cli


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main([*args, "--data-dir", str(data)], clock=suite_clock())  # the demo's "now", never the PC's
    out, err = capsys.readouterr()
    return code, out, err


REPORT = ("incident", "report", "--ward", "W7", "--occurred", "2025-11-20 14:05", "--category", "patient_accident")


def test_report_list_export_and_letter(demo_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, out, err = run(capsys, demo_dir, *REPORT, "--as", "Dylan Evans", "--description", "Found on the floor 🛏️ المريض بخير",
                       "--harm", "moderate", "--nhs-number", "943 476 5919", "--immediate-action", "Obs checked")
    assert rc == 0, err
    iid = out.strip()
    assert len(iid) == 36
    rc, out, _ = run(capsys, demo_dir, *REPORT, "--as", "Aisha Rahman", "--description", "Near miss: wrong patient's tablets",
                     "--near-miss")
    assert rc == 0
    near = out.strip()

    rc, out, _ = run(capsys, demo_dir, "incident", "list", "--ward", "W7", "--as", "Dylan Evans", "--json")
    mine = json.loads(out)
    assert [x["id"] for x in mine] == [iid]  # an HCA sees only their own
    item = mine[0]
    assert {"id", "occurred", "category", "harm", "status", "candour"} <= set(item)
    assert (item["occurred"], item["category"], item["harm"], item["status"]) == ("2025-11-20 14:05", "patient_accident",
                                                                                 "moderate", "submitted")
    assert item["candour"]["status"] == "proposed"
    assert [(s["step"], s["done"]) for s in item["candour"]["steps"]] == [("notified", None), ("written", None),
                                                                           ("results_shared", None)]
    assert all(s["due"] for s in item["candour"]["steps"][:2])
    rc, out, _ = run(capsys, demo_dir, "incident", "list", "--ward", "W7", "--as", "Mary O'Neill", "--json")
    everything = {x["id"]: x for x in json.loads(out)}
    assert set(everything) >= {iid, near} and everything[near]["candour"] is None and everything[near]["near_miss"]

    out_file = tmp_path / "inc.json"
    rc, out, err = run(capsys, demo_dir, "export", "incidents", "--month", "2025-11", "--out", str(out_file), "--ward", "W7")
    assert rc == 0, err
    doc = json.loads(out_file.read_text(encoding="utf-8"))
    rec = next(r for r in doc["records"] if r["local_id"] == iid)
    assert rec["event"]["problem_category"]["label"] == "Patient accident (including falls)"
    assert rec["patients"][0]["physical_harm"]["code"] == "moderate"
    assert "9434765919" not in out_file.read_text(encoding="utf-8") and "Dylan" not in out_file.read_text(encoding="utf-8")
    assert rec["reporter"]["role"] == "care" and rec["duty_of_candour"]["status"] == "proposed"

    pdf = tmp_path / "letter.pdf"
    rc, out, err = run(capsys, demo_dir, "print", "candour-letter", "--incident", everything[iid]["reference"], "--out", str(pdf))
    assert rc == 0, err
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert everything[iid]["reference"] in text and "DRAFT" in text and "sorry" in text and "Found on the floor" in text
    # rendered as a printer would: an A4 page, NHS Blue heading, dark body text on white
    import shutil
    import subprocess

    from PIL import Image

    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed to render the letter"
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "letter")], check=True)
    page = Image.open(next(tmp_path.glob("letter*.png"))).convert("RGB")
    assert abs(page.width / page.height - 210 / 297) < 0.01
    colours = page.getcolors(page.width * page.height) or []
    assert max(colours)[1] == (255, 255, 255)  # white paper
    assert any(abs(r - 0x00) < 40 and abs(g - 0x5E) < 40 and abs(b - 0xB8) < 40 and n > 2000 for n, (r, g, b) in colours)
    assert sum(n for n, (r, g, b) in colours if max(r, g, b) < 120) > 5000  # dark body text, a page of it


@pytest.mark.parametrize(("args", "message"), [
    (("--category", "falls"), "'falls' is not an incident category"),
    (("--category", "medication", "--nhs-number", "9434765918"), "not a valid NHS number"),
    (("--category", "medication", "--near-miss", "--harm", "low"), "near miss"),
    (("--category", "medication", "--occurred", "20/11/2026 14:05"), "not a date"),
    (("--category", "medication", "--occurred", "2025-11-20"), "YYYY-MM-DD HH:MM"),
])
def test_bad_input_one_line_exit_2_nothing_written(demo_dir: Path, capsys: pytest.CaptureFixture[str],
                                                   args: tuple[str, ...], message: str) -> None:
    before = db_snapshot(demo_dir / "ward-station.sqlite")
    base = ["incident", "report", "--ward", "W7", "--as", "Aisha Rahman", "--occurred", "2025-11-20 14:05",
            "--description", "x"]
    rc, out, err = run(capsys, demo_dir, *base, *args)
    assert rc == 2 and out == "" and message in err and err.count("\n") == 1
    assert db_snapshot(demo_dir / "ward-station.sqlite") == before


def test_letter_needs_a_known_incident(demo_dir: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, demo_dir, "print", "candour-letter", "--incident", "W7-000000-ABCDEF", "--out", str(tmp_path / "x.pdf"))
    assert rc == 2 and "no incident" in err and not (tmp_path / "x.pdf").exists()
