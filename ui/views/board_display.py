"""Board display: the who's-in-charge board, full screen, for a screen at the ward entrance.

It shows exactly the printed board (A4 landscape) for the shift in progress, drawn to fit the
screen: the view-model is read on the store worker and the PDF is drawn and rasterised in the
pool, so the GUI thread only swaps a picture. It refreshes itself when staffing changes
(``changes_applied``) and every minute by the clock, so it moves on to the next shift by itself.

Nobody stays signed in behind it: the main window signs the user out as the board opens (issue 12),
and the board ignores every key, click, wheel and touch except its own exit, so a passer-by can
neither use it nor keep anything awake. Leaving: press Esc. The board closes onto the sign-in page,
so carrying on needs a staff PIN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.pool import TaskPool
from ui.views.print_centre import explain, load_pdf, page_image, prepare, render_prepared

if TYPE_CHECKING:
    from hardtruths_desktop.printouts import Prepared
    from ui.context import Context

REFRESH_MS = 60_000

#: input the board swallows (its only input is Esc, its exit)
IGNORED_INPUT = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    QEvent.Type.TabletPress, QEvent.Type.ContextMenu, QEvent.Type.KeyRelease,
})


def on_screen(prep: Prepared) -> Prepared:
    """The board as shown live (issue 12): its footer says "On screen ... brought up to date at",
    not "Printed ... at"."""
    from dataclasses import replace

    from hardtruths_desktop.printing.models import BoardView

    if isinstance(prep.view, BoardView):
        return replace(prep, view=replace(prep.view, on_screen=True))
    return prep


def board_picture(prep: Prepared, size: QSize) -> QImage:
    """Runs in the pool: the board's PDF drawn as a picture that fits ``size``."""
    pdf = render_prepared(on_screen(prep))
    doc, buf = load_pdf(pdf)
    try:
        page = doc.pagePointSize(0)
        dpi = min(size.width() / page.width(), size.height() / page.height()) * 72
        return page_image(doc, 0, dpi)
    finally:
        doc.close()
        buf.close()


class BoardDisplay(QWidget):
    updated = Signal()  # a new picture is showing (``nurse_in_charge``, ``shift_name``)
    closed = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.tasks = TaskPool(self)
        self.view_model: Any = None
        self.nurse_in_charge = ""
        self.shift_name = ""
        self.error_text = ""
        self._seq = 0
        self.setObjectName("boardDisplay")
        self.setStyleSheet("QWidget#boardDisplay { background: #FFFFFF; }")
        self.setWindowTitle("Who's in charge")
        self.setAccessibleName("Who's in charge board")
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(1, 1)
        self.text = QLabel("Loading the board…")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        f = self.text.font()
        f.setPointSizeF(max(24.0, f.pointSizeF() * 2))
        self.text.setFont(f)
        self.hint = QLabel("Press Esc to leave the board. Nobody is signed in: a staff PIN is needed to use the station.")
        self.hint.setObjectName("muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 4)
        lay.addWidget(self.picture, 1)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.hint)
        self.picture.hide()

        self.clock = QTimer(self)
        self.clock.setInterval(REFRESH_MS)
        self.clock.timeout.connect(self.refresh)
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(200)
        self._resized.timeout.connect(self.refresh)
        ctx.changes_applied.connect(self._changes)

    def start(self) -> None:
        """Show full screen and keep the board up to date."""
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.clock.start()
        self.refresh()

    def _changes(self, _changes: Any) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        from hardtruths_desktop.printouts import PrintRequest

        ward = self.ctx.ward
        if ward is None:
            return
        self._seq += 1
        seq = self._seq
        req = PrintRequest("board", ward.code, None, None, "a4", True)  # the shift in progress now
        size = self._target_size()
        def prepared(prep: Prepared) -> None:
            self.tasks.run(lambda: board_picture(prep, size), lambda img: self._show(seq, prep, img),
                           lambda e: self._failed(seq, e), key="board")

        clock = self.ctx.clock
        self.ctx.query(lambda store: prepare(store, req, clock), prepared, lambda e: self._failed(seq, e))

    def _target_size(self) -> QSize:
        ratio = self.devicePixelRatioF()
        hint_h = self.hint.sizeHint().height() + 16
        return QSize(max(200, round(self.width() * ratio) - 16), max(150, round((self.height() - hint_h) * ratio)))

    def _show(self, seq: int, prep: Prepared, img: QImage) -> None:
        if seq != self._seq:
            return
        v = prep.view
        self.view_model = v
        self.nurse_in_charge = v.shift.nurse_in_charge
        self.shift_name = v.shift.shift_name
        self.error_text = ""
        pix = QPixmap.fromImage(img)
        pix.setDevicePixelRatio(self.devicePixelRatioF())
        self.picture.setPixmap(pix)
        self.picture.show()
        self.text.hide()
        self.setWindowTitle(f"Who's in charge – {v.ward} – {v.shift.shift_name} shift: {v.shift.nurse_in_charge}")
        summary = (f"{v.ward}, {v.shift.shift_name} shift. Nurse in charge: {v.shift.nurse_in_charge}. "
                   f"Ward manager: {v.ward_manager}. Matron: {v.matron}. "
                   + " ".join(f"{g.label}: {g.actual} on duty, {g.planned if g.planned is not None else 'none'} planned."
                              for g in v.shift.staff_groups))
        self.picture.setAccessibleName("Who's in charge board")
        self.picture.setAccessibleDescription(summary)
        self.updated.emit()

    def _failed(self, seq: int, e: BaseException) -> None:
        if seq != self._seq:
            return
        self.error_text = explain(e)
        self.picture.hide()
        self.text.setText("The board cannot be shown: " + self.error_text)
        self.text.show()
        self.updated.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            self._resized.start()

    def event(self, event: QEvent) -> bool:
        """Everything but Esc is swallowed: no shortcut, click or key reaches anything else."""
        t = event.type()
        if t == QEvent.Type.ShortcutOverride:
            event.accept()  # no application shortcut (Ctrl+1, Alt+...) fires from the board
            return True
        if t in IGNORED_INPUT:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.close()
        event.accept()  # every other key is ignored

    def closeEvent(self, event: QCloseEvent) -> None:
        self.clock.stop()
        self._resized.stop()
        self._seq += 1  # drop anything still on its way
        super().closeEvent(event)
        self.closed.emit()
