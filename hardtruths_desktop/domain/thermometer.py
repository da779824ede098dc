"""The Safety Thermometer (DOMAIN.md 4): a point-prevalence survey on one day each month.

Patients surveyed, how many had each of the four harms (pressure ulcer, fall with harm, urinary
tract infection with a catheter, new VTE), and how many had none of them (harm-free care).
A patient can have more than one harm, so harm-free is entered, not derived, and checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hardtruths_desktop.domain.validation import Problems, parse_count

HARMS: dict[str, str] = {
    "pressure_ulcers": "Pressure ulcers",
    "falls_with_harm": "Falls with harm",
    "catheter_uti": "Urinary tract infections in patients with a catheter",
    "new_vte": "New VTE (blood clots)",
}
MAX_SURVEYED = 200


@dataclass(frozen=True)
class Survey:
    surveyed: int
    harm_free: int
    harms: Mapping[str, int]

    @property
    def harm_free_percent(self) -> float | None:
        return round(100.0 * self.harm_free / self.surveyed, 1) if self.surveyed else None

    def to_json(self) -> dict[str, Any]:
        return {"surveyed": self.surveyed, "harm_free": self.harm_free, **dict(self.harms),
                "harm_free_percent": self.harm_free_percent}


def check_survey(values: Mapping[str, Any]) -> Survey:
    """Check a month's survey as typed (strings or numbers); all problems at once."""
    p = Problems()

    def count(f: str, label: str) -> int:
        try:
            return parse_count(values.get(f, 0) if values.get(f) not in (None, "") else 0, label, f, MAX_SURVEYED)
        except Exception as e:  # ValidationError
            p.errors.update(getattr(e, "errors", {f: str(e)}))
            return 0

    surveyed = count("surveyed", "Patients surveyed")
    harm_free = count("harm_free", "Patients with harm-free care")
    harms = {f: count(f, label) for f, label in HARMS.items()}
    if not p.errors:
        if surveyed == 0:
            p.add("surveyed", "Enter how many patients were surveyed")
        if harm_free > surveyed:
            p.add("harm_free", f"Harm-free patients ({harm_free}) cannot be more than the {surveyed} surveyed")
        for f, n in harms.items():
            if n > surveyed:
                p.add(f, f"{HARMS[f]}: {n} is more than the {surveyed} patients surveyed")
        with_harm = surveyed - harm_free
        total = sum(harms.values())
        if with_harm > total:
            p.add("harm_free", f"{with_harm} patients had a harm but only {total} harms are entered: check the numbers")
        elif with_harm == 0 and total > 0:
            p.add("harm_free", "Every patient is entered as harm-free, but some harms are entered: check the numbers")
    p.raise_if_any()
    return Survey(surveyed, harm_free, harms)


def thermometer_id(ward_id: str, month: str) -> str:
    """The survey's id, derived from ward and month, so two stations recording the same month make one."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hardtruths:safety_thermometer:{ward_id}:{month}"))
