"""Holding an async method mid-call, so that a test can act while it runs.

Shutdown and one-runner tests cancel a runner, or ask again, while the store
is in the middle of a write (a chunk, a lease release); this patches the
method to say when it has been entered and to wait for the test before it
does its work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

__all__ = ["Hold", "held"]


@dataclass(frozen=True)
class Hold:
    entered: asyncio.Event = field(default_factory=asyncio.Event)  # call began
    released: asyncio.Event = field(default_factory=asyncio.Event)  # let it go on


@contextlib.contextmanager
def held(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> Iterator[Hold]:
    """While inside, every call of ``owner.name`` waits for ``released``."""
    hold = Hold()
    real = getattr(owner, name)

    async def held_call(*args: Any, **kwargs: Any) -> Any:
        hold.entered.set()
        await hold.released.wait()
        return await real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(owner, name, held_call)
        yield hold
