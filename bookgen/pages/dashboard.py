"""Dashboard page: books newest first, and the form that starts a new one."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from bookgen import routes
from bookgen.components import form_field, signed_in_page
from bookgen.components.book_files import cover_thumb
from bookgen.components.book_filters import book_filters, more_books_note
from bookgen.state.dashboard import DashboardState
from bookgen.state.views import BookCard

__all__ = ["dashboard_page"]


def labeled(label: str, control: rx.Component, name: str) -> rx.Component:
    """A new-book form field; its error shows as ``#error-<name>``."""
    return form_field.labeled(
        label, control, name, errors=DashboardState.errors, id_prefix="error-"
    )


def model_select() -> rx.Component:
    """A native <select> of the offered models (BOOKGEN_MODELS); the default
    model comes first, so it is the one selected."""
    return rx.el.select(
        rx.foreach(
            DashboardState.models,
            lambda model: rx.el.option(model, value=model),
        ),
        name="model",
        id="book-model",
        class_name="model-select",
    )


def new_book_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("New book", size="5"),
            labeled(
                "Title",
                rx.input(name="title", id="book-title", max_length=200, width="100%"),
                "title",
            ),
            labeled(
                "Premise",
                rx.text_area(
                    name="premise",
                    id="book-premise",
                    max_length=4000,
                    rows="5",
                    width="100%",
                ),
                "premise",
            ),
            rx.hstack(
                labeled("Genre", rx.input(name="genre", id="book-genre"), "genre"),
                labeled(
                    "Audience",
                    rx.input(name="audience", id="book-audience"),
                    "audience",
                ),
                labeled("Tone", rx.input(name="tone", id="book-tone"), "tone"),
                width="100%",
            ),
            rx.hstack(
                labeled(
                    "Chapters",
                    rx.input(
                        name="chapters",
                        id="book-chapters",
                        type="number",
                        default_value="8",
                        min=1,
                        max=50,
                    ),
                    "chapters",
                ),
                labeled(
                    "Words per chapter",
                    rx.input(
                        name="words",
                        id="book-words",
                        type="number",
                        default_value="1500",
                        min=200,
                        max=8000,
                    ),
                    "words",
                ),
                labeled("Model", model_select(), "model"),
                width="100%",
            ),
            rx.button("Start", id="create-book", type="submit", size="3"),
            form_field.field_error(
                "form", errors=DashboardState.errors, id_prefix="error-"
            ),
            rx.cond(
                DashboardState.offline,
                rx.text(
                    "Using the built-in offline model (no API key configured).",
                    size="1",
                    color_scheme="gray",
                    id="offline-note",
                ),
            ),
            spacing="3",
        ),
        on_submit=DashboardState.create_book,
        class_name="card",
    )


def book_row(book: ObjectVar[BookCard]) -> rx.Component:
    return rx.link(
        rx.hstack(
            cover_thumb(book.id, book.title, class_name="cover-thumb"),
            rx.vstack(
                rx.text(book.title, weight="bold"),
                rx.text(book.updated, size="1", color_scheme="gray"),
                rx.text(
                    book.usage, size="1", color_scheme="gray", class_name="card-usage"
                ),
                spacing="0",
                flex="1",
            ),
            rx.badge(book.status),
            rx.vstack(
                rx.progress(value=book.percent_done, width="8em"),
                rx.text(
                    book.chapters_done, " / ", book.chapter_count, " chapters", size="1"
                ),
                spacing="1",
            ),
            align="center",
            width="100%",
            class_name="book-row",
        ),
        href=routes.book_url(book.id),
        underline="none",
        data_book_id=book.id,
    )


def dashboard_page() -> rx.Component:
    return signed_in_page(dashboard())


def dashboard() -> rx.Component:
    return rx.box(
        rx.heading("bookgen", size="8", class_name="brand"),
        rx.text("Write a whole book with a language model, live.", color_scheme="gray"),
        rx.flex(
            new_book_form(),
            rx.vstack(
                rx.heading("Your books", size="5"),
                book_filters(),
                rx.cond(
                    DashboardState.books.length() > 0,
                    rx.vstack(rx.foreach(DashboardState.books, book_row), width="100%"),
                    rx.text("No books yet.", color_scheme="gray"),
                ),
                more_books_note(),
                id="book-list",
                class_name="card",
                flex="1",
            ),
            gap="2em",
            wrap="wrap",
            align="start",
        ),
        class_name="page",
    )
