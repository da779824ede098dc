"""SYNC.md 3.2 (identity) and 3.7 (HLC) as unit and property tests."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.hlc import MAX_AHEAD_MS, MAX_LC, Hlc, at_server_time, cap_remote, receive, tick

NODE = "d3adbeef"
# thirteen digits of milliseconds hold times until the year 2286; a counter that runs past MAX_LC moves the time on
# by a millisecond, so the last representable millisecond is left out (hypothesis found 9999999999999 + one tick)
pts = st.integers(0, 10**13 - 2)
lcs = st.integers(0, 9999)
hlcs = st.builds(Hlc, pts, lcs, st.just(NODE))


# --- HLC --------------------------------------------------------------------------------------------

def test_format_is_fixed_width_and_parses_back() -> None:
    h = Hlc(1_732_579_200_123, 7, "0123456789abcdef")
    assert str(h) == "1732579200123-00007-01234567"
    assert re.fullmatch(r"\d{13}-\d{5}-[0-9a-f]{8}", str(h))
    assert Hlc.parse(str(h)) == Hlc(1_732_579_200_123, 7, "01234567")


def test_zero() -> None:
    assert str(Hlc.zero("abcdef0123")) == "0000000000000-00000-abcdef01"


@given(hlcs, pts)
def test_tick_is_strictly_after_last_and_not_before_the_clock(last: Hlc, phys: int) -> None:
    nxt = tick(last, phys)
    assert (nxt.pt, nxt.lc) > (last.pt, last.lc)
    assert nxt.pt >= phys
    assert nxt.node == last.node


@given(hlcs, st.lists(pts, min_size=1, max_size=60))
def test_ticks_are_monotonic_even_when_the_wall_clock_goes_back(start: Hlc, clock: list[int]) -> None:
    seen = [start]
    for phys in clock:
        seen.append(tick(seen[-1], phys))
    assert all(a < b for a, b in itertools.pairwise(seen))
    # lexicographic order of the text form is chronological order
    texts = [str(h) for h in seen]
    assert texts == sorted(texts) and len(set(texts)) == len(texts)


@given(hlcs, st.builds(Hlc, pts, lcs, st.sampled_from(["00000000", "ffffffff", "12345678"])), pts)
def test_receive_never_lags_what_it_has_seen(last: Hlc, remote: Hlc, phys: int) -> None:
    nxt = receive(last, remote, phys)
    assert (nxt.pt, nxt.lc) > (last.pt, last.lc)
    assert (nxt.pt, nxt.lc) > (remote.pt, remote.lc)
    assert nxt.pt >= phys
    assert nxt.node == last.node


@given(hlcs, hlcs)
def test_text_order_equals_tuple_order(a: Hlc, b: Hlc) -> None:
    assert (str(a) < str(b)) == ((a.pt, a.lc) < (b.pt, b.lc))


def test_counter_never_outgrows_its_five_digits() -> None:
    """A clock stuck behind the HLC for a long time (issue 13: the counter reached 13,819) must not
    make the text form longer, which would break its order."""
    h = Hlc(1_000_000, MAX_LC - 2, NODE)
    seen = [h]
    for _ in range(5):
        seen.append(tick(seen[-1], 0))
    assert all(re.fullmatch(r"\d{13}-\d{5}-[0-9a-f]{8}", str(x)) for x in seen)
    texts = [str(x) for x in seen]
    assert texts == sorted(texts) and len(set(texts)) == len(texts)
    assert seen[-1].pt == 1_000_001


@given(st.builds(Hlc, pts, st.integers(0, MAX_LC), st.just(NODE)), st.lists(pts, min_size=1, max_size=30))
def test_text_form_stays_fixed_width_and_ordered_for_any_counter(start: Hlc, clock: list[int]) -> None:
    seen = [start]
    for phys in clock:
        seen.append(tick(seen[-1], phys))
    texts = [str(h) for h in seen]
    assert all(len(t) == len(texts[0]) for t in texts)
    assert texts == sorted(texts)


def test_clock_two_days_fast_comes_back_when_the_server_says_its_time() -> None:
    """Issue 13: after editing with a clock two days fast, every later change was flagged
    clock_ahead. Once the server has said its time the HLC returns to it."""
    real = 1_790_000_000_000
    fast = real + 2 * 86_400_000
    h = tick(tick(Hlc(0, 0, NODE), fast), fast + 1000)  # edits made while the PC clock was fast, offline
    assert tick(h, real) > h  # between syncs: never backwards, whatever the PC clock says
    back = at_server_time(h, real)
    assert back.pt == real and back.lc == 0
    assert tick(back, real + 5).pt == real + 5
    near = Hlc(real + MAX_AHEAD_MS - 1, 3, NODE)  # within the server's tolerance: kept
    assert at_server_time(near, real) == near


def test_a_far_future_remote_clock_is_capped_at_the_servers_tolerance() -> None:
    real = 1_790_000_000_000
    poisoned = Hlc(real + 40 * 86_400_000, 0, "ffffffff")
    assert receive(Hlc(real - 50, 0, NODE), cap_remote(poisoned, real), real).pt == real + MAX_AHEAD_MS
    ok = Hlc(real + 5, 1, "ffffffff")
    assert cap_remote(ok, real) == ok


# --- shift identity (uuid5) --------------------------------------------------------------------------------

def test_shift_id_is_uuid5_of_ward_date_and_code() -> None:
    wid = ids.ward_id("W7")
    sid = ids.shift_id(wid, date(2026, 3, 3), "early")
    assert sid == str(uuid.uuid5(ids.NS_SHIFT, f"{wid}/2026-03-03/early"))
    assert uuid.UUID(sid).version == 5


def test_shift_id_is_pinned() -> None:
    """Changing a namespace or the name format would split every shift ever recorded in two."""
    assert ids.ward_id("w7 ") == ids.ward_id("W7") == str(uuid.uuid5(ids.NS_WARD, "W7"))
    assert ids.shift_id(ids.ward_id("W7"), date(2026, 3, 3), "early") == str(
        uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a01"), f"{ids.ward_id('W7')}/2026-03-03/early"))


@given(st.dates(), st.sampled_from(["early", "late", "night", "long_day"]), st.sampled_from(["W7", "AMU", "W12"]))
def test_shift_id_deterministic_and_distinct(d: date, code: str, ward: str) -> None:
    a = ids.shift_id(ids.ward_id(ward), d, code)
    assert a == ids.shift_id(ids.ward_id(ward), d, code)
    assert a != ids.shift_id(ids.ward_id(ward), d, code + "x")
    assert a != ids.shift_id(ids.ward_id(ward + "X"), d, code)


# --- uuid7 ------------------------------------------------------------------------------------------

def test_uuid7_version_and_variant_bits() -> None:
    for _ in range(200):
        u = uuid.UUID(ids.uuid7())
        assert u.version == 7
        assert u.variant == uuid.RFC_4122


def test_uuid7_monotonic_and_unique_in_a_burst() -> None:
    burst = [ids.uuid7() for _ in range(20_000)]
    assert burst == sorted(burst)
    assert len(set(burst)) == len(burst)


def test_uuid7_monotonic_when_the_clock_stands_still_or_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as real_time

    now = real_time.time_ns()
    first = ids.uuid7()
    readings = iter([now] * 6000 + [now - 3_600 * 10**9] * 3000)  # frozen, then an hour back
    monkeypatch.setattr(ids.time, "time_ns", lambda: next(readings))
    burst = [first] + [ids.uuid7() for _ in range(9000)]
    assert burst == sorted(burst), "uuid7 went backwards (12-bit counter overflow or clock step)"
    assert len(set(burst)) == len(burst)
    assert all(uuid.UUID(u).version == 7 for u in burst)


def test_uuid7_timestamp_is_the_clock_in_ms() -> None:
    import time as real_time

    before = real_time.time_ns() // 10**6
    u = uuid.UUID(ids.uuid7())
    assert before - 5 <= u.int >> 80 <= real_time.time_ns() // 10**6 + 5


@given(st.text(max_size=60), st.uuids())
def test_the_fast_uuid5_is_the_standard_librarys(name: str, namespace: uuid.UUID) -> None:
    """``ids.uuid5`` (no UUID object: a station checks every pulled shift's id) gives the same text."""
    try:
        expected = str(uuid.uuid5(namespace, name))
    except UnicodeEncodeError:  # a lone surrogate: both refuse it
        with pytest.raises(UnicodeEncodeError):
            ids.uuid5(namespace, name)
        return
    assert ids.uuid5(namespace, name) == expected
