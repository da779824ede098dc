"""Connecting a station to the trust server (enrolment): the rules the command line (``enrol``) and
Ward setup > Trust server share, in a nurse's or IT's words. Pure: the caller reads the CA bundle
file and says what the station is enrolled with now.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardtruths_desktop.domain.server_address import check_server_url
from hardtruths_desktop.domain.validation import ValidationError

MAX_PATH = 1000
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"

#: how each front end says "yes, move it" (the CLI's option, the form's tick box)
FORCE_CLI = "add --force if that is meant"
FORCE_FORM = 'tick "Move this station to this server" if that is meant'


@dataclass(frozen=True)
class Enrolment:
    server_url: str  # checked, no trailing slash
    code: str  # letters and digits only
    ca_bundle: str | None
    force: bool


def normalise_code(code: str) -> str:
    return code.strip().replace(" ", "").replace("-", "")


def check_enrolment(server_url: str, code: str, *, ca_bundle: str | None = None, force: bool = False,
                    enrolled_with: str | None = None, allow_insecure_http: bool = False,
                    force_hint: str = FORCE_CLI) -> Enrolment:
    """Every problem at once, by field (``server``, ``code``, ``ca_bundle``). ``enrolled_with``: the
    server this station is enrolled with now, if any; moving it to another needs ``force``."""
    errors: dict[str, str] = {}
    url = ""
    if not server_url.strip():
        errors["server"] = "Type the trust server's address IT gave you, e.g. https://wardsync.trust.nhs.uk"
    else:
        try:
            url = check_server_url(server_url, allow_insecure_http)
        except ValidationError as e:
            errors.update(e.errors)
    if url and enrolled_with and enrolled_with.rstrip("/").lower() != url.lower() and not force:
        errors["server"] = (f"This station is enrolled with {enrolled_with}: enrolling with {url} moves it to another "
                            f"trust server; {force_hint}")
    c = normalise_code(code)
    if not c:
        errors["code"] = "Type the one-time enrolment code IT gave you"
    elif not c.isalnum() or not 6 <= len(c) <= 20:
        errors["code"] = "An enrolment code is the 6 to 20 letters or digits IT gave you"
    bundle = (ca_bundle or "").strip() or None
    if bundle is not None and (len(bundle) > MAX_PATH or any(ord(ch) < 32 for ch in bundle)):
        errors["ca_bundle"] = "The CA bundle must be the path of a file on this PC, e.g. C:\\Trust\\trust-ca.pem"
    if errors:
        raise ValidationError(errors)
    return Enrolment(url, c, bundle, force)


def check_ca_bundle_text(path: str, text: str) -> None:
    """A CA bundle is a PEM file holding at least one certificate."""
    if PEM_CERTIFICATE not in text:
        raise ValidationError.single("ca_bundle", f"{path} is not a CA bundle: it holds no certificate (a PEM file IT "
                                     "gives you, starting with -----BEGIN CERTIFICATE-----)")


__all__ = ["FORCE_CLI", "FORCE_FORM", "Enrolment", "check_ca_bundle_text", "check_enrolment", "normalise_code"]
