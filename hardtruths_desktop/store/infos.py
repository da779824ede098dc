"""What the read side says about a ward and a person on its staff: plain frozen dataclasses.

Kept apart from ``store/queries.py`` and free of SQLAlchemy, so the sign-in list can be built from
them straight from the database file before the ORM is loaded (``readmodels/roster.peek_roster``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hardtruths_desktop.domain.staffing import ShiftTimes


@dataclass(frozen=True)
class WardInfo:
    id: str
    code: str
    name: str
    site: str
    specialty: str
    beds: int
    trust_name: str
    patterns: tuple[ShiftTimes, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "site": self.site, "specialty": self.specialty,
            "beds": self.beds, "trust": self.trust_name,
            "shift_pattern": [
                {"code": p.code, "name": p.name, "start": p.start.strftime("%H:%M"),
                 "end": p.end.strftime("%H:%M"), "period": p.period}
                for p in self.patterns
            ],
        }


@dataclass(frozen=True)
class StaffInfo:
    id: str
    name: str
    role: str
    title: str
    is_manager: bool
    active: bool
    ward_code: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "title": self.title,
                "is_manager": self.is_manager, "active": self.active, "ward": self.ward_code}


__all__ = ["StaffInfo", "WardInfo"]
