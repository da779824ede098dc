"""The complaints poster: every item of DOMAIN.md section 6, in order; refusal when details lack."""

from __future__ import annotations

import dataclasses
import io

import pytest
from print_helpers import pdf_pages, pdf_text, text_sizes
from pypdf import PdfReader

from hardtruths_desktop.printing import (
    MissingContactDetails,
    PageSpec,
    TrustContacts,
    missing_contact_details,
    render_poster,
    samples,
    validate_contacts,
)
from hardtruths_desktop.printing.fonts import FontChain


def _flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


@pytest.mark.parametrize("large_print", [False, True])
@pytest.mark.parametrize("page", [PageSpec("a4"), PageSpec("a3"), PageSpec("a4", True), PageSpec("a3", True)])
def test_poster_has_every_item_in_order(large_print: bool, page: PageSpec, fonts: FontChain) -> None:
    text = _flat(render_poster(samples.sample_poster(large_print), page, fonts=fonts))
    c = samples.sample_contacts()
    ordered = [
        "Tell us what you think",
        "speak to the nurse in charge or the ward manager",
        "Raising a concern will not affect your care",
        "Patient Advice and Liaison Service (PALS)",
        c.pals_phone,
        c.pals_email,
        c.pals_location,
        "Make a formal complaint",
        "in writing",
        "by speaking to someone",
        "within 12 months",
        "acknowledge your complaint within 3 working days",
        c.complaints_phone,
        c.complaints_email,
        "NHS Complaints Advocacy",
        c.advocacy_provider,
        c.advocacy_phone,
        "Local Healthwatch",
        c.healthwatch_name,
        c.healthwatch_phone,
        c.healthwatch_web,
        "Parliamentary and Health Service Ombudsman",
        "0345 015 4033",
        "www.ombudsman.org.uk",
    ]
    # Compared without spaces: a long web address may break over two lines in a narrow column.
    squashed = text.replace(" ", "")
    at = 0
    for item in ordered:
        found = squashed.find(item.replace(" ", ""), at)
        assert found >= 0, f"{item!r} missing or out of order"
        at = found
    assert "Contact details checked on 3 November 2026" in text
    assert "https://www.northgate.example.nhs.uk/complaints" in squashed
    assert "Scan for our complaints web page" in text


def test_standard_poster_is_one_sheet_and_body_at_least_12pt(fonts: FontChain) -> None:
    for page in (PageSpec("a4"), PageSpec("a3"), PageSpec("a4", True), PageSpec("a3", True)):
        pdf = render_poster(samples.sample_poster(), page, fonts=fonts)
        assert len(pdf_pages(pdf)) == 1
        assert min(size for _, size in text_sizes(pdf)) >= 11.99


def test_large_print_body_at_least_16pt(fonts: FontChain) -> None:
    """Everything between the header band and the footer (which say when and where, small) is 16pt+."""
    for page in (PageSpec("a4"), PageSpec("a4", True), PageSpec("a3", True)):
        pdf = render_poster(samples.sample_poster(True), page, fonts=fonts)
        for sheet in PdfReader(io.BytesIO(pdf)).pages:
            height = float(sheet.mediabox.height)
            found: list[tuple[str, float]] = []

            def visit(
                text: str, cm: list[float], tm: list[float], font: object, size: float, found: list[tuple[str, float]] = found, height: float = height
            ) -> None:
                y = tm[5] * cm[3] + cm[5]
                if text.strip() and 70 < y < height - 70:
                    found.append((text.strip(), size * abs(tm[3]) * abs(cm[3])))

            sheet.extract_text(visitor_text=visit)
            assert found and min(s for _, s in found) >= 15.99, min(found, key=lambda b: b[1])


def test_missing_contacts_are_all_named_and_printing_is_refused(fonts: FontChain) -> None:
    contacts = dataclasses.replace(
        samples.sample_contacts(),
        pals_phone="",
        healthwatch_web=" ",
        advocacy_provider="",
        complaints_email="not-an-email",
        details_checked_on=None,
    )
    view = dataclasses.replace(samples.sample_poster(), contacts=contacts)
    with pytest.raises(MissingContactDetails) as caught:
        render_poster(view, PageSpec("a4"), fonts=fonts)
    message = str(caught.value)
    for item in [
        "PALS phone number",
        "local Healthwatch website",
        "NHS Complaints Advocacy provider's name",
        "complaints team email address (not an email address: 'not-an-email')",
        "date the contact details were checked",
    ]:
        assert item in message
        assert any(item in m for m in caught.value.missing)
    assert len(caught.value.missing) == 5


