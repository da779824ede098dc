"""Cold start to a shown main window vs a bare PySide6 window, in the same run.

Target (issue 2): at most 3x the bare window. Each sample is a fresh Python process (spawn to
first paint), offscreen, on a demo store made once. We also report "ready to sign in" (the
sign-in page listing the ward's names; since issue 13 read from the file before the store opens,
target <= 3x) and "store open" (the store opened on the worker and the work tabs built: a PIN
typed before this waits for it).
Run: .venv/bin/python benchmarks/bench_cold_start.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
BARE = r"""
import os, sys, time, json
t0 = float(os.environ["HARDTRUTHS_BENCH_T0"])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QLabel("Hello")); w.resize(1280, 800)
def painted():
    print(json.dumps({"shown_ms": (time.time() - t0) * 1000})); app.quit()
w.show(); QTimer.singleShot(0, painted); app.exec()
"""


PROBE = str(Path(__file__).resolve().parent / "cold_start_probe.py")  # the real start-up, timed


def sample(args: list[str]) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HARDTRUTHS_BENCH_T0": repr(time.time())}
    out = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    subprocess.run([sys.executable, "-m", "hardtruths_desktop", "demo", "--data-dir", str(data)], check=True, capture_output=True)
    sample(["-c", BARE])  # warm the OS file cache for both
    sample([PROBE, "--data-dir", str(data), "--until", "ready"])
    bare, shown, ready, store = [], [], [], []
    for _ in range(RUNS):
        bare.append(sample(["-c", BARE])["shown_ms"])
        r = sample([PROBE, "--data-dir", str(data), "--until", "ready"])
        shown.append(r["shown_ms"])
        ready.append(r["ready_ms"])
        store.append(r["store_ms"])
    b, s, r_ = statistics.median(bare), statistics.median(shown), statistics.median(ready)
    print(f"bare PySide6 window shown: median {b:.0f} ms")
    print(f"ward station main window shown: median {s:.0f} ms  -> {s / b:.2f}x bare  target <= 3x  {'MET' if s / b <= 3 else 'NOT MET'}")
    print(f"ward station ready to sign in (names listed): median {r_:.0f} ms  -> {r_ / b:.2f}x bare  target <= 3x  "
          f"{'MET' if r_ / b <= 3 else 'NOT MET'}")
    st = statistics.median(store)
    print(f"ward station store open behind it (work tabs built): median {st:.0f} ms  -> {st / b:.2f}x bare  "
          f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
