"""The dashboard's search box (``book-search``) and status filter.

Both are answered by a database query (see storage/book_search.py); the search
waits for a pause in typing before it asks.
"""

from __future__ import annotations

import reflex as rx

from bookgen.state.dashboard import ALL_STATUSES, DashboardState
from bookgen.storage.models import SEARCH_CHARS, BookStatus

__all__ = ["book_filters", "more_books_note"]

# How long typing must pause before the search runs.
SEARCH_PAUSE_MS = 300


def status_select() -> rx.Component:
    """A native <select>: every status, or one."""
    return rx.el.select(
        rx.el.option("All statuses", value=ALL_STATUSES),
        *[
            rx.el.option(status.value.replace("_", " "), value=status.value)
            for status in BookStatus
        ],
        value=DashboardState.status_filter,
        on_change=DashboardState.set_status_filter,
        id="book-status-filter",
        class_name="model-select",
    )


def book_filters() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.input(
                placeholder="Search titles",
                value=DashboardState.search,
                on_change=DashboardState.set_search,
                debounce_timeout=SEARCH_PAUSE_MS,
                max_length=SEARCH_CHARS.high,
                id="book-search",
                type="search",
                flex="1",
            ),
            status_select(),
            width="100%",
            align="center",
        ),
        rx.cond(
            DashboardState.search_notice,
            rx.text(DashboardState.search_notice, color="red", size="1"),
        ),
        width="100%",
        spacing="1",
    )


def more_books_note() -> rx.Component:
    return rx.cond(
        DashboardState.more_books,
        rx.text(
            "Showing the newest books; search to find older ones.",
            size="1",
            color_scheme="gray",
            id="more-books",
        ),
    )
