"""One sync schedule (SYNC.md 3.12): the one mapping from a cycle's result to the next run, which the
command line's ``sync`` loop and the GUI's sync runner both use. Pure arithmetic on monotonic seconds."""

from __future__ import annotations

import random

import pytest

from hardtruths_desktop.sync.engine import SyncResult
from hardtruths_desktop.sync.scheduler import AFTER_SAVE_S, IDLE_S, WHILE_PENDING_S, SyncSchedule

NOW = 1000.0


def _schedule() -> SyncSchedule:
    return SyncSchedule(rng=random.Random(7))


def test_a_clean_cycle_with_nothing_waiting_runs_again_in_5_minutes() -> None:
    s = _schedule()
    assert s.cycle_done(NOW, SyncResult(ok=True, pending=0)) == "idle"
    assert s.next_at == NOW + IDLE_S and s.failures == 0


def test_changes_saved_during_a_cycle_are_not_a_failure_no_backoff() -> None:
    """The engine reports ok=False, error="pending" when it finished cleanly yet something was saved
    meanwhile: the server is reachable, so the next run is the 60 s "while pending" one."""
    s = _schedule()
    s.cycle_done(NOW, SyncResult(ok=False, error="offline", message="down"))
    s.cycle_done(NOW, SyncResult(ok=False, error="offline", message="down"))
    assert s.failures == 2
    assert s.cycle_done(NOW, SyncResult(ok=False, error="pending", pending=3)) == "pending"
    assert s.failures == 0 and s.next_at == NOW + WHILE_PENDING_S
    s.saved(NOW + 1)  # a save still brings the next run forward (debounced), as after any success
    assert s.next_at == NOW + 1 + AFTER_SAVE_S


def test_network_trouble_backs_off_with_full_jitter_and_honours_retry_after() -> None:
    s = _schedule()
    delays = []
    for _ in range(12):
        assert s.cycle_done(NOW, SyncResult(ok=False, error="offline")) == "backoff"
        delays.append(s.next_at - NOW)
    assert all(0 <= d <= min(300, 2**k) for k, d in enumerate(delays, start=1))
    assert max(delays) > 16  # it does grow
    s.cycle_done(NOW, SyncResult(ok=False, error="server_busy", retry_after=120.0))
    assert s.next_at >= NOW + 120
    s.cycle_done(NOW, SyncResult(ok=True))
    assert s.failures == 0


@pytest.mark.parametrize("error", ["revoked", "not_enrolled", "client_too_old", "needs_enrolment"])
def test_a_stop_that_needs_a_person_looks_again_only_slowly(error: str) -> None:
    s = _schedule()
    assert s.cycle_done(NOW, SyncResult(ok=False, error=error, retryable=False)) == "stopped"
    assert s.next_at == NOW + IDLE_S


def test_the_cli_loop_and_the_gui_runner_use_the_one_mapping() -> None:
    """Both callers go through ``SyncSchedule.cycle_done`` (and nothing else arms the timer after a cycle)."""
    import inspect

    from hardtruths_desktop import cli
    from hardtruths_desktop.sync import loop

    assert "run_loop(" in inspect.getsource(cli.cmd_sync)  # the CLI's loop lives in sync/loop.py
    src = inspect.getsource(loop)
    assert "schedule.cycle_done(" in src
    assert not any(word in src for word in ("schedule.succeeded", "schedule.failed", "schedule.stopped"))
