"""The patient kiosk: full screen, only the feedback screens, in the patient's language.

Flow: language (and format: standard, easy read with pictures, for children) -> the FFT question and
its six answers -> "What was good?" -> "What could we do better?" -> thanks -> back to the start.

- Touch targets are at least 15 mm on the screen it shows on (``target_px`` from the screen's DPI).
- High contrast (dark ink on white, NHS blue primary, the NHS yellow focus), text from the system
  font size upwards, and a "Bigger text" button.
- The partial response lives only in this window (``self.partial``) until it is finished or the kiosk
  resets (after each response and after 60 s without a touch); nothing is saved before Finish.
- Saving goes through the store worker as the kiosk (no staff member is signed in: the station locks
  before the kiosk opens). Only the ward and the DAY are stored (``store/feedback.py``).
- Leaving needs a staff member's PIN (the Staff button); closing the window any other way is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QGuiApplication, QIcon, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain.clock import Clock, today
from hardtruths_desktop.resources import resource
from ui.kiosk import texts
from ui.kiosk.faces import face_icon
from ui.kiosk.texts import Variant, tr
from ui.kiosk.translations import KioskTranslator, languages

if TYPE_CHECKING:
    from hardtruths_desktop.store.queries import StaffInfo
    from hardtruths_desktop.store.session import Store, WriteTx
    from ui.worker import StoreWorker

IDLE_MS = 60_000
THANKS_MS = 8_000
TARGET_MM = 15.0
MAX_COMMENT = fft.MAX_COMMENT

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
          QEvent.Type.Wheel, QEvent.Type.InputMethod}

STYLE = """
QWidget#kiosk { background: #FFFFFF; }
QWidget#kiosk QLabel { color: #212B32; }
QLabel#kioskQuestion { color: #212B32; }
QLabel#kioskHint { color: #212B32; }
QWidget#kiosk QPushButton, QWidget#kiosk QToolButton {
    background: #FFFFFF; color: #212B32; border: 3px solid #212B32; border-radius: 10px; padding: 8px 16px; }
QWidget#kiosk QPushButton:pressed, QWidget#kiosk QToolButton:pressed { background: #D8DDE0; }
QWidget#kiosk QToolButton:checked { background: #005EB8; color: #FFFFFF; border-color: #003087; }
QWidget#kiosk QPushButton#primary { background: #005EB8; color: #FFFFFF; border: 3px solid #003087; font-weight: bold; }
QWidget#kiosk QPushButton#quiet { border: 2px solid #4C6272; color: #212B32; }
QWidget#kiosk QPushButton:focus, QWidget#kiosk QToolButton:focus, QWidget#kiosk QPushButton#primary:focus {
    background: #FFEB3B; color: #212B32; border: 4px solid #212B32; }
QWidget#kiosk QPlainTextEdit, QWidget#kiosk QLineEdit, QWidget#kiosk QComboBox {
    background: #FFFFFF; color: #212B32; border: 3px solid #212B32; border-radius: 6px; padding: 6px; }
QWidget#kiosk QPlainTextEdit:focus, QWidget#kiosk QLineEdit:focus, QWidget#kiosk QComboBox:focus { border: 4px solid #005EB8; }
QLabel#kioskError { color: #D5281B; font-weight: bold; }
"""


def mm_to_px(mm: float, dots_per_inch: float) -> int:
    """Logical pixels covering ``mm`` millimetres at ``dots_per_inch`` (logical pixels per inch)."""
    return math.ceil(round(mm / 25.4 * dots_per_inch, 6))  # round first: 15 mm at 254 dpi is 150 px, not 151


def target_px(screen: QScreen | None) -> int:
    """The smallest touch target, 15 mm, on ``screen`` (its physical DPI in Qt's logical pixels;
    never less than 15 mm at 96 dpi, for a screen that reports no physical size)."""
    floor = mm_to_px(TARGET_MM, 96.0)
    if screen is None:
        return floor
    dpi = screen.physicalDotsPerInch()
    if not math.isfinite(dpi) or dpi < 50 or dpi > 1000:
        dpi = screen.logicalDotsPerInch()
    return max(floor, mm_to_px(TARGET_MM, dpi))


_fonts_loaded = False


def load_fonts() -> None:
    """The bundled open fonts, so every language's script draws (Arabic, Urdu, Bengali, Gurmukhi)."""
    global _fonts_loaded
    if _fonts_loaded:
        return
    folder = resource("fonts")
    for f in sorted(folder.glob("NotoSans*-Regular.ttf")) + sorted(folder.glob("NotoSans*-Bold.ttf")):
        QFontDatabase.addApplicationFont(str(f))
    _fonts_loaded = True


