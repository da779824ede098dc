"""A shift's typed but unsaved figures, kept as a DRAFT (issue 12): what the nurse typed survives a
change of date or shift, an idle lock and a restart, and comes back only to the person who typed it.

Pure rules, no I/O: what a draft holds (the typed TEXT of each field, not parsed numbers: a draft
may hold "lots" where a number belongs, exactly as typed) and the limits that keep a stored draft
sane. The store keeps it locally (``store/shift_drafts.py``); it is never synced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hardtruths_desktop.domain.validation import MAX_NOTE, ValidationError
from hardtruths_desktop.domain.valuesets import staff_groups

#: the shift form's figures, by field (the same keys as the form: "rn.actual")
FIGURE_FIELDS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
MAX_FIGURE_TEXT = 8  # the form's figure fields take 8 characters
MAX_PATIENTS_TEXT = 6
MAX_TICKS = 500
#: a draft keeps a note well past what a save takes (MAX_NOTE): the note box lets a person paste more,
#: and a draft that refused it would lose every figure typed with it. Saving still says "too long".
MAX_DRAFT_NOTE = 20 * MAX_NOTE


def figure_keys() -> frozenset[str]:
    return frozenset(f"{g.code}.{f}" for g in staff_groups() for f in FIGURE_FIELDS)


def other_keys() -> frozenset[str]:
    return frozenset({"nurse_in_charge", "patients_at_midnight", "notes"})


@dataclass(frozen=True)
class ShiftDraft:
    """What one person typed into one shift's form, not saved yet."""

    texts: Mapping[str, str] = field(default_factory=dict)  # figure key -> typed text
    nurse_in_charge_id: str | None = None
    patients: str = ""
    note: str = ""
    touched: frozenset[str] = frozenset()  # the fields this person changed (only those are saved)
    hours_touched: frozenset[str] = frozenset()  # groups whose hours were typed, not filled in
    ticks: tuple[str, ...] | None = None  # who is ticked on duty, when the ticks were changed

    def to_json(self) -> dict[str, Any]:
        return {"texts": dict(self.texts), "nurse_in_charge_id": self.nurse_in_charge_id, "patients": self.patients,
                "note": self.note, "touched": sorted(self.touched), "hours_touched": sorted(self.hours_touched),
                "ticks": None if self.ticks is None else list(self.ticks)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ShiftDraft:
        """Read a stored draft, dropping anything it should not hold (a draft is never trusted more
        than what was typed)."""
        known = figure_keys()
        raw = d.get("texts")
        texts: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        ticks = d.get("ticks")
        return cls(
            texts={str(k): str(v)[:MAX_FIGURE_TEXT] for k, v in texts.items() if str(k) in known},
            nurse_in_charge_id=str(d["nurse_in_charge_id"]) if d.get("nurse_in_charge_id") else None,
            patients=str(d.get("patients") or "")[:MAX_PATIENTS_TEXT],
            note=str(d.get("note") or "")[:MAX_DRAFT_NOTE],
            touched=frozenset(str(k) for k in d.get("touched") or () if str(k) in known | other_keys()),
            hours_touched=frozenset(str(k) for k in d.get("hours_touched") or ()),
            ticks=None if not isinstance(ticks, list) else tuple(str(t) for t in ticks[:MAX_TICKS]),
        )


def check_draft(draft: ShiftDraft) -> ShiftDraft:
    """The limits of what is kept: the form's own field lengths. Raises ValidationError (a draft
    the form could not have produced is refused, never half-kept)."""
    errors: dict[str, str] = {}
    known = figure_keys()
    for key, text in draft.texts.items():
        if key not in known:
            errors[key] = f"A draft cannot hold the field {key!r}"
        elif len(text) > MAX_FIGURE_TEXT:
            errors[key] = f"A figure is at most {MAX_FIGURE_TEXT} characters"
    if len(draft.patients) > MAX_PATIENTS_TEXT:
        errors["patients_at_midnight"] = f"The patient count is at most {MAX_PATIENTS_TEXT} characters"
    if len(draft.note) > MAX_DRAFT_NOTE:
        errors["note"] = f"A draft's note is at most {MAX_DRAFT_NOTE} characters"
    if draft.ticks is not None and len(draft.ticks) > MAX_TICKS:
        errors["on_duty"] = f"At most {MAX_TICKS} people can be ticked on duty"
    if not draft.touched <= known | other_keys():
        errors["touched"] = "A draft names a field the shift form does not have"
    if errors:
        raise ValidationError(errors)
    return draft


__all__ = ["FIGURE_FIELDS", "MAX_DRAFT_NOTE", "ShiftDraft", "check_draft"]
