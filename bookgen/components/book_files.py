"""A book's files on its page and the dashboard: cover, exports, usage.

Links and images point at the backend's routes (``bookgen/api_files.py``)
through ``assets/backend_file.jsx``, which resolves the path against the
backend's origin (another port on the dev server).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from bookgen import routes

__all__ = [
    "BackendImage",
    "BackendLink",
    "book_cover",
    "book_files",
    "cover_thumb",
    "message_usage",
]

_LIBRARY = "$/public/backend_file.jsx"


class BackendLink(rx.Component):
    """An ``<a>`` to a backend path."""

    library = _LIBRARY
    tag = "BackendLink"
    path: rx.Var[str]
    download: rx.Var[str]


class BackendImage(rx.Component):
    """An ``<img>`` of a backend path."""

    library = _LIBRARY
    tag = "BackendImage"
    path: rx.Var[str]
    alt: rx.Var[str]
    loading: rx.Var[str]


def cover_thumb(
    book_id: rx.Var[int] | int,
    title: rx.Var[str] | str,
    version: rx.Var[str] | str = "",
    **props: Any,
):
    """A book's cover, small (the stored thumbnail), loaded when scrolled to;
    a new ``version`` (painted art landed) makes the browser fetch it anew."""
    return BackendImage.create(
        path=routes.book_cover_url(book_id, thumb=True, version=version),
        alt=title,
        loading="lazy",
        **props,
    )


def book_cover(
    book_id: rx.Var[int], title: rx.Var[str], version: rx.Var[str]
) -> rx.Component:
    return cover_thumb(
        book_id, title, version, id="cover-image", class_name="book-cover"
    )


def message_usage(tokens: rx.Var[str]) -> rx.Component:
    """A reply's tokens, small and grey, under its bubble (nothing if none)."""
    return rx.cond(
        tokens,
        rx.text(tokens, size="1", color_scheme="gray", class_name="bubble-tokens"),
    )


def _download(label: str, path: str, element_id: str) -> rx.Component:
    return BackendLink.create(
        label, path=path, download="", id=element_id, class_name="download-link"
    )


def book_files(
    book_id: rx.Var[int],
    title: rx.Var[str],
    usage: rx.Var[str],
    cover_version: rx.Var[str],
) -> rx.Component:
    """The book page's cover, its two downloads, and what it has cost."""
    return rx.hstack(
        book_cover(book_id, title, cover_version),
        rx.vstack(
            rx.text("Download", size="2", weight="bold"),
            rx.hstack(
                _download(
                    "Markdown", routes.book_markdown_url(book_id), "export-markdown"
                ),
                _download("EPUB", routes.book_epub_url(book_id), "export-epub"),
                spacing="3",
            ),
            rx.text(usage, size="1", color_scheme="gray", id="book-usage"),
            spacing="1",
            align="start",
        ),
        spacing="3",
        align="center",
        class_name="book-files",
    )
