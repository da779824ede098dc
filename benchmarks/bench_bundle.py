"""The frozen bundle: its size, and its cold start against the unfrozen program in the same run.

Target (issue 14): the frozen station starts within 2x the unfrozen start. Each sample is a fresh
process, offscreen, on one demo store, timed by the station's own start-up probe (``ui/probe.py``:
process spawn -> main window first painted, and -> sign-in list filled), alternating frozen and
unfrozen so both see the same machine load. The bundle is the one the tests use (built from this
checkout and cached by content hash, tests/support/bundle.py).
Run: .venv/bin/python benchmarks/bench_bundle.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from support.bundle import built_bundle, program  # noqa: E402


def size_of(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def sample(command: list[str], data: Path, work: Path) -> dict[str, float]:
    out = work / "probe.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HARDTRUTHS_PROBE": "ready", "HARDTRUTHS_PROBE_OUT": str(out),
           "HARDTRUTHS_BENCH_T0": repr(time.time())}
    subprocess.run([*command, "--data-dir", str(data)], env=env, check=True, capture_output=True, timeout=120)
    result: dict[str, float] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7)
    runs = p.parse_args().runs
    t = time.perf_counter()
    bundle = built_bundle()
    print(f"bundle: {bundle} (ready in {time.perf_counter() - t:.0f} s; cached by content hash)")
    size, count = size_of(bundle)
    print(f"bundle size: {size / 2**20:.0f} MiB in {count} files")
    work = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    data = work / "station"
    subprocess.run([sys.executable, "-m", "hardtruths_desktop", "demo", "--data-dir", str(data)], check=True, capture_output=True)
    frozen = [str(program(bundle))]
    unfrozen = [sys.executable, "-m", "ui"]
    for command in (frozen, unfrozen):  # warm the OS file cache for both
        sample(command, data, work)
    shown: dict[str, list[float]] = {"frozen": [], "unfrozen": []}
    ready: dict[str, list[float]] = {"frozen": [], "unfrozen": []}
    for _ in range(runs):
        for name, command in (("frozen", frozen), ("unfrozen", unfrozen)):
            r = sample(command, data, work)
            shown[name].append(r["shown_ms"])
            ready[name].append(r["ready_ms"])
    for label, values in (("main window shown", shown), ("ready (sign-in list filled)", ready)):
        f, u = statistics.median(values["frozen"]), statistics.median(values["unfrozen"])
        verdict = "MET" if f / u <= 2 else "NOT MET"
        print(f"{label}: frozen median {f:.0f} ms, unfrozen median {u:.0f} ms -> {f / u:.2f}x unfrozen  target <= 2x  {verdict}")


if __name__ == "__main__":
    main()
