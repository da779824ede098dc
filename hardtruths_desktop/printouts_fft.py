"""The Friends and Family Test results poster from a store (tests, scripts). The print centre and
``hardtruths-desktop print fft-poster`` use the same view-model through ``printouts.DOCUMENTS``."""

from __future__ import annotations

from datetime import datetime

from hardtruths_desktop.printing.fft_poster import FftPosterView, render_fft_poster
from hardtruths_desktop.printing.models import PageSpec
from hardtruths_desktop.readmodels.feedback import fft_poster_of
from hardtruths_desktop.store.session import Store


def fft_poster_view(store: Store, ward: str, *, year: int, month: int, produced_at: datetime,
                    large_print: bool = False) -> FftPosterView:
    with store.read() as s:
        return fft_poster_of(s.connection().connection.driver_connection, ward, year=year, month=month,
                             produced_at=produced_at, large_print=large_print)


def render(store: Store, ward: str, *, year: int, month: int, produced_at: datetime, page: PageSpec,
           large_print: bool = False) -> bytes:
    return render_fft_poster(fft_poster_view(store, ward, year=year, month=month, produced_at=produced_at,
                                             large_print=large_print), page)
