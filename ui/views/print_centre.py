"""Print: the who's-in-charge board, bed name cards, the complaints poster and the team sheet.

Two clicks from the tab to a printed board: the tab opens on this shift's board with its preview
ready, "Print…" opens the system print dialog, and its Print button prints.

Where the work runs (STYLE.md habit 3): the view-model is read from the store on the store
worker (:func:`prepare`), the PDF is drawn by reportlab in the pool (:func:`render_prepared`),
and printing (rasterising each page onto the printer's painter) and saving also run in the pool.
The GUI thread only loads the finished bytes into Qt's PDF viewer. Missing data is explained in
words on the screen (:func:`explain`), never as a traceback.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QRectF, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QShortcut, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.files import write_atomically
from ui.fit import scrolling
from ui.pool import TaskPool
from ui.screen import Job, Screen, ward_now
from ui.text import hhmm
from ui.widgets import buddy_label, heading

if TYPE_CHECKING:
    from hardtruths_desktop.domain.clock import Clock
    from hardtruths_desktop.printouts import Prepared, PrintRequest
    from hardtruths_desktop.store.session import Store
    from ui.context import Context

PRINT_DPI = 300  # pages are rasterised at this resolution for the printer: sharp, and light on memory


# --- the jobs (no widgets) -------------------------------------------------------------------------


def prepare(store: Store, req: PrintRequest, clock: Clock | None = None) -> Prepared:
    """Runs on the store worker: the document's read-model from the core's one registry
    (``printouts.DOCUMENTS``); raises ValidationError with a plain message when something is missing."""
    from hardtruths_desktop import printouts

    return printouts.prepare(store, req, clock)


def render_prepared(prep: Prepared) -> bytes:
    """Runs in the pool: the PDF bytes (raises UnprintableCharacters / MissingContactDetails)."""
    from hardtruths_desktop import printouts

    return printouts.render_prepared(prep)


def explain(e: BaseException) -> str:
    """What went wrong, in words a ward sister can act on."""
    from hardtruths_desktop.domain.validation import ValidationError
    from hardtruths_desktop.printing import LayoutOverflow, MissingContactDetails, UnprintableCharacters

    if isinstance(e, ValidationError):
        return " ".join(e.errors.values())
    if isinstance(e, MissingContactDetails):
        return ("The complaints poster cannot be printed until these details are filled in: " + "; ".join(e.missing)
                + ". The ward sister or manager adds them in Ward setup > Contacts.")
    if isinstance(e, UnprintableCharacters):
        names = "; ".join(item.describe() for item in e.items)
        return (f"Not printed: no font on this PC can draw some characters, and they would print as empty boxes: {names}. "
                "Check the spelling in Ward setup (staff names) or on the Beds screen (patients' preferred names).")
    if isinstance(e, LayoutOverflow):
        return f"This does not fit on one sheet: {e}. Try A3 paper or landscape."
    if isinstance(e, OSError):
        return f"The file could not be written: {e.strerror or e}. Choose another folder (for example Documents)."
    return "Something went wrong preparing this sheet. Try again; if it happens again tell IT (details are in the ward station's log)."


def load_pdf(data: bytes, parent: Any = None) -> tuple[QPdfDocument, QBuffer]:
    """A QPdfDocument over ``data`` (loading from a complete buffer is synchronous). Keep the
    buffer alive as long as the document."""
    doc = QPdfDocument(parent)
    buf = QBuffer(parent)
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buf)
    return doc, buf


def page_image(doc: QPdfDocument, page: int, dpi: float) -> QImage:
    size = doc.pagePointSize(page)
    return doc.render(page, QSize(max(1, round(size.width() / 72 * dpi)), max(1, round(size.height() / 72 * dpi))))


def paint_pdf(data: bytes, printer: QPrinter) -> int:
    """Runs in the pool: rasterise each page (within the printer's page range) onto the printer.
    Returns the number of pages sent. QPainter on a QPrinter is allowed off the GUI thread."""
    doc, buf = load_pdf(data)
    try:
        if doc.status() != QPdfDocument.Status.Ready:
            raise OSError("the document could not be read back for printing")
        n = doc.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        pages = range(max(1, first) - 1, min(n, last) if last else n) if first else range(n)
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("the printer could not be started (is it switched on and connected?)")
        try:
            dpi = min(float(printer.resolution()), PRINT_DPI)
            for i, page in enumerate(pages):
                if i:
                    printer.newPage()
                img = page_image(doc, page, dpi)
                target = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
                target.moveTo(0, 0)
                scale = min(target.width() / img.width(), target.height() / img.height())
                w, h = img.width() * scale, img.height() * scale
                painter.drawImage(QRectF((target.width() - w) / 2, (target.height() - h) / 2, w, h), img)
        finally:
            painter.end()
        return len(pages)
    finally:
        doc.close()
        buf.close()


def suggested_file_name(prep: Prepared) -> str:
    return prep.file_name()


# --- dialogs, monkeypatched in tests -----------------------------------------------------------------


class PrintDialogs:
    """The system dialogs (tests replace these class methods)."""

    @classmethod
    def ask_printer(cls, parent: QWidget, printer: QPrinter, pages: int) -> bool:
        dlg = QPrintDialog(printer, parent)
        dlg.setWindowTitle("Print")
        dlg.setMinMax(1, max(1, pages))
        return dlg.exec() == QPrintDialog.DialogCode.Accepted

    #: where "Save a PDF copy" opens: the last folder used on this station (issue 12), else Documents
    last_folder: str | None = None

    @classmethod
    def ask_save_path(cls, parent: QWidget, suggested: str) -> Path | None:
        folder = cls.last_folder or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name, _filter = QFileDialog.getSaveFileName(parent, "Save as PDF", str(Path(folder) / suggested), "PDF files (*.pdf)")
        return Path(name) if name else None


# --- the screen ----------------------------------------------------------------------------------------


class PrintCentreView(Screen):
    """The Print screen. Its read-model is the chosen document's view-model (``printouts.prepare``
    on the store worker, through the ``Screen`` base); the PDF is then drawn in the pool."""

    entities = frozenset({"shift", "red_flag", "staff", "bed", "bed_nurse", "ward_board", "trust_contacts", "trust",
                          "ward", "shift_pattern", "establishment", "ward_day"})
    rendered = Signal()  # a preview is ready (``pdf_bytes``, ``document``)
    failed = Signal(str)  # what is missing, in words (also shown on the screen)
    printed = Signal(int)  # pages sent to the printer
    saved = Signal(object)  # Path
    board_display_closed = Signal()  # the full-screen board was left (the main window locks)
    board_display_opening = Signal()  # issue 12: the main window signs the user out before the board shows

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tasks = TaskPool(self)
        self.prepared: Prepared | None = None
        self.pdf_bytes: bytes | None = None
        self.message_text = ""
        self._stale = True
        self._buffer: QBuffer | None = None
        self.board_display: Any = None
        self.setAccessibleName("Print")

        self.title = heading("Print", 1.4)
        self.doc_box = QComboBox()
        from hardtruths_desktop.printouts import DOCUMENTS

        for code, kind in DOCUMENTS.items():
            if kind.per_incident:  # printed from its incident (the Incidents screen), not chosen here
                continue
            label = kind.label
            self.doc_box.addItem(label, code)
        self.ward_label = QLabel()
        self.ward_label.setAccessibleName("Ward")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd dd/MM/yyyy")
        self.date_edit.setDate(QDate.currentDate())
        self.shift_box = QComboBox()
        self.size_box = QComboBox()
        self.size_box.addItem("A4", "a4")
        self.size_box.addItem("A3 (for the ward entrance)", "a3")
        self.landscape = QCheckBox("&Landscape (sideways)")
        self.landscape.setAccessibleName("Landscape")
        self.large_print = QCheckBox("Lar&ge print (16 point and bigger)")
        self.large_print.setAccessibleName("Large print")
        self.beds = QListWidget()
        self.beds.setAccessibleName("Beds to print cards for")
        self.beds.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.beds.setMaximumHeight(self.fontMetrics().lineSpacing() * 9)
        self.beds_hint = QLabel("Tick beds to print only their cards; with none ticked, every occupied bed gets a card.")
        self.beds_hint.setObjectName("muted")
        self.beds_hint.setWordWrap(True)

        form = QFormLayout()
        form.addRow(buddy_label("&Document:", self.doc_box), self.doc_box)
        form.addRow(QLabel("Ward:"), self.ward_label)
        self.date_label = buddy_label("D&ate:", self.date_edit, "Date")
        form.addRow(self.date_label, self.date_edit)
        self.shift_label = buddy_label("S&hift:", self.shift_box, "Shift")
        form.addRow(self.shift_label, self.shift_box)
        form.addRow(buddy_label("Paper si&ze:", self.size_box, "Paper size"), self.size_box)
        form.addRow("", self.landscape)
        form.addRow("", self.large_print)
        self.beds_label = buddy_label("B&eds:", self.beds, "Beds to print cards for")
        form.addRow(self.beds_label, self.beds)
        form.addRow("", self.beds_hint)

        self.message = QLabel()
        self.message.setObjectName("banner")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)

        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addLayout(form)
        left.addWidget(self.message)
        left.addStretch(1)
        self.board_btn = QPushButton("Show board on this &screen")
        self.board_btn.setAccessibleName("Show the who's in charge board full screen on this screen")
        self.board_btn.clicked.connect(self.open_board_display)
        left.addWidget(self.board_btn)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMaximumWidth(max(380, self.fontMetrics().averageCharWidth() * 52))
        # the choices scroll by themselves (large text, a small screen): the preview, the status line and the
        # buttons below them stay in view (at 150% text the status line was cut under the fold)
        self.choices = scrolling(left_box)
        self.choices.setAccessibleName("Print choices")
        self.choices.setMaximumWidth(left_box.maximumWidth() + self.choices.verticalScrollBar().sizeHint().width())

        self.document = QPdfDocument(self)
        self.preview = QPdfView()
        self.preview.setAccessibleName("Preview of the sheet")
        self.preview.setDocument(self.document)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setMinimumWidth(360)
        self.pages_label = QLabel()
        self.pages_label.setObjectName("muted")

        self.save_btn = QPushButton("Save a PDF c&opy…")  # Alt+C is the Incidents tab
        self.save_btn.clicked.connect(self.save_pdf)
        self.print_btn = QPushButton("Print… (Enter)")
        self.print_btn.setObjectName("primary")
        self.print_btn.setAccessibleName("Print (opens the print dialog)")
        self.print_btn.setToolTip("Print this sheet (Enter or Ctrl+P)")
        self.print_btn.clicked.connect(self.print_pdf)
        top = QHBoxLayout()
        top.addWidget(self.choices)
        top.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label, 1)
        buttons.addWidget(self.save_btn)
        buttons.addWidget(self.print_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(top, 1)
        lay.addWidget(self.status)  # under the choices and the preview, the whole width: always in view, never cut
        lay.addLayout(buttons)

        for seq in (QKeySequence(QKeySequence.StandardKey.Print), QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)):
            sc = QShortcut(seq, self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.print_pdf)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(self.render_now)
        self.doc_box.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.date_edit.dateChanged.connect(lambda _d: self._options_changed())
        self.shift_box.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.size_box.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.landscape.toggled.connect(lambda _on: self._options_changed())
        self.large_print.toggled.connect(lambda _on: self._options_changed())
        self.beds.itemChanged.connect(lambda _item: self._options_changed())
        self._set_ready(False)
        self._visibility()

    # --- choices ------------------------------------------------------------------------------------

    def _ward_changed(self) -> None:
        from hardtruths_desktop.domain.staffing import current_shift

        ward = self.ctx.ward
        if ward is None:
            return
        self.ward_label.setText(ward.name)
        self.title.setText(f"Print – {ward.name}")
        widgets = (self.date_edit, self.shift_box)
        for w in widgets:
            w.blockSignals(True)
        self.shift_box.clear()
        for p in ward.patterns:
            self.shift_box.addItem(f"{p.name} ({hhmm(p.start)}–{hhmm(p.end)})", p.code)
        cur = current_shift(ward.patterns, ward_now(self.ctx.clock))
        if cur is not None:
            d, p = cur
            self.date_edit.setDate(QDate(d.year, d.month, d.day))
            self.shift_box.setCurrentIndex(max(0, self.shift_box.findData(p.code)))
        for w in widgets:
            w.blockSignals(False)
        self._load_beds()
        self._options_changed()

    def select_document(self, code: str) -> None:
        self.doc_box.setCurrentIndex(self.doc_box.findData(code))

    def request(self) -> PrintRequest | None:
        from hardtruths_desktop.printouts import PrintRequest

        if self.ctx.ward is None:
            return None
        doc = str(self.doc_box.currentData())
        day: date = self.date_edit.date().toPython()  # type: ignore[assignment]
        code = self.shift_box.currentData()
        beds = tuple(
            str(self.beds.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.beds.count())
            if self.beds.item(i).checkState() == Qt.CheckState.Checked
        )
        return PrintRequest(doc, self.ctx.ward.code, None if doc == "poster" else day,  # type: ignore[arg-type]
                            str(code) if code and doc in ("board", "bed-cards", "team") else None,
                            str(self.size_box.currentData()), self.landscape.isChecked(),  # type: ignore[arg-type]
                            doc == "poster" and self.large_print.isChecked(), beds if doc == "bed-cards" else ())

    def _visibility(self) -> None:
        doc = self.doc_box.currentData()
        shown: list[tuple[QWidget, bool]] = [
            (self.date_label, doc != "poster"), (self.date_edit, doc != "poster"),
            (self.shift_label, doc in ("board", "bed-cards", "team")), (self.shift_box, doc in ("board", "bed-cards", "team")),
            (self.large_print, doc == "poster"),
            (self.beds_label, doc == "bed-cards"), (self.beds, doc == "bed-cards"), (self.beds_hint, doc == "bed-cards"),
        ]
        for w, on in shown:
            w.setVisible(on)

    def _options_changed(self) -> None:
        self._visibility()
        self._set_ready(False)
        self._stale = True
        if self.isVisible():
            self._debounce.start()

    def _data_changed(self) -> None:
        self._stale = True
        self._load_beds()
        if self.isVisible():
            self._debounce.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._debounce.start()

    def _load_beds(self) -> None:
        if self.ctx.ward is None:
            return
        ward_id = self.ctx.ward_id

        now = ward_now(self.ctx.clock)

        def load(store: Store) -> list[tuple[str, str]]:
            from hardtruths_desktop.domain.validation import ValidationError
            from hardtruths_desktop.readmodels.beds import load_beds

            try:
                beds = load_beds(store, ward_id, now=now)
            except ValidationError:  # the ward is gone
                return []
            return [(b.label, b.preferred_name) for b in beds.beds if b.occupied]

        self.ctx.query(load, self._show_beds)

    def _show_beds(self, beds: list[tuple[str, str]]) -> None:
        ticked = {self.beds.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.beds.count())
                  if self.beds.item(i).checkState() == Qt.CheckState.Checked}
        self.beds.blockSignals(True)
        self.beds.clear()
        for label, name in beds:
            item = QListWidgetItem(f"Bed {label}: {name}")
            item.setData(Qt.ItemDataRole.UserRole, label)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if label in ticked else Qt.CheckState.Unchecked)
            self.beds.addItem(item)
        if not beds:
            item = QListWidgetItem("No occupied beds: fill in the Beds screen first.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.beds.addItem(item)
        self.beds.blockSignals(False)

    # --- preview ------------------------------------------------------------------------------------

    def ward_changed(self) -> None:
        self._ward_changed()

    def changes_applied(self, _changes: Any) -> None:
        self._data_changed()

    def render_now(self) -> None:
        """Read the document's data on the store worker, then draw it in the pool."""
        if self.request() is None:
            return
        self._stale = False
        self._set_ready(False)
        self.status.setText("Preparing the preview…")
        self.refresh()

    def loader(self) -> Job | None:
        req = self.request()
        if req is None:
            return None
        clock = self.ctx.clock
        return lambda store: prepare(store, req, clock)

    def show_data(self, data: Prepared, **_opts: Any) -> None:
        seq = self._seq
        self.tasks.run(lambda: render_prepared(data), lambda pdf: self._rendered(seq, data, pdf),
                       lambda e: self._failed(seq, e), key="preview")

    def load_failed(self, e: BaseException) -> None:
        self._failed(self._seq, e)

    def _rendered(self, seq: int, prep: Prepared, pdf: bytes) -> None:
        if seq != self._seq:
            return
        self.prepared = prep
        self.pdf_bytes = pdf
        old = self._buffer
        self.document.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        if old is not None:
            old.close()
            old.deleteLater()
        self._show_message("")
        n = self.document.pageCount()
        req = prep.request
        paper = f"{req.size.upper()} {'landscape' if req.landscape else 'portrait'}"
        self.pages_label.setText(f"{n} page{'s' if n != 1 else ''} · {paper}")
        self.status.setText(f"Ready to print: {prep.title}")
        self.status.setAccessibleName(self.status.text())
        self._set_ready(True)
        self.rendered.emit()

    def _failed(self, seq: int, e: BaseException) -> None:
        if seq != self._seq:
            return
        self.prepared = None
        self.pdf_bytes = None
        self.document.close()
        self.pages_label.setText("")
        self.status.setText("Nothing to print until this is put right.")
        text = explain(e)
        self._show_message(text)
        self.failed.emit(text)

    def _show_message(self, text: str, status: str = "bad") -> None:
        self.message_text = text
        self.message.setProperty("status", status)
        self.message.setText(("⚠ " if status == "bad" else "") + text)
        self.message.setAccessibleName(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def _set_ready(self, ready: bool) -> None:
        self.print_btn.setEnabled(ready)
        self.save_btn.setEnabled(ready)

    # --- print and save -----------------------------------------------------------------------------

    def make_printer(self) -> QPrinter:
        """A printer set up for the current sheet: paper size, orientation, document name."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        req = self.prepared.request if self.prepared else None
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A3 if req and req.size == "a3" else QPageSize.PageSizeId.A4))
        printer.setPageOrientation(QPageLayout.Orientation.Landscape if req and req.landscape else QPageLayout.Orientation.Portrait)
        if self.prepared:
            printer.setDocName(self.prepared.title)
        return printer

    def print_pdf(self) -> None:
        """Print…: the system print dialog, then the pages are drawn for the printer in the pool."""
        if self.pdf_bytes is None:
            return
        printer = self.make_printer()
        if not PrintDialogs.ask_printer(self, printer, self.document.pageCount()):
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        data = self.pdf_bytes
        if data is None:
            return
        self.print_btn.setEnabled(False)
        self.status.setText("Sending to the printer…")
        seq = self._seq

        def done(pages: int) -> None:
            self.print_btn.setEnabled(self.pdf_bytes is not None)
            n = f"{pages} page{'s' if pages != 1 else ''}"
            if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat or printer.outputFileName():
                # a "print to file" printer: nothing comes out of a printer (issue 12)
                self.status.setText(f"Printed {n} to the file {printer.outputFileName()}: nothing was sent to a printer.")
            else:
                self.status.setText(f"Sent {n} to {printer.printerName() or 'the printer'}. Collect it from the printer.")
            self.status.setAccessibleName(self.status.text())
            self.printed.emit(pages)

        def fail(e: BaseException) -> None:
            self.print_btn.setEnabled(self.pdf_bytes is not None)
            self._failed(seq, e)
            self.status.setText("Not printed.")

        # the printer object is only used by the pool job until it reports back
        self.tasks.run(lambda: paint_pdf(data, printer), done, fail)

    def save_pdf(self) -> None:
        """Save as PDF…: choose a file, written atomically in the pool."""
        if self.pdf_bytes is None or self.prepared is None:
            return
        settings = self._settings()
        PrintDialogs.last_folder = str(settings.value("print/save_folder", "")) or None
        path = PrintDialogs.ask_save_path(self, suggested_file_name(self.prepared))
        if path is None:
            return
        settings.setValue("print/save_folder", str(path.parent))  # the next Save opens here
        settings.sync()
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        self.save_to(path)

    def _settings(self) -> Any:
        from PySide6.QtCore import QSettings

        return QSettings(str(self.ctx.worker.data_dir / "station-window.ini"), QSettings.Format.IniFormat)

    def save_to(self, path: Path) -> None:
        data = self.pdf_bytes
        if data is None:
            return
        seq = self._seq
        self.status.setText(f"Saving {path.name}…")

        def done(_r: None) -> None:
            self.status.setText(f"Saved as {path}")
            self.status.setAccessibleName(self.status.text())
            self.saved.emit(path)

        def fail(e: BaseException) -> None:
            self.status.setText("Not saved.")
            self._show_message(explain(e)) if seq == self._seq else None

        self.tasks.run(lambda: write_atomically(path, data), done, fail)

    # --- board display ------------------------------------------------------------------------------

    def open_board_display(self) -> None:
        from ui.views.board_display import BoardDisplay

        if self.board_display is None:
            self.board_display = BoardDisplay(self.ctx)
            self.board_display.closed.connect(self._board_display_closed)
        self.board_display_opening.emit()  # nobody stays signed in behind the board
        self.board_display.start()

    def _board_display_closed(self) -> None:
        self.board_display_closed.emit()
