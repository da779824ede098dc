"""What the Feedback screens, the kiosk, the CLI and the poster read: FFT results for a ward.

``load_results`` is the results screen (this month, the last 12 months, themes, SPC, "You said,
we did"); ``load_month_summary`` is ``feedback summary``; ``load_moderation`` is the ward sister's
queue; ``load_fft_return`` is the monthly national return, one row per ward.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import spc
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.printing.fft_poster import FftPosterView
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store.session import Store

MONTHS_SHOWN = 13  # this month and the 12 before it


@contextmanager
def _db(store: Store) -> Iterator[Any]:
    with store.read() as s:
        yield s.connection().connection.driver_connection


def _ward(db: Any, ward: str) -> tuple[str, str, str, str, str]:
    """(id, code, name, site, specialty) of a ward given by id or code."""
    row = db.execute("SELECT id, code, name, site, specialty FROM ward WHERE id = ? OR upper(code) = upper(?)",
                     (ward, ward.strip())).fetchone()
    if row is None:
        codes = ", ".join(r[0] for r in db.execute("SELECT code FROM ward ORDER BY code"))
        raise ValidationError.single("ward", f"There is no ward '{ward.strip()[:40]}' on this station (wards: {codes or 'none'})")
    return row[0], row[1], row[2], row[3], row[4]


@dataclass(frozen=True)
class MonthSummary:
    ward_code: str
    year: int
    month: int
    score: fft.Score

    def to_json(self) -> dict[str, Any]:
        return fft.summary_json(self.ward_code, self.year, self.month, self.score)


def load_month_summary(store: Store, ward: str, *, year: int, month: int) -> MonthSummary:
    with _db(store) as db:
        wid, code, *_ = _ward(db, ward)
        first, last = fft.month_bounds(year, month)
        counts = repo.monthly_counts(db, wid, first, last).get((year, month), {})
    return MonthSummary(code, year, month, fft.score(counts))


@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    score: fft.Score

    @property
    def label(self) -> str:
        return date(self.year, self.month, 1).strftime("%b %Y")


@dataclass(frozen=True)
class Comment:
    id: str
    day: date
    answer_label: str
    good: str
    better: str
    status: str


@dataclass(frozen=True)
class YouSaid:
    id: str
    month: str
    you_said: str
    we_did: str
    written_by: str


@dataclass(frozen=True)
class FeedbackResults:
    ward_id: str
    ward_code: str
    ward_name: str
    year: int
    month: int
    this_month: fft.Score
    months: tuple[MonthPoint, ...]  # oldest first, ending with this month
    chart: spc.XmR  # of monthly % positive
    themes: tuple[tuple[str, int], ...]  # this month's comment themes: label, comments
    comments: tuple[Comment, ...]  # this month's comments that may be shown (newest day first)
    you_said: tuple[YouSaid, ...]  # this month's and the two before's
    held: int  # comments waiting for the ward sister

    @property
    def month_label(self) -> str:
        return date(self.year, self.month, 1).strftime("%B %Y")


def load_results(store: Store, ward: str, *, year: int, month: int) -> FeedbackResults:
    """The results screen for ``month`` (normally the current one): one read session."""
    with _db(store) as db:
        return results_of(db, ward, year=year, month=month)


def results_of(db: Any, ward: str, *, year: int, month: int) -> FeedbackResults:
    """``load_results`` on an open connection (the print centre reads inside its own session)."""
    span = fft.months_back(year, month, MONTHS_SHOWN)
    wid, code, name, *_ = _ward(db, ward)
    first = fft.month_bounds(*span[0])[0]
    m_first, last = fft.month_bounds(year, month)
    counts = repo.monthly_counts(db, wid, first, last)
    shown = repo.shown_comments(db, wid, m_first, last)
    months_text = [f"{y:04d}-{m:02d}" for y, m in span[-3:]]
    yswd = tuple(YouSaid(*r) for r in db.execute(
        "SELECT id, month, you_said, we_did, written_by FROM you_said_we_did WHERE ward_id = ? AND deleted = 0"
        f" AND month IN ({', '.join('?' for _ in months_text)}) ORDER BY month DESC, id", (wid, *months_text)))
    held = repo.held_count(db, wid)
    points = tuple(MonthPoint(y, m, fft.score(counts.get((y, m), {}))) for y, m in span)
    comments = tuple(
        Comment(h.id, h.response_date, fft.answer(h.answer).label, h.comment_good, h.comment_better, h.status)
        for h in sorted(shown, key=lambda h: h.response_date, reverse=True)
    )
    themes = tuple((t.label, n) for t, n in fft.theme_counts(f"{c.good} {c.better}" for c in comments))
    chart = spc.xmr([p.score.percent_positive for p in points], lower_bound=0.0, upper_bound=100.0)
    return FeedbackResults(wid, code, name, year, month, points[-1].score, points, chart, themes, comments, yswd, held)


def fft_poster_of(db: Any, ward: str, *, year: int, month: int, produced_at: datetime,
                  large_print: bool = False) -> FftPosterView:
    """The results poster's view-model: only comments that may be shown, the three newest."""
    r = results_of(db, ward, year=year, month=month)
    trust = db.execute("SELECT t.name FROM trust t JOIN ward w ON w.trust_id = t.id WHERE w.id = ?", (r.ward_id,)).fetchone()
    comments = tuple(c.good or c.better for c in r.comments if c.status in fft.SHOWN and (c.good or c.better))[:3]
    return FftPosterView(
        trust=trust[0] if trust else "", ward=r.ward_name, month_label=r.month_label, responses=r.this_month.responses,
        percent_positive=r.this_month.percent_positive, percent_negative=r.this_month.percent_negative,
        trend_labels=tuple(date(p.year, p.month, 1).strftime("%b %y") for p in r.months),
        trend=tuple(p.score.percent_positive for p in r.months), comments=comments,
        you_said_we_did=tuple((y.you_said, y.we_did) for y in r.you_said), produced_at=produced_at,
        large_print=large_print, chart=r.chart,
    )


