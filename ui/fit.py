"""Fitting a small ward PC screen (issue 12): 1024x768 at 100% text, 1366x768 at 150%.

Screens are laid out for reading, not for a fixed width: long one-line labels would otherwise set
the window's minimum width (the top bar's sync line alone was 735 px). ``fit_screen`` lets every
long label wrap and every form put a long label above its field, so a screen's minimum width is
set by its fields and buttons; each screen also sits in a scroll area (``main_window.scrolling``)
and ``FocusScroller`` scrolls a focused field into view (Alt+N below the fold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QWidget,
)

#: labels longer than this (characters) may wrap
WRAP_FROM = 36


def fit_screen(root: QWidget) -> None:
    """Let long labels wrap and long form rows break; Tab leaves every table and list (arrows move
    within it). Safe to call again (labels set later)."""
    for view in root.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)
    for lab in root.findChildren(QLabel):
        if not lab.wordWrap() and len(lab.text()) > WRAP_FROM and lab.pixmap().isNull():
            lab.setWordWrap(True)
    for area in root.findChildren(QScrollArea):  # a frame around fields is no stop for Tab or Ctrl+1..
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for tabs in root.findChildren(QTabWidget):  # a tab bar that takes the focus says what it is
        bar = tabs.tabBar()
        if bar is not None and not bar.accessibleName():
            bar.setAccessibleName(tabs.accessibleName() or "Sections")
    for box in root.findChildren(QComboBox):  # never clipped ("Night (21:30-07:30"), items filled late too
        if not box.isEditable():
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    for form in root.findChildren(QFormLayout):
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)


def scrolling(view: QWidget) -> QScrollArea:
    """A screen (or a section of one) in a scroll area, so large system fonts or a small screen
    never clip it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(view)
    area.setAccessibleName(view.accessibleName() or "Screen")
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab and Ctrl+1.. go to a named control, not the frame
    return area


def searchable(box: QComboBox) -> None:
    """A list that searches as you type (issue 12: "Ward 7" finds Ward 7, not the first "W"): the
    suggestions show every item containing the words, and leaving the field picks the first item
    that starts with, else contains, what was typed."""
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(completer.CompletionMode.PopupCompletion)
    edit = box.lineEdit()

    def pick() -> None:
        typed = edit.text().strip().casefold() if edit is not None else ""
        if not typed:
            return
        texts = [box.itemText(i).casefold() for i in range(box.count())]
        i = next((i for i, t in enumerate(texts) if t == typed), -1)
        if i < 0:
            i = next((i for i, t in enumerate(texts) if t.startswith(typed)), -1)
        if i < 0:
            i = next((i for i, t in enumerate(texts) if typed in t), -1)
        if i >= 0:
            box.setCurrentIndex(i)
        if edit is not None:
            edit.setText(box.currentText())  # never leave words that match no ward in the box

    if edit is not None:  # Enter (or leaving the field) picks; Down/Up walk the suggestions
        edit.editingFinished.connect(pick)
        edit.returnPressed.connect(pick)
        popup = completer.popup() if completer is not None else None
        if popup is not None:  # Tab while the suggestions show: pick, and move on (Qt ate the Tab)
            tab = _TabPicks(box, edit, popup, pick)
            popup.installEventFilter(tab)
            edit.installEventFilter(tab)  # whichever has the keys: the box, its line edit or the suggestions
            box.installEventFilter(tab)


class _TabPicks(QObject):
    """Tab (or Shift+Tab) typed while a search list's suggestions show picks the highlighted
    suggestion, else the first match, closes the suggestions and moves on, as a nurse expects;
    Qt's completer would swallow the Tab and leave the words typed in the box (issue 12)."""

    def __init__(self, box: QComboBox, edit: QLineEdit, popup: QAbstractItemView, pick: Callable[[], None]) -> None:
        super().__init__(box)
        self.box, self.edit, self.popup, self.pick = box, edit, popup, pick

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) \
                and (self.popup.isVisible() or self.edit.text() != self.box.currentText()):
            current = self.popup.currentIndex()
            if current.isValid():  # walked to with Down/Up
                self.edit.setText(str(current.data()))
            self.popup.hide()
            self.pick()
            forward = event.key() == Qt.Key.Key_Tab and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            _move_focus(self.box, forward)
            return True
        return False


def _move_focus(w: QWidget, forward: bool) -> None:
    """Tab or Shift+Tab from ``w``, as the keyboard would."""
    key = Qt.Key.Key_Tab if forward else Qt.Key.Key_Backtab
    mods = Qt.KeyboardModifier.NoModifier if forward else Qt.KeyboardModifier.ShiftModifier
    edit = w.lineEdit() if isinstance(w, QComboBox) else None
    QApplication.sendEvent(edit if edit is not None else w, QKeyEvent(QEvent.Type.KeyPress, key, mods))


class FocusScroller(QObject):
    """Scrolls every scroll area holding the newly focused widget so the WHOLE widget is in view (a
    mnemonic or Tab never leaves the cursor in a field below the fold, nor a list half hidden).

    ``QScrollArea.ensureWidgetVisible`` is not enough: for a list or a line edit it only brings the
    current item or the text cursor into view (Qt's "micro focus"), so under a real X server the
    on-duty tick list stayed mostly below the fold. Here the widget's own rectangle is used, and the
    scroll is done again once the layouts have settled (a focus change can show or hide an error)."""

    MARGIN = 12

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        self.bring_into_view(new)
        QTimer.singleShot(0, lambda: self._again(new))

    def _again(self, w: QWidget) -> None:
        try:
            if QApplication.focusWidget() is w:
                self.bring_into_view(w)
        except RuntimeError:  # deleted meanwhile
            pass

    @classmethod
    def bring_into_view(cls, w: QWidget) -> None:
        """Scroll each scroll area around ``w`` (innermost first) so ``w`` is wholly visible, or
        its top is when it is taller than the area."""
        for area in _areas_around(w):
            inner = area.widget()
            if inner is None:
                continue
            port = area.viewport().rect()
            top_left = w.mapTo(inner, QPoint(0, 0))
            r = QRect(top_left, w.size()).adjusted(-cls.MARGIN, -cls.MARGIN, cls.MARGIN, cls.MARGIN)
            for bar, lo, hi, span in ((area.verticalScrollBar(), r.top(), r.bottom(), port.height()),
                                      (area.horizontalScrollBar(), r.left(), r.right(), port.width())):
                v = bar.value()
                if hi - lo + 1 > span or lo < v:  # above the view, or too big: its top at the top
                    v = lo
                elif hi > v + span - 1:  # below the view: its bottom at the bottom
                    v = hi - span + 1
                bar.setValue(max(bar.minimum(), min(v, bar.maximum())))

    def detach(self) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)


def columns_that_fit(widths: Sequence[int], available: int, drop_order: Sequence[int]) -> set[int]:
    """Which columns to show in ``available`` pixels: all when they fit, else drop columns in
    ``drop_order`` (least important first) until the rest fit or only the never-dropped ones are left."""
    shown = set(range(len(widths)))
    for col in drop_order:
        if sum(widths[c] for c in shown) <= available:
            break
        shown.discard(col)
    return shown


def _areas_around(w: QWidget) -> list[QScrollArea]:
    """The scroll areas ``w`` sits in, innermost first."""
    out: list[QScrollArea] = []
    p = w.parentWidget()
    while p is not None:
        area = p.parentWidget()
        if isinstance(area, QScrollArea) and area.viewport() is p:
            out.append(area)
        p = p.parentWidget()
    return out


__all__ = ["FocusScroller", "columns_that_fit", "fit_screen", "scrolling", "searchable"]
