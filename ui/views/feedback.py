"""Feedback: the ward's Friends and Family Test results, paper cards, moderation, "You said, we did",
and the button that turns this PC into the patient kiosk.

Data comes from ``readmodels/feedback.py`` through the store worker; writes go through
``store/feedback.py``. Refreshes from ``changes_applied`` when feedback (or a pull) changed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QKeySequence, QPainter, QPainterPath, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import spc
from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, today
from hardtruths_desktop.domain.validation import ValidationError
from ui.context import Context
from ui.widgets import error_label, heading, show_error

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.feedback import FeedbackResults, ModerationItem
    from hardtruths_desktop.store.session import Store, WriteTx

INK, BLUE, GREY, RED = QColor("#212B32"), QColor("#005EB8"), QColor("#768692"), QColor("#DA291C")


def _pct(x: float | None) -> str:
    return "no responses" if x is None else f"{x:.1f}%"


class SpcChart(QWidget):
    """The XmR chart of monthly % positive: points, mean, process limits; a signal is shown by a
    larger square marker and named in words below the chart (never by colour alone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.labels: list[str] = []
        self.chart: spc.XmR | None = None
        self.setAccessibleName("Chart of monthly percent positive with process limits")

    def set_data(self, labels: list[str], chart: spc.XmR) -> None:
        self.labels, self.chart = labels, chart
        self.update()

    def paintEvent(self, _e: Any) -> None:
        c = self.chart
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = p.fontMetrics()
        names = ("mean", "upper limit", "lower limit")
        # the lines' names sit in a margin right of the plot, clear of this month's point
        left, top, bottom = fm.horizontalAdvance("100%") + 12, 10, fm.height() * 2 + 8
        right = max(fm.horizontalAdvance(n) for n in names) + 16
        area = QRectF(left, top, max(10, self.width() - left - right), max(10, self.height() - top - bottom))
        p.setPen(QPen(GREY, 1))
        p.drawRect(area)
        if c is None or c.mean is None:
            p.setPen(INK)
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "No responses in these months yet")
            p.end()
            return
        vals = [v for v in (*c.values, c.upper, c.lower) if v is not None]
        lo, hi = max(0.0, min(vals) - 5), min(100.0, max(vals) + 5)
        if hi - lo < 10:
            lo, hi = max(0.0, lo - 5), min(100.0, hi + 5)

        def y(v: float) -> float:
            return area.bottom() - (v - lo) / (hi - lo) * area.height()

        n = len(c.values)
        step = area.width() / max(1, n - 1) if n > 1 else 0

        def x(i: int) -> float:
            return area.left() + step * i if n > 1 else area.center().x()

        for edge in (lo, hi):
            p.setPen(INK)
            p.drawText(QRectF(0, y(edge) - fm.height() / 2, left - 6, fm.height()), Qt.AlignmentFlag.AlignRight, f"{edge:.0f}%")
        name_y: dict[str, float] = {}
        for value, style, name in ((c.mean, Qt.PenStyle.SolidLine, "mean"), (c.upper, Qt.PenStyle.DashLine, "upper limit"),
                                   (c.lower, Qt.PenStyle.DashLine, "lower limit")):
            if value is None:
                continue
            p.setPen(QPen(GREY if name != "mean" else INK, 1.5, style))
            p.drawLine(QPointF(area.left(), y(value)), QPointF(area.right(), y(value)))
            name_y[name] = y(value)
        # each name level with its line, nudged apart when two lines are close together
        placed: list[float] = []
        for name in sorted(name_y, key=lambda k: name_y[k]):
            base = name_y[name] + fm.ascent() / 2 - 1
            if placed and base - placed[-1] < fm.height():
                base = placed[-1] + fm.height()
            placed.append(base)
            p.setPen(INK if name == "mean" else GREY)
            p.drawText(QPointF(area.right() + 10, base), name)  # clear of a point (and a signal square) on the edge
        path = QPainterPath()
        started = False
        for i, v in enumerate(c.values):
            if v is None:
                started = False
                continue
            if started:
                path.lineTo(x(i), y(v))
            else:
                path.moveTo(x(i), y(v))
                started = True
        p.setPen(QPen(BLUE, 2.5))
        p.drawPath(path)
        for i, v in enumerate(c.values):
            if v is None:
                continue
            if c.signalled(i):
                p.setPen(QPen(INK, 2))
                p.setBrush(RED)
                p.drawRect(QRectF(x(i) - 6, y(v) - 6, 12, 12))
            else:
                p.setPen(QPen(BLUE, 2))
                p.setBrush(QColor("#FFFFFF"))
                p.drawEllipse(QPointF(x(i), y(v)), 4.5, 4.5)
        p.setPen(INK)
        for at, lab in self.month_label_places(fm, [x(i) for i in range(n)]):
            p.drawText(QPointF(at, area.bottom() + fm.height() + 2), lab)
        p.end()

    def month_label_places(self, fm: QFontMetrics, xs: list[float]) -> list[tuple[float, str]]:
        """Where each shown month name starts: from this month back, every k-th month, so that no
        two names touch at any text size or chart width (this month's always shown)."""
        labels = self.labels[:len(xs)]
        n = len(labels)
        step = (xs[-1] - xs[0]) / (n - 1) if n > 1 else 0.0
        widest = max((fm.horizontalAdvance(lab) for lab in labels), default=0) + fm.horizontalAdvance("  ")
        k = 1
        while k < n and step * k < widest:
            k += 1
        out: list[tuple[float, str]] = []
        room_left = float(self.width())
        for i in range(n - 1, -1, -k):
            w = fm.horizontalAdvance(labels[i])
            at = min(max(0.0, xs[i] - w / 2), self.width() - w)
            if at + w > room_left:
                continue
            out.append((at, labels[i]))
            room_left = at - fm.horizontalAdvance(" ")
        return out[::-1]


