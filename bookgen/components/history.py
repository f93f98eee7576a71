"""LoadOlder: the chat panel's way back to older messages.

The panel first shows the newest messages only (a long book has hundreds).
``assets/load_older.jsx`` asks for the page before the oldest shown when the
author scrolls the thread to its top (or clicks), once per page, and keeps the
scroll position when the older bubbles arrive above.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import no_args_event_spec

from bookgen.state.book import BookState

__all__ = ["LoadOlder", "load_older"]


class LoadOlder(rx.Component):
    """Wrapper around the local ``LoadOlder`` React component."""

    library = "$/public/load_older.jsx"
    tag = "LoadOlder"

    # Id of the oldest message shown: one request per value.
    oldest: rx.Var[int]
    # Fired when the thread is scrolled to its top, or on click.
    on_visible: rx.EventHandler[no_args_event_spec]


def load_older() -> rx.Component:
    """Shown while the thread has messages before those on the page."""
    return rx.cond(
        BookState.has_older,
        LoadOlder.create(
            "Load older messages",
            oldest=rx.cond(BookState.thread, BookState.thread[0].id, 0),
            on_visible=BookState.load_older,
            id="load-older",
            class_name="load-older",
        ),
    )
