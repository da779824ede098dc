"""A save made by any process reaches the server while the looping ``sync`` runs (issue 13).

The looping sync (``sync.loop.run_loop``, what ``hardtruths-desktop sync`` runs as a scheduled task)
is its own OS process; the save is made by another one (this test's own store, as the GUI or the
command line would). The loop is idle (its next cycle 5 minutes away) when the save is made, so the
save arrives within the bound below only because the loop noticed the outbox grow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from support.clocks import SUITE_ISO, SUITE_TODAY
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.sync import scheduler

PROC = str(Path(__file__).with_name("station_proc.py"))
DAY = SUITE_TODAY - timedelta(days=1)
#: far below the idle interval (the loop's next cycle without the watch), far above a cycle here
BOUND_S = 60.0


def test_a_save_by_another_process_is_sent_while_the_loop_idles(server: Server, make_station: Callable[..., Station]) -> None:
    assert BOUND_S < scheduler.IDLE_S
    ward = new_ward_code()
    server.create_ward(ward)
    st = make_station("a").set_up_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok
    info = st.info()
    assert info.device_id
    secret = st.credentials.get(info.device_id)
    assert secret
    loop = subprocess.Popen([sys.executable, PROC, "loop", str(st.dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "HT_DEVICE_SECRET": secret, "HT_STATION_CLOCK": SUITE_ISO})
    try:
        assert loop.stdout is not None
        first = json.loads(loop.stdout.readline())  # its first cycle: nothing to send, now idle for 5 minutes
        assert first["ok"] and first["pushed"] == 0, first
        for rn in (3, 4):  # twice: the loop keeps watching after the cycle the first save started
            mids = st.record(DAY, "early", rn=rn)
            deadline = time.monotonic() + BOUND_S
            while server.applied(mids) != dict.fromkeys(mids, 1) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert server.applied(mids) == dict.fromkeys(mids, 1), f"not sent within {BOUND_S} s while the loop idled"
            rec = server.record("shift", st.shift_id(DAY, "early"))
            assert rec is not None and rec["data"]["groups.rn.actual"] == rn
    finally:
        loop.terminate()
        loop.communicate(timeout=30)
