"""The Friends and Family Test (DOMAIN.md section 3): answers, scoring, moderation, themes.

Pure rules, no I/O. The value sets (questions, answers, collection channels, comment themes, the
words that suggest a name) are data in ``resources/valuesets/feedback.json`` that a trust can update.

Scoring, exactly as DOMAIN.md says: % positive = (Very good + Good) / all responses; % negative =
(Poor + Very poor) / all responses. "All responses" includes "Don't know" (so a month of only
"Don't know" scores 0.0% positive and 0.0% negative), and a month without responses has no score
(``None``, shown as "no responses"), never a division by zero. Percentages are rounded half up to
one decimal (12.25 -> 12.3), as a person rounding by hand would.

Anonymity: a response carries the ward, the DAY (never a time), the answer, the free text and how
it was collected (kiosk or paper card). Free text that may identify someone is found here
(``find_identifiers``) and held for the ward sister before anyone else sees it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Literal

from hardtruths_desktop import resources
from hardtruths_desktop.domain.validation import MAX_NOTE, ValidationError, clean_text

Polarity = Literal["positive", "neutral", "negative", "dont_know"]

MAX_COMMENT = MAX_NOTE
#: how far back a paper card's collection date may be (the national return is monthly; older cards
#: belong to returns already made)
CARD_PAST_DAYS = 366

# moderation status of a response's comments (the head of its amendment chain)
PUBLISHED = "published"  # nothing identifying found: shown on the ward at once
HELD = "held"  # may identify someone: only the ward sister sees it until she decides
APPROVED = "approved"  # the ward sister read it and it may be shown as written
REDACTED = "redacted"  # shown with the identifying words removed; the original stays in the audit trail
WITHDRAWN = "withdrawn"  # entered in error (e.g. a card typed twice): not counted, not shown
CORRECTED = "corrected"  # a paper card's answer typed wrongly and put right
STATUSES = (PUBLISHED, HELD, APPROVED, REDACTED, WITHDRAWN, CORRECTED)
SHOWN = frozenset({PUBLISHED, APPROVED, REDACTED, CORRECTED})
#: what an amendment may set, and the reason it needs
AMEND_KINDS = {"approve": APPROVED, "redact": REDACTED, "withdraw": WITHDRAWN, "correct": CORRECTED}


@dataclass(frozen=True)
class Answer:
    code: str  # stored and synced: very_good, good, ...
    cli: str  # typed on the command line: very-good, ...
    label: str
    polarity: Polarity
    key: str  # the number key for fast card entry


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Channel:
    code: str
    label: str
    return_mode: str


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    keywords: tuple[str, ...]


@cache
def _data() -> dict[str, Any]:
    text = resources.valueset("feedback").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def questions() -> tuple[Question, ...]:
    out = []
    for q in _data()["questions"]:
        answers = tuple(
            Answer(str(a["code"]), str(a["cli"]), str(a["label"]), a["polarity"], str(a["key"])) for a in q["answers"]
        )
        out.append(Question(str(q["code"]), str(q["text"]), answers))
    return tuple(out)


def current_question() -> Question:
    return question(str(_data()["current_question"]))


def question(code: str) -> Question:
    for q in questions():
        if q.code == code:
            return q
    raise ValidationError.single("question", f"'{code}' is not a Friends and Family Test question this station knows")


def answers() -> tuple[Answer, ...]:
    """The current question's six answers, in the order they are shown."""
    return current_question().answers


def answer_codes() -> tuple[str, ...]:
    return tuple(a.code for a in answers())


@cache
def _all_answers() -> dict[str, Answer]:
    return {a.code: a for q in questions() for a in q.answers}


def answer(code: str) -> Answer:
    try:
        return _all_answers()[code]
    except KeyError:
        raise ValidationError.single("answer", f"'{code}' is not an answer to the Friends and Family Test") from None


def parse_answer(text: str, field_name: str = "answer") -> str:
    """An answer as typed (``very-good``, ``very_good``, ``Very good`` or its number key) -> its code."""
    t = unicodedata.normalize("NFC", text.strip().lower()).replace("’", "'")
    for a in answers():
        if t in (a.code, a.cli, a.label.lower(), a.key):
            return a.code
    choices = " ".join(a.cli for a in answers())
    raise ValidationError.single(field_name, f"'{text.strip()[:40]}' is not an answer: choose one of {choices}")


