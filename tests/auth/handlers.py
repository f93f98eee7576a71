"""Every public event handler of every bookgen state, found from the classes,
with the arguments a client could send: plausible ones and hostile ones.

A handler added later is covered without touching the tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.state import BaseState

import bookgen.pages  # noqa: F401  (imports every state the app serves)

__all__ = ["Handler", "hostile_values", "public_handlers"]

# Just under Reflex's 1 MB socket message cap, with the event's envelope.
BIG = "x" * 900_000


@dataclass(frozen=True)
class Handler:
    state: str  # full state name, as events carry it
    name: str
    params: tuple[str, ...]

    @property
    def event(self) -> str:
        return f"{self.state}.{self.name}"


def _states(cls: type[BaseState]) -> Iterator[type[BaseState]]:
    for sub in sorted(cls.get_substates(), key=lambda c: c.get_full_name()):
        if sub.__module__.startswith("bookgen."):
            yield sub
        yield from _states(sub)


def public_handlers() -> list[Handler]:
    """(state, handler, parameter names) for every handler a client can call."""
    found: list[Handler] = []
    for state in _states(rx.State):
        for name, handler in sorted(state.event_handlers.items()):
            fn = handler.fn
            params = tuple(inspect.signature(fn).parameters)[1:]  # minus self
            found.append(Handler(state.get_full_name(), name, params))
    return found


def hostile_values() -> list[Any]:
    """Wrong types, huge and negative ids, markup, odd text, a near-1 MB string."""
    return [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        2**70,
        -1,
        0,
        3.5,
        None,
        True,
        [],
        {"id": [1, 2]},
        "1_0",
        "١٢",
        "\u202eevil",
        "nul\x00byte",
        "1; DROP TABLE book; --",
        BIG,
    ]
