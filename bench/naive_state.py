"""The baseline the benchmark compares against: a growing ``str`` var.

Registered only in the benchmark's app (bench/app.py). It streams a given
text at the same pace and push cadence as the real app, the way a naive Reflex
app would.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from bookgen.llm.offline_writer import split_words

__all__ = ["NaiveState"]


class NaiveState(rx.State):
    text: str = ""
    done: bool = False

    @rx.event(background=True)
    async def stream(self, text: str, words_per_second: float, flush_ms: float):
        async with self:
            self.text, self.done = "", False
        pending: list[str] = []
        loop = asyncio.get_running_loop()
        last = 0.0
        for word in split_words(text):
            await asyncio.sleep(1 / words_per_second)
            pending.append(word)
            if loop.time() - last >= flush_ms / 1000:
                last = loop.time()
                async with self:
                    self.text += "".join(pending)
                pending.clear()
        async with self:
            self.text += "".join(pending)
            self.done = True