@cache
def channels() -> tuple[Channel, ...]:
    return tuple(Channel(str(c["code"]), str(c["label"]), str(c["return_mode"])) for c in _data()["channels"])


def check_channel(code: str, field_name: str = "channel") -> str:
    if code not in {c.code for c in channels()}:
        raise ValidationError.single(field_name, f"'{code[:40]}' is not a way this station collects feedback")
    return code


# --- scoring --------------------------------------------------------------------------------------

def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal, rounded half up; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


@dataclass(frozen=True)
class Score:
    """One month's (or any period's) result. ``counts`` has every current answer code, 0 if none."""

    counts: Mapping[str, int]
    responses: int
    positive: int
    negative: int
    dont_know: int
    percent_positive: float | None
    percent_negative: float | None

    @property
    def has_responses(self) -> bool:
        return self.responses > 0

    def describe(self) -> str:
        if not self.responses:
            return "no responses"
        return f"{self.percent_positive:.1f}% positive, {self.percent_negative:.1f}% negative ({self.responses} responses)"


def score(counts: Mapping[str, int]) -> Score:
    """Score raw counts per answer code (any question's answers; unknown codes are refused)."""
    full = {code: 0 for code in answer_codes()}
    positive = negative = dont_know = total = 0
    for code, n in counts.items():
        if n < 0:
            raise ValueError(f"negative count for {code}")
        a = answer(code)
        full[code] = full.get(code, 0) + n
        total += n
        if a.polarity == "positive":
            positive += n
        elif a.polarity == "negative":
            negative += n
        elif a.polarity == "dont_know":
            dont_know += n
    return Score(full, total, positive, negative, dont_know, percent(positive, total), percent(negative, total))


def score_answers(given: Iterable[str]) -> Score:
    counts: dict[str, int] = {}
    for code in given:
        counts[code] = counts.get(code, 0) + 1
    return score(counts)


def summary_json(ward_code: str, year: int, month: int, s: Score) -> dict[str, Any]:
    """The one shape of a month's summary: ``feedback summary --json`` on the station and
    ``hardtruths-server admin feedback --json`` on the server both print exactly this."""
    return {
        "ward": ward_code,
        "month": f"{year:04d}-{month:02d}",
        "responses": s.responses,
        "counts": {code: int(s.counts.get(code, 0)) for code in answer_codes()},
        "percent_positive": s.percent_positive,
        "percent_negative": s.percent_negative,
    }


# --- dates ------------------------------------------------------------------------------------------

def month_of(d: date) -> tuple[int, int]:
    return d.year, d.month


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    """The ``n`` months ending with (year, month), oldest first."""
    out = []
    y, m = year, month
    for _ in range(n):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def check_response_day(day: date, today: date, field_name: str = "date") -> date:
    """A response's day: not in the future, not older than a year (a paper card's collection date)."""
    if day > today:
        raise ValidationError.single(field_name, f"{day.isoformat()} is in the future: give the day the cards were collected")
    if day < today - timedelta(days=CARD_PAST_DAYS):
        raise ValidationError.single(field_name, f"{day.isoformat()} is more than a year ago: that month's return has been made")
    return day


@dataclass(frozen=True)
class ResponseInput:
    """One response as given by the kiosk, a paper card or the CLI, before it is stored."""

    answer: str
    comment_good: str = ""
    comment_better: str = ""
    channel: str = "kiosk"


@dataclass(frozen=True)
class CleanResponse:
    answer: str
    comment_good: str
    comment_better: str
    channel: str
    findings: tuple[Finding, ...]

    @property
    def status(self) -> str:
        return HELD if self.findings else PUBLISHED


def check_response(given: ResponseInput, known_names: Sequence[str] = ()) -> CleanResponse:
    """Validate one response and find anything identifying in its free text."""
    code = given.answer if given.answer in answer_codes() else parse_answer(given.answer)
    good = clean_text(given.comment_good, "What was good", "comment_good", MAX_COMMENT)
    better = clean_text(given.comment_better, "What could we do better", "comment_better", MAX_COMMENT)
    channel = check_channel(given.channel)
    findings = find_identifiers(good, known_names) + find_identifiers(better, known_names)
    return CleanResponse(code, good, better, channel, findings)


