"""The manuscript: the outline and each chapter, growing as they stream."""

from __future__ import annotations

import reflex as rx

from bookgen.components.stream_text import stream_text
from bookgen.state.book import BookState

__all__ = ["manuscript"]


def live_text(msg: rx.Var[dict], **props) -> rx.Component:
    """A message's text: fetched once (bookgen/api.py), then grown live."""
    return stream_text(
        "/api/messages/" + msg["id"].to(str) + "/text",
        length=msg["length"].to(int),
        message_key="m" + msg["id"].to(str),
        live=BookState.live,
        streaming=msg["status"] == "streaming",
        **props,
    )


def chapter_section(ch: rx.Var[dict]) -> rx.Component:
    return rx.box(
        rx.heading(
            "Chapter ", ch["number"], ": ", ch["title"], size="5", class_name="ch-title"
        ),
        live_text(ch, id="chapter-" + ch["number"].to(str), class_name="prose"),
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
            BookState.outline["id"] != "",
            rx.box(
                rx.heading("Outline", size="4", class_name="section-title"),
                live_text(BookState.outline, id="outline", class_name="prose"),
                class_name="outline",
            ),
        ),
        rx.foreach(BookState.chapters, chapter_section),
        class_name="manuscript",
    )
