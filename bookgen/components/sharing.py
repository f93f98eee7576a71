"""The author's sharing control on the book page (``book-visibility``)."""

from __future__ import annotations

import reflex as rx

from bookgen.state.book import BookState
from bookgen.state.views import Sharing

__all__ = ["sharing_control"]

_LABELS = {
    Sharing.PRIVATE: "Only me",
    Sharing.TEAM_READS: "Team can watch",
    Sharing.TEAM_ACTS: "Team can watch and act",
}


def sharing_control() -> rx.Component:
    """A native select (simple to drive from tests); only the author sees it."""
    return rx.cond(
        BookState.is_author,
        rx.hstack(
            rx.text("Shared with", size="1", color_scheme="gray"),
            rx.el.select(
                *[rx.el.option(label, value=value) for value, label in _LABELS.items()],
                id="book-visibility",
                value=BookState.sharing,
                on_change=BookState.change_sharing,
            ),
            spacing="2",
            align="center",
        ),
    )
