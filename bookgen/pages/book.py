"""Book page: chat panel beside the manuscript, like v0.app."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.components import chat_panel, manuscript
from bookgen.state.book import BookState

__all__ = ["book_page"]


def book_page() -> rx.Component:
    return rx.cond(
        BookState.found,
        rx.flex(
            rx.box(
                rx.link("← All books", href=routes.DASHBOARD, size="2"),
                chat_panel(),
                class_name="left",
            ),
            rx.box(manuscript(), class_name="right"),
            class_name="split",
        ),
        rx.box(
            rx.heading("Book not found"),
            rx.link("Back to all books", href=routes.DASHBOARD),
            class_name="page",
        ),
    )
