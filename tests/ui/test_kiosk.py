"""The patient kiosk driven like a patient would: a full response in English, in Arabic (right to
left) and in easy read, the 60 s idle reset (its timer fired by the test, no sleeping), touch
targets of 15 mm, and leaving only with a staff PIN while the station stays locked behind it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.domain.clock import FixedClock

CLOCK = FixedClock.london(2026, 11, 24, 14, 32)


@pytest.fixture(scope="session", autouse=True)
def _translations_built() -> None:
    from ui.kiosk.translations import build

    build()  # .qm from the .ts sources, as `make` does at install


def feedback_rows(data_dir: Path) -> list[tuple[Any, ...]]:
    import sqlite3

    con = sqlite3.connect(data_dir / "ward-station.sqlite")
    try:
        return con.execute("SELECT answer, comment_good, comment_better, response_date, channel, status FROM feedback"
                           " WHERE amends_id IS NULL").fetchall()
    finally:
        con.close()


def w7(data_dir: Path) -> str:
    import sqlite3

    con = sqlite3.connect(data_dir / "ward-station.sqlite")
    try:
        return str(con.execute("SELECT id FROM ward WHERE code = 'W7'").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def kiosk(qtbot: Any, demo_dir: Path) -> Any:
    from ui.kiosk.window import KioskWindow
    from ui.worker import StoreWorker

    worker = StoreWorker(demo_dir, CLOCK)
    k = KioskWindow(worker, w7(demo_dir), clock=CLOCK)
    qtbot.addWidget(k)
    k.resize(1024, 768)
    k.start(full_screen=False)
    qtbot.waitExposed(k, timeout=QT_WAIT_MS)
    yield k
    k.leave_for_test()
    worker.stop()


def click(qtbot: Any, button: QAbstractButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_full_response_in_english(qtbot: Any, kiosk: Any, demo_dir: Path) -> None:
    before = feedback_rows(demo_dir)
    assert kiosk.pages.currentWidget() is kiosk.lang_page
    click(qtbot, kiosk.lang_buttons["en"])
    assert kiosk.pages.currentWidget() is kiosk.question_page
    assert kiosk.question.text() == "Overall, how was your experience of our service?"
    assert [b.text() for b in kiosk.answer_buttons.values()] == [
        "Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
    click(qtbot, kiosk.answer_buttons["good"])
    assert kiosk.prompt.text() == "What was good?"
    qtbot.keyClicks(kiosk.comment, "Kind nurses, clean ward")
    click(qtbot, kiosk.next_btn)
    assert kiosk.prompt.text() == "What could we do better?"
    qtbot.keyClicks(kiosk.comment, "Quieter at night")
    with qtbot.waitSignal(kiosk.saved, timeout=QT_WAIT_MS):
        click(qtbot, kiosk.next_btn)
    assert kiosk.pages.currentWidget() is kiosk.thanks_page
    assert kiosk.thanks.text() == "Thank you. Your answers have been saved."
    new = [r for r in feedback_rows(demo_dir) if r not in before]
    assert new == [("good", "Kind nurses, clean ward", "Quieter at night", "2026-11-24", "kiosk", "published")]
    # the thanks screen resets the kiosk by itself (its timer fired here, not waited for)
    assert kiosk.thanks_timer.isActive()
    kiosk.thanks_timer.timeout.emit()
    assert kiosk.pages.currentWidget() is kiosk.lang_page and kiosk.partial == {}


def test_full_response_in_arabic_right_to_left(qtbot: Any, kiosk: Any, demo_dir: Path) -> None:
    before = feedback_rows(demo_dir)
    click(qtbot, kiosk.lang_buttons["ar"])
    assert kiosk.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert kiosk.question.text() == "بشكل عام، كيف كانت تجربتك مع خدمتنا؟"
    assert kiosk.answer_buttons["very_good"].text() == "جيدة جدًا"
    # right to left: the first answer's column starts at the right, "Skip" sits right of "Next"
    click(qtbot, kiosk.answer_buttons["very_poor"])
    assert kiosk.prompt.text() == "ما الذي كان جيدًا؟"
    assert kiosk.skip_btn.mapTo(kiosk, kiosk.skip_btn.rect().center()).x() > kiosk.next_btn.mapTo(
        kiosk, kiosk.next_btn.rect().center()).x()
    click(qtbot, kiosk.skip_btn)
    assert kiosk.prompt.text() == "ما الذي يمكننا أن نفعله بشكل أفضل؟"
    kiosk.comment.insertPlainText("الانتظار طويل")  # as an Arabic keyboard's input method delivers it
    with qtbot.waitSignal(kiosk.saved, timeout=QT_WAIT_MS):
        click(qtbot, kiosk.next_btn)
    assert kiosk.thanks.text() == "شكرًا لك. تم حفظ إجاباتك."
    new = [r for r in feedback_rows(demo_dir) if r not in before]
    assert new == [("very_poor", "", "الانتظار طويل", "2026-11-24", "kiosk", "published")]
    click(qtbot, kiosk.done_btn)
    assert kiosk.layoutDirection() == Qt.LayoutDirection.LeftToRight  # the next patient starts in English
    assert kiosk.question.text() == "Overall, how was your experience of our service?"


def test_easy_read_has_picture_answers(qtbot: Any, kiosk: Any) -> None:
    click(qtbot, kiosk.easy_btn)
    click(qtbot, kiosk.lang_buttons["en"])
    assert kiosk.variant == "easy"
    assert kiosk.question.text() == "How was your time on our ward?"
    for b in kiosk.answer_buttons.values():
        assert not b.icon().isNull()
        assert b.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextUnderIcon
    assert kiosk.answer_buttons["neither"].text() == "OK"


def test_children_in_polish(qtbot: Any, kiosk: Any) -> None:
    click(qtbot, kiosk.children_btn)
    click(qtbot, kiosk.lang_buttons["pl"])
    assert (kiosk.variant, kiosk.question.text()) == ("children", "Jak ci było u nas?")


def test_idle_reset_forgets_the_partial_response(qtbot: Any, kiosk: Any, demo_dir: Path) -> None:
    before = feedback_rows(demo_dir)
    assert kiosk.idle_timer.interval() == 60_000 and kiosk.idle_timer.isSingleShot()
    click(qtbot, kiosk.lang_buttons["ur"])
    click(qtbot, kiosk.answer_buttons["good"])
    qtbot.keyClicks(kiosk.comment, "half written")
    assert kiosk.partial == {"answer": "good"}
    # any touch or key restarts the 60 s
    kiosk.idle_timer.stop()
    QApplication.sendEvent(kiosk.comment, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a"))
    assert kiosk.idle_timer.isActive()
    with qtbot.waitSignal(kiosk.reset_done, timeout=QT_WAIT_MS):
        kiosk.idle_timer.timeout.emit()  # 60 s without a touch
    assert kiosk.pages.currentWidget() is kiosk.lang_page
    assert kiosk.partial == {} and kiosk.comment.toPlainText() == ""
    assert kiosk.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert feedback_rows(demo_dir) == before  # nothing of the unfinished response was saved


def test_escape_and_close_never_leave(qtbot: Any, kiosk: Any) -> None:
    click(qtbot, kiosk.lang_buttons["en"])
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    assert kiosk.pages.currentWidget() is kiosk.lang_page
    kiosk.close()
    assert kiosk.isVisible()


def _visible_buttons(w: Any) -> list[QAbstractButton]:
    return [b for b in w.findChildren(QAbstractButton) if b.isVisibleTo(w) and b.isVisible()]


def test_touch_targets_are_at_least_15_mm(qtbot: Any, kiosk: Any) -> None:
    from ui.kiosk.window import mm_to_px, target_px

    assert mm_to_px(15, 96) == 57 and mm_to_px(15, 254) == 150
    t = target_px(kiosk.screen())
    assert t == kiosk.target and t >= 57
    pages = [("lang", lambda: None), ("question", lambda: click(qtbot, kiosk.lang_buttons["en"])),
             ("comment", lambda: click(qtbot, kiosk.answer_buttons["good"]))]
    for name, go in pages:
        go()
        for b in _visible_buttons(kiosk):
            assert min(b.width(), b.height()) >= t, (name, b.text(), b.size())
    kiosk.reset()
    click(qtbot, kiosk.easy_btn)
    click(qtbot, kiosk.lang_buttons["bn"])
    for b in _visible_buttons(kiosk):
        assert min(b.width(), b.height()) >= t, ("easy", b.text(), b.size())


def test_bigger_text_scales_the_text(qtbot: Any, kiosk: Any) -> None:
    base = kiosk.question.font().pointSizeF()
    assert kiosk.font().pointSizeF() >= 18  # never under 18 pt on the kiosk
    click(qtbot, kiosk.bigger_btn)
    assert kiosk.question.font().pointSizeF() > base * 1.3


def test_every_translation_is_complete_and_names_its_review_status() -> None:
    from ui.kiosk import texts
    from ui.kiosk.translations import languages, translations_dir

    langs = languages()
    assert len([lang for lang in langs if lang.code != "en"]) >= 8
    assert any(lang.rtl for lang in langs) and {"ar", "ur"} & {lang.code for lang in langs}
    for lang in langs:
        if lang.ts is None:
            continue
        root = ET.parse(translations_dir() / lang.ts).getroot()
        msgs = {(c.findtext("name"), m.findtext("source")): m.find("translation") for c in root.iter("context")
                for m in c.iter("message")}
        status = msgs[("About", "Review status of this translation")]
        # drafts written for this project: said plainly, in the file and its About message, never a claim of review
        text = ET.tostring(root, encoding="unicode")
        assert status is not None and (status.text or "").startswith("DRAFT, NOT REVIEWED."), lang.code
        assert "Review status: DRAFT, NOT REVIEWED." in (translations_dir() / lang.ts).read_text(encoding="utf-8")
        assert "reviewed by" not in text.casefold() and "approved by" not in text.casefold(), lang.code
        for source in texts.SOURCES:
            t = msgs.get(("Kiosk", source))
            assert t is not None and (t.text or "").strip() and t.get("type") != "unfinished", (lang.code, source)
        assert (translations_dir() / str(lang.qm)).exists()


def test_kiosk_locks_the_station_and_leaves_only_with_a_pin(qtbot: Any, station: Any) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.start_kiosk(full_screen=False)
    k = w.kiosk
    qtbot.waitExposed(k, timeout=QT_WAIT_MS)
    assert w.ctx.user is None and w.stack.currentWidget() is w.sign_in  # Alt+Tab finds a locked station
    click(qtbot, k.staff_btn)
    qtbot.waitUntil(lambda: k.staff_name.count() > 1, timeout=QT_WAIT_MS)
    k.staff_name.setCurrentText("Aisha Rahman")
    qtbot.keyClicks(k.pin, "1111")
    click(qtbot, k.unlock_btn)
    qtbot.waitUntil(lambda: bool(k.staff_error.text()), timeout=QT_WAIT_MS)
    assert k.isVisible() and w.ctx.user is None
    qtbot.keyClicks(k.pin, "2580")
    with qtbot.waitSignal(k.unlocked, timeout=QT_WAIT_MS):
        click(qtbot, k.unlock_btn)
    assert not k.isVisible()
    qtbot.waitUntil(lambda: w.ctx.user is not None and w.ctx.user.name == "Aisha Rahman", timeout=QT_WAIT_MS)