class FeedbackView(QWidget):
    kiosk_requested = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.clock: Clock = getattr(ctx, "clock", SYSTEM_CLOCK)
        self.results: FeedbackResults | None = None
        self.moderation: tuple[ModerationItem, ...] = ()
        self.batch: list[fft.ResponseInput] = []

        title = heading("Feedback: Friends and Family Test")
        self.kiosk_btn = QPushButton("Start the patient &kiosk")
        self.kiosk_btn.setObjectName("primary")
        self.kiosk_btn.setAccessibleName("Start the patient kiosk (locks the station)")
        self.kiosk_btn.clicked.connect(self.kiosk_requested)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.kiosk_btn)

        self.inner = QTabWidget()
        self.inner.addTab(self._results_tab(), "Results")
        self.inner.addTab(self._cards_tab(), "Enter paper cards")
        self.inner.addTab(self._moderation_tab(), "Comments to check")
        self.inner.addTab(self._yswd_tab(), "You said, we did")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.inner, 1)
        ctx.changes_applied.connect(self._changes)
        ctx.ward_changed.connect(self.refresh)
        ctx.user_changed.connect(self.refresh)

    # --- results -------------------------------------------------------------------------------------

    def _results_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        self.month_box = QComboBox()
        self.month_box.setAccessibleName("Month")
        lab = QLabel("Mont&h")
        lab.setBuddy(self.month_box)
        self.month_box.currentIndexChanged.connect(lambda _i: self.refresh())
        row.addWidget(lab)
        row.addWidget(self.month_box)
        row.addStretch(1)
        self.headline = QLabel()
        self.headline.setObjectName("figure")
        self.headline.setWordWrap(True)
        self.counts = QTableWidget(0, 3)
        self.counts.setHorizontalHeaderLabels(["Answer", "Responses", "Share"])
        self.counts.verticalHeader().hide()
        # sized to its words ("Neither good nor poor", "Responses") at any text size: six rows, so
        # measuring them is cheap; the chart takes the rest of the width
        self.counts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.counts.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.counts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.counts.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.counts.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.counts.setAccessibleName("Responses per answer this month")
        self.counts.setMaximumHeight(260)
        self.chart = SpcChart()
        self.signals = QLabel()
        self.signals.setWordWrap(True)
        self.themes = QLabel()
        self.themes.setWordWrap(True)
        self.comments = QListWidget()
        self.comments.setAccessibleName("Comments patients may see")
        self.comments.setWordWrap(True)
        # wrapped lines of hundreds of comments are measured in batches as the list is drawn, not all
        # before the first paint (the screen opened in ~40 ms more for a busy month otherwise)
        self.comments.setLayoutMode(QListWidget.LayoutMode.Batched)
        self.comments.setBatchSize(40)
        v.addLayout(row)
        v.addWidget(self.headline)
        mid = QHBoxLayout()
        mid.addWidget(self.counts, 0, Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.addWidget(QLabel("% positive, month by month (SPC chart: mean and process limits)"))
        right.addWidget(self.chart)
        right.addWidget(self.signals)
        mid.addLayout(right, 1)
        v.addLayout(mid)
        v.addWidget(self.themes)
        v.addWidget(QLabel("Comments this month"))
        v.addWidget(self.comments, 1)
        return w

    def _fill_months(self) -> None:
        if self.month_box.count():
            return
        t = today(self.clock)
        self.month_box.blockSignals(True)
        for y, m in reversed(fft.months_back(t.year, t.month, 13)):
            self.month_box.addItem(date(y, m, 1).strftime("%B %Y"), (y, m))
        self.month_box.blockSignals(False)

    def refresh(self) -> None:
        if self.ctx.ward is None:
            return
        self._fill_months()
        y, m = self.month_box.currentData() or (today(self.clock).year, today(self.clock).month)
        ward_id = self.ctx.ward_id

        def load(store: Store) -> tuple[Any, Any]:
            from hardtruths_desktop.readmodels.feedback import load_moderation, load_results

            return load_results(store, ward_id, year=y, month=m), load_moderation(store, ward_id)

        self.ctx.query(load, self._show)

    def _changes(self, changes: Any) -> None:
        if {"feedback", "you_said_we_did", "sync"} & set(getattr(changes, "entities", ())):
            self.refresh()

    def _show(self, loaded: tuple[FeedbackResults, tuple[ModerationItem, ...]]) -> None:
        r, mod = loaded
        self.results, self.moderation = r, mod
        s = r.this_month
        if s.responses:
            self.headline.setText(f"{r.month_label}: {_pct(s.percent_positive)} positive, {_pct(s.percent_negative)} negative"
                                  f" ({s.responses} responses)")
        else:
            self.headline.setText(f"{r.month_label}: no responses yet. Start the patient kiosk, or enter the paper cards.")
        self.counts.setRowCount(0)
        for a in fft.answers():
            n = s.counts.get(a.code, 0)
            row = self.counts.rowCount()
            self.counts.insertRow(row)
            share = fft.percent(n, s.responses)
            for col, text in enumerate((a.label, str(n), "–" if share is None else f"{share:.1f}%")):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.counts.setItem(row, col, item)
        self.chart.set_data([p.label for p in r.months], r.chart)
        words = []
        for sig in r.chart.signals:
            months = ", ".join(r.months[i].label for i in sig.indexes[:3]) + ("…" if len(sig.indexes) > 3 else "")
            words.append(f"■ {sig.label}: {months}")
        note = " Limits are indicative: fewer than 12 months of responses." if r.chart.limits_indicative and r.chart.mean is not None else ""
        self.signals.setText(("\n".join(words) if words else "No special-cause signal.") + note)
        self.themes.setText("Themes this month: " + (", ".join(f"{label} ({n})" for label, n in r.themes) or "none yet"))
        self.comments.clear()
        lines = []
        for c in r.comments:
            text = " · ".join(t for t in (f"Good: {c.good}" if c.good else "", f"Better: {c.better}" if c.better else "") if t)
            lines.append(f"{c.day:%d %b} ({c.answer_label}) {text}")
        self.comments.addItems(lines)  # one call: a busy month has hundreds of comments
        self._show_moderation()
        self._show_yswd()

    # --- paper cards ----------------------------------------------------------------------------------

    def _cards_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel("Type each card: its answer number, Tab, what it says, Enter. Save the pile when done.\n"
                           + "   ".join(f"{a.key} = {a.label}" for a in fft.answers())))
        form = QFormLayout()
        self.card_date = QDateEdit()
        self.card_date.setCalendarPopup(True)
        self.card_date.setDisplayFormat("dd/MM/yyyy")
        self.card_date.setAccessibleName("Date the cards were collected")
        self.card_answer = QLineEdit()
        self.card_answer.setMaxLength(1)
        self.card_answer.setAccessibleName("Answer number 1 to 6")
        self.card_good = QLineEdit()
        self.card_good.setAccessibleName("What was good (as written on the card)")
        self.card_better = QLineEdit()
        self.card_better.setAccessibleName("What could we do better (as written on the card)")
        form.addRow("Cards c&ollected on", self.card_date)  # Alt+C is the Incidents tab
        form.addRow("&Answer (1-6)", self.card_answer)
        form.addRow("What was &good", self.card_good)
        form.addRow("What co&uld be better", self.card_better)
        for e in (self.card_answer, self.card_good, self.card_better):
            e.returnPressed.connect(self.add_card)
        self.card_error = error_label()
        self.card_list = QListWidget()
        self.card_list.setAccessibleName("Cards typed, not saved yet")
        buttons = QHBoxLayout()
        self.remove_card_btn = QPushButton("Remove &last card")
        self.remove_card_btn.clicked.connect(self.remove_last_card)
        self.save_cards_btn = QPushButton("&Save cards (Ctrl+S)")
        self.save_cards_btn.setObjectName("primary")
        self.save_cards_btn.clicked.connect(self.save_cards)
        save_key = QShortcut(QKeySequence("Ctrl+S"), w)
        save_key.activated.connect(self.save_cards)
        buttons.addWidget(self.remove_card_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.save_cards_btn)
        v.addLayout(form)
        v.addWidget(self.card_error)
        v.addWidget(self.card_list, 1)
        v.addLayout(buttons)
        self._reset_cards()
        return w

    def _reset_cards(self) -> None:
        t = today(self.clock)
        self.card_date.setMaximumDate(QDate(t.year, t.month, t.day))
        self.card_date.setDate(QDate(t.year, t.month, t.day))
        self.batch = []
        self.card_list.clear()
        self._cards_label()

    def _cards_label(self) -> None:
        self.save_cards_btn.setText(f"&Save {len(self.batch)} card{'s' if len(self.batch) != 1 else ''} (Ctrl+S)")
        self.save_cards_btn.setEnabled(bool(self.batch))

    def add_card(self) -> None:
        try:
            code = fft.parse_answer(self.card_answer.text(), "answer")
            given = fft.check_response(fft.ResponseInput(code, self.card_good.text(), self.card_better.text(), "card"))
        except ValidationError as e:
            show_error(self.card_error, " ".join(e.errors.values()))
            self.card_answer.setFocus()
            return
        show_error(self.card_error, None)
        self.batch.append(fft.ResponseInput(given.answer, given.comment_good, given.comment_better, "card"))
        held = " (will be held: may identify someone)" if given.findings else ""
        self.card_list.addItem(f"{len(self.batch)}. {fft.answer(code).label}"
                               + (f" · good: {given.comment_good}" if given.comment_good else "")
                               + (f" · better: {given.comment_better}" if given.comment_better else "") + held)
        for edit in (self.card_answer, self.card_good, self.card_better):
            edit.clear()
        self.card_answer.setFocus()
        self._cards_label()

    def remove_last_card(self) -> None:
        if self.batch:
            self.batch.pop()
            self.card_list.takeItem(self.card_list.count() - 1)
            self._cards_label()

    def save_cards(self) -> None:
        if not self.batch or self.ctx.user is None:
            return
        qd = self.card_date.date()
        day = date(qd.year(), qd.month(), qd.day())
        batch, ward_id, now = list(self.batch), self.ctx.ward_id, today(self.clock)

        def op(tx: WriteTx) -> list[str]:
            from hardtruths_desktop.store import feedback as repo

            return repo.record_responses(tx, ward_id, day, batch, now)

        def done(ids: list[str]) -> None:
            show_error(self.card_error, None)
            self.card_error.setProperty("info", True)
            self.card_error.setText(f"Saved {len(ids)} card{'s' if len(ids) != 1 else ''} collected on {day:%d/%m/%Y}.")
            self.card_error.show()
            self._reset_cards()
            self.card_answer.setFocus()

        def failed(e: BaseException) -> None:
            show_error(self.card_error, " ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e))

        self.ctx.write(op, done, failed)

    # --- moderation -------------------------------------------------------------------------------------

    def _moderation_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.addWidget(QLabel("Comments that may identify someone wait here until the ward sister approves or redacts them."))
        self.held_list = QListWidget()
        self.held_list.setAccessibleName("Comments to check")
        self.held_list.currentRowChanged.connect(self._held_chosen)
        self.held_original = QLabel()
        self.held_original.setWordWrap(True)
        self.held_original.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.redacted_good = QPlainTextEdit()
        self.redacted_good.setAccessibleName("What was good, as it will be shown")
        self.redacted_better = QPlainTextEdit()
        self.redacted_better.setAccessibleName("What could we do better, as it will be shown")
        self.mod_reason = QLineEdit()
        self.mod_reason.setAccessibleName("Reason")
        self.mod_error = error_label()
        form = QFormLayout()
        form.addRow("What was good (shown)", self.redacted_good)
        form.addRow("What could be better (shown)", self.redacted_better)
        form.addRow("Reaso&n", self.mod_reason)
        buttons = QHBoxLayout()
        self.approve_btn = QPushButton("&Approve as written")
        self.withdraw_btn = QPushButton("With&draw the response")
        self.withdraw_btn.setObjectName("danger")
        self.redact_btn = QPushButton("Save r&edacted")  # Alt+C is the Incidents tab
        self.redact_btn.setObjectName("primary")
        self.approve_btn.clicked.connect(lambda: self._moderate("approve"))
        self.withdraw_btn.clicked.connect(lambda: self._moderate("withdraw"))
        self.redact_btn.clicked.connect(lambda: self._moderate("redact"))
        buttons.addWidget(self.approve_btn)
        buttons.addWidget(self.withdraw_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.redact_btn)
        v.addWidget(self.held_list, 1)
        v.addWidget(self.held_original)
        v.addLayout(form)
        v.addWidget(self.mod_error)
        v.addLayout(buttons)
        return w

    def _show_moderation(self) -> None:
        self.held_list.blockSignals(True)
        self.held_list.clear()
        for item in self.moderation:
            kinds = ", ".join(sorted({f.label for f in item.findings})) or "flagged"
            self.held_list.addItem(QListWidgetItem(f"{item.day:%d %b} ({item.answer_label}): may contain {kinds}"))
        self.held_list.blockSignals(False)
        self.inner.setTabText(2, f"Comments to check ({len(self.moderation)})" if self.moderation else "Comments to check")
        manager = bool(self.ctx.user and self.ctx.user.is_manager)
        for b in (self.approve_btn, self.withdraw_btn, self.redact_btn):
            b.setEnabled(manager and bool(self.moderation))
            b.setToolTip("" if manager else "Only the ward sister or ward manager moderates comments")
        if self.moderation:
            self.held_list.setCurrentRow(0)
            self._held_chosen(0)
        else:
            self.held_original.setText("Nothing to check.")
            self.redacted_good.clear()
            self.redacted_better.clear()

    def _held_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.moderation):
            return
        item = self.moderation[row]
        found = "; ".join(f"{f.label}: \u201c{f.text}\u201d" for f in item.findings)
        written = " · ".join(f"{name}: \u201c{text}\u201d" for name, text in (("good", item.comment_good), ("better", item.comment_better))
                             if text)  # an empty answer is not shown as empty quotes
        self.held_original.setText(f"As written: {written}\nFound: {found or 'nothing specific'}")
        self.redacted_good.setPlainText(item.suggested_good)
        self.redacted_better.setPlainText(item.suggested_better)

    def _moderate(self, kind: str) -> None:
        row = self.held_list.currentRow()
        if not 0 <= row < len(self.moderation):
            return
        fid = self.moderation[row].id
        good, better, reason = self.redacted_good.toPlainText(), self.redacted_better.toPlainText(), self.mod_reason.text()

        def op(tx: WriteTx) -> str:
            from hardtruths_desktop.store import feedback as repo

            if kind == "redact":
                return repo.amend_response(tx, fid, kind, comment_good=good, comment_better=better, reason=reason)
            return repo.amend_response(tx, fid, kind, reason=reason)

        def failed(e: BaseException) -> None:
            show_error(self.mod_error, " ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e))

        def done(_r: str) -> None:
            show_error(self.mod_error, None)
            self.mod_reason.clear()

        self.ctx.write(op, done, failed)

    # --- You said, we did ------------------------------------------------------------------------------

    def _yswd_tab(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.yswd_list = QListWidget()
        self.yswd_list.setAccessibleName("You said, we did entries")
        self.you_said = QLineEdit()
        self.you_said.setAccessibleName("You said")
        self.we_did = QLineEdit()
        self.we_did.setAccessibleName("We did")
        self.yswd_error = error_label()
        form = QFormLayout()
        form.addRow("Yo&u said", self.you_said)
        form.addRow("We &did", self.we_did)
        self.yswd_btn = QPushButton("&Add to this month")
        self.yswd_btn.setObjectName("primary")
        self.yswd_btn.clicked.connect(self.add_yswd)
        self.we_did.returnPressed.connect(self.add_yswd)
        v.addWidget(QLabel("What patients told the ward and what the ward did about it: it goes on the results poster."))
        v.addWidget(self.yswd_list, 1)
        v.addLayout(form)
        v.addWidget(self.yswd_error)
        v.addWidget(self.yswd_btn, 0, Qt.AlignmentFlag.AlignRight)
        return w

    def _show_yswd(self) -> None:
        self.yswd_list.clear()
        r = self.results
        for e in r.you_said if r else ():
            self.yswd_list.addItem(f"{e.month}: You said: {e.you_said} — We did: {e.we_did}")
        if r is not None and not r.you_said:
            self.yswd_list.addItem("None yet: read this month's comments, then write what the ward did.")
        manager = bool(self.ctx.user and self.ctx.user.is_manager)
        self.yswd_btn.setEnabled(manager)
        self.yswd_btn.setToolTip("" if manager else "Only the ward sister or ward manager writes these")

    def add_yswd(self) -> None:
        r = self.results
        if r is None:
            return
        month, ward_id = f"{r.year:04d}-{r.month:02d}", self.ctx.ward_id
        said, did = self.you_said.text(), self.we_did.text()

        def op(tx: WriteTx) -> str:
            from hardtruths_desktop.store import feedback as repo

            return repo.save_you_said(tx, ward_id, month, said, did)

        def done(_r: str) -> None:
            show_error(self.yswd_error, None)
            self.you_said.clear()
            self.we_did.clear()

        def failed(e: BaseException) -> None:
            show_error(self.yswd_error, " ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e))

        self.ctx.write(op, done, failed)
