"""View-models for printed sheets: plain frozen data, built by the caller from the store.

Times are printed as given: pass local (Europe/London) wall-clock times. ``produced_at`` is passed
in, never read from the clock, so the same view-model always gives the same PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

PaperSize = Literal["a4", "a3"]
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class PageSpec:
    """Paper size and orientation."""

    size: PaperSize = "a4"
    landscape: bool = False

    def __post_init__(self) -> None:
        if self.size not in ("a4", "a3"):
            raise ValueError(f"paper size must be 'a4' or 'a3', not {self.size!r}")


@dataclass(frozen=True)
class StaffGroupLine:
    """Head count for one staff group on one shift. ``planned`` is None when nothing was planned;
    ``actual`` is None while nobody has recorded who is on duty (printed as a dash, never as 0)."""

    label: str
    planned: int | None
    actual: int | None

    def __post_init__(self) -> None:
        if (self.actual is not None and self.actual < 0) or (self.planned is not None and self.planned < 0):
            raise ValueError(f"head counts cannot be negative ({self.label})")


@dataclass(frozen=True)
class ShiftBoardRow:
    """One shift as shown on the ward board."""

    shift_name: str
    starts: time
    ends: time
    nurse_in_charge: str
    staff_groups: tuple[StaffGroupLine, ...]
    # Students and supernumerary staff: shown apart, not counted in the staffing numbers.
    additional: tuple[StaffGroupLine, ...] = ()
    updated_at: datetime | None = None
    #: where names are ticked on duty and they differ from the counts (``staffing.duty_mismatch``)
    mismatch: tuple[str, ...] = ()


@dataclass(frozen=True)
class UniformKeyEntry:
    """One line of the trust's uniform key, e.g. ("Navy blue", "#1D2B57", "Ward manager")."""

    colour_name: str
    colour_hex: str
    role: str

    def __post_init__(self) -> None:
        if not _HEX.match(self.colour_hex):
            raise ValueError(f"uniform colour must look like #RRGGBB, not {self.colour_hex!r}")


@dataclass(frozen=True)
class BoardView:
    """The "who's in charge" board for one shift."""

    trust: str
    ward: str
    board_date: date
    shift: ShiftBoardRow
    ward_manager: str
    matron: str
    produced_at: datetime
    uniform_key: tuple[UniformKeyEntry, ...] = ()
    #: shown live on the board display (issue 12): its footer says "Shown", not "Printed"
    on_screen: bool = False


@dataclass(frozen=True)
class DayBoardView:
    """The ward board with all of one day's shifts side by side."""

    trust: str
    ward: str
    board_date: date
    shifts: tuple[ShiftBoardRow, ...]
    ward_manager: str
    matron: str
    produced_at: datetime
    uniform_key: tuple[UniformKeyEntry, ...] = ()


@dataclass(frozen=True)
class BedCard:
    """The card above one bed. Public: only what the patient agreed to show.

    Deliberately has no NHS number, diagnosis or date of birth field.
    """

    bed_label: str
    preferred_name: str
    named_nurse: str  # "" prints "Ask the nurse in charge"
    consultant: str  # "" prints "Ask the nurse in charge"
    expected_discharge: date | None = None
    special_instructions: str = ""
    # The patient asked for their name not to be shown: the card says so instead of the name.
    name_hidden: bool = False


@dataclass(frozen=True)
class BedCardsView:
    """Cards for the occupied beds of a ward on one date, with the shift the named nurses are for."""

    trust: str
    ward: str
    card_date: date
    cards: tuple[BedCard, ...]
    produced_at: datetime
    shift_name: str = ""  # e.g. "Late": the named nurse changes every shift
    shift_starts: time | None = None
    shift_ends: time | None = None


@dataclass(frozen=True)
class TrustContacts:
    """How to raise a concern: trust configuration, checked and dated by the trust."""

    pals_phone: str = ""
    pals_email: str = ""
    pals_location: str = ""  # where to find PALS, e.g. "Main entrance, ground floor"
    pals_hours: str = ""  # optional
    complaints_phone: str = ""
    complaints_email: str = ""
    complaints_address: str = ""  # postal address for written complaints
    complaints_web_page: str = ""  # the trust's complaints page (printed and as a QR code)
    commissioner: str = ""  # optional: who else can take a complaint, with contact details
    advocacy_provider: str = ""  # the local NHS Complaints Advocacy provider
    advocacy_phone: str = ""
    advocacy_web: str = ""  # optional
    healthwatch_name: str = ""  # e.g. "Healthwatch Northshire"
    healthwatch_phone: str = ""
    healthwatch_web: str = ""
    details_checked_on: date | None = None
    ombudsman_phone: str = "0345 015 4033"
    ombudsman_web: str = "www.ombudsman.org.uk"


@dataclass(frozen=True)
class PosterView:
    """The complaints poster ("Tell us what you think")."""

    trust: str
    ward: str
    contacts: TrustContacts
    produced_at: datetime
    large_print: bool = False
    ward_manager: str = ""  # named in "speak to the nurse in charge or the ward manager"


@dataclass(frozen=True)
class TeamMember:
    """One person on duty. The sheet groups people by ``group``, their staff group ("Registered
    nurses", "Care staff"), never by free-text job title; ``title`` (e.g. "Ward sister") is
    printed under the name. ``role`` is the group for callers that give no ``group``."""

    name: str
    role: str
    in_charge: bool = False
    group: str = ""
    title: str = ""

    @property
    def heading(self) -> str:
        return self.group or self.role


@dataclass(frozen=True)
class TeamSheetView:
    """ "Hello my name is": the team on duty for one shift, grouped by staff group."""

    trust: str
    ward: str
    sheet_date: date
    shift_name: str
    starts: time
    ends: time
    members: tuple[TeamMember, ...]
    produced_at: datetime
    # Staff group headings in the national order; any other heading follows alphabetically.
    role_order: tuple[str, ...] = field(default=())
    #: the names ticked differ from the counts on the board (``staffing.duty_mismatch``)
    mismatch: tuple[str, ...] = ()
