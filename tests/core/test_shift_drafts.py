"""Issue 12: a shift's typed, unsaved figures kept as a local draft, private to the person who
typed them, never synced, gone when that person saves the shift or throws the draft away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_support import WardStation, sql, table_counts
from support.clocks import suite_clock

from hardtruths_desktop.domain.clock import today
from hardtruths_desktop.domain.shift_draft import MAX_DRAFT_NOTE, ShiftDraft, check_draft
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.readmodels.staffing import load_shift_form
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shift_drafts import discard_draft, discard_in, load_draft, save_draft
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

TYPED = ShiftDraft(texts={"rn.actual": "3", "care.actual_hours": "lots"}, nurse_in_charge_id=None, patients="28",
                   note="Bay 3 short — نقص", touched=frozenset({"rn.actual", "care.actual_hours", "notes"}),
                   hours_touched=frozenset({"care"}), ticks=("a", "b"))


def test_a_draft_is_kept_for_its_author_only_and_never_synced(station: WardStation) -> None:
    clock = suite_clock()
    d, ward = today(clock), station.ward.id
    aisha, dylan = station.staff["rn"].id, station.staff["care"].id
    before = table_counts(station.path)
    save_draft(station.store, aisha, ward, d, "early", TYPED, clock=clock)
    kept = load_draft(station.store, aisha, ward, d, "early")
    assert kept is not None and kept.draft == TYPED  # exactly as typed, "lots" included
    assert load_draft(station.store, dylan, ward, d, "early") is None  # nobody else's
    assert load_draft(station.store, aisha, ward, d, "late") is None  # nor another shift's
    assert load_draft(station.store, aisha, ward, d + timedelta(days=1), "early") is None
    assert load_draft(station.store, None, ward, d, "early") is None
    after = table_counts(station.path)
    assert {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)} == {"shift_draft": 1}  # no outbox, no audit
    form = load_shift_form(station.store, ward, d, "early", now=clock.now().replace(tzinfo=None), staff_id=aisha)
    assert form.draft is not None and form.draft.draft.texts["rn.actual"] == "3"
    assert load_shift_form(station.store, ward, d, "early", now=clock.now().replace(tzinfo=None), staff_id=dylan).draft is None
    # typing on replaces it (one draft per person and shift)
    save_draft(station.store, aisha, ward, d, "early", ShiftDraft(texts={"rn.actual": "4"}, touched=frozenset({"rn.actual"})),
               clock=clock)
    assert sql(station.path, "SELECT count(*) FROM shift_draft") == [(1,)]
    discard_draft(station.store, aisha, ward, d, "early")
    assert load_draft(station.store, aisha, ward, d, "early") is None


def test_saving_the_shift_removes_the_savers_draft_in_the_same_transaction(station: WardStation) -> None:
    clock = suite_clock()
    d, ward = today(clock), station.ward.id
    aisha, dylan = station.staff["rn"].id, station.staff["care"].id
    save_draft(station.store, aisha, ward, d, "early", TYPED, clock=clock)
    save_draft(station.store, dylan, ward, d, "early", TYPED, clock=clock)
    with pytest.raises(ValidationError), station.store.write(Actor(aisha, "Aisha Rahman")) as tx:
        discard_in(tx, aisha, ward, d, "early")
        save_shift(tx, ward, d, "early", ShiftChange(groups={"rn": {"actual": -1}}), d)  # refused: rolled back
    assert load_draft(station.store, aisha, ward, d, "early") is not None  # a refused save keeps the draft
    with station.store.write(Actor(aisha, "Aisha Rahman")) as tx:
        save_shift(tx, ward, d, "early", ShiftChange(groups={"rn": {"actual": 3}}), d)
        discard_in(tx, aisha, ward, d, "early")
    assert load_draft(station.store, aisha, ward, d, "early") is None
    assert load_draft(station.store, dylan, ward, d, "early") is not None  # Dylan's is his to save or discard


def test_a_draft_the_form_could_not_have_typed_is_refused_whole(station: WardStation) -> None:
    clock = suite_clock()
    d, ward, aisha = today(clock), station.ward.id, station.staff["rn"].id
    for bad in (ShiftDraft(texts={"rn.actual": "123456789"}), ShiftDraft(texts={"ward.name": "x"}),
                ShiftDraft(note="x" * (MAX_DRAFT_NOTE + 1)), ShiftDraft(patients="1234567"), ShiftDraft(touched=frozenset({"password"}))):
        with pytest.raises(ValidationError) as e:
            check_draft(bad)
        assert all(msg[0].isupper() for msg in e.value.errors.values())
        with pytest.raises(ValidationError):
            save_draft(station.store, aisha, ward, d, "early", bad, clock=clock)
    assert sql(station.path, "SELECT count(*) FROM shift_draft") == [(0,)]
    # a damaged stored draft reads back as what it can be trusted with, never more
    assert ShiftDraft.from_json({"texts": {"rn.actual": "3", "x.y": "z"}, "touched": ["rn.actual", "password"],
                                 "ticks": "nope"}) == ShiftDraft(texts={"rn.actual": "3"}, touched=frozenset({"rn.actual"}))


def test_a_draft_keeps_a_note_too_long_to_save_up_to_its_own_limit() -> None:
    """The note box takes a paste past what a save allows; a draft refusing it would lose the figures."""
    from hardtruths_desktop.domain.validation import MAX_NOTE

    long = ShiftDraft(texts={"rn.actual": "3"}, note="x" * (MAX_NOTE + 500))
    assert check_draft(long) is long
    assert ShiftDraft.from_json(long.to_json()).note == long.note
    with pytest.raises(ValidationError):
        check_draft(ShiftDraft(note="x" * (MAX_DRAFT_NOTE + 1)))
