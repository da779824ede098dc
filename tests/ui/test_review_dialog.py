"""The sync review dialog shows each change and its advice whole, wrapped, at 150% text (seen by hand in issue 13's
midday session: at 150% text on a 1024x768 PC the "Change" and "Why / what to do" columns were cut to "W8 …")."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
