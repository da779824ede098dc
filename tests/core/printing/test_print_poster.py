"""The complaints poster: every item of DOMAIN.md section 6, in order; refusal when details lack."""

from __future__ import annotations

import dataclasses

import pytest
from print_helpers import pdf_pages, pdf_text, text_sizes

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
    at = 0
    for item in ordered:
        found = text.find(item, at)
        assert found >= 0, f"{item!r} missing or out of order"
        at = found
    assert "Contact details checked on 3 November 2026" in text
    assert "https://www.northgate.example.nhs.uk/complaints" in text
    assert "Scan for our complaints web page" in text


def test_standard_poster_is_one_sheet_and_body_at_least_12pt(fonts: FontChain) -> None:
    # A4 landscape cannot hold it all at 12pt: it continues on a second sheet (not tested here).
    for page in (PageSpec("a4"), PageSpec("a3"), PageSpec("a3", True)):
        pdf = render_poster(samples.sample_poster(), page, fonts=fonts)
        assert len(pdf_pages(pdf)) == 1
        assert min(size for _, size in text_sizes(pdf)) >= 11.99


def test_large_print_body_at_least_16pt(fonts: FontChain) -> None:
    for page in (PageSpec("a4"), PageSpec("a3", True)):
        pdf = render_poster(samples.sample_poster(True), page, fonts=fonts)
        sizes = text_sizes(pdf)
        header_footer = (samples.TRUST, samples.WARD, "Printed", "Contact details checked")
        body = [(t, s) for t, s in sizes if not any(t in h or t.startswith(h) for h in header_footer)]
        assert body and min(s for _, s in body) >= 15.99, min(body, key=lambda b: b[1])


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
