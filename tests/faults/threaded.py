"""The fake OpenAI server (openai_server.py) on a thread of its own, for tests
that start the real app in a subprocess: the app may call it at any time."""

from __future__ import annotations

import asyncio
import threading

from tests.faults.openai_server import FakeOpenAI, running_server

__all__ = ["CountingModel"]


class CountingModel:
    """The fake OpenAI server on its own thread and loop: the app may call it
    at any time, and every request is logged in ``server.calls``."""

    def __init__(self, delay: float) -> None:
        self.server = FakeOpenAI(delay=delay)
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        async with running_server(self.server):
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> CountingModel:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake OpenAI server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def requests(self) -> int:
        return len(self.server.calls)
