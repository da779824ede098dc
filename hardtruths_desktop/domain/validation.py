"""Validation of every input the station accepts (forms, CLI options, repository calls).

Each check returns plain-English messages a nurse understands, keyed by the field they belong to,
so a form can show them beside the field and a CLI can print them on one line. Nothing here does
I/O; callers pass in whatever context a rule needs (the ward's staff, the shift's length).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from hardtruths_desktop.domain.staffing import LONDON, GroupFigures, people_without_hours
from hardtruths_desktop.domain.valuesets import recordable_red_flag_codes, red_flag_types, staff_group, staff_group_codes

MAX_HEADS = 60
MAX_NAME = 80
MAX_NOTE = 2000
MAX_SHORT_TEXT = 200
MAX_PATIENTS = 200
MAX_BEDS = 120
PAST_WINDOW = timedelta(days=3 * 366)
FUTURE_WINDOW = timedelta(days=62)
EARLIEST_DATE = date(2013, 11, 1)  # Hard Truths; nothing on this station predates it


class ValidationError(ValueError):
    """Rejected input: ``errors`` maps a field name to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))

    @classmethod
    def single(cls, field_name: str, message: str) -> ValidationError:
        return cls({field_name: message})


class Problems:
    """Collects problems so a form shows all of them at once, then raises."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- parsing typed text (forms and CLI give strings) -------------------------------------------

#: The years a date or month typed anywhere may name: far enough either way for any ward's history
#: and planning, and well inside what date arithmetic can add days to.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _check_year(year: int, text: str, field_name: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError.single(
            field_name, f"'{_show(text)}' is outside the years the ward station keeps ({FIRST_YEAR} to {LAST_YEAR})"
        )


def parse_date(text: str, field_name: str = "date") -> date:
    t = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
        raise ValidationError.single(field_name, f"'{_show(text)}' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25")
    try:
        value = date.fromisoformat(t)
    except ValueError:
        raise ValidationError.single(field_name, f"'{_show(text)}' is not a real date") from None
    _check_year(value.year, text, field_name)
    return value


def parse_month(text: str, field_name: str = "month") -> tuple[int, int]:
    t = text.strip()
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", t)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError.single(field_name, f"'{_show(text)}' is not a month: write it as YYYY-MM, e.g. 2026-11")
    _check_year(int(m.group(1)), text, field_name)
    return int(m.group(1)), int(m.group(2))


def parse_as_of(text: str, field_name: str = "as_of") -> datetime:
    """A moment such as ``2026-12-01T10:00:00Z`` or ``2026-12-01T10:00+00:00`` (with its offset)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError.single(field_name, f"'{_show(text)}' is not a time such as 2026-12-01T10:00:00Z") from None
    if value.tzinfo is None:
        raise ValidationError.single(field_name, f"'{_show(text)}' needs its offset from UTC, e.g. 2026-12-01T10:00:00Z")
    _check_year(value.year, text, field_name)
    return value


def parse_count(text: str | float, label: str, field_name: str, maximum: int = MAX_HEADS) -> int:
    """A whole number of people (or patients) from text, 0..maximum."""
    if isinstance(text, bool):
        raise ValidationError.single(field_name, f"{label} must be a whole number")
    if isinstance(text, int):
        value = text
    elif isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")) or not text.is_integer():
            raise ValidationError.single(field_name, f"{label} must be a whole number, not '{_show(text)}'")
        value = int(text)
    elif not isinstance(text, str):
        raise ValidationError.single(field_name, f"{label} must be a whole number, not '{_show(text)}'")
    else:
        t = text.strip()
        if not re.fullmatch(r"[+]?\d{1,6}", t):
            if re.fullmatch(r"-\d+", t):
                raise ValidationError.single(field_name, f"{label} cannot be negative")
            raise ValidationError.single(field_name, f"{label} must be a whole number, not '{_show(text)}'")
        value = int(t)
    if value < 0:
        raise ValidationError.single(field_name, f"{label} cannot be negative")
    if value > maximum:
        raise ValidationError.single(field_name, f"{label} ({value}) is more than {maximum}: please check it")
    return value


