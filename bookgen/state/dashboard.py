"""Dashboard state: the list of books and the new-book form (one per tab)."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.config import get_settings
from bookgen.generation.forms import BookForm, FormError
from bookgen.runtime import get_service
from bookgen.state.views import book_card

__all__ = ["DashboardState"]


class DashboardState(rx.State):
    books: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    creating: bool = False

    @rx.var
    def default_model(self) -> str:
        return get_settings().model

    @rx.var
    def offline(self) -> bool:
        return get_settings().offline

    @rx.event
    async def load_books(self):
        books = await get_service().store.list_books()
        self.books = [book_card(b) for b in books]

    @rx.event
    async def create_book(self, form_data: dict):
        """Validate on the server, store the book, open it; its outline starts."""
        from bookgen.state.book import BookState

        try:
            form = BookForm.parse(form_data)
        except FormError as exc:
            self.errors = exc.errors
            return None
        self.errors = {}
        book = await get_service().create_book(form)
        return [rx.redirect(routes.book_url(book.id)), BookState.run_book(book.id)]
