"""What a nurse enters for one shift, parsed once and checked by the same rules on every path.

The Record staffing form hands the raw text of its fields to :func:`parse_entry`; the CLI parses
its options with :func:`parse_figure`; ``store.shifts.save_shift`` then only checks that it was
given numbers (:func:`check_figures`), merges them with :func:`merge_group` and validates the result
with ``validation.check_shift``. The rules that used to live only in the form hold everywhere:

- an actual head count is required where people are planned (registered nurses and care staff,
  the two groups the national return counts): a blank "actual" is not taken as 0;
- hours follow people unless typed (:func:`merge_group`): people entered without hours count at the
  planned hours per person, or the shift's real length where the group is not planned; people on
  duty with 0 hours are refused (:func:`people_without_hours`, checked by ``validation.check_shift``);
- one limit for the 23:59 patient count (``validation.MAX_PATIENTS``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from hardtruths_desktop.domain.staffing import GroupFigures, people_without_hours
from hardtruths_desktop.domain.validation import MAX_PATIENTS, ValidationError, _show, parse_count, parse_hours
from hardtruths_desktop.domain.valuesets import staff_group

GROUP_FIELDS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
COUNT_FIELDS = frozenset({"planned", "actual", "bank_agency"})
#: groups whose actual head count must be given where people are planned
ACTUAL_REQUIRED = frozenset({"rn", "care"})

Figures = dict[str, int | float]


def group_label(code: str) -> str:
    try:
        return staff_group(code).label
    except KeyError:
        raise ValidationError.single(f"{code}.planned", f"'{_show(code)}' is not a staff group") from None


def figure_label(code: str, field_name: str) -> str:
    """How a figure is named in messages, e.g. "Registered nurses actual hours"."""
    word = "bank/agency" if field_name == "bank_agency" else field_name.replace("_", " ")
    return f"{group_label(code)} {word}"


def parse_figure(code: str, field_name: str, value: str | int | float, label: str | None = None) -> int | float:
    """One staffing figure from typed text (or a number): whole people, or hours such as 7.5 or 7:30."""
    if field_name not in GROUP_FIELDS:
        raise ValidationError.single(f"{code}.{field_name}", f"'{_show(field_name)}' is not a staffing figure")
    label = label or figure_label(code, field_name)
    key = f"{code}.{field_name}"
    if field_name in COUNT_FIELDS:
        return parse_count(value, label, key)
    return parse_hours(value, label, key)


def check_figures(code: str, values: Mapping[str, object]) -> Figures:
    """Figures a form or the CLI already parsed: numbers only (text is parsed once, before this)."""
    group_label(code)
    out: Figures = {}
    errors: dict[str, str] = {}
    for f, v in values.items():
        try:
            if f in GROUP_FIELDS and isinstance(v, str):
                raise ValidationError.single(f"{code}.{f}", f"{figure_label(code, f)} must be a number, not '{_show(v)}'")
            out[f] = parse_figure(code, f, v)  # type: ignore[arg-type]  # non-numbers are refused there
        except ValidationError as e:
            errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    return out


def check_patients(value: object) -> int:
    """The 23:59 count a form or the CLI already parsed (a whole number, 0..MAX_PATIENTS)."""
    if isinstance(value, str):
        raise ValidationError.single("patients_at_midnight", f"Patients at midnight must be a whole number, not '{_show(value)}'")
    return parse_count(value, "Patients at midnight", "patients_at_midnight", MAX_PATIENTS)  # type: ignore[arg-type]


def pro_rata_hours(actual: int, planned: int, planned_hours: float) -> float | None:
    """Hours worked by ``actual`` people at the planned hours per person; None when nothing is planned."""
    if planned > 0 and planned_hours > 0:
        return round(actual * planned_hours / planned, 2)
    return None


def hours_per_person(planned: int, planned_hours: float, shift_hours: float) -> float:
    """What one person on duty counts for when their hours are not typed: the planned hours per
    person where the group is planned (breaks already taken off), else the shift's real length."""
    if planned > 0 and planned_hours > 0:
        return planned_hours / planned
    return shift_hours


