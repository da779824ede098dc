"""A push cancelled after it took its station's turn, while it waited for a worker thread, gives the turn back
(reviewer, issue 13): the turn is otherwise released only by the worker thread's ``station.turn(held=True)``,
so a push cancelled before any thread ran it (every worker busy with pulls; a server shutting down) left it
held and the station's next pushes waited out ``PIPELINED_LOCK_WAIT``.

The push's database work is replaced by a stand-in that takes the turn the same way (``station.turn``): what is
tested is the endpoint's hand-over between the event loop and the worker threads (``sync.push_awaiting_turn``)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import anyio.to_thread
import pytest

from trust_server import sync
from trust_server.push_turns import PushTurns
from trust_server.sync import ClientHeaders

DEVICE = "11111111-1111-4111-8111-111111111111"


class _Request:
    device_id = DEVICE


def test_a_push_cancelled_before_its_thread_ran_gives_the_turn_back(monkeypatch: pytest.MonkeyPatch) -> None:
    turns = PushTurns()
    release_blocker = threading.Event()
    applied: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1  # the server's 40 threads, all busy

        async def blocker() -> None:  # a long pull holding the last worker thread
            await anyio.to_thread.run_sync(release_blocker.wait)

        def prepare(req: Any, clock: Any, *_engine_device_headers_station: Any) -> None:
            loop.call_soon_threadsafe(lambda: loop.create_task(blocker()))
            time.sleep(0.05)

        def in_turn(engine: Any, device_id: str, req: Any, headers: Any, clock: Any, prepared: Any, plain: bool,
                    station: Any, wait_s: float, held: bool = False) -> dict[str, bool]:
            with station.turn(wait_s, held=held):
                applied.append(device_id)
                return {"ok": True}

        monkeypatch.setattr(sync, "prepare_push", prepare)
        monkeypatch.setattr(sync, "push_in_turn", in_turn)
        task = loop.create_task(sync.push_awaiting_turn(None, DEVICE, _Request(), ClientHeaders(pipelined=True),  # type: ignore[arg-type]
                                                        clock=None, turns=turns, answer=lambda a: a, plain=True))  # type: ignore[arg-type]
        for _ in range(300):  # until the push holds its turn and waits for a worker thread
            await asyncio.sleep(0.01)
            entry = turns._stations.get(DEVICE)
            if entry is not None and entry.held:
                break
        assert turns._stations[DEVICE].held
        with turns.station(DEVICE, pipelined=True, limit=2) as station:  # the station's next push, sent ahead
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            release_blocker.set()
            assert await station.acquire_async(1.0), "the cancelled push kept its station's turn"
            station.release()
        assert applied == []  # the cancelled push applied nothing

    asyncio.run(main())
