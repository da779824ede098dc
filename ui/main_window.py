"""The ward station's main window: top bar (ward, who is signed in, sync state), then either the
sign-in page or the work tabs. Screens refresh from ``changes_applied`` (the worker's signal)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.valuesets import staff_group
from ui.context import Context
from ui.dialogs.messages import Notice
from ui.fit import FocusScroller, fit_screen, scrolling
from ui.idle import DEFAULT_IDLE_MS, IdleWatcher
from ui.sync_runner import SyncRunner
from ui.views.sign_in import SignInView
from ui.widgets import heading, scaled_font
from ui.worker import StoreWorker

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store
    from hardtruths_desktop.sync.credentials import CredentialStore

log = logging.getLogger(__name__)


def sync_status(store: Store) -> Any:
    """Runs on the store worker: the words and counts of the top bar's sync line."""
    from hardtruths_desktop.sync.status import describe

    return describe(store)


SYNC_ICONS = {"ok": "✓", "waiting": "●", "offline": "▲", "stopped": "✖"}


class MainWindow(QMainWindow):
    locked = Signal()
    store_failed = Signal(str)  # the store cannot be opened at all (e.g. written by a newer app)

    def __init__(self, worker: StoreWorker, idle_ms: int = DEFAULT_IDLE_MS, ward_code: str | None = None,
                 credentials: CredentialStore | None = None) -> None:
        super().__init__()
        self.worker = worker
        self.ctx = Context(worker, self)
        self.changes_applied = self.ctx.changes_applied  # the one refresh signal (STYLE.md habit 4)
        worker.default_error = self._unexpected
        self.setWindowTitle("Hard Truths ward station")
        self.resize(1000, 700)  # fits any ward PC; the station opens maximised or where it was left

        # top bar
        bar = QFrame()
        bar.setObjectName("topBar")
        self.ward_label = QLabel("Ward station")
        self.ward_label.setObjectName("topWard")
        self.ward_label.setFont(scaled_font(self.ward_label, 1.3))
        self.user_label = QLabel("Nobody signed in")
        self.user_label.setObjectName("topText")
        self.sync_label = QLabel("")
        self.sync_label.setObjectName("topText")
        self.switch_btn = QPushButton("S&witch user")
        self.switch_btn.setObjectName("topButton")
        self.switch_btn.setAccessibleName("Switch user (lock the station)")
        self.switch_btn.clicked.connect(lambda: self.lock("Signed out. The next person can sign in."))
        # sync (issue 3): always visible; "Sync now" and the review list beside it
        self.sync_btn = QPushButton("S&ync now")
        self.sync_btn.setObjectName("topButton")
        self.sync_btn.setAccessibleName("Sync now with the trust server")
        self.review_btn = QPushButton("Re&view")
        self.review_btn.setObjectName("topButton")
        self.review_btn.setAccessibleName("Review rejected changes and staffing conflicts")
        self.review_btn.hide()
        # issue 12: the bar fits a 1024 px screen at any text size: the words wrap, never widen the window
        for lab in (self.ward_label, self.user_label, self.sync_label):
            lab.setWordWrap(True)
            lab.setMinimumWidth(self.fontMetrics().averageCharWidth() * 16)
        self.user_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sync_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bl = QHBoxLayout(bar)
        bl.addWidget(self.ward_label, 2)
        right = QVBoxLayout()
        right.addWidget(self.user_label)
        right.addWidget(self.sync_label)
        bl.addLayout(right, 3)
        bl.addWidget(self.review_btn)
        bl.addWidget(self.sync_btn)
        bl.addWidget(self.switch_btn)
        self.sync_runner = SyncRunner(worker.data_dir, worker.clock, credentials, self)
        self.sync_runner.finished.connect(self._sync_finished)
        self.sync_runner.started.connect(lambda: self.sync_btn.setText("Syncing…"))
        self.sync_btn.clicked.connect(self.sync_runner.sync_now)
        self.review_btn.clicked.connect(self.show_review)

        # pages
        self.stack = QStackedWidget()
        self.sign_in = SignInView(self.ctx)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Screens")
        self.screens: list[QWidget] = []
        self.message_page = QWidget()
        ml = QVBoxLayout(self.message_page)
        self.message_title = heading("Opening the ward station…", 1.5)
        self.message_text = QLabel()
        self.message_text.setWordWrap(True)
        self.message_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo_btn = QPushButton("Create the &demo trust now")
        self.demo_btn.setObjectName("primary")
        self.demo_btn.hide()
        self.demo_btn.clicked.connect(self.create_demo)
        ml.addStretch(1)
        ml.addWidget(self.message_title)
        ml.addWidget(self.message_text)
        ml.addWidget(self.demo_btn, 0, Qt.AlignmentFlag.AlignLeft)
        ml.addStretch(2)
        for w in (self.message_page, self.sign_in, self.tabs):
            self.stack.addWidget(w)

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(bar)
        body = QVBoxLayout()
        body.setContentsMargins(12, 8, 12, 12)
        body.addWidget(self.stack)
        cl.addLayout(body, 1)
        self.setCentralWidget(central)

        # wiring
        self.focus_scroller = FocusScroller(self)  # a focused field is scrolled into view
        self.idle = IdleWatcher(idle_ms, self)
        self.idle.idle.connect(lambda: self.lock("Locked after a while without use. Sign in again to carry on."))
        self.sign_in.signed_in.connect(self._signed_in)
        self.ctx.ward_changed.connect(self._update_bar)
        self.ctx.user_changed.connect(self._update_bar)
        self.changes_applied.connect(self._changes_for_sync)
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(60_000)
        self.sync_timer.timeout.connect(self.refresh_sync)
        self._preferred_ward = ward_code
        self._locked_by: str | None = None
        self._update_bar()

    def _build_screens(self) -> None:
        """The work tabs, built once the window is showing (keeps cold start short: the sign-in
        page is all that is needed first)."""
        if self.screens:
            return
        from ui.views.beds import BedsView
        from ui.views.month import MonthView
        from ui.views.print_centre import PrintCentreView
        from ui.views.staffing import StaffingView
        from ui.views.today import TodayView
        from ui.views.ward_setup import WardSetupView

        self.today = TodayView(self.ctx)
        self.staffing = StaffingView(self.ctx)
        self.month = MonthView(self.ctx)
        self.setup = WardSetupView(self.ctx)
        self.screens = [self.today, self.staffing, self.month, self.setup]
        for view, title in zip(self.screens, ("&Today", "&Record staffing", "&Month", "Ward setu&p"), strict=True):
            # every screen scrolls, so large system fonts never clip it
            if view is self.staffing or view is self.setup:  # scrolls itself (Save in view; each section), one
                self.tabs.addTab(view, title)                   # scroll bar only, never one inside another
                continue
            self.tabs.addTab(scrolling(view), title)
        # --- issue 4: Print and Beds (each scrolls itself; appended so tab indices 0-3 stay put) ---
        self.print_centre = PrintCentreView(self.ctx)
        self.beds = BedsView(self.ctx)
        self.screens += [self.print_centre, self.beds]
        self.tabs.addTab(self.print_centre, "Pr&int")  # its choices scroll (status, preview and buttons stay in view)
        self.tabs.addTab(self.beds, "&Beds")  # its table and its form scroll each (never a scroll area in another)
        # --- end issue 4 ---
        # --- issue 9: Feedback (results, paper cards, moderation; starts the patient kiosk) ---
        from ui.views.feedback import FeedbackView

        self.feedback = FeedbackView(self.ctx)
        self.screens.append(self.feedback)
        self.tabs.addTab(scrolling(self.feedback), "&Feedback")
        self.feedback.kiosk_requested.connect(self.start_kiosk)
        # --- end issue 9 ---
        # --- issue 10: Incidents (report, review queue and candour, Safety Thermometer); Ctrl+8 ---
        from ui.views.incidents import IncidentsView

        self.incidents = IncidentsView(self.ctx)
        self.screens.append(self.incidents)
        self.tabs.addTab(self.incidents, "In&cidents")  # Alt+C (or Ctrl+8): the controls that had Alt+C moved
        self.today.report_incident.connect(self._report_from_flag)
        # --- end issue 10 ---
        for view in self.screens:  # issue 12: long labels wrap, so no screen is wider than a small PC's
            fit_screen(view)
        self.tabs.currentChanged.connect(lambda _i: fit_screen(self.tabs.currentWidget()))
        self.setup.trust_server.enroller = self.sync_runner.enrol  # issue 12: enrol from Ward setup
        self.setup.trust_server.enrolled.connect(lambda _c: self.refresh_sync())
        self.today.update_staffing.connect(self._update_staffing)
        self.month.open_shift.connect(self._update_staffing)
        self.print_centre.board_display_closed.connect(  # issue 4: leaving the board needs a PIN
            lambda: self.lock("The board display was closed. Sign in to carry on."))
        self.print_centre.board_display_opening.connect(  # issue 12: nobody signed in behind the board
            lambda: self.lock("The board display is showing. Sign in here to use the station."))
        for i in range(len(self.screens)):
            sc = QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self)
            sc.activated.connect(lambda i=i: self.go_to_screen(i))
        if self.ctx.ward is not None:  # chosen on the sign-in page before the tabs existed: they load it now
            self.ctx.ward_changed.emit()

    def _unexpected(self, e: BaseException) -> None:
        Notice.unexpected(self, e)

    # --- start-up ---------------------------------------------------------------------------------------

    def start(self, demo: bool = False) -> None:
        """Offer sign-in, then open the store on the worker (the window is already showing).

        Issue 13: the names come first from the database file itself (``peek_roster``: plain sqlite3,
        read-only, no SQLAlchemy), so a nurse can choose her name and type her PIN while the full
        store loads on the worker; signing in queues behind that. A store that is new, needs an
        upgrade or cannot be read is left to the store worker, as before ("Opening the ward station…")."""
        from hardtruths_desktop.readmodels.roster import peek_roster

        early = peek_roster(self.worker.data_dir)
        if early is not None:
            self.stack.setCurrentWidget(self.sign_in)
            self.sign_in.show_early(early, self._preferred_ward)
            self.sign_in.prepare()
            self.repaint()  # the names on screen before the worker starts importing the database layer
        else:
            self._show_message("Opening the ward station…", "")

        def probe(store: Store) -> int:
            from hardtruths_desktop.store.queries import list_wards

            with store.read() as s:
                return len(list_wards(s))

        def opened(n: int) -> None:
            if n == 0 and demo:
                self.create_demo()
            elif n == 0:
                self._show_message(
                    "This ward station has no wards yet",
                    "To try every screen with made-up data, create the demo trust (button below, or start the "
                    "station with 'hardtruths-desktop --demo').\n\nTo set up your real ward, IT runs\n"
                    "  hardtruths-desktop ward add --code W7 --name \"Ward 7\" --trust-code RXX --trust-name \"Your Trust\"\n"
                    "  hardtruths-desktop staff add --ward W7 --name \"Your Name\" --role rn --title \"Ward sister\" --manager\n"
                    "(or enrols the station with the trust server); the ward sister then signs in with the one-time "
                    "code it prints, chooses a PIN and completes Ward setup.")
                self.demo_btn.show()
                self.demo_btn.setFocus()
            elif early is not None and self.stack.currentWidget() is self.sign_in:
                self.sign_in.reload(self._preferred_ward)  # the same names, now through the store; typing goes on
            else:
                self.show_sign_in()
            if n:
                QTimer.singleShot(0, self._build_screens)  # the work tabs, once the store has loaded

        self.worker.query(probe, opened, self._open_failed)
        self.refresh_sync()
        self.sync_timer.start()
        self.sync_runner.start()

    def _open_failed(self, e: BaseException) -> None:
        from hardtruths_desktop.store.migrate import StoreError

        text = str(e) if isinstance(e, StoreError) else "Something went wrong; details are in the ward station's log."
        self._show_message("The ward store cannot be opened", text)
        self.store_failed.emit(text)

    def create_demo(self) -> None:
        self.demo_btn.hide()
        self._show_message("Creating the demo trust…", "Three wards, their staff and 90 days of shifts. This takes a few seconds.")

        def make(store: Store) -> None:
            from hardtruths_desktop.demo import create_demo

            create_demo(store)

        def done(_r: None) -> None:
            self.refresh_sync()
            self.show_sign_in(notice="Demo trust created. Every demo PIN is 2580.")
            QTimer.singleShot(0, self._build_screens)

        self.worker.query(make, done, self._open_failed)

    def _show_message(self, title: str, text: str) -> None:
        self.message_title.setText(title)
        self.message_text.setText(text)
        self.stack.setCurrentWidget(self.message_page)

    # --- who is signed in -------------------------------------------------------------------------------

    def show_sign_in(self, notice: str = "", staff_id: str | None = None) -> None:
        self.stack.setCurrentWidget(self.sign_in)
        self.sign_in.reload(self._preferred_ward)
        self.sign_in.prepare(notice, staff_id)

    def _signed_in(self, person: Any) -> None:
        self._build_screens()  # already built unless the nurse signed in as soon as the store opened
        returning = self._locked_by is not None and person.id == self._locked_by
        self._locked_by = None
        self.ctx.set_user(person)
        if not returning:
            # Typed but unsaved figures belong to the person who typed them (kept as their draft):
            # anyone else starts from what is stored plus their OWN draft, so nothing is shown to or
            # saved by the wrong person (issue 12).
            self.staffing.start_over()
        self.tabs.setTabEnabled(3, bool(person.is_manager))
        self.tabs.setTabToolTip(3, "" if person.is_manager else "Only the ward sister or manager can change the ward setup")
        self.setup.setEnabled(bool(person.is_manager))
        self.show_screen(self.today)
        self.stack.setCurrentWidget(self.tabs)
        self.today.refresh()
        self.month.refresh()
        self.setup.refresh()
        self.today.update_btn.setFocus()
        self.idle.start()

    def lock(self, notice: str) -> None:
        """Sign out (switch user or idle). What was typed stays in the form for the same person;
        if someone else signs in next, it is put back to what is stored."""
        if self.ctx.user is None:
            return
        who = self.ctx.user.id
        if self.screens:
            self.staffing.keep_draft()  # what was typed is kept now, as this person's draft
        self._locked_by = who
        self.idle.stop()
        self.ctx.set_user(None)
        self.show_sign_in(notice, who)
        self.locked.emit()

    def start_kiosk(self, full_screen: bool = True) -> None:
        """Issue 9: the patient kiosk. The station locks first, so no staff session is open behind it;
        leaving the kiosk with a PIN signs that person in."""
        from ui.kiosk.window import open_kiosk

        ward_id = self.ctx.ward_id
        self.lock("The patient kiosk is showing. Leave it with your PIN, or sign in here.")
        self.kiosk = open_kiosk(self.worker, ward_id, self.feedback.clock, full_screen=full_screen,
                                on_unlocked=self._signed_in)
    def _report_from_flag(self, shift_id: str, flag: Any) -> None:
        from ui.models.staffing import flag_line

        self.show_screen(self.incidents)
        self.incidents.report_from_flag(shift_id, flag.id, flag.flag_type, flag_line(flag).removeprefix("⚑ "))

    def go_to_screen(self, i: int) -> None:
        """Ctrl+1..: that screen, with the keyboard focus on its first control (not the scroll area
        around it, which has no name; issue 12)."""
        if not self.tabs.isTabEnabled(i):
            return
        self.tabs.setCurrentIndex(i)
        view = self.screens[i]
        w = view.nextInFocusChain()
        for _ in range(500):
            if w is None or w is view:
                break
            if view.isAncestorOf(w) and w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
                w.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
            w = w.nextInFocusChain()

    def show_screen(self, view: QWidget) -> None:
        self.tabs.setCurrentIndex(self.screens.index(view))

    def current_screen(self) -> QWidget:
        return self.screens[self.tabs.currentIndex()]

    def _update_staffing(self, d: Any, code: str) -> None:
        self.show_screen(self.staffing)
        self.staffing.open_shift(d, code, focus=True)

    # --- top bar ------------------------------------------------------------------------------------------

    def _update_bar(self) -> None:
        w = self.ctx.ward
        self.ward_label.setText(f"{w.name} ({w.site})" if w and w.site else (w.name if w else "Ward station"))
        self.ward_label.setAccessibleName("Ward: " + self.ward_label.text())
        u = self.ctx.user
        if u is None:
            self.user_label.setText("Nobody signed in")
        else:
            try:
                role = staff_group(u.role).singular
            except KeyError:
                role = u.role
            self.user_label.setText(f"Signed in: {u.name} ({u.title or role})")
        self.user_label.setAccessibleName(self.user_label.text())
        self.switch_btn.setVisible(u is not None)

    def refresh_sync(self) -> None:
        self.worker.query(sync_status, self._sync_shown, lambda _e: self.sync_label.setText("Sync state unknown"))

    def _sync_shown(self, status: Any) -> None:
        text = f"{SYNC_ICONS.get(status.level, '●')} {status.text}"
        self.sync_label.setText(text)
        self.sync_label.setAccessibleName("Sync: " + text)
        self.sync_label.setProperty("level", status.level)
        self.sync_label.style().unpolish(self.sync_label)
        self.sync_label.style().polish(self.sync_label)
        self.sync_btn.setVisible(status.enrolled)
        n = status.rejected + status.review
        self.review_btn.setVisible(n > 0)
        self.review_btn.setText(f"Re&view ({n})")

    def _changes_for_sync(self, changes: Any) -> None:
        self.refresh_sync()
        if "sync" not in getattr(changes, "entities", ()):
            self.sync_runner.saved()  # a local save: push it 2 s later

    def _sync_finished(self, result: Any) -> None:
        self.sync_btn.setText("S&ync now")
        if result.pulled:
            from hardtruths_desktop.store.session import Changes

            self.changes_applied.emit(Changes({"sync"}, set()))  # pulled data: every screen refreshes
        self.refresh_sync()

    def show_review(self) -> None:
        from ui.dialogs.review import ReviewDialog

        ReviewDialog.show_for(self, self.worker)

    # --- where the window was left (issue 12) -------------------------------------------------------

    def _settings(self) -> Any:
        from PySide6.QtCore import QSettings

        return QSettings(str(self.worker.data_dir / "station-window.ini"), QSettings.Format.IniFormat)

    def show_where_left(self) -> None:
        """Open where it was left on this PC (size, place, maximised), or maximised the first time."""
        geometry = self._settings().value("window/geometry")
        if geometry is not None and self.restoreGeometry(geometry):
            self.show()
        else:
            self.showMaximized()
        # take the keyboard: focus changes (and scrolling the focused field into view) need the
        # active window, and an X server without a window manager never activates it by itself
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        try:
            s = self._settings()
            s.setValue("window/geometry", self.saveGeometry())
            s.sync()
        except OSError:  # a read-only data folder must not stop the station closing
            log.warning("could not remember the window's place", exc_info=True)
        if self.screens:
            self.staffing.keep_draft()  # closing: typed figures kept as a draft (the worker finishes it)
        self.idle.detach()
        self.focus_scroller.detach()
        self.sync_timer.stop()
        self.sync_runner.stop()
        if self.screens:
            self.today.clock.stop()
        super().closeEvent(event)
