"""Raise, escalate and resolve red flags: shared by Today and Staffing. Dialog -> store write ->
the screens refresh from ``changes_applied``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from hardtruths_desktop.domain.validation import ValidationError
from ui.dialogs.messages import Notice
from ui.dialogs.red_flags import EscalateDialog, RaiseFlagDialog, ResolveDialog
from ui.screen import ward_now

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.staffing import RedFlagView
    from hardtruths_desktop.store.session import WriteTx
    from ui.context import Context


def _failed(parent: QWidget, title: str):  # type: ignore[no-untyped-def]
    def handler(e: BaseException) -> None:
        if isinstance(e, ValidationError):
            Notice.error(parent, title, "\n".join(e.errors.values()))
        else:
            Notice.unexpected(parent, e)

    return handler


def raise_flag(ctx: Context, parent: QWidget, shift_date: date, shift_code: str, shift_label: str) -> None:
    answer = RaiseFlagDialog.ask(parent, shift_label)
    if answer is None:
        return
    flag_type, detail = answer
    ward_id, today = ctx.ward_id, ward_now(ctx.clock).date()

    def op(tx: WriteTx) -> None:
        from hardtruths_desktop.store.shifts import raise_red_flag

        raise_red_flag(tx, ward_id, shift_date, shift_code, flag_type, detail, today)

    ctx.write(op, lambda _r: None, _failed(parent, "Red flag not raised"))


def escalate(ctx: Context, parent: QWidget, flag: RedFlagView, shift: tuple[date, str] | None = None) -> None:
    """Escalate a flag; a computed one not yet recorded (``flag.id`` None) is recorded on ``shift``."""
    if flag.id is None and shift is None:
        return
    to = EscalateDialog.ask(parent, flag.label)
    if to is None:
        return
    fid, ward_id = flag.id, ctx.ward_id

    def op(tx: WriteTx) -> None:
        from hardtruths_desktop.store.shifts import escalate_computed_flag, escalate_red_flag

        if fid is not None:
            escalate_red_flag(tx, fid, to)
        elif shift is not None:
            escalate_computed_flag(tx, ward_id, shift[0], shift[1], flag.flag_type, to, tx.today)

    ctx.write(op, lambda _r: None, _failed(parent, "Escalation not recorded"))


def resolve(ctx: Context, parent: QWidget, flag: RedFlagView, shift: tuple[date, str] | None = None) -> None:
    if flag.id is None and shift is None:
        return
    response = ResolveDialog.ask(parent, flag.label)
    if response is None:
        return
    fid, ward_id = flag.id, ctx.ward_id

    def op(tx: WriteTx) -> None:
        from hardtruths_desktop.store.shifts import resolve_computed_flag, resolve_red_flag

        if fid is not None:
            resolve_red_flag(tx, fid, response)
        elif shift is not None:
            resolve_computed_flag(tx, ward_id, shift[0], shift[1], flag.flag_type, response, tx.today)

    ctx.write(op, lambda _r: None, _failed(parent, "Response not recorded"))
