"""The sync review list: changes the trust server rejected, changes another station overrode at
the same moment, and shifts flagged as changed on two stations at once. Nothing here is lost: a
rejected change stays on this PC (quarantined) and its words say why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

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
        self.resize(960, 420)
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

    @classmethod
    def show_for(cls, parent: QWidget, worker: StoreWorker) -> ReviewDialog:
        dlg = cls(parent)
        worker.query(load_items, dlg.model.set_items)
        dlg.open()
        return dlg
