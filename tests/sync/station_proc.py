"""A ward station's sync as its own process, for the multi-process test.

The real CLI keeps the device secret in the OS keyring; tests never touch the real keychain, so this
script uses ``MemoryCredentials`` and passes the secret between runs in ``HT_DEVICE_SECRET``:

    python station_proc.py enrol DATA_DIR SERVER_URL CODE WARD   -> JSON {device_id, secret, result}
    HT_DEVICE_SECRET=... python station_proc.py sync DATA_DIR     -> JSON result of one cycle
    HT_DEVICE_SECRET=... python station_proc.py loop DATA_DIR     -> the looping sync (``sync.loop``), a JSON
                                                                    line per cycle, until killed

``HT_STATION_CLOCK`` (required; ISO time) pins the station's clock: tests never read today's date.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from hardtruths_desktop.domain.clock import parse_clock
from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.sync.credentials import MemoryCredentials
from hardtruths_desktop.sync.engine import SyncEngine


def main(argv: list[str]) -> int:
    mode, folder = argv[0], Path(argv[1])
    store = Store(folder, parse_clock(os.environ["HT_STATION_CLOCK"]))
    creds = MemoryCredentials()
    engine = SyncEngine(store, creds)
    out: dict[str, object] = {}
    if mode == "enrol":
        res = engine.enrol(argv[2], argv[3], argv[4])
        out["device_id"], out["secret"] = res.device_id, creds.get(res.device_id)
    else:
        device_id = sync_store.sync_info(store).device_id
        assert device_id
        creds.set(device_id, os.environ["HT_DEVICE_SECRET"])
    if mode == "loop":
        from hardtruths_desktop.sync.loop import run_loop

        run_loop(engine, lambda r: print(json.dumps(r.to_json()), flush=True))
        return 0
    result = engine.sync_once()
    out["result"] = result.to_json()
    store.close()
    print(json.dumps(out))
    return 0 if result.ok else 4


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
