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
from bookgen.storage.models import DASHBOARD_PAGE, SEARCH_CHARS, BookStatus
from bookgen.storage.store import TokenUsage

__all__ = ["DashboardState"]


# The status filter's "every status" choice.
ALL_STATUSES = "all"
SEARCH_TOO_LONG = f"Search for at most {SEARCH_CHARS.high} characters."


async def _visible_books(
    viewer: Viewer, title: str = "", status: BookStatus | None = None
) -> tuple[list[BookCard], bool]:
    """The newest books the viewer may see that match, and whether more match."""
    # Single author (no account): every book is theirs.
    user_id = viewer.user.id if viewer.user is not None else None
    page = await get_service().store.book_search.find(
        user_id=user_id, title=title, status=status, limit=DASHBOARD_PAGE
    )
    visible = [b for b in page.books if viewer.can_view(b)]
    usage = await get_toolkit().usage_by_book([b.id for b in visible if b.id])
    prices = get_settings().price_table
    cards = [
        book_card(b, usage_line(usage.get(b.id or 0, TokenUsage()), b.model, prices))
        for b in visible
    ]
    return cards, page.more


class DashboardState(AuthState):
    books: rx.Field[list[BookCard]] = rx.field(default_factory=list)
    # Field name -> what is wrong with it, as the form shows it.
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # The title search (``book-search``) and the status filter.
    search: rx.Field[str] = rx.field("")
    status_filter: rx.Field[str] = rx.field(ALL_STATUSES)
    # More books match than the page lists.
    more_books: rx.Field[bool] = rx.field(False)
    search_notice: rx.Field[str] = rx.field("")

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
        return await self._reload()

    async def _list(self, viewer: Viewer) -> None:
        status = None if self.status_filter == ALL_STATUSES else self.status_filter
        self.books, self.more_books = await _visible_books(
            viewer, self.search.strip(), BookStatus(status) if status else None
        )

    @rx.event
    async def set_search(self, value: str):
        """Titles containing ``value`` (any case), searched in the database."""
        if not isinstance(value, str) or len(value) > SEARCH_CHARS.high:
            self.search_notice = SEARCH_TOO_LONG
            return None
        self.search, self.search_notice = value.replace("\x00", ""), ""
        return await self._reload()

    @rx.event
    async def set_status_filter(self, value: str):
        """Only books in this status (or every status)."""
        if not isinstance(value, str) or value not in (ALL_STATUSES, *BookStatus):
            return None
        self.status_filter = value
        return await self._reload()

    async def _reload(self):
        viewer = await self._viewer()
        if viewer is None:
            self.books, self.errors = [], {}
            return rx.redirect(routes.SIGN_IN)
        await self._list(viewer)
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
