"""A bad network link on loopback: a TCP proxy that slows, delays, stalls and resets.

Used by the sync soak tests (SYNC.md 4.2 #24: 2 Mbit/s, 300 ms round trip, lossy). Loss at the
packet level would need kernel queueing rules on a shared interface; here it shows up as what a
station sees of it: chunks that stall for a retransmission timeout and connections reset mid-way.
Every timing is bounded; the proxy stops with its ``with`` block.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from types import TracebackType
from urllib.parse import urlsplit


class LossyProxy:
    def __init__(self, upstream_url: str, bandwidth_bps: int = 2_000_000, rtt_s: float = 0.3, stall_chance: float = 0.05,
                 stall_s: float = 1.0, reset_chance: float = 0.01, seed: int = 0, stall_sends_over: int | None = None) -> None:
        u = urlsplit(upstream_url)
        self.upstream = (u.hostname or "127.0.0.1", u.port or 80)
        self.bytes_per_s = bandwidth_bps / 8
        self.one_way_s = rtt_s / 2
        self.stall_chance, self.stall_s, self.reset_chance = stall_chance, stall_s, reset_chance
        #: a link that cannot carry a burst this large from the station in time (every larger chunk stalls)
        self.stall_sends_over = stall_sends_over
        self.rng = random.Random(seed)
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self.resets = 0
        self.stalls = 0
        self._threads: list[threading.Thread] = []

    def _chance(self, p: float) -> bool:
        with self._lock:
            return self.rng.random() < p

    def __enter__(self) -> LossyProxy:
        t = threading.Thread(target=self._accept, name="lossy-proxy", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pump, args=(a, b, client, upstream, a is client), daemon=True)
                t.start()

    def _reset(self, *socks: socket.socket) -> None:
        for s in socks:
            try:  # RST, not FIN: what a dropped link looks like to the other end
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass

    def _pump(self, src: socket.socket, dst: socket.socket, client: socket.socket, upstream: socket.socket, outbound: bool) -> None:
        src.settimeout(0.5)
        try:
            while not self._stop.is_set():
                try:
                    data = src.recv(16384)
                except TimeoutError:
                    continue
                if not data:
                    break
                time.sleep(self.one_way_s + len(data) / self.bytes_per_s)
                big = outbound and self.stall_sends_over is not None and len(data) > self.stall_sends_over
                if big or self._chance(self.stall_chance):
                    self.stalls += 1
                    time.sleep(self.stall_s)  # a lost segment waits for its retransmission
                if self._chance(self.reset_chance):
                    self.resets += 1
                    self._reset(client, upstream)
                    return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
