"""Dashboard state: the books this viewer may see and the new-book form."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.accounts import Viewer
from bookgen.config import get_settings
from bookgen.generation import limits
from bookgen.generation.forms import BookForm, FormError
from bookgen.generation.usage import usage_line
from bookgen.runtime import get_service, get_toolkit
from bookgen.state.auth import AuthState
from bookgen.state.views import BookCard, book_card
from bookgen.storage.toolkit import TokenUsage

__all__ = ["DashboardState"]


async def _visible_books(viewer: Viewer) -> list[BookCard]:
    store = get_service().store
    if viewer.user is None:  # single author: every book is theirs
        books = await store.list_books()
    else:
        books = await store.list_books_visible_to(viewer.user.id)
    visible = [b for b in books if viewer.can_view(b)]
    usage = await get_toolkit().usage_by_book([b.id for b in visible if b.id])
    prices = get_settings().price_table
    return [
        book_card(b, usage_line(usage.get(b.id or 0, TokenUsage()), b.model, prices))
        for b in visible
    ]


class DashboardState(AuthState):
    books: rx.Field[list[BookCard]] = rx.field(default_factory=list)
    # Field name -> what is wrong with it, as the form shows it.
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.var
    def default_model(self) -> str:
        return limits.default_model(get_settings())

    @rx.var
    def models(self) -> list[str]:
        """The models the form offers (BOOKGEN_MODELS); the server takes no other."""
        return limits.offered_models(get_settings())

    @rx.var
    def offline(self) -> bool:
        return get_settings().offline

    @rx.event
    async def load_books(self):
        viewer = await self._viewer()
        if viewer is None:
            self.books, self.errors = [], {}
            return rx.redirect(routes.SIGN_IN)
        self.books = await _visible_books(viewer)
        return None

    @rx.event
    async def create_book(self, form_data: dict):
        """Validate on the server, store the book, start its outline, open it."""
        viewer = await self._viewer()
        if viewer is None:
            self.books, self.errors = [], {}
            return rx.redirect(routes.SIGN_IN)
        if not isinstance(form_data, dict):
            self.errors = {"form": "The form arrived damaged; please send it again."}
            return None
        service = get_service()
        try:
            form = BookForm.parse(form_data)
            # Refuses a model not offered, and starts beyond the author's limits.
            book = await service.create_book(form, owner_id=viewer.user_id)
        except FormError as exc:
            self.errors = exc.errors
            return None
        self.errors = {}
        assert book.id is not None
        service.start(book.id)
        return rx.redirect(routes.book_url(book.id))
