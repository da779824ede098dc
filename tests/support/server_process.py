"""The real ``hardtruths-server`` as its own OS process (several may share one PostgreSQL).

    with ServerProcess.start(database_url, data_dir) as srv:   # waits for /health
        srv.url, srv.pid, srv.peak_rss_kb(), srv.log_text()

Its output goes to ``<data_dir>/server-<port>.log``; ``stop()`` terminates it (twice is harmless).
Its clock is pinned at the suite's "now" (``HARDTRUTHS_SERVER_PINNED_CLOCK``, with
``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1``: a test server; ``pinned_clock=`` another ISO time) so what it
accepts never depends on the day the suite runs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, parse_clock
from support.clocks import SUITE_ISO
from support.live_server import ADMIN_TOKEN
from support.postgres import free_port
from trust_server.settings import ENV_ALLOW_PINNED_CLOCK, ENV_PINNED_CLOCK


class ServerProcess:
    def __init__(self, database_url: str | None, data_dir: Path, port: int | None = None,
                 pinned_clock: str | None = SUITE_ISO) -> None:
        """``pinned_clock``: None runs the server on the PC's clock (benchmarks, whose stations use it too)."""
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"server-{self.port}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "trust_server.cli", "--data-dir", str(data_dir), "--port", str(self.port)]
        if database_url:
            cmd[3:3] = ["--database-url", database_url]
        env = {k: v for k, v in os.environ.items() if k not in (ENV_PINNED_CLOCK, ENV_ALLOW_PINNED_CLOCK)}
        env["HARDTRUTHS_ADMIN_TOKEN"] = ADMIN_TOKEN
        if pinned_clock:
            env[ENV_PINNED_CLOCK] = pinned_clock
            env[ENV_ALLOW_PINNED_CLOCK] = "1"  # a test server: its pinned clock is meant
        #: the server's clock as the test sees it (its "now" stands still at ``pinned_clock``)
        self.clock: Clock = parse_clock(pinned_clock) if pinned_clock else SYSTEM_CLOCK
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    @classmethod
    def start(cls, database_url: str | None, data_dir: Path, port: int | None = None, timeout: float = 60,
              pinned_clock: str | None = SUITE_ISO) -> ServerProcess:
        srv = cls(database_url, data_dir, port, pinned_clock)
        if not srv.wait_healthy(timeout):
            srv.stop()
            raise RuntimeError(f"hardtruths-server did not answer /health: {srv.log_text()[-2000:]}")
        return srv

    def wait_healthy(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return True
            time.sleep(0.1)
        return False

    def peak_rss_kb(self) -> int:
        """The process's peak resident memory so far (VmHWM), in KB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise RuntimeError("no VmHWM")  # pragma: no cover - Linux always has it

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