def parse_hours(text: str | float | int, label: str, field_name: str) -> float:
    """Hours from text such as ``37.5`` or ``7:30``; 0..1000."""
    if isinstance(text, bool):
        raise ValidationError.single(field_name, f"{label} must be a number of hours")
    if isinstance(text, (int, float)):
        value = float(text)
    elif not isinstance(text, str):
        raise ValidationError.single(field_name, f"{label} must be a number of hours such as 37.5, not '{_show(text)}'")
    else:
        t = text.strip()
        m = re.fullmatch(r"(\d{1,4}):([0-5]\d)", t)
        if m:
            value = int(m.group(1)) + int(m.group(2)) / 60
        elif re.fullmatch(r"[+-]?\d{1,5}(\.\d{1,2})?", t):
            value = float(t)
        else:
            raise ValidationError.single(field_name, f"{label} must be a number of hours such as 37.5, not '{_show(text)}'")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError.single(field_name, f"{label} must be a number of hours")
    if value < 0:
        raise ValidationError.single(field_name, f"{label} cannot be negative")
    if value > 1000:
        raise ValidationError.single(field_name, f"{label} ({value:g}) is more than 1000 hours: please check it")
    return round(value, 2)


def parse_time(text: str, field_name: str) -> time:
    t = text.strip()
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", t)
    if not m:
        raise ValidationError.single(field_name, f"'{_show(text)}' is not a time: write it as HH:MM, e.g. 07:30")
    return time(int(m.group(1)), int(m.group(2)))


# --- single values ------------------------------------------------------------------------------

def check_shift_date(d: date, today: date, field_name: str = "date") -> None:
    if d < EARLIEST_DATE or d < today - PAST_WINDOW:
        raise ValidationError.single(field_name, f"{d.isoformat()} is too far in the past to record (more than 3 years ago)")
    if d > today + FUTURE_WINDOW:
        raise ValidationError.single(field_name, f"{d.isoformat()} is too far ahead: shifts can be planned up to 2 months ahead")


def check_started(shift_name: str, shift_date: date, start: datetime, now: datetime, field_name: str = "actual") -> None:
    """Who came on duty can be recorded once a shift has started (``start`` and ``now`` aware);
    its plan may be entered any time ahead."""
    if now < start:
        local = start.astimezone(LONDON)
        raise ValidationError.single(
            field_name,
            f"The {shift_name} shift of {shift_date:%a %d %b %Y} has not started yet (it starts at {local:%H:%M}): "
            "you can enter its plan now, and who is actually on duty once it has started",
        )


def check_census_day(day: date, today: date, field_name: str = "patients_at_midnight") -> None:
    """A 23:59 count is for today or a day gone by, never for a day still to come."""
    if day > today:
        raise ValidationError.single(field_name, f"The 23:59 patient count of {day:%a %d %b %Y} can only be entered on that day or after")


def clean_text(text: str, label: str, field_name: str, maximum: int, required: bool = False) -> str:
    """Trimmed, NFC-normalised text; refuses control characters, broken Unicode and overlong text."""
    if "\x00" not in text and not is_valid_unicode(text):  # (a NUL is a control character: said below)
        raise ValidationError.single(field_name, f"{label} contains characters that are not valid text (broken UTF-8): please retype it")
    value = unicodedata.normalize("NFC", text.strip())
    if required and not value:
        raise ValidationError.single(field_name, f"{label} is required")
    if len(value) > maximum:
        raise ValidationError.single(field_name, f"{label} is too long ({len(value)} characters; at most {maximum})")
    for ch in value:
        if unicodedata.category(ch) == "Cs":  # an unpaired surrogate: bytes that were not UTF-8, or broken UTF-16
            raise ValidationError.single(field_name, f"{label} contains characters that are not valid text (not UTF-8): retype it")
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t":
            raise ValidationError.single(field_name, f"{label} contains a control character that cannot be stored")
        if ch in "\n\t" and maximum <= MAX_SHORT_TEXT:
            raise ValidationError.single(field_name, f"{label} must be on one line")
    return value


