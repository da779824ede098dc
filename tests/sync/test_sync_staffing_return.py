"""The trust server's monthly staffing return is the station's (issue 11): after a sync, every column
of the server's ``staffing-return`` equals the station's ``export staffing-return`` row, including
the completeness columns, the per-group columns (nursing associates, AHP) and a withdrawn shift.
Both run ``domain.staffing_return`` on their own records; this proves the records agree too."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date

import pytest
from support.live_server import server_time
from sync_support import Clock, Server, Station, new_ward_code

from hardtruths_desktop import cli
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import (
    ShiftChange,
    escalate_computed_flag,
    save_shift,
    set_patients_at_midnight,
    withdraw_shift,
)

AS_OF = FixedClock.london(2026, 12, 1, 10)  # November is over


@pytest.fixture
def _server_at_as_of(server: Server) -> Iterator[None]:
    """The trust server's clock where the station's stands (its checks of clocks and dates as of then)."""
    with server_time(server.live, AS_OF.now()):
        yield


def test_the_servers_return_equals_the_stations_column_for_column(server: Server, make_station: Callable[..., Station],
                                                                  _server_at_as_of: None) -> None:
    ward = new_ward_code()
    clock = Clock(fixed_ms=int(AS_OF.now().timestamp() * 1000))
    st = make_station("return", clock=clock).set_up_ward(ward, plan_from=date(2025, 1, 1))
    w = st.ward()
    with st.store.read() as s:
        sister = queries.find_staff(s, w.id, "Mary O'Neill")
    with st.store.write(Actor(sister.id, sister.name)) as tx:
        for d in range(1, 8):
            day = date(2026, 11, d)
            for code in ("early", "late", "night"):
                if (d, code) in ((3, "night"), (5, "early")):
                    continue  # never recorded: named in both returns
                groups: dict[str, dict[str, float | int]] = {"rn": {"actual": 4 if code != "night" else 3}, "care": {"actual": 2}}
                if code == "early":
                    groups |= {"rna": {"actual": 1}, "nrna": {"actual": 1, "actual_hours": 7.5}, "ahp": {"actual": 1, "actual_hours": 6}}
                save_shift(tx, w, day, code, ShiftChange(groups=groups), tx.today)
            if d != 4:
                set_patients_at_midnight(tx, w, day, 22 + d)
        withdraw_shift(tx, w, date(2026, 11, 6), "late", "recorded on the wrong date")
        save_shift(tx, w, date(2026, 11, 7), "night", ShiftChange(groups={"rn": {"actual": 1}}), tx.today)
        flag = escalate_computed_flag(tx, w, date(2026, 11, 7), "night", "fewer_than_two_rn", "Site team", tx.today)
    server.create_ward(ward)
    st.enrol(server, ward)
    result = st.sync_until_quiet()
    assert result.ok and result.rejected_total == 0, result
    # the escalated computed red flag reached the trust, linked to its shift, checked by the shared schema
    held = server.record("red_flag", flag.id)
    assert held is not None and not held["deleted"]
    assert (held["data"]["flag_type"], held["data"]["escalated_to"]) == ("fewer_than_two_rn", "Site team")
    assert held["data"]["shift_id"] == st.shift_id(date(2026, 11, 7), "night")

    out = st.dir / "return.csv"
    rc = cli.main(["export", "staffing-return", "--month", "2026-11", "--out", str(out), "--data-dir", str(st.dir)], clock=AS_OF)
    assert rc == 0
    station_row = next(r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))) if r["ward_code"] == ward)
    served = json.loads(server.admin("staffing-return", "--ward", ward, "--month", "2026-11", "--as-of",
                                     AS_OF.now().astimezone(UTC).isoformat(), "--json"))
    assert served["columns"] == list(station_row)
    differing = {k: (v, served["row"][k]) for k, v in station_row.items() if k not in ("site", "ward_name", "specialty")
                 and served["row"][k] != v}
    assert differing == {}
    # what is missing is named by both, never counted as zero
    assert station_row["unrecorded_shift_list"].startswith("2026-11-03 night; 2026-11-05 early; 2026-11-06 late; 2026-11-08 early")
    assert station_row["unrecorded_shifts"] == str(3 + 23 * 3)  # 8 to 30 November were never recorded at all
    assert station_row["days_without_count_list"].startswith("2026-11-04; 2026-11-08")
    assert float(station_row["nstf_day_nrna_actual_hours"]) == 6 * 7.5 and float(station_row["nstf_day_ahp_actual_hours"]) == 36
    assert served["complete"] is False and served["summary"] == "72 shifts not recorded, 24 days without a midnight count"