class KioskWindow(QWidget):
    unlocked = Signal(object)  # the StaffInfo of the person who left with their PIN
    saved = Signal(str)  # the new response's id
    save_failed = Signal(str)
    reset_done = Signal()

    def __init__(self, worker: StoreWorker, ward_id: str, *, clock: Clock, idle_ms: int = IDLE_MS,
                 thanks_ms: int = THANKS_MS, translator: KioskTranslator | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        load_fonts()
        self.setObjectName("kiosk")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setWindowTitle("Patient feedback")
        self.worker = worker
        self.ward_id = ward_id
        self.clock = clock
        self.translator = translator or KioskTranslator()
        self.variant: Variant = "standard"
        self.language = "en"
        self.partial: dict[str, str] = {}
        self._may_close = False
        self._bigger = False
        self._staff: list[StaffInfo] = []
        self.target = target_px(self.screen() or QGuiApplication.primaryScreen())

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(idle_ms)
        self.idle_timer.timeout.connect(self.reset)
        self.thanks_timer = QTimer(self)
        self.thanks_timer.setSingleShot(True)
        self.thanks_timer.setInterval(thanks_ms)
        self.thanks_timer.timeout.connect(self.reset)

        # top strip: start again / bigger text / staff
        self.start_again_btn = QPushButton()
        self.start_again_btn.setObjectName("quiet")
        self.start_again_btn.clicked.connect(self.reset)
        self.bigger_btn = QToolButton()
        self.bigger_btn.setCheckable(True)
        self.bigger_btn.toggled.connect(self._set_bigger)
        self.staff_btn = QPushButton()
        self.staff_btn.setObjectName("quiet")
        self.staff_btn.clicked.connect(self.show_staff_page)
        top = QHBoxLayout()
        top.addWidget(self.start_again_btn)
        top.addStretch(1)
        top.addWidget(self.bigger_btn)
        top.addWidget(self.staff_btn)

        self.pages = QStackedWidget()
        self._build_language_page()
        self._build_question_page()
        self._build_comment_page()
        self._build_thanks_page()
        self._build_staff_page()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 24)
        lay.addLayout(top)
        lay.addWidget(self.pages, 1)
        self._apply_fonts()
        self.retranslate()
        self.reset()

    # --- pages -------------------------------------------------------------------------------------

    def _big_label(self, name: str) -> QLabel:
        lab = QLabel()
        lab.setObjectName(name)
        lab.setWordWrap(True)
        lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return lab

    def _build_language_page(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.lang_title = self._big_label("kioskQuestion")
        v.addWidget(self.lang_title)
        grid = QGridLayout()
        self.lang_buttons: dict[str, QPushButton] = {}
        for i, lang in enumerate(languages()):
            b = QPushButton(lang.native)
            b.setAccessibleName(lang.native if lang.native == lang.english else f"{lang.native} ({lang.english})")
            b.setLayoutDirection(Qt.LayoutDirection.RightToLeft if lang.rtl else Qt.LayoutDirection.LeftToRight)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.clicked.connect(lambda _c=False, code=lang.code: self.choose_language(code))
            self.lang_buttons[lang.code] = b
            grid.addWidget(b, i // 3, i % 3)
        v.addLayout(grid, 1)
        formats = QHBoxLayout()
        self.easy_btn = QToolButton()
        self.children_btn = QToolButton()
        for fb, face in ((self.easy_btn, "very_good"), (self.children_btn, "good")):
            fb.setCheckable(True)
            fb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            fb.setIcon(face_icon(face, 64, self.devicePixelRatioF()))
            fb.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            formats.addWidget(fb)
        self.easy_btn.toggled.connect(lambda on: self._one_format(self.easy_btn, on))
        self.children_btn.toggled.connect(lambda on: self._one_format(self.children_btn, on))
        v.addLayout(formats)
        self.pages.addWidget(page)
        self.lang_page = page

    def _build_question_page(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.question = self._big_label("kioskQuestion")
        self.question.setAccessibleName("Question")
        v.addWidget(self.question)
        self.answer_grid = QGridLayout()
        self.answer_buttons: dict[str, QToolButton] = {}
        for a in fft.answers():
            b = QToolButton()
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.clicked.connect(lambda _c=False, code=a.code: self.answer(code))
            self.answer_buttons[a.code] = b
        v.addLayout(self.answer_grid, 1)
        self.pages.addWidget(page)
        self.question_page = page

    def _build_comment_page(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.prompt = self._big_label("kioskQuestion")
        self.hint = self._big_label("kioskHint")
        self.comment = QPlainTextEdit()
        self.comment.setTabChangesFocus(True)
        self.comment.textChanged.connect(self._limit_comment)
        self.prompt.setBuddy(self.comment)
        buttons = QHBoxLayout()
        self.skip_btn = QPushButton()
        self.skip_btn.clicked.connect(lambda: self.next_comment(skip=True))
        self.next_btn = QPushButton()
        self.next_btn.setObjectName("primary")
        self.next_btn.clicked.connect(lambda: self.next_comment(skip=False))
        buttons.addWidget(self.skip_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.next_btn)
        v.addWidget(self.prompt)
        v.addWidget(self.hint)
        v.addWidget(self.comment, 1)
        v.addLayout(buttons)
        self.pages.addWidget(page)
        self.comment_page = page
        self.comment_step = "good"

    def _build_thanks_page(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.thanks = self._big_label("kioskQuestion")
        self.thanks_note = self._big_label("kioskHint")
        self.done_btn = QPushButton()
        self.done_btn.setObjectName("primary")
        self.done_btn.clicked.connect(self.reset)
        v.addStretch(1)
        v.addWidget(self.thanks)
        v.addWidget(self.thanks_note)
        v.addWidget(self.done_btn, 0, Qt.AlignmentFlag.AlignCenter)
        v.addStretch(1)
        self.pages.addWidget(page)
        self.thanks_page = page

    def _build_staff_page(self) -> None:
        """Staff only (English): leaving the kiosk needs a ward staff member's PIN."""
        page = QWidget()
        v = QVBoxLayout(page)
        title = self._big_label("kioskQuestion")
        title.setText("Staff: unlock the ward station")
        self.staff_name = QComboBox()
        self.staff_name.setAccessibleName("Your name")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("Your PIN")
        self.pin.setPlaceholderText("PIN")
        self.pin.returnPressed.connect(self.unlock)
        self.staff_error = QLabel()
        self.staff_error.setObjectName("kioskError")
        self.staff_error.setWordWrap(True)
        name_lab, pin_lab = QLabel("Your &name"), QLabel("&PIN")
        name_lab.setBuddy(self.staff_name)
        pin_lab.setBuddy(self.pin)
        back = QPushButton("Back to the patient screens")
        back.clicked.connect(self.reset)
        self.unlock_btn = QPushButton("Unlock")
        self.unlock_btn.setObjectName("primary")
        self.unlock_btn.clicked.connect(self.unlock)
        form = QGridLayout()
        form.addWidget(name_lab, 0, 0)
        form.addWidget(self.staff_name, 0, 1)
        form.addWidget(pin_lab, 1, 0)
        form.addWidget(self.pin, 1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_btn)
        v.addStretch(1)
        v.addWidget(title)
        v.addLayout(form)
        v.addWidget(self.staff_error)
        v.addLayout(buttons)
        v.addStretch(1)
        self.pages.addWidget(page)
        self.staff_page = page
        self.staff_page_buttons = (back, self.unlock_btn)

    def _one_format(self, chosen: QToolButton, on: bool) -> None:
        """Easy read and children's are alternatives (neither: the standard wording)."""
        if on:
            for other in (self.easy_btn, self.children_btn):
                if other is not chosen:
                    other.setChecked(False)

    # --- look ---------------------------------------------------------------------------------------

    def base_point_size(self) -> float:
        """At least 18 pt on the kiosk, and more when the system font is larger."""
        system = QApplication.font().pointSizeF()
        base = max(18.0, (system if system > 0 else 11.0) * 1.6)
        return base * (1.35 if self._bigger else 1.0)

    def _apply_fonts(self) -> None:
        base = self.base_point_size()
        f = QFont(self.font())
        f.setPointSizeF(base)
        self.setFont(f)
        for w in self.findChildren(QWidget):  # explicitly: styled children do not always inherit it
            w.setFont(f)
        big = QFont(f)
        big.setPointSizeF(base * 1.35)
        big.setBold(True)
        for lab in (self.lang_title, self.question, self.prompt, self.thanks):
            lab.setFont(big)
        answer_font = QFont(f)
        answer_font.setPointSizeF(base * 1.1)
        answer_font.setBold(True)
        for b in [*self.answer_buttons.values(), *self.lang_buttons.values()]:
            b.setFont(answer_font)
        self._apply_sizes()

    def _apply_sizes(self) -> None:
        t = self.target
        for b in self.findChildren(QAbstractButton):
            b.setMinimumSize(max(b.minimumWidth(), t), max(b.minimumHeight(), t))
        for w in (self.staff_name, self.pin):
            w.setMinimumHeight(t)
        icon = int(max(t * 2.2, self.base_point_size() * 7))
        for b in self.answer_buttons.values():
            b.setIconSize(QSize(icon, icon))

    def _set_bigger(self, on: bool) -> None:
        self._bigger = on
        self._apply_fonts()

    def retranslate(self) -> None:
        """Every visible sentence again, in the current language and format."""
        v = self.variant
        self.lang_title.setText(tr(texts.CHOOSE_LANGUAGE))
        self.easy_btn.setText(tr(texts.EASY_READ))
        self.easy_btn.setAccessibleName(tr(texts.EASY_READ))
        self.children_btn.setText(tr(texts.FOR_CHILDREN))
        self.children_btn.setAccessibleName(tr(texts.FOR_CHILDREN))
        self.start_again_btn.setText(tr(texts.START_AGAIN))
        self.bigger_btn.setText(tr(texts.BIGGER))
        self.bigger_btn.setAccessibleName(tr(texts.BIGGER))
        self.staff_btn.setText(tr(texts.STAFF))
        self.staff_btn.setAccessibleName("Staff: leave the kiosk (needs your PIN)")
        self.question.setText(tr(texts.QUESTION[v]))
        pictures = v != "standard"
        for i, (code, b) in enumerate(self.answer_buttons.items()):
            label = tr(texts.ANSWERS[v][code])
            b.setText(label)
            b.setAccessibleName(label)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon if pictures else Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setIcon(face_icon(code, 160, self.devicePixelRatioF()) if pictures else QIcon())
            self.answer_grid.removeWidget(b)
            if pictures:
                self.answer_grid.addWidget(b, i // 3, i % 3)
            else:
                self.answer_grid.addWidget(b, i, 0)
        self.hint.setText(tr(texts.NO_NAMES))
        self.comment.setPlaceholderText(tr(texts.TYPE_HERE))
        self.skip_btn.setText(tr(texts.SKIP))
        self._comment_texts()
        self.thanks.setText(tr(texts.THANKS[v]))
        self.thanks_note.setText(tr(texts.ANONYMOUS))
        self.done_btn.setText(tr(texts.FINISH))
        self._apply_sizes()

    def _comment_texts(self) -> None:
        v = self.variant
        good = self.comment_step == "good"
        self.prompt.setText(tr(texts.GOOD[v] if good else texts.BETTER[v]))
        self.comment.setAccessibleName(self.prompt.text())
        self.next_btn.setText(tr(texts.NEXT if good else texts.FINISH))

    # --- the flow ------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the language screen; whatever was answered and not finished is forgotten."""
        self.thanks_timer.stop()
        self.partial = {}
        self.comment.clear()
        self.comment_step = "good"
        self.pin.clear()
        self.staff_error.clear()
        self.easy_btn.setChecked(False)
        self.children_btn.setChecked(False)
        self.bigger_btn.setChecked(False)
        self.variant = "standard"
        self._set_language("en")
        self.pages.setCurrentWidget(self.lang_page)
        self.start_again_btn.hide()
        self.staff_btn.show()
        self.idle_timer.start()
        self.setFocus()  # nothing pre-highlighted; Tab reaches the first choice
        self.reset_done.emit()

    def _set_language(self, code: str) -> None:
        lang = self.translator.use(code)
        self.language = code
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft if lang.rtl else Qt.LayoutDirection.LeftToRight)
        self.setLocale(self.translator.locale())
        self.retranslate()

    def choose_language(self, code: str) -> None:
        self.variant = "easy" if self.easy_btn.isChecked() else "children" if self.children_btn.isChecked() else "standard"
        self._set_language(code)
        self.pages.setCurrentWidget(self.question_page)
        self.start_again_btn.show()
        self.setFocus()  # no answer looks chosen before the patient chooses

    def answer(self, code: str) -> None:
        self.partial["answer"] = code
        self.comment_step = "good"
        self.comment.clear()
        self._comment_texts()
        self.pages.setCurrentWidget(self.comment_page)
        self.comment.setFocus()

    def next_comment(self, skip: bool) -> None:
        text = "" if skip else self.comment.toPlainText().strip()
        if self.comment_step == "good":
            self.partial["good"] = text
            self.comment_step = "better"
            self.comment.clear()
            self._comment_texts()
            self.comment.setFocus()
            return
        self.partial["better"] = text
        self.finish()

    def finish(self) -> None:
        """Save the response (answer + comments; the day only) and thank the patient."""
        from hardtruths_desktop.store import feedback as repo
        from hardtruths_desktop.store.session import Actor

        answer = self.partial.get("answer")
        if answer is None:  # pragma: no cover - the flow always answers first
            self.reset()
            return
        given = fft.ResponseInput(answer, self.partial.get("good", ""), self.partial.get("better", ""), "kiosk")
        day = today(self.clock)
        ward_id = self.ward_id

        def op(tx: WriteTx) -> str:
            return repo.record_response(tx, ward_id, day, given, day)

        self.next_btn.setEnabled(False)
        self.worker.write(Actor.kiosk(), op, self._saved, self._failed)

    def _saved(self, fid: str) -> None:
        self.next_btn.setEnabled(True)
        self.partial = {}
        self.pages.setCurrentWidget(self.thanks_page)
        self.start_again_btn.hide()
        self.done_btn.setFocus()
        self.thanks_timer.start()
        self.saved.emit(fid)

    def _failed(self, e: BaseException) -> None:
        # a comment too long or with a character that cannot be stored: keep the words, say so
        self.next_btn.setEnabled(True)
        self.hint.setText(str(e) if str(e) else tr(texts.NO_NAMES))
        self.save_failed.emit(str(e))

    def _limit_comment(self) -> None:
        text = self.comment.toPlainText()
        if len(text) > MAX_COMMENT:
            self.comment.setPlainText(text[:MAX_COMMENT])

    # --- staff exit -----------------------------------------------------------------------------------

    def show_staff_page(self) -> None:
        self._set_language("en")
        self.pages.setCurrentWidget(self.staff_page)
        self.start_again_btn.hide()
        self.staff_btn.hide()

        def roster(store: Store) -> list[StaffInfo]:
            from hardtruths_desktop.store.queries import list_staff

            with store.read() as s:
                return list(list_staff(s, self.ward_id))

        def shown(people: list[StaffInfo]) -> None:
            self._staff = [p for p in people if p.active]
            self.staff_name.clear()
            self.staff_name.addItems([p.name for p in self._staff])
            self.staff_name.setFocus()

        self.worker.query(roster, shown)

    def unlock(self) -> None:
        from hardtruths_desktop.store.session import Actor

        i = self.staff_name.currentIndex()
        if i < 0 or i >= len(self._staff):
            self.staff_error.setText("Choose your name first")
            return
        person = self._staff[i]
        pin = self.pin.text()
        if not pin:
            self.staff_error.setText("Type your PIN")
            self.pin.setFocus()
            return

        def op(tx: WriteTx) -> Any:
            from hardtruths_desktop.store import auth

            return auth.sign_in(tx, person.id, pin)

        def done(result: Any) -> None:
            self.pin.clear()
            if result.ok:
                self.leave(person)
            else:
                self.staff_error.setText(result.message)
                self.pin.setFocus()

        self.worker.write(Actor(person.id, person.name), op, done, lambda e: self.staff_error.setText(str(e)))

    def leave(self, person: StaffInfo) -> None:
        self._may_close = True
        self.idle_timer.stop()
        self.thanks_timer.stop()
        self.translator.use("en")
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.close()
        self.unlocked.emit(person)

    def leave_for_test(self) -> None:
        """Close without a PIN (test teardown only)."""
        self._may_close = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.translator.use("en")
        self.close()

    # --- the kiosk stays up --------------------------------------------------------------------------

    def start(self, full_screen: bool = True) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # any touch or key anywhere restarts the idle timer
        if full_screen:
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            self.showFullScreen()
        else:
            self.show()
        self.target = target_px(self.screen())
        self._apply_sizes()
        self.activateWindow()
        self.reset()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self.isVisible():
            self.idle_timer.start()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # Esc starts again; it never leaves the kiosk
            self.reset()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close:  # Alt+F4 and the like: only a staff PIN leaves the kiosk
            event.ignore()
            return
        super().closeEvent(event)


def open_kiosk(worker: StoreWorker, ward_id: str, clock: Clock, *, full_screen: bool = True,
               on_unlocked: Callable[[Any], None] | None = None) -> KioskWindow:
    kiosk = KioskWindow(worker, ward_id, clock=clock)
    if on_unlocked is not None:
        kiosk.unlocked.connect(on_unlocked)
    kiosk.start(full_screen)
    return kiosk
