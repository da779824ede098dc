"""The Friends and Family Test results poster's print job: read the ward's results (the read-model)
and build the poster's view-model; ``printing/fft_poster.py`` draws it. A document of the print
centre like the others (``render_fft_poster`` for the CLI and the Print screen)."""

from __future__ import annotations

from datetime import date, datetime

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.printing.fft_poster import FftPosterView, render_fft_poster
from hardtruths_desktop.printing.models import PageSpec
from hardtruths_desktop.readmodels.feedback import load_results
from hardtruths_desktop.store.session import Store


def fft_poster_view(store: Store, ward: str, *, year: int, month: int, produced_at: datetime,
                    large_print: bool = False) -> FftPosterView:
    """The results poster's view-model: only comments that may be shown, the three newest."""
    r = load_results(store, ward, year=year, month=month)
    with store.read() as s:
        trust = s.connection().exec_driver_sql(
            "SELECT t.name FROM trust t JOIN ward w ON w.trust_id = t.id WHERE w.id = ?", (r.ward_id,)).fetchone()
    comments = tuple(c.good or c.better for c in r.comments if c.status in fft.SHOWN and (c.good or c.better))[:3]
    return FftPosterView(
        trust=trust[0] if trust else "", ward=r.ward_name, month_label=r.month_label, responses=r.this_month.responses,
        percent_positive=r.this_month.percent_positive, percent_negative=r.this_month.percent_negative,
        trend_labels=tuple(date(p.year, p.month, 1).strftime("%b %y") for p in r.months),
        trend=tuple(p.score.percent_positive for p in r.months), comments=comments,
        you_said_we_did=tuple((y.you_said, y.we_did) for y in r.you_said), produced_at=produced_at,
        large_print=large_print, chart=r.chart,
    )


def render(store: Store, ward: str, *, year: int, month: int, produced_at: datetime, page: PageSpec,
           large_print: bool = False) -> bytes:
    return render_fft_poster(fft_poster_view(store, ward, year=year, month=month, produced_at=produced_at,
                                             large_print=large_print), page)
