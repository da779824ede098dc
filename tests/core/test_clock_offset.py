"""The server clock offset a station applies to its HLC (SYNC.md 3.7): only what the round trip lets
it see. A difference within half the round trip is measurement noise, so two stations with well-set
clocks order their edits by when they were made, whatever each one's network delay."""

from __future__ import annotations

from hardtruths_desktop.sync.engine import clock_offset

T0 = 1_790_000_000_000  # any instant: the rule is relative


def test_a_difference_within_half_the_round_trip_is_not_applied() -> None:
    assert clock_offset(T0 + 10 + 7, T0, T0 + 20) == 0  # 7 ms off the midpoint, round trip 20 ms
    assert clock_offset(T0 + 10 - 11, T0, T0 + 20) == 0  # the stamp's own millisecond
    assert clock_offset(T0, T0, T0) == 0


def test_two_stations_on_one_clock_agree_whatever_their_round_trips() -> None:
    server = T0 + 3  # both answered by the same server clock reading
    a = clock_offset(server, T0, T0 + 6)  # a fast answer
    b = clock_offset(server, T0 - 12, T0 + 14)  # a slow one, its midpoint elsewhere
    assert a == b == 0


def test_a_clock_error_larger_than_the_round_trip_is_corrected() -> None:
    assert clock_offset(T0 + 10 + 5_000, T0, T0 + 20) == 5_000  # PC 5 s slow
    assert clock_offset(T0 + 10 - 3 * 3_600_000, T0, T0 + 20) == -3 * 3_600_000  # PC 3 h fast
    assert clock_offset(T0 + 50 + 52, T0, T0 + 100) == 52  # just beyond half of a 100 ms round trip
    # a PC clock reset to 2000: the server's time is ~26 years ahead
    assert clock_offset(1_790_000_000_000, 946_684_800_000, 946_684_800_040) > 800_000_000_000


def test_a_clock_that_went_back_during_the_request_counts_no_negative_round_trip() -> None:
    assert clock_offset(T0 + 100, T0, T0 - 50) == 100
