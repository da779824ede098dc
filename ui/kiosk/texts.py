"""Every sentence the kiosk shows, in English (the translation source), per format.

The kiosk never shows a literal string: it shows ``tr(source)``, Qt's translation of the source in
the ``Kiosk`` context, so each language is one Qt Linguist file (``resources/translations``).
The standard format uses NHS England's wording of the 2020 question; the easy-read and children's
formats use shorter sentences with picture answers.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QCoreApplication

from hardtruths_desktop.domain import feedback as fft

Variant = Literal["standard", "easy", "children"]
VARIANTS: tuple[Variant, ...] = ("standard", "easy", "children")
CONTEXT = "Kiosk"

CHOOSE_LANGUAGE = "Choose your language"
EASY_READ = "Easy read with pictures"
FOR_CHILDREN = "For children"
NO_NAMES = "Please do not write names, phone numbers or other personal details."
TYPE_HERE = "Type here (you can leave this empty)"
NEXT, SKIP, FINISH, START_AGAIN, BIGGER = "Next", "Skip", "Finish", "Start again", "Bigger text"
SAVED = "Thank you. Your answers have been saved."
ANONYMOUS = "Your answers are anonymous. They help us improve care on this ward."
STAFF = "Staff"

QUESTION: dict[Variant, str] = {
    "standard": "Overall, how was your experience of our service?",  # must equal the value set's wording
    "easy": "How was your time on our ward?",
    "children": "How was your time with us?",
}
ANSWERS: dict[Variant, dict[str, str]] = {
    "standard": {"very_good": "Very good", "good": "Good", "neither": "Neither good nor poor", "poor": "Poor",
                 "very_poor": "Very poor", "dont_know": "Don't know"},
    "easy": {"very_good": "Very good", "good": "Good", "neither": "OK", "poor": "Bad", "very_poor": "Very bad",
             "dont_know": "I don't know"},
    "children": {"very_good": "Really good", "good": "Good", "neither": "OK", "poor": "Not good", "very_poor": "Really bad",
                 "dont_know": "Don't know"},
}
GOOD: dict[Variant, str] = {"standard": "What was good?", "easy": "What did you like?", "children": "What did you like?"}
BETTER: dict[Variant, str] = {"standard": "What could we do better?", "easy": "What should we change?",
                              "children": "What would make it better?"}
THANKS: dict[Variant, str] = {"standard": SAVED, "easy": "Thank you!", "children": "Thank you!"}

#: every source string, for the translation check (each .ts must translate all of them)
SOURCES: tuple[str, ...] = tuple(dict.fromkeys([
    CHOOSE_LANGUAGE, EASY_READ, FOR_CHILDREN, *QUESTION.values(), *(s for a in ANSWERS.values() for s in a.values()),
    *GOOD.values(), *BETTER.values(), NO_NAMES, TYPE_HERE, NEXT, SKIP, FINISH, START_AGAIN, BIGGER, SAVED, ANONYMOUS,
    STAFF, *THANKS.values(),
]))

assert QUESTION["standard"] == fft.current_question().text, "the kiosk must ask the current FFT question"
assert list(ANSWERS["standard"].values()) == [a.label for a in fft.answers()], "standard answers follow the value set"


def tr(source: str) -> str:
    return QCoreApplication.translate(CONTEXT, source)
