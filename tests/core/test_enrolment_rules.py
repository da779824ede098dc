"""Enrolment's rules (domain/enrolment.py), shared by `enrol` and Ward setup > Trust server."""

from __future__ import annotations

import pytest

from hardtruths_desktop.domain.enrolment import FORCE_CLI, FORCE_FORM, check_ca_bundle_text, check_enrolment
from hardtruths_desktop.domain.validation import ValidationError


def test_every_problem_is_named_at_once_by_field() -> None:
    with pytest.raises(ValidationError) as e:
        check_enrolment("", "", ca_bundle="C:\\Trust\\ca\x00.pem")
    assert set(e.value.errors) == {"server", "code", "ca_bundle"}
    assert "address" in e.value.errors["server"] and "code" in e.value.errors["code"]


def test_moving_to_another_server_needs_force_in_each_front_ends_words() -> None:
    for hint in (FORCE_CLI, FORCE_FORM):
        with pytest.raises(ValidationError) as e:
            check_enrolment("https://new.trust.nhs.uk/", "K7QD-29XM", enrolled_with="https://old.trust.nhs.uk", force_hint=hint)
        assert hint in e.value.errors["server"] and "old.trust.nhs.uk" in e.value.errors["server"]
    ok = check_enrolment("https://new.trust.nhs.uk/", "k7qd 29xm", enrolled_with="https://old.trust.nhs.uk", force=True,
                         ca_bundle="  /etc/trust/ca.pem ")
    assert (ok.server_url, ok.code, ok.ca_bundle, ok.force) == ("https://new.trust.nhs.uk", "k7qd29xm", "/etc/trust/ca.pem", True)
    same = check_enrolment("https://OLD.trust.nhs.uk", "K7QD-29XM", enrolled_with="https://old.trust.nhs.uk/")
    assert not same.force and same.ca_bundle is None  # enrolling again with the same server needs no tick


def test_a_ca_bundle_must_hold_a_certificate() -> None:
    with pytest.raises(ValidationError) as e:
        check_ca_bundle_text("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n")
    assert "not a CA bundle" in e.value.errors["ca_bundle"]
    check_ca_bundle_text("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
