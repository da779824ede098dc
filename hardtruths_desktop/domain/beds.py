"""Rules for the bed board: who may be a bed's named nurse, and what the card above the bed shows.

Pure functions, no I/O. The store's repository (``store/beds.py``) calls these before writing, so
the rule holds whatever screen, command or sync message asked for the change.
"""

from __future__ import annotations

from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.domain.valuesets import staff_group

# Staff groups registered with the NMC who take a bed's named-nurse role: registered nurses and
# registered nursing associates. Healthcare support workers (healthcare assistants), trainees,
# students and allied health professionals are not named nurses.
NAMED_NURSE_GROUPS: tuple[str, ...] = ("rn", "rna")


def may_be_named_nurse(group_code: str) -> bool:
    """Whether someone in staff group ``group_code`` may be a bed's named nurse."""
    return group_code in NAMED_NURSE_GROUPS


def check_named_nurse(name: str, group_code: str) -> None:
    """Refuse anyone but a registered nurse or registered nursing associate as named nurse."""
    if may_be_named_nurse(group_code):
        return
    try:
        what = staff_group(group_code).singular.lower()
    except KeyError:
        what = f"in staff group '{group_code}'"
    raise ValidationError.single(
        "named_nurse",
        f"{name} is a {what}: the named nurse must be a registered nurse or a registered nursing associate",
    )
