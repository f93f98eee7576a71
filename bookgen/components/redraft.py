"""Regenerating a chapter: the feedback box, each chapter's button, and the new
version streaming under the chapter with the choice between the two."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar, Var

from bookgen.components.form_field import notice, soft_button
from bookgen.state.book import BookState
from bookgen.state.redraft import RedraftState
from bookgen.state.views import RedraftView
from bookgen.storage.models import REDRAFT_FEEDBACK_CHARS, MessageStatus

__all__ = ["redraft_box", "redraft_controls", "regenerate_button"]


def redraft_box() -> rx.Component:
    """Above the chapters of a finished book: optional feedback for the next
    chapter regenerated, and what went wrong, if anything."""
    return rx.fragment(
        rx.cond(
            BookState.can_regenerate,
            rx.vstack(
                rx.text(
                    "Regenerate a chapter: write what should change (optional), "
                    "then press Regenerate under the chapter.",
                    size="2",
                ),
                rx.text_area(
                    id="regenerate-feedback",
                    placeholder="e.g. more dialogue; end on the storm",
                    value=RedraftState.redraft_feedback,
                    on_change=RedraftState.set_redraft_feedback,
                    max_length=REDRAFT_FEEDBACK_CHARS.high,
                    rows="2",
                    width="100%",
                ),
                width="100%",
                class_name="redraft-box",
            ),
        ),
        notice(RedraftState.redraft_notice, "redraft-notice"),
    )


def regenerate_button(number: Var[int], element_id: Var[str]) -> rx.Component:
    return rx.cond(
        BookState.can_regenerate,
        soft_button(
            "Regenerate", RedraftState.regenerate_chapter(number), element_id, size="1"
        ),
    )


def redraft_controls(live_text: Any) -> rx.Component:
    """The new version under its chapter while undecided: it streams live,
    then Keep new version / Keep current."""
    redraft: ObjectVar[RedraftView] = BookState.redraft.to(RedraftView)  # pyright: ignore[reportAssignmentType]
    complete = redraft.status == MessageStatus.COMPLETE.value
    return rx.box(
        rx.heading("New version", size="3"),
        live_text(redraft, id="redraft-text", class_name="prose"),
        rx.cond(
            BookState.can_act & complete,
            rx.hstack(
                rx.button(
                    "Keep new version",
                    on_click=RedraftState.keep_version,
                    id="keep-version",
                    size="2",
                ),
                soft_button(
                    "Keep current", RedraftState.keep_current, "keep-current", size="2"
                ),
                spacing="3",
            ),
        ),
        id="redraft",
        data_status=redraft.status,
        class_name="redraft",
    )
