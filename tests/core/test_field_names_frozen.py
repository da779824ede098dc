"""Station migration 0013 stores a field's version under the field's NUMBER in ``FIELD_NAMES``. Stored
rows are never renumbered, so the list is frozen: a name inserted, removed or moved (for example a new
staff group added to ``_GROUPS``, which builds part of the list) would silently give every stored version
to another field. Adding a name at the END is the only change allowed, and it needs a station migration
that raises the schema number too: an older app at the same schema would not know the new number."""

from __future__ import annotations

from hardtruths_desktop.domain.field_meta import FIELD_NAMES
from hardtruths_desktop.store import migrate

#: ``FIELD_NAMES`` as station schema 13 stored it, written out (not built) so a change to the code that
#: builds the list cannot change this copy with it.
SCHEMA_13 = (
    "ward_id", "shift_date", "shift_code", "nurse_in_charge_id", "notes", "on_duty", "staffing_recorded", "deleted",
    "groups.rn.planned", "groups.rn.actual", "groups.rn.planned_hours", "groups.rn.actual_hours", "groups.rn.bank_agency",
    "groups.rna.planned", "groups.rna.actual", "groups.rna.planned_hours", "groups.rna.actual_hours", "groups.rna.bank_agency",
    "groups.care.planned", "groups.care.actual", "groups.care.planned_hours", "groups.care.actual_hours", "groups.care.bank_agency",
    "groups.nrna.planned", "groups.nrna.actual", "groups.nrna.planned_hours", "groups.nrna.actual_hours", "groups.nrna.bank_agency",
    "groups.ahp.planned", "groups.ahp.actual", "groups.ahp.planned_hours", "groups.ahp.actual_hours", "groups.ahp.bank_agency",
    "groups.student.planned", "groups.student.actual", "groups.student.planned_hours", "groups.student.actual_hours",
    "groups.student.bank_agency",
    "day", "patients_at_midnight",
)


def test_the_stored_field_numbers_never_change() -> None:
    assert FIELD_NAMES[: len(SCHEMA_13)] == SCHEMA_13, "a stored field number would now mean another field"
    assert len(set(FIELD_NAMES)) == len(FIELD_NAMES)


def test_a_name_appended_comes_with_a_new_schema() -> None:
    assert FIELD_NAMES == SCHEMA_13 or migrate.SCHEMA_VERSION > 13, \
        "a new field number needs a station migration (an older app at schema 13 would not know it)"
