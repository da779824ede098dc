"""Fitting a small ward PC screen (issue 12): 1024x768 at 100% text, 1366x768 at 150%.

Screens are laid out for reading, not for a fixed width: long one-line labels would otherwise set
the window's minimum width (the top bar's sync line alone was 735 px). ``fit_screen`` lets every
long label wrap and every form put a long label above its field, so a screen's minimum width is
set by its fields and buttons; each screen also sits in a scroll area (``main_window.scrolling``)
and ``FocusScroller`` scrolls a focused field into view (Alt+N below the fold).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QFormLayout, QFrame, QLabel, QScrollArea, QTabWidget, QWidget

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


__all__ = ["FocusScroller", "fit_screen", "scrolling", "searchable"]