@dataclass(frozen=True)
class ModerationItem:
    id: str
    day: date
    answer_label: str
    comment_good: str
    comment_better: str
    findings: tuple[fft.Finding, ...]  # where in good + "\n" + better the identifying words are
    suggested_good: str
    suggested_better: str


def load_moderation(store: Store, ward: str) -> tuple[ModerationItem, ...]:
    with _db(store) as db:
        wid, *_ = _ward(db, ward)
        names = repo.ward_staff_names(db, wid)
        items = repo.held(db, wid)
    out = []
    for h in items:
        fg = fft.find_identifiers(h.comment_good, names)
        fb = fft.find_identifiers(h.comment_better, names)
        out.append(ModerationItem(h.id, h.response_date, fft.answer(h.answer).label, h.comment_good, h.comment_better,
                                  fg + fb, fft.redact(h.comment_good, fg), fft.redact(h.comment_better, fb)))
    return tuple(out)


RETURN_HEADER = [
    "site", "ward_code", "ward_name", "specialty", "month",
    "very_good", "good", "neither", "poor", "very_poor", "dont_know",
    "total_responses", "total_positive", "total_negative", "percent_positive", "percent_negative",
    "mode_kiosk", "mode_paper",
]


@dataclass(frozen=True)
class ReturnRow:
    site: str
    ward_code: str
    ward_name: str
    specialty: str
    month: str
    score: fft.Score
    by_channel: dict[str, int]

    def cells(self) -> list[str | int]:
        s = self.score
        pct = ["" if v is None else f"{v:.1f}" for v in (s.percent_positive, s.percent_negative)]
        return [self.site, self.ward_code, self.ward_name, self.specialty, self.month,
                *(s.counts.get(c, 0) for c in fft.answer_codes()), s.responses, s.positive, s.negative, *pct,
                self.by_channel.get("kiosk", 0), self.by_channel.get("card", 0)]


def load_fft_return(store: Store, *, year: int, month: int) -> tuple[ReturnRow, ...]:
    """One row per ward on the station: counts per answer, totals and collection modes."""
    first, last = fft.month_bounds(year, month)
    rows = []
    with _db(store) as db:
        for wid, code, name, site, specialty in db.execute("SELECT id, code, name, site, specialty FROM ward ORDER BY code").fetchall():
            counts = repo.monthly_counts(db, wid, first, last).get((year, month), {})
            by_channel = repo.channel_counts(db, wid, first, last)
            rows.append(ReturnRow(site, code, name, specialty, f"{year:04d}-{month:02d}", fft.score(counts), by_channel))
    return tuple(rows)

