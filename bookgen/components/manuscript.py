"""The manuscript: the outline and each chapter, growing as they stream."""

from __future__ import annotations

import reflex as rx

from bookgen.components.stream_text import stream_text
from bookgen.state.book import BookState

__all__ = ["manuscript"]


def live_text(msg: rx.Var[dict], **props) -> rx.Component:
    """A message's text: fetched once, then grown by the book's live chunks."""
    return stream_text(
        msg["src"],
        length=msg["length"].to(int),
        message_key=msg["key"],
        stream_key=BookState.live_key,
        offset=BookState.live_offset,
        chunk=BookState.live_chunk,
        streaming=msg["status"] == "streaming",
        **props,
    )


def chapter_section(ch: rx.Var[dict]) -> rx.Component:
    return rx.box(
        rx.heading(
            "Chapter ", ch["number"], ": ", ch["title"], size="5", class_name="ch-title"
        ),
        live_text(ch, id=ch["anchor"], class_name="prose"),
        class_name="chapter",
    )


def manuscript() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.heading(BookState.title, size="7"),
            rx.badge(BookState.status, id="book-status", size="2"),
            align="center",
            spacing="3",
        ),
        rx.hstack(
            rx.progress(value=BookState.progress, width="12em"),
            rx.text(
                BookState.chapters_done,
                " / ",
                BookState.chapter_count,
                " chapters",
                size="2",
            ),
            rx.text(
                rx.cond(BookState.offline, "built-in offline model", BookState.model),
                size="1",
                color_scheme="gray",
                id="model-name",
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(
            BookState.outline["key"] != "",
            rx.box(
                rx.heading("Outline", size="4", class_name="section-title"),
                live_text(BookState.outline, id="outline", class_name="prose"),
                class_name="outline",
            ),
        ),
        rx.foreach(BookState.chapters, chapter_section),
        class_name="manuscript",
    )
