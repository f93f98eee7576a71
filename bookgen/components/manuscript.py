"""The manuscript: the outline and each chapter, growing as they stream."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar, Var

from bookgen import routes
from bookgen.components.branches import (
    branch_list,
    branch_notice,
    regenerate_from_button,
)
from bookgen.components.editor import edit_button, editing_notes, text_editor
from bookgen.components.redraft import (
    redraft_box,
    redraft_controls,
    regenerate_button,
)
from bookgen.components.sharing import sharing_control
from bookgen.components.stream_text import stream_text
from bookgen.state.book import BookState
from bookgen.state.editing import OUTLINE, EditState
from bookgen.state.views import ChapterView, TextView
from bookgen.storage.models import MessageStatus

__all__ = ["live_text", "manuscript"]


def live_text(message: ObjectVar[TextView], **props: Any) -> rx.Component:
    """A message's text: fetched once over HTTP, then grown by live pushes.

    Keyed by the message's version: an edit remounts it, so it fetches the
    new text (live pushes only ever append).
    """
    return stream_text(
        routes.message_text_url(message.id),
        length=message.chars,
        message_key=f"m{message.id}",
        live=BookState.live,
        streaming=message.is_streaming,
        key="m" + message.id.to_string() + "v" + message.version.to_string(),
        **props,
    )


def _editable(message: ObjectVar[TextView]) -> Var[bool]:
    """Finished, and this viewer may drive the book."""
    return BookState.can_act & (message.status == MessageStatus.COMPLETE.value)


def chapter_section(chapter: ObjectVar[ChapterView]) -> rx.Component:
    n = chapter.number.to_string()
    return rx.box(
        rx.heading(
            "Chapter ",
            chapter.number,
            ": ",
            chapter.title,
            size="5",
            class_name="ch-title",
        ),
        rx.cond(
            EditState.editing == "chapter-" + n,
            text_editor("chapter-" + n + "-editor", "save-chapter-" + n),
            rx.fragment(
                live_text(chapter, id=f"chapter-{chapter.number}", class_name="prose"),
                rx.cond(
                    _editable(chapter),
                    edit_button(chapter.number, "edit-chapter-" + n),
                ),
                rx.cond(
                    chapter.status == MessageStatus.COMPLETE.value,
                    rx.hstack(
                        regenerate_button(chapter.number, "regenerate-chapter-" + n),
                        regenerate_from_button(chapter.number, "regenerate-from-" + n),
                    ),
                ),
            ),
        ),
        rx.cond(
            BookState.redraft_chapter == chapter.number,
            redraft_controls(live_text),
        ),
        class_name="chapter",
    )


def book_header() -> rx.Component:
    return rx.fragment(
        rx.hstack(
            rx.heading(BookState.title, size="7"),
            rx.badge(BookState.status, id="book-status", size="2"),
            align="center",
            spacing="3",
        ),
        rx.hstack(
            rx.progress(value=BookState.percent_done, width="12em"),
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
            sharing_control(),
            align="center",
            spacing="3",
        ),
        branch_list(),
        branch_notice(),
    )


def manuscript() -> rx.Component:
    return rx.box(
        book_header(),
        editing_notes(),
        rx.cond(
            BookState.outline,
            rx.box(
                rx.heading("Outline", size="4", class_name="section-title"),
                rx.cond(
                    EditState.editing == OUTLINE,
                    text_editor("outline-editor", "save-outline"),
                    rx.fragment(
                        live_text(BookState.outline, id="outline", class_name="prose"),
                        rx.cond(
                            BookState.awaiting_approval & _editable(BookState.outline),
                            edit_button(OUTLINE, "edit-outline"),
                        ),
                    ),
                ),
                class_name="outline",
            ),
        ),
        redraft_box(),
        rx.foreach(BookState.chapters, chapter_section),
        class_name="manuscript",
    )
