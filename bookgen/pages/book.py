"""Book page: chat panel beside the manuscript, like v0.app."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.components import chat_panel, manuscript, signed_in_page
from bookgen.components.book_files import book_files
from bookgen.state.book import BookState

__all__ = ["book_page", "not_found"]


def not_found() -> rx.Component:
    """A missing book and one the viewer may not see look exactly alike."""
    return rx.box(
        rx.heading("Book not found"),
        rx.link("Back to all books", href=routes.DASHBOARD),
        class_name="page",
        id="access-denied",
    )


def book_page() -> rx.Component:
    return signed_in_page(
        rx.cond(
            BookState.found,
            rx.flex(
                rx.box(
                    rx.link("← All books", href=routes.DASHBOARD, size="2"),
                    book_files(
                        BookState.book_id,
                        BookState.title,
                        BookState.usage,
                        BookState.cover_version,
                    ),
                    chat_panel(),
                    class_name="left",
                ),
                rx.box(manuscript(), class_name="right"),
                class_name="split",
            ),
            not_found(),
        )
    )
