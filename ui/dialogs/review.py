"""The sync review list: changes the trust server rejected, changes another station overrode at
the same moment, and shifts flagged as changed on two stations at once. Nothing here is lost: a
rejected change stays on this PC (quarantined) and its words say why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ui.models.review import ReviewModel

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store
    from ui.worker import StoreWorker


def load_items(store: Store) -> list[Any]:
    """Runs on the store worker: the review read-model."""
    from hardtruths_desktop.readmodels.review import load_review

    return list(load_review(store))


class ReviewDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync review")
        # as tall as the screen allows (up to 640): at 150% text one long refusal is taller than a 420-high dialog's list
        room = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        self.resize(min(960, room.width() - 32), max(420, min(640, room.height() - 96)))
        self.model = ReviewModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Changes to review")
        header = self.table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.ResizeToContents,
                                       QHeaderView.ResizeMode.Stretch, QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)  # what and when as wide as they are; the change and advice share the rest
        self.table.setWordWrap(True)
        # each row as tall as its wrapped text: at 150% text the change and the advice were cut to "W8 …"
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # ... and measured again whenever the shared columns change width. The rows are measured once, when the items
        # arrive; the taller rows then bring the vertical scroll bar, the change and the advice narrow to make room, and
        # the header does not measure its rows again: at 150% text with three conflicts a three-line change was left two
        # lines tall and cut to "staffing changed on two stations at …" (seen under Xvfb, issue 13)
        self._remeasure = QTimer(self, singleShot=True, interval=0)
        self._remeasure.timeout.connect(self.table.resizeRowsToContents)
        header.sectionResized.connect(self._column_resized)
        # a row taller than the list (a long refusal at 150% text) scrolls into view line by line: by whole rows its
        # last lines could never be seen
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.intro = QLabel(
            "These changes need a person. Rejected changes are kept on this PC and were not sent on; "
            "for a staffing conflict, open the shift in Record staffing and correct it if the figures are wrong."
        )
        self.intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if self.table.horizontalHeader().sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:
            self._remeasure.start()  # once, after the header has settled every column

    @classmethod
    def show_for(cls, parent: QWidget, worker: StoreWorker) -> ReviewDialog:
        dlg = cls(parent)
        worker.query(load_items, dlg.model.set_items)
        dlg.open()
        return dlg
