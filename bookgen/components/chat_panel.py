"""The chat panel: the book's conversation, v0.app-style, with inline decisions."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from bookgen.components.book_files import message_usage
from bookgen.components.branches import branch_button, branch_form
from bookgen.components.history import load_older
from bookgen.components.manuscript import live_text
from bookgen.components.reactions import reaction_bar
from bookgen.components.voice_input import voice_input
from bookgen.state.book import BookState
from bookgen.state.views import ThreadEntry
from bookgen.storage.models import MessageStatus

__all__ = ["chat_panel"]


def status_badge(status: rx.Var[MessageStatus]) -> rx.Component:
    """'writing…' while words arrive; how a message ended if not complete."""
    badge = rx.match(
        status,
        (
            MessageStatus.STREAMING,
            rx.badge("writing…", color_scheme="blue", class_name="writing"),
        ),
        (MessageStatus.STOPPED, rx.badge("stopped", color_scheme="orange")),
        (MessageStatus.ERROR, rx.badge("error", color_scheme="red")),
        (MessageStatus.INTERRUPTED, rx.badge("interrupted", color_scheme="red")),
        rx.fragment(),
    )
    assert isinstance(badge, rx.Component)
    return badge


def message_bubble(entry: ObjectVar[ThreadEntry]) -> rx.Component:
    body = rx.cond(
        entry.in_manuscript,
        rx.text("In the manuscript →", size="1", color_scheme="gray"),
        live_text(entry, class_name="bubble-text"),
    )
    return rx.box(
        rx.hstack(
            rx.text(entry.label, weight="bold", size="2"),
            status_badge(entry.status),
            align="center",
            spacing="2",
        ),
        body,
        rx.cond(entry.error, rx.text(entry.error, color="red", size="1")),
        reaction_bar(entry),
        message_usage(entry.tokens),
        branch_button(entry),
        branch_form(entry),
        class_name=rx.cond(entry.is_user, "bubble user", "bubble assistant"),
        data_kind=entry.kind,
        data_status=entry.status,
    )


def starting_indicator() -> rx.Component:
    """Shown while the book is active but no reply has started yet."""
    return rx.cond(
        BookState.waiting_for_reply,
        rx.box(
            rx.badge("starting…", color_scheme="gray"), class_name="bubble assistant"
        ),
    )


def decision_box() -> rx.Component:
    """Approve, or reject with feedback: inline under the outline."""
    return rx.cond(
        BookState.awaiting_approval & BookState.can_act,
        rx.vstack(
            rx.cond(
                BookState.outline_notice,
                rx.callout(
                    BookState.outline_notice,
                    icon="triangle_alert",
                    color_scheme="orange",
                    id="outline-count-notice",
                    width="100%",
                ),
            ),
            rx.text("Happy with the outline?", weight="bold"),
            rx.text_area(
                id="feedback",
                placeholder="What should change? (needed to reject)",
                value=BookState.feedback,
                on_change=BookState.set_feedback,
                width="100%",
                rows="3",
            ),
            rx.hstack(
                rx.button("Approve", id="approve-outline", on_click=BookState.approve),
                voice_input(),
                rx.button(
                    "Reject with feedback",
                    id="reject-outline",
                    variant="outline",
                    color_scheme="orange",
                    on_click=BookState.reject,
                ),
            ),
            class_name="decision",
            width="100%",
        ),
    )


def controls() -> rx.Component:
    """Stop, Continue, Retry: for those who may act on the book."""
    return rx.hstack(
        rx.cond(
            BookState.is_active & BookState.can_act,
            rx.button(
                "Stop",
                id="stop-generation",
                color_scheme="red",
                on_click=BookState.stop,
            ),
        ),
        rx.cond(
            BookState.is_stopped & BookState.can_act,
            rx.button("Continue", id="continue-generation", on_click=BookState.resume),
        ),
        rx.cond(
            BookState.has_failed & BookState.can_act,
            rx.button("Retry", id="retry-generation", on_click=BookState.resume),
        ),
        rx.cond(BookState.notice, rx.text(BookState.notice, id="notice")),
        spacing="3",
        align="center",
    )


def chat_panel() -> rx.Component:
    return rx.vstack(
        rx.box(
            load_older(),
            rx.foreach(BookState.thread, message_bubble),
            starting_indicator(),
            decision_box(),
            class_name="thread",
        ),
        controls(),
        id="chat-panel",
        class_name="chat-panel",
    )