def _derived(heads: int, hours: float, per_person: float) -> bool:
    """True when ``hours`` is what the rule would give ``heads`` people (or nothing was entered):
    such hours were never typed, so they follow the people when the count changes."""
    return hours == 0 or abs(hours - round(heads * per_person, 2)) < 0.005


def merge_group(current: GroupFigures, entered: Mapping[str, int | float], pro_rata: bool = True,
                shift_hours: float | None = None) -> GroupFigures:
    """A group's figures after a change: THE rule that ties head counts to hours.

    Hours follow people unless typed. With ``pro_rata`` (a person typed the change: the form, the
    CLI), when a head count is entered without its hours and the hours on record were not typed
    either (none yet, or exactly what this rule gave before), the hours become heads x hours per
    person (:func:`hours_per_person`: the planned hours per person, else ``shift_hours``, the
    shift's real length on its date). Programs that send exact figures (sync, the demo) pass
    ``pro_rata=False``. ``validation.check_shift`` then refuses people on duty with 0 hours.
    """
    new = replace(current, **entered)  # type: ignore[arg-type]
    if not pro_rata:
        return new
    length = shift_hours if shift_hours is not None else 0.0
    if "planned" in entered and "planned_hours" not in entered:
        per = hours_per_person(current.planned, current.planned_hours, length)
        if per > 0 and _derived(current.planned, current.planned_hours, per):
            new = replace(new, planned_hours=round(new.planned * per, 2))
    if "actual" in entered and "actual_hours" not in entered:
        old_per = hours_per_person(current.planned, current.planned_hours, length)
        per = hours_per_person(new.planned, new.planned_hours, length)
        if per > 0 and _derived(current.actual, current.actual_hours, old_per):
            new = replace(new, actual_hours=round(new.actual * per, 2))
    return new


def actual_missing(code: str) -> str:
    return f"{group_label(code)}: enter how many are actually on duty (0 if nobody)"


def team_on_duty(ticked: Collection[str], nurse_in_charge_id: str | None) -> list[str]:
    """Who is on duty once a shift is saved: the people ticked, and the nurse in charge.

    The shift is one form saved by one Enter (figures, nurse in charge, who is on duty): naming
    the nurse in charge ticks her on duty, so "tick them on duty first" can never block a save.
    The same rule holds for the form, the CLI and the demo (``store.shifts.save_shift`` applies it).
    Returns the ids sorted, without repeats (the order the shift record stores).
    """
    team = set(ticked)
    if nurse_in_charge_id is not None:
        team.add(nurse_in_charge_id)
    return sorted(team)


@dataclass(frozen=True)
class ParsedEntry:
    groups: dict[str, Figures]  # staff group -> every figure of the group, parsed (blank = 0)
    patients_at_midnight: int | None


def parse_entry(figures: Mapping[str, Mapping[str, str]], patients: str, shown: Collection[str] = ()) -> ParsedEntry:
    """Parse a form's typed text once. ``figures``: group -> field -> text ("" when blank);
    ``shown``: the groups the shift already has (their blank fields count, as 0).

    A group with nothing typed that the shift does not have is left out. Raises ValidationError
    with every problem at once, keyed ``group.field`` / ``patients_at_midnight``.
    """
    errors: dict[str, str] = {}
    groups: dict[str, Figures] = {}
    for code, texts in figures.items():
        values: Figures = {}
        bad = False
        for f, text in texts.items():
            try:
                values[f] = parse_figure(code, f, text.strip() or "0")
            except ValidationError as e:
                errors.update(e.errors)
                bad = True
        if bad or not (code in shown or any(t.strip() for t in texts.values())):
            continue
        if code in ACTUAL_REQUIRED and not texts.get("actual", "").strip() and values.get("planned", 0):
            errors[f"{code}.actual"] = actual_missing(code)
            continue
        groups[code] = values
    census: int | None = None
    if patients.strip():
        try:
            census = parse_count(patients, "Patients at 23:59", "patients_at_midnight", MAX_PATIENTS)
        except ValidationError as e:
            errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    return ParsedEntry(groups, census)


__all__ = [
    "ACTUAL_REQUIRED", "GROUP_FIELDS", "ParsedEntry", "check_figures", "check_patients", "figure_label", "hours_per_person", "merge_group",
    "parse_entry", "parse_figure", "people_without_hours", "pro_rata_hours", "team_on_duty",
]
