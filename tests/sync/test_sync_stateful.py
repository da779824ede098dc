"""SYNC.md 4.1 property test: random stations, edits (often the same shift and field), offline periods,
clock skews, lost push responses and syncs; after quiescence (everyone online, synced until nothing
is pending, twice) nothing is lost, nothing is duplicated and every station equals the server.

Bounded so it stays under a minute on two cores: 15 examples of up to 25 steps, 3 stations each.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from support.clocks import SUITE_MS, SUITE_TODAY
from sync_support import STAFF, Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain.hlc import MAX_AHEAD_MS
from hardtruths_desktop.domain.validation import ValidationError

HOUR_MS = 3_600_000
DAYS = [SUITE_TODAY - timedelta(days=k) for k in range(1, 5)]
MONTHS = sorted({month_of(d) for d in DAYS})
SKEWS = {
    "right": 0,
    "slow_3h": -3 * HOUR_MS,
    "fast_2d": 48 * HOUR_MS,
    "reset_2000": int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000) - SUITE_MS,
}
N_STATIONS = 3


class WardSync(RuleBasedStateMachine):
    server: ClassVar[Server]

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ht-stateful-"))
        self.stations: list[Station] = []
        self.committed: set[str] = set()
        self.ward = ""

    @initialize()
    def enrol_stations(self) -> None:
        self.ward = new_ward_code()
        self.server.create_ward(self.ward)
        for i in range(N_STATIONS):
            s = Station(self.tmp / f"s{i}")
            if i == 0:
                s.set_up_ward(self.ward)
            s.enrol(self.server, self.ward)
            assert s.sync().ok
            self.stations.append(s)
        self.committed = {r["mutation_id"] for s in self.stations for r in s.outbox()}

    @rule(i=st.integers(0, N_STATIONS - 1), day=st.sampled_from(DAYS), shift=st.sampled_from(["early", "late", "night"]),
          what=st.sampled_from(["rn", "care", "notes", "nic"]), value=st.integers(0, 6))
    def edit(self, i: int, day: date, shift: str, what: str, value: int) -> None:
        kw: dict[str, Any] = {}
        if what in ("rn", "care"):
            kw[what] = value
        elif what == "notes":
            kw["notes"] = f"note {value}"
        else:
            kw["nic"] = STAFF[value % len(STAFF)][0]
        try:
            self.committed.update(self.stations[i].record(day, shift, **kw))
        except ValidationError:
            pass  # the station refused the save (e.g. a nurse in charge with no RN on duty): nothing committed

    @rule(i=st.integers(0, N_STATIONS - 1))
    def toggle_network(self, i: int) -> None:
        self.stations[i].net.online = not self.stations[i].net.online

    @rule(i=st.integers(0, N_STATIONS - 1), skew=st.sampled_from(sorted(SKEWS)))
    def skew_clock(self, i: int, skew: str) -> None:
        self.stations[i].clock.offset_ms = SKEWS[skew]

    @rule(i=st.integers(0, N_STATIONS - 1))
    def drop_next_push_response(self, i: int) -> None:
        self.stations[i].net.drop_push_responses = 1

    @rule(i=st.integers(0, N_STATIONS - 1))
    def sync(self, i: int) -> None:
        result = self.stations[i].sync()
        assert result.ok or result.error == "offline", result  # never an unexpected failure or a refusal
        assert result.rejected == 0, result

    def teardown(self) -> None:
        try:
            if self.stations:
                self._quiesce_and_check()
        finally:
            for s in self.stations:
                s.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _quiesce_and_check(self) -> None:
        for s in self.stations:
            s.net.online, s.net.drop_push_responses = True, 0
        for _ in range(2):  # sync until nothing is pending, twice (the second round pulls the others' last pushes)
            for _ in range(3):
                for s in self.stations:
                    s.sync()
                if all(s.pending() == 0 for s in self.stations):
                    break
        for s in self.stations:
            assert s.states().keys() <= {"acked"}, s.states()  # no outbox row left pending, none rejected
            hlcs = s.hlcs()
            # HLC monotonic whatever the clock did, except where a clock far ahead of the server's was
            # brought back to the server's time (issue 13, as test_8 in test_sync_conflicts asserts)
            ahead = SUITE_MS + MAX_AHEAD_MS
            assert all(b > a or a.pt > ahead for a, b in itertools.pairwise(hlcs)), hlcs
            assert len(set(hlcs)) == len(hlcs)
        outbox_ids = [r["mutation_id"] for s in self.stations for r in s.outbox()]
        assert self.committed <= set(outbox_ids)  # no locally committed mutation vanished from an outbox
        applied = self.server.applied(outbox_ids)
        assert applied == dict.fromkeys(outbox_ids, 1)  # every one on the server exactly once
        for month in MONTHS:
            expected = self.server.staffing(self.ward, month)
            for s in self.stations:
                assert s.staffing(month) == expected, (s.dir.name, month)


def test_stateful_stations_converge_without_loss_or_duplicates(server: Server) -> None:
    WardSync.server = server
    run_state_machine_as_test(WardSync, settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None, database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a failure prints its steps at once
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
