"""The chat panel: the book's conversation, v0.app-style, with inline decisions."""

from __future__ import annotations

import reflex as rx

from bookgen.components.manuscript import live_text
from bookgen.state.book import BookState

__all__ = ["chat_panel"]


def status_badge(status: rx.Var[str]) -> rx.Component:
    """'starting…' before the first word, 'writing…' while words arrive."""
    return rx.match(
        status,
        ("streaming", rx.badge("writing…", color_scheme="blue", class_name="writing")),
        ("stopped", rx.badge("stopped", color_scheme="orange")),
        ("error", rx.badge("error", color_scheme="red")),
        ("interrupted", rx.badge("interrupted", color_scheme="red")),
        rx.fragment(),
    )


def message_bubble(msg: rx.Var[dict]) -> rx.Component:
    body = rx.cond(
        msg["kind"] == "chapter",
        rx.text("In the manuscript →", size="1", color_scheme="gray"),
        live_text(msg, class_name="bubble-text"),
    )
    return rx.box(
        rx.hstack(
            rx.text(msg["label"], weight="bold", size="2"),
            status_badge(msg["status"]),
            align="center",
            spacing="2",
        ),
        body,
        rx.cond(msg["error"] != "", rx.text(msg["error"], color="red", size="1")),
        class_name=rx.cond(msg["role"] == "user", "bubble user", "bubble assistant"),
        data_kind=msg["kind"],
        data_status=msg["status"],
    )


def starting_indicator() -> rx.Component:
    """Shown while the book is active but no reply has started yet."""
    active = (BookState.status == "outlining") | (BookState.status == "writing")
    last_streaming = BookState.thread.length() > 0
    return rx.cond(
        active & last_streaming & (BookState.thread[-1]["role"] == "user"),
        rx.box(
            rx.badge("starting…", color_scheme="gray"), class_name="bubble assistant"
        ),
    )


def decision_box() -> rx.Component:
    """Approve, or reject with feedback: inline under the outline."""
    return rx.cond(
        BookState.status == "awaiting_approval",
        rx.vstack(
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
    active = (BookState.status == "outlining") | (BookState.status == "writing")
    return rx.hstack(
        rx.cond(
            active,
            rx.button(
                "Stop",
                id="stop-generation",
                color_scheme="red",
                on_click=BookState.stop,
            ),
        ),
        rx.cond(
            BookState.status == "stopped",
            rx.button("Continue", id="continue-generation", on_click=BookState.resume),
        ),
        rx.cond(
            BookState.status == "error",
            rx.button("Retry", id="retry-generation", on_click=BookState.resume),
        ),
        rx.cond(BookState.notice != "", rx.text(BookState.notice, id="notice")),
        spacing="3",
        align="center",
    )


def chat_panel() -> rx.Component:
    return rx.vstack(
        rx.box(
            rx.foreach(BookState.thread, message_bubble),
            starting_indicator(),
            decision_box(),
            class_name="thread",
        ),
        controls(),
        id="chat-panel",
        class_name="chat-panel",
    )