# --- moderation: free text that may identify someone ----------------------------------------------

FindingKind = Literal["name", "phone", "nhs_number", "email", "number"]
KIND_LABELS: dict[str, str] = {
    "name": "a name",
    "phone": "a phone number",
    "nhs_number": "an NHS number",
    "email": "an email address",
    "number": "a long number (a hospital or NHS number?)",
}
REDACTION: dict[str, str] = {
    "name": "[name removed]",
    "phone": "[phone number removed]",
    "nhs_number": "[NHS number removed]",
    "email": "[email removed]",
    "number": "[number removed]",
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    start: int
    end: int
    text: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"(?<![\w+])(?:\+\s?44\s?(?:\(0\)\s?)?|0)?\d(?:[\s-]?\d){6,12}(?!\w)")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def nhs_number_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (10 digits)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _classify_number(raw: str) -> FindingKind | None:
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+44"):
        return "phone"
    if len(digits) == 10 and nhs_number_valid(digits):
        return "nhs_number"
    if digits.startswith("0") and len(digits) in (10, 11):
        return "phone"
    if len(digits) >= 7:
        return "number"
    return None


@cache
def _name_words() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    d = _data()
    return (frozenset(d["first_names"]), frozenset(d["moderation_titles"]), tuple(d["name_phrases"]))


_STOP = frozenset({"the", "a", "an", "and", "to", "for", "me", "my", "us", "all", "everyone", "her", "him", "them",
                   "was", "is", "were", "so", "very", "it", "on", "in", "at", "back", "again", "in.", "you", "i"})


def _capitalised(word: str) -> bool:
    first = word[:1]
    return first.isupper() or (first.isalpha() and not first.islower())


def find_identifiers(text: str, known_names: Sequence[str] = ()) -> tuple[Finding, ...]:
    """Everything in ``text`` that may identify a person, in reading order, not overlapping.

    Found: email addresses; phone numbers; NHS numbers (10 digits with a valid check digit);
    other long numbers; names: a title followed by a capitalised word ("Nurse Jane", "Dr Okafor"),
    the word after "my name is"/"called"/"thank you to", a capitalised common first name, and any
    name in ``known_names`` (the ward's staff list) in any case. It errs on the side of holding.
    """
    if not text:
        return ()
    found: list[Finding] = []
    for m in _EMAIL.finditer(text):
        found.append(Finding("email", m.start(), m.end(), m.group()))
    for m in _DIGITS.finditer(text):
        kind = _classify_number(m.group())
        if kind is not None:
            found.append(Finding(kind, m.start(), m.end(), m.group()))
    first_names, titles, phrases = _name_words()
    words = list(_WORD.finditer(text))
    lower = [w.group().lower().rstrip("'’") for w in words]
    for i, w in enumerate(words):
        word = w.group()
        capital = _capitalised(word)
        prev = lower[i - 1] if i else ""
        prev2 = f"{lower[i - 2]} {prev}" if i > 1 else ""
        prev3 = f"{lower[i - 3]} {prev2}" if i > 2 else ""
        if lower[i] in _STOP or lower[i] in titles:
            continue
        after_title = prev in titles or prev2 in titles
        after_phrase = prev in phrases or prev2 in phrases or prev3 in phrases
        introduced = prev3 == "my name is" or prev2 in ("name is", "called me")
        if introduced or (capital and (after_title or after_phrase or lower[i] in first_names)):
            found.append(Finding("name", w.start(), w.end(), word))
    folded = text.casefold()
    all_lower = text == text.lower()
    for full in known_names:
        # the whole name in any case; one part of it only when written as a name (capitalised, or a
        # script without capitals), or when the whole comment is typed in lower case
        parts = [(full, True)] + [(p, False) for p in full.split()]
        for part, any_case in parts:
            p = part.strip().casefold()
            if len(p) < 3 or p in titles or p in _STOP:
                continue
            for m in re.finditer(rf"(?<!\w){re.escape(p)}(?!\w)", folded):
                written = text[m.start():m.end()]
                if any_case or all_lower or _capitalised(written):
                    found.append(Finding("name", m.start(), m.end(), written))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[Finding] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return tuple(out)