def is_valid_unicode(text: str) -> bool:
    """False for text no database or JSON encoder can store: an unpaired UTF-16 surrogate
    (``"\\ud800"``, which strict UTF-8 cannot encode) or a NUL character."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str, maximum: int = 500) -> str:
    """Text safe to echo in a message, a log line or a JSON reply: broken characters and control
    characters become U+FFFD, and it is cut to ``maximum`` characters."""
    out = "".join("\ufffd" if (unicodedata.category(ch) in ("Cs", "Cc") and ch not in "\n\t") else ch for ch in text[:maximum])
    return out


def clean_name(text: str, field_name: str = "name", label: str = "Name") -> str:
    value = clean_text(text, label, field_name, MAX_NAME, required=True)
    if not any(ch.isalpha() for ch in value):
        raise ValidationError.single(field_name, f"{label} must contain letters")
    return value


def check_ward_code(code: str, field_name: str = "code") -> str:
    value = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,15}", value):
        raise ValidationError.single(field_name, "A ward code is 1 to 16 letters, digits, '-' or '_' (e.g. W7 or AMU)")
    return value


def check_shift_code(code: str, field_name: str = "shift") -> str:
    value = code.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,15}", value):
        raise ValidationError.single(field_name, "A shift code is 1 to 16 letters or digits starting with a letter (e.g. early, late, night)")
    return value


def check_pin(pin: str, field_name: str = "pin") -> str:
    if not re.fullmatch(r"\d{4,8}", pin):
        raise ValidationError.single(field_name, "A PIN is 4 to 8 digits")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise ValidationError.single(field_name, "That PIN is too easy to guess: avoid repeated or sequential digits")
    return pin


def check_staff_role(role: str, field_name: str = "role") -> str:
    if role not in staff_group_codes():
        raise ValidationError.single(field_name, f"'{_show(role)}' is not a staff group; choose one of {', '.join(staff_group_codes())}")
    return role


def check_red_flag_type(code: str, field_name: str = "type") -> str:
    if code not in recordable_red_flag_codes():
        raise ValidationError.single(field_name, f"'{_show(code)}' is not a red flag a nurse raises; choose one of {', '.join(recordable_red_flag_codes())}")
    return code


def check_computed_flag_type(code: str, field_name: str = "type") -> str:
    """A red flag computed from the figures (recorded only when someone escalates or answers it)."""
    computed = tuple(t.code for t in red_flag_types() if t.computed)
    if code not in computed:
        raise ValidationError.single(field_name, f"'{_show(code)}' is not a red flag computed from the figures ({', '.join(computed)})")
    return code


def check_any_red_flag_type(code: str, field_name: str = "type") -> str:
    """Any red flag of the value set: raised by a nurse, or computed and then escalated."""
    if code not in {t.code for t in red_flag_types()}:
        raise ValidationError.single(field_name, f"'{_show(code)}' is not a red flag type")
    return code


def check_beds(beds: int, field_name: str = "beds") -> int:
    if not 0 < beds <= MAX_BEDS:
        raise ValidationError.single(field_name, f"A ward has between 1 and {MAX_BEDS} beds")
    return beds


# --- a whole shift ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffOnWard:
    """What validation needs to know about a staff member (no I/O here)."""

    id: str
    name: str
    role: str
    active: bool = True


@dataclass
class ShiftContext:
    shift_hours: float  # the shift's REAL length on its date (``staffing.shift_length``)
    beds: int
    today: date  # the ward's date from the clock: how far back or ahead a shift may be recorded
    staff: Mapping[str, StaffOnWard] = field(default_factory=dict)
    on_duty: frozenset[str] = frozenset()  # staff ids ticked as on duty this shift (empty: not recorded)
    #: the shift's length in words for messages, e.g. "an 11-hour night (the clocks went back)"
    shift_words: str = ""


def check_shift(
    shift_date: date,
    groups: Mapping[str, GroupFigures],
    nurse_in_charge_id: str | None,
    patients_at_midnight: int | None,
    note: str,
    ctx: ShiftContext,
) -> None:
    """Check a shift as it would be stored (after merging the change into the current values)."""
    p = Problems()
    try:
        check_shift_date(shift_date, ctx.today)
    except ValidationError as e:
        p.errors.update(e.errors)
    longest = ctx.shift_hours + 1.0  # people stay late; more than an hour over is a typing error
    words = ctx.shift_words or f"{'an' if f'{ctx.shift_hours:g}'.startswith(('8', '11', '18')) else 'a'} {ctx.shift_hours:g}-hour shift"
    for code, g in groups.items():
        try:
            label = staff_group(code).label
        except KeyError:
            p.add(f"{code}.planned", f"'{_show(code)}' is not a staff group")
            continue
        for attr in ("planned", "actual", "bank_agency"):
            n = getattr(g, attr)
            if n < 0 or n > MAX_HEADS:
                p.add(f"{code}.{attr}", f"{label}: {n} people is not possible (0 to {MAX_HEADS})")
        for heads_attr, hours_attr, word in (("planned", "planned_hours", "planned"), ("actual", "actual_hours", "actual")):
            heads, hours = getattr(g, heads_attr), getattr(g, hours_attr)
            # a plan is for the hours that exist (no staying late in a plan); people may stay late
            most = heads * (ctx.shift_hours if word == "planned" else longest)
            if hours < 0:
                p.add(f"{code}.{hours_attr}", f"{label}: {word} hours cannot be negative")
            elif hours > most + 1e-9:
                if heads == 0:
                    p.add(f"{code}.{hours_attr}", f"{label}: {hours:g} {word} hours but nobody {word}; enter the number of people too")
                else:
                    p.add(
                        f"{code}.{hours_attr}",
                        f"{label}: {hours:g} {word} hours is more than {heads} {'person' if heads == 1 else 'people'}"
                        f" can work in {words}",
                    )
        without = people_without_hours(code, g)
        if without and f"{code}.actual_hours" not in p.errors:
            p.add(f"{code}.actual_hours", without)
        if g.bank_agency > g.actual:
            p.add(f"{code}.bank_agency", f"{label}: bank/agency ({g.bank_agency}) cannot be more than the {g.actual} on duty")
    if nurse_in_charge_id is not None:
        person = ctx.staff.get(nurse_in_charge_id)
        if person is None:
            p.add("nurse_in_charge", "The nurse in charge must be someone on this ward's staff list")
        elif not person.active:
            p.add("nurse_in_charge", f"{person.name} is no longer on this ward's staff list")
        elif not staff_group(person.role).registered:
            p.add("nurse_in_charge", f"{person.name} is not a registered nurse; the nurse in charge must be one")
        elif ctx.on_duty and nurse_in_charge_id not in ctx.on_duty:
            p.add("nurse_in_charge", f"{person.name} is not ticked as on duty this shift: tick them on duty first")
        elif groups.get("rn", GroupFigures()).actual < 1:
            p.add("nurse_in_charge", "The nurse in charge must be on duty: enter at least 1 registered nurse actually on the shift")
    if patients_at_midnight is not None:
        limit = min(MAX_PATIENTS, ctx.beds + 20)
        if patients_at_midnight < 0:
            p.add("patients_at_midnight", "Patients at midnight cannot be negative")
        elif patients_at_midnight > limit:
            p.add("patients_at_midnight", f"{patients_at_midnight} patients is far more than the ward's {ctx.beds} beds: please check it")
    try:
        clean_text(note, "The note", "note", MAX_NOTE)
    except ValidationError as e:
        p.errors.update(e.errors)
    p.raise_if_any()


def _show(text: object) -> str:
    """Echo typed text back in a message: shortened, and never with bytes that cannot be printed."""
    s = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))
    return s if len(s) <= 40 else s[:37] + "..."
