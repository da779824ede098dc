"""The sync review dialog shows each change and its advice whole, wrapped, at 150% text (seen by hand in issue 13's
midday session: at 150% text on a 1024x768 PC the "Change" and "Why / what to do" columns were cut to "W8 …")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from test_small_screen import text_at_150_percent

from ui.dialogs.review import ReviewDialog


def test_each_row_is_as_tall_as_its_wrapped_text_at_150_percent(qtbot: Any) -> None:
    shot_dir = Path(os.environ["REVIEW_SHOT_DIR"]) if os.environ.get("REVIEW_SHOT_DIR") else None
    item = SimpleNamespace(kind="conflict", when="2026-11-29T07:00:00", what="W8 2026-11-29 Early shift: registered nurses actual",
                           detail="Check the figures and correct the shift if they are wrong: two PCs changed it while apart")
    with text_at_150_percent():
        dlg = ReviewDialog()
        qtbot.addWidget(dlg)
        dlg.resize(960, 420)
        dlg.show()  # as ``show_for``: opened, then its items arrive from the store's worker
        QApplication.processEvents()
        dlg.model.set_items([item])
        QApplication.processEvents()
        table = dlg.table
        line = table.fontMetrics().height()
        assert table.rowHeight(0) >= table.sizeHintForRow(0) >= 2 * line, (table.rowHeight(0), table.sizeHintForRow(0), line)
        assert table.rowHeight(0) <= 4 * line + 12  # the change and the advice share the width: a few lines, not a column
        dlg.grab().save(str(shot_dir / "review-150.png")) if shot_dir else None



CHILD = Path(__file__).with_name("review_dialog_child.py")
REFUSAL = ("The trust server refused this change: registered nurses actual must be a whole number from 0 to 60 (it was 600); "
           "it is kept on this PC")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dpi", [96, 144], ids=["100%", "150%"])
def test_every_cell_reads_whole_when_conflicts_fill_the_dialog(demo_dir: Path, dpi: int) -> None:
    """The REAL dialog as a nurse opens it, in its own process so the PC's text size is set as on a ward PC (Qt reads
    ``QT_FONT_DPI`` once, at start: the font AND the style's margins and scroll bar grow, which a bigger application
    font alone does not do): three staffing conflicts and a refused change in the store, Alt+V from the main window, the items read on the
    store worker, the app's style sheet and fonts. Seen under Xvfb at 150% text (issue 13): the rows were measured as
    the items arrived, the taller rows then brought the vertical scroll bar, the change and advice columns narrowed
    to make room and the rows were not measured again: "W7 2026-11-24 early: staffing changed on two stations at
    once" showed two lines ending "at …". And a refusal's row, taller than the list at 150%, scrolled by whole rows:
    its last line could never be seen. Every cell's full text must fit its row and be readable (a tooltip is not
    enough for a nurse)."""
    import sqlite3

    db = sqlite3.connect(demo_dir / "ward-station.sqlite")
    with db:
        db.execute("UPDATE shift SET needs_review = 1 WHERE id IN (SELECT s.id FROM shift s JOIN ward w ON w.id = s.ward_id"
                   " WHERE w.code = 'W7' ORDER BY s.shift_date DESC, s.shift_code LIMIT 3)")
        db.execute("UPDATE outbox SET state = 'rejected', last_error = ? WHERE client_seq = (SELECT max(client_seq) FROM outbox"
                   " WHERE entity = 'shift')", (REFUSAL,))
    db.close()
    shot_dir = os.environ.get("REVIEW_SHOT_DIR")
    shot = str(Path(shot_dir) / f"review-3-{dpi}dpi.png") if shot_dir else ""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_FONT_DPI": str(dpi), "QT_ENABLE_HIGHDPI_SCALING": "0"}
    res = subprocess.run([sys.executable, str(CHILD), str(demo_dir), "4", shot], capture_output=True, text=True, timeout=180,
                         cwd=ROOT, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    texts = out["texts"]
    assert [row[0] for row in texts] == ["✖ Rejected", *["⚑ Conflict"] * 3] and texts[0][3] == REFUSAL, texts
    assert all("stations at once" in row[2] for row in texts[1:]), texts
    assert out["scroll_bar"] == (dpi == 144), out  # at 150% the rows overflow the list: the scroll bar that narrows them
    assert out["cut"] == [], f"cut (row, column, px its text needs, row px): {out['cut']}; columns {out['columns']}"
    # every line of every row can be scrolled into view: at 150% the refusal's row is taller than the list
    assert out["out_of_reach"] == [], f"(row, px, px seen at most): {out['out_of_reach']}"
    line, rows = out["line"], out["rows"]
    assert all(h <= 4 * line + 12 for h in rows[1:]), out  # the change and the advice share the width
    if dpi == 96:  # at 100% text a conflict still reads on two lines, as before
        assert all(h <= 2 * line + 12 for h in rows[1:]), out