def test_empty_contacts_name_every_required_item() -> None:
    missing = missing_contact_details(TrustContacts(ombudsman_phone="", ombudsman_web=""))
    assert len(missing) == 15
    assert missing[0] == "PALS phone number"
    validate_contacts(samples.sample_contacts())  # complete: no error


SIX = (
    ("Talk to us first", "nurse in charge or the ward manager, Sister Mary O'Neill"),
    ("Patient Advice and Liaison Service (PALS)", "0121 496 0000"),
    ("Make a formal complaint", "0121 496 0001"),
    ("NHS Complaints Advocacy", "0121 496 0002"),
    ("Local Healthwatch", "0121 496 0003"),
    ("Still not happy?", "0345 015 4033"),
)


def _page_texts(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.parametrize("size", ["a4", "a3"])
@pytest.mark.parametrize("landscape", [False, True], ids=["portrait", "landscape"])
def test_the_six_items_are_all_on_sheet_one(large_print: bool, size: str, landscape: bool, fonts: FontChain) -> None:
    """Each of the six, with its heading and how to get in touch, is on the first sheet; a poster of
    more than one sheet says so on every sheet ("1 of 2, continued overleaf")."""
    pdf = render_poster(samples.sample_poster(large_print), PageSpec(size, landscape), fonts=fonts)  # type: ignore[arg-type]
    pages = _page_texts(pdf)
    first = pages[0]
    at = 0
    for heading, detail in SIX:
        found = first.find(heading, at)
        assert found >= 0, f"{heading!r} not on sheet 1 (or out of order)"
        assert first.find(detail, found) >= 0, f"{detail!r} not on sheet 1 with {heading!r}"
        at = found
    assert "Ask us for this in another language, large print or Easy Read." in first
    total = len(pages)
    if total > 1:
        for number, text in enumerate(pages, start=1):
            mark = f"{number} of {total}, continued overleaf" if number < total else f"{number} of {total}"
            assert mark in text, f"sheet {number}: {mark!r} missing"
            assert f"Sheet {number} of {total}" in text
    else:
        assert "continued overleaf" not in first
    # Standard print always fits one sheet; large print needs more only on A4.
    assert total == 1 or (large_print and size == "a4")


def test_landscape_sets_the_items_in_columns(fonts: FontChain) -> None:
    """On landscape paper item 4 starts beside items 1 to 3, not below them."""
    pdf = render_poster(samples.sample_poster(), PageSpec("a4", True), fonts=fonts)
    spots: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        for heading, _ in SIX:
            if text.strip().startswith(heading) and heading not in spots:
                spots[heading] = (tm[4], tm[5])

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    x1, _ = spots["Talk to us first"]
    x4, y4 = spots["NHS Complaints Advocacy"] if "NHS Complaints Advocacy" in spots else spots["Local Healthwatch"]
    assert x4 > x1 + 200 and y4 > spots["Make a formal complaint"][1] - 1


def test_poster_says_the_time_limit_can_be_waived_and_offers_other_formats(fonts: FontChain) -> None:
    text = _flat(render_poster(samples.sample_poster(), PageSpec("a4"), fonts=fonts))
    assert "within 12 months" in text
    assert "If you have a good reason for not complaining sooner, we can still look into it after 12 months." in text
    assert "Ask us for this in another language, large print or Easy Read." in text
    assert "Please speak to the nurse in charge or the ward manager, Sister Mary O'Neill." in text


def test_without_a_ward_manager_name_the_sentence_still_reads(fonts: FontChain) -> None:
    view = dataclasses.replace(samples.sample_poster(), ward_manager="  ")
    text = _flat(render_poster(view, PageSpec("a4"), fonts=fonts))
    assert "Please speak to the nurse in charge or the ward manager. Most worries" in text


@pytest.mark.parametrize(
    ("commissioner", "printed"),
    [
        ("NHS Northshire Integrated Care Board", False),
        ("NHS Northshire ICB (no details yet)", False),
        ("NHS Northshire ICB, 0121 496 0009", True),
        ("NHS Northshire ICB, complaints@northshire.example.nhs.uk", True),
        ("NHS Northshire ICB, www.northshire-icb.example.nhs.uk", True),
    ],
)
def test_a_commissioner_without_contact_details_is_left_out(commissioner: str, printed: bool, fonts: FontChain) -> None:
    contacts = dataclasses.replace(samples.sample_contacts(), commissioner=commissioner)
    view = dataclasses.replace(samples.sample_poster(), contacts=contacts)
    text = _flat(render_poster(view, PageSpec("a4"), fonts=fonts))
    assert ("NHS Northshire" in text) is printed
    assert ("the commissioner" in text) is printed
