"""The bed board's rules in the store: who may be a named nurse, and a patient's wish that their name
is not shown (issue 11). Real SQLite store, real repositories; the printed card from the store."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from core_support import WardStation, db_snapshot, sql
from pypdf import PdfReader
from sqlmodel import select

from hardtruths_desktop import printing as p
from hardtruths_desktop.domain.beds import check_named_nurse, may_be_named_nurse
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.printing import samples
from hardtruths_desktop.printouts import PrintRequest, bed_cards_view
from hardtruths_desktop.store import beds, reference
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.tables import Bed

DAY = date(2026, 11, 24)  # never today: the tests do not read the clock
AT = datetime(2026, 11, 24, 14, 40)


def _bed(st: WardStation, label: str = "1", **kw: object) -> None:
    with st.store.write(Actor.command_line()) as tx:
        beds.save_bed(tx, st.ward, beds.BedInput(label, True, kw.pop("name", "Margaret"), "Dr S. Patel", **kw), DAY)  # type: ignore[arg-type]


def test_only_registered_nurses_and_nursing_associates_may_be_named_nurses() -> None:
    assert may_be_named_nurse("rn") and may_be_named_nurse("rna")
    for code in ("care", "nrna", "ahp", "student"):
        assert not may_be_named_nurse(code)
    with pytest.raises(ValidationError) as caught:
        check_named_nurse("Dylan Evans", "care")
    assert caught.value.errors["named_nurse"] == (
        "Dylan Evans is a healthcare support worker: the named nurse must be a registered nurse or a registered nursing associate"
    )


@pytest.mark.parametrize("who", ["care", "student"])
def test_the_store_refuses_a_healthcare_assistant_as_named_nurse_and_writes_nothing(station: WardStation, who: str) -> None:
    _bed(station)
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError) as caught, station.store.write(Actor.command_line()) as tx:
        beds.set_named_nurse(tx, station.ward, "1", DAY, "late", station.staff[who].id)
    assert "the named nurse must be a registered nurse" in caught.value.errors["named_nurse"]
    assert db_snapshot(station.path) == before  # no bed_nurse row, no outbox row, no audit row


def test_registered_nurse_and_nursing_associate_are_accepted(station: WardStation) -> None:
    _bed(station)
    with station.store.write(Actor.command_line()) as tx:
        na = reference.add_staff(tx, station.ward, "Nomvula Dlamini", "rna", "Nursing associate")
    for person in (station.staff["rn"].id, na.id):
        with station.store.write(Actor.command_line()) as tx:
            beds.set_named_nurse(tx, station.ward, "1", DAY, "late", person)
        with station.store.read() as s:
            [info] = beds.list_beds(s, station.ward, DAY, "late")
        assert info.named_nurse_id == person


def test_name_hidden_is_stored_synced_and_printed_instead_of_the_name(station: WardStation) -> None:
    _bed(station, name="Margaret Thompson", name_hidden=True)
    with station.store.read() as s:
        row = s.exec(select(Bed).where(Bed.ward_id == station.ward.id)).one()
        assert row.name_hidden is True
    payloads = [json.loads(r[0]) for r in sql(station.path, "SELECT payload FROM outbox WHERE entity = 'bed' ORDER BY client_seq")]
    assert payloads[-1]["name_hidden"] is True
    # Changing her mind is a patch that carries only the changed field.
    _bed(station, name="Margaret Thompson", name_hidden=False)
    last = json.loads(sql(station.path, "SELECT payload FROM outbox WHERE entity = 'bed' ORDER BY client_seq DESC LIMIT 1")[0][0])
    assert last == {"name_hidden": False}
    _bed(station, name="Margaret Thompson", name_hidden=True)
    with station.store.read() as s:
        view = bed_cards_view(s, PrintRequest("bed-cards", station.ward.code, DAY, "late"), AT)
    [card] = view.cards
    assert card.name_hidden and view.shift_name == "Late"
    pdf = p.render_bed_cards(view, p.PageSpec("a4", True), fonts=p.default_font_chain(use_system_arial=False))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Name not shown at the patient's request" in text
    assert "Margaret" not in text
    assert "My nurse for the late shift (14:30 to 22:00)" in text
    # Nobody named yet: the card says whom to ask, not a gap.
    assert text.count("Ask the nurse in charge") == 1


def test_an_empty_bed_forgets_the_wish(station: WardStation) -> None:
    _bed(station, name_hidden=True)
    with station.store.write(Actor.command_line()) as tx:
        beds.save_bed(tx, station.ward, beds.BedInput("1", False), DAY)
    with station.store.read() as s:
        assert s.exec(select(Bed).where(Bed.ward_id == station.ward.id)).one().name_hidden is False


def test_blank_nurse_and_consultant_print_ask_the_nurse_in_charge() -> None:
    card = p.BedCard("Bed 3", "Joan", " ", "")
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=(card,))
    pdf = p.render_bed_cards(view, p.PageSpec("a4", True), fonts=p.default_font_chain(use_system_arial=False))
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert text.count("Ask the nurse in charge") == 2


def test_one_card_that_cannot_print_is_reported_and_the_others_print() -> None:
    fonts = p.default_font_chain(use_system_arial=False)
    cards = (
        p.BedCard("Bed 1", "Joan", "Tom Hughes", "Dr S. Patel"),
        p.BedCard("Bed 2", "Sam \U0001f600", "Tom Hughes", "Dr S. Patel"),
        p.BedCard("Bed 3", "Margaret", "Tom Hughes", "Dr S. Patel"),
    )
    view = dataclasses.replace(samples.sample_bed_cards(1), cards=cards)
    [left_out] = p.unprintable_cards(view, fonts=fonts)
    assert left_out.bed_label == "Bed 2" and "GRINNING FACE" in left_out.describe()
    pdf = p.render_bed_cards(view, p.PageSpec("a4", True), fonts=fonts)
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2 and "Joan" in pages[0] and "Margaret" in pages[1]
    # Nothing printable at all: refused, naming the text.
    alone = dataclasses.replace(view, cards=cards[1:2])
    with pytest.raises(p.UnprintableCharacters, match="GRINNING FACE"):
        p.render_bed_cards(alone, p.PageSpec("a4", True), fonts=fonts)


def test_the_command_line_prints_the_others_and_names_the_card_left_out(station: WardStation, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hardtruths_desktop import cli

    _bed(station, "1", name="Joan")
    _bed(station, "2", name="Sam \U0001f600")
    out = tmp_path / "cards.pdf"
    rc = cli.main(
        [
            "print",
            "bed-cards",
            "--ward",
            station.ward.code,
            "--date",
            DAY.isoformat(),
            "--shift",
            "late",
            "--landscape",
            "--out",
            str(out),
            "--data-dir",
            str(station.dir),
        ]
    )
    _, err = capsys.readouterr()
    assert rc == 0
    assert err.count("card not printed") == 1 and "draw some characters: 2: 'Sam \U0001f600'" in err
    assert len(PdfReader(out).pages) == 1
