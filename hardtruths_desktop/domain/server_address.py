"""The trust server's address a station talks to: HTTPS, except plain HTTP to this PC itself
(loopback, for tests and trials) or when someone explicitly says ``--insecure-http``."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hardtruths_desktop.domain.validation import ValidationError


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, allow_insecure_http: bool = False, field_name: str = "server") -> str:
    """The address without a trailing slash; refuses anything but https:// (or http:// to loopback,
    or http:// anywhere with ``allow_insecure_http``)."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise ValidationError.single(field_name, "The server address is not a web address, e.g. https://wardsync.trust.nhs.uk") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError.single(field_name, "The server address must start with https://, e.g. https://wardsync.trust.nhs.uk")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(host):
        raise ValidationError.single(field_name, f"{host} would be reached without encryption (http://): use the https:// "
                                     "address, or add --insecure-http on a test network")
    return url
