"""SYNC.md 4.2 #23 and #24, bounded in count and time, loopback only.

#23 a trust-wide reconnect storm: every ward comes back at once after an outage, each station
retrying with the scheduler's full-jitter backoff; no 5xx, everything drained, nothing duplicated.
#24 a lossy, slow link (a real TCP proxy on loopback: ~2 Mbit/s, ~300 ms round trip, stalls and
resets): every cycle makes progress, batches get smaller on timeouts, nothing is lost or doubled.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
from support.clocks import SUITE_TODAY
from support.lossy_proxy import LossyProxy
from sync_support import FaultTransport, Server, Station, new_ward_code

from hardtruths_desktop.sync.engine import SyncEngine
from hardtruths_desktop.sync.scheduler import backoff_delay

DAY = SUITE_TODAY - timedelta(days=3)
STORM_STATIONS = 8
STORM_DAYS = 10  # x 2 shifts = 20 changes each waiting when the network comes back
STORM_DEADLINE_S = 240


def _backlog(st: Station, days: int) -> list[str]:
    ids: list[str] = []
    for d in range(days):
        ids += st.record(DAY - timedelta(days=d), "early", rn=3 + d % 2, care=2)
        ids += st.record(DAY - timedelta(days=d), "late", rn=4, care=1 + d % 2)
    return ids


def test_23_reconnect_storm_all_wards_at_once(server: Server, make_station: Callable[..., Station]) -> None:
    stations: list[Station] = []
    queued: dict[str, list[str]] = {}
    for i in range(STORM_STATIONS):
        st = make_station(f"storm{i}").set_up_ward(new_ward_code())
        server.create_ward(st.ward_code or "")
        st.enrol(server, st.ward_code or "")
        assert st.sync().ok
        st.net.online = False  # the trust network goes down ...
        queued[st.ward_code or ""] = _backlog(st, STORM_DAYS)
        assert not st.sync().ok
        stations.append(st)

    for st in stations:  # ... and comes back for every ward at the same moment
        st.net.statuses.clear()
        st.net.online = True
    deadline = time.monotonic() + STORM_DEADLINE_S
    errors: list[str] = []

    def run(st: Station, seed: int) -> None:
        rng, attempt = random.Random(seed), 0
        while time.monotonic() < deadline:
            result = st.sync()
            if result.ok:
                return
            attempt += 1
            time.sleep(min(backoff_delay(attempt, rng, result.retry_after), 5.0))  # jittered, capped for the test
        errors.append(f"{st.ward_code} not drained: {st.states()}")

    threads = [threading.Thread(target=run, args=(st, i)) for i, st in enumerate(stations)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(STORM_DEADLINE_S + 30)
    assert not errors, errors
    statuses = [s for st in stations for s in st.net.statuses]
    assert statuses and not [s for s in statuses if s >= 500], "the storm produced server errors"
    for st in stations:
        ids = queued[st.ward_code or ""]
        assert st.pending() == 0
        assert server.applied(ids) == dict.fromkeys(ids, 1)  # every change once, none twice


def test_24_lossy_slow_link_progress_each_cycle_and_smaller_batches(server: Server, make_station: Callable[..., Station]) -> None:
    st = make_station("lossy").set_up_ward(new_ward_code())
    server.create_ward(st.ward_code or "")
    st.enrol(server, st.ward_code or "")
    ids = _backlog(st, 60)  # 120 changes plus the ward's setup
    with LossyProxy(server.url, bandwidth_bps=2_000_000, rtt_s=0.3, stall_chance=0.1, stall_s=7.0, reset_chance=0.02, seed=24) as proxy:
        st.net.statuses.clear()

        def client(base_url: str, ca_bundle: str | None) -> httpx.Client:
            # a station on a bad link gives up on a request after a few seconds and sends less next time
            return httpx.Client(base_url=proxy.url, transport=FaultTransport(st.net), timeout=6.0)

        st.engine = SyncEngine(st.store, st.credentials, client_factory=client, batch_size=200)
        before = st.pending()
        cycles = idle = 0
        sizes: list[int] = []
        while st.pending() and cycles < 40:
            cycles += 1
            res = st.sync()
            sizes.append(st.engine.batch_size)
            if res.retry_after:  # the server is still applying a batch whose answer was lost: as the scheduler would
                time.sleep(min(res.retry_after, 3.0))
            now = st.pending()
            idle = 0 if now < before else idle + 1
            assert idle < 3, f"three cycles in a row made no progress ({now} waiting; {proxy.resets} resets, {proxy.stalls} stalls)"
            before = now
        assert st.pending() == 0, f"not drained after {cycles} cycles"
    assert not [s for s in st.net.statuses if s >= 500]
    assert server.applied(ids) == dict.fromkeys(ids, 1)


def test_24b_a_link_that_cannot_carry_a_big_batch_gets_smaller_ones(server: Server, make_station: Callable[..., Station]) -> None:
    """Pushes that time out are sent again in smaller batches in the same cycle, so the cycle gets
    through, and later cycles start from the smaller size."""
    st = make_station("narrow").set_up_ward(new_ward_code())
    server.create_ward(st.ward_code or "")
    st.enrol(server, st.ward_code or "")
    ids = _backlog(st, 40)
    with LossyProxy(server.url, bandwidth_bps=10_000_000, rtt_s=0.02, stall_chance=0, reset_chance=0, stall_s=5.0,
                    stall_sends_over=4000) as proxy:
        def client(base_url: str, ca_bundle: str | None) -> httpx.Client:
            return httpx.Client(base_url=proxy.url, transport=FaultTransport(st.net), timeout=3.0)

        st.engine = SyncEngine(st.store, st.credentials, client_factory=client, batch_size=200)
        for _ in range(6):
            res = st.sync()
            if not st.pending():
                break
            if res.retry_after:
                time.sleep(min(res.retry_after, 3.0))
        assert st.pending() == 0, st.states()
        assert proxy.stalls > 0
        assert st.engine.batch_size < 200
    assert server.applied(ids) == dict.fromkeys(ids, 1)