def redact(text: str, findings: Sequence[Finding] | None = None, known_names: Sequence[str] = ()) -> str:
    """``text`` with every finding replaced by a bracketed word ("[name removed]")."""
    fs = find_identifiers(text, known_names) if findings is None else findings
    out, pos = [], 0
    for f in sorted(fs, key=lambda f: f.start):
        out.append(text[pos:f.start])
        out.append(REDACTION[f.kind])
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


# --- amendments ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amendment:
    kind: str
    status: str
    answer: str
    comment_good: str
    comment_better: str
    reason: str


def check_amendment(kind: str, current_answer: str, comment_good: str, comment_better: str, reason: str,
                    known_names: Sequence[str] = (), new_answer: str | None = None) -> Amendment:
    """A moderation decision or correction, with the full new content (SYNC.md 3.6)."""
    if kind not in AMEND_KINDS:
        raise ValidationError.single("kind", f"'{kind}' is not something the ward sister can do to feedback")
    reason = clean_text(reason, "The reason", "reason", 500)
    good = clean_text(comment_good, "What was good", "comment_good", MAX_COMMENT)
    better = clean_text(comment_better, "What could we do better", "comment_better", MAX_COMMENT)
    answer_code = current_answer
    if kind == "redact":
        left = find_identifiers(good, known_names) + find_identifiers(better, known_names)
        if left:
            raise ValidationError.single("comment_good" if find_identifiers(good, known_names) else "comment_better",
                                         f"The text still contains {left[0].label} (\"{left[0].text}\"): remove it or approve instead")
    if kind in ("withdraw", "correct") and not reason:
        raise ValidationError.single("reason", "Say why (e.g. 'card entered twice')")
    if kind == "correct":
        if new_answer is None:
            raise ValidationError.single("answer", "Choose the answer the card really gives")
        answer_code = new_answer if new_answer in answer_codes() else parse_answer(new_answer)
    return Amendment(kind, AMEND_KINDS[kind], answer_code, good, better, reason)


# --- comment themes ---------------------------------------------------------------------------------

@cache
def themes() -> tuple[Theme, ...]:
    return tuple(Theme(str(t["code"]), str(t["label"]), tuple(str(k) for k in t["keywords"])) for t in _data()["themes"])


@cache
def _theme_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((th.code, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in th.keywords) + r")(?!\w)"))
                 for th in themes())


@cache
def _theme_words() -> tuple[tuple[str, frozenset[str], tuple[str, ...]], ...]:
    """Per theme: its one-word keywords (a set) and its phrases (" call bell "), for ``themes_of``."""
    return tuple((th.code, frozenset(k for k in th.keywords if " " not in k), tuple(f" {k} " for k in th.keywords if " " in k))
                 for th in themes())


def themes_of(text: str) -> tuple[str, ...]:
    """Theme codes whose keywords appear in ``text`` (whole words, any case).

    The text is folded to words separated by single spaces, so a whole-word match is a set lookup
    (one word) or a substring between spaces (a phrase): the same answer as ``_theme_patterns``,
    without eight regular expressions per comment (the results screen reads a month's comments)."""
    words = re.sub(r"[^\w]+", " ", text.casefold()).split()
    present = set(words)
    padded = f" {' '.join(words)} "
    return tuple(code for code, single, phrases in _theme_words()
                 if not present.isdisjoint(single) or any(p in padded for p in phrases))


def theme_counts(comments: Iterable[str]) -> list[tuple[Theme, int]]:
    """How many comments mention each theme, most mentioned first (themes with none left out)."""
    counts = {th.code: 0 for th in themes()}
    for c in comments:
        for code in themes_of(c):
            counts[code] += 1
    by_code = {th.code: th for th in themes()}
    return sorted(((by_code[c], n) for c, n in counts.items() if n), key=lambda x: (-x[1], x[0].label))


# --- "You said, we did" ----------------------------------------------------------------------------

def check_you_said(you_said: str, we_did: str) -> tuple[str, str]:
    said = clean_text(you_said, "You said", "you_said", 500, required=True)
    did = clean_text(we_did, "We did", "we_did", 500, required=True)
    if find_identifiers(said) or find_identifiers(did):
        f = (find_identifiers(said) or find_identifiers(did))[0]
        raise ValidationError.single("you_said", f"This goes on a public poster: remove {f.label} (\"{f.text}\")")
    return said, did
