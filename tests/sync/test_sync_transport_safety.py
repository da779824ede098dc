"""The station never talks to the trust server in the clear by accident, and never moves to
another server by accident: plain http:// to anything but this PC needs ``--insecure-http``,
and enrolling with a second server needs ``--force``."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop import cli as station_cli
from hardtruths_desktop.domain.server_address import check_server_url
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import sync_store
from hardtruths_desktop.sync.engine import SyncEngine

DAY = SUITE_TODAY - timedelta(days=2)  # the harness's Station.record validates against today, as the other sync tests


def _lan_address() -> str | None:
    """This PC's address on its network (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        ip = str(s.getsockname()[0])
    return None if ip.startswith("127.") else ip


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080/", "http://[::1]:80", "https://ward.example.nhs.uk",
                                 "http://127.5.5.5", "HTTPS://ward.example.nhs.uk"])
def test_loopback_and_https_need_no_flag(url: str) -> None:
    assert check_server_url(url).lower() == url.rstrip("/").lower()


@pytest.mark.parametrize("url", ["http://10.1.2.3:8000", "http://wardsync.trust.nhs.uk", "http://127.0.0.1.evil.example",
                                 "ftp://10.1.2.3", "wardsync.trust.nhs.uk", "http://", "http://host:port"])
def test_plain_http_elsewhere_or_not_an_address_is_refused(url: str) -> None:
    with pytest.raises(ValidationError):
        check_server_url(url)


def test_plain_http_to_another_host_needs_insecure_http_for_enrol_and_sync(
        live_server_factory: Callable[..., LiveServer], fresh_postgres_url: str, tmp_path: Path,
        make_station: Callable[..., Station], capsys: pytest.CaptureFixture[str]) -> None:
    ip = _lan_address()
    if ip is None:
        pytest.skip("this machine has no network address other than loopback")
    live = live_server_factory(fresh_postgres_url, tmp_path / "server", host="0.0.0.0")
    server = Server(live)
    ward = new_ward_code()
    server.create_ward(ward)
    st = make_station("a").set_up_ward(ward)
    plain = f"http://{ip}:{live.port}"
    rc = station_cli.main(["enrol", "--server", plain, "--code", server.code(ward), "--ward", ward, "--data-dir", str(st.dir)])
    err = capsys.readouterr().err
    assert rc == 2 and "--insecure-http" in err and len(err.strip().splitlines()) == 1
    assert server.devices() == []  # refused before anything was sent
    with pytest.raises(ValidationError, match="insecure-http"):
        st.engine.enrol(plain, server.code(ward), ward)
    allowed = SyncEngine(st.store, st.credentials, client_factory=st.client, allow_insecure_http=True)
    allowed.enrol(plain, server.code(ward), ward)
    st.record(DAY, "early", rn=3)
    refused = st.engine.sync_once()  # the default engine: no flag
    assert not refused.ok and refused.error == "insecure_http" and not refused.retryable and refused.pending > 0
    assert server.applied() == {}
    ok = allowed.sync_once()
    assert ok.ok and ok.applied > 0, ok


def test_enrolling_with_a_second_server_asks_for_force(server: Server, own_server: Server,
                                                        make_station: Callable[..., Station],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    ward = new_ward_code()
    server.create_ward(ward)
    own_server.create_ward(ward)
    st = make_station("a").set_up_ward(ward)
    st.enrol(server, ward)
    rc = station_cli.main(["enrol", "--server", own_server.url, "--code", own_server.code(ward), "--ward", ward,
                           "--data-dir", str(st.dir)])
    err = capsys.readouterr().err
    assert rc == 2 and "--force" in err and server.url in err and len(err.strip().splitlines()) == 1
    assert sync_store.sync_info(st.store).server_url == server.url
    st.enrol(server, ward)  # the same server again (re-enrolment after a fork) needs no --force
    st.engine.enrol(own_server.url, own_server.code(ward), ward, force=True)
    assert sync_store.sync_info(st.store).server_url == own_server.url
