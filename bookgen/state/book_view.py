"""What a book tab shows: the fields of BookState, set from an overview.

Kept apart from the handlers (state/book.py) and the watcher (book_watch.py):
both show each overview they read through ``show_overview``. A switch to
another version of the book drops the older bubbles the tab had loaded (they
belong to the other version's thread).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bookgen.accounts import Viewer
from bookgen.config import get_settings
from bookgen.generation.outline import count_notice
from bookgen.generation.usage import usage_line
from bookgen.state.edit_views import editor_views, tab_key
from bookgen.state.history import kept_older, reactor_id
from bookgen.state.views import (
    Sharing,
    branch_views,
    chapter_views,
    outline_view,
    percent_done,
    redraft_view,
    thread_views,
)
from bookgen.storage.models import BookStatus
from bookgen.storage.store import BookOverview

if TYPE_CHECKING:
    from bookgen.state.book import BookState

__all__ = ["forget_book", "show_overview"]


def forget_book(tab: BookState) -> None:
    """Show nothing of the book: it is gone, or not this viewer's to see."""
    tab.found = False
    tab.title, tab.status, tab.model, tab.live = "", None, "", ""
    tab.chapter_count = tab.chapters_done = tab.percent_done = 0
    tab.thread, tab.outline, tab.chapters = [], None, []
    tab.editors, tab.branches, tab._branch_id = [], [], 0
    tab.book_id, tab.usage, tab.cover_version = 0, "", ""
    tab.can_act = tab.is_author = False
    tab.sharing = Sharing.PRIVATE
    tab._version = 0
    tab.has_older, tab._older_from, tab._older_more = False, 0, False
    # Any watcher of this tab ends on its next check.
    tab._watch_id = ""


def show_overview(tab: BookState, ov: BookOverview, viewer: Viewer) -> None:
    """Show ``ov`` in the tab, as ``viewer`` may see it."""
    book = ov.book
    tab.found = True
    tab.title, tab.status = book.title, BookStatus(book.status)
    tab.book_id = book.id or 0
    tab.usage = usage_line(ov.usage, book.model, get_settings().price_table)
    tab.cover_version = ov.cover_version
    tab._version = book.version
    tab.chapter_count, tab.chapters_done = book.chapter_count, book.chapters_done
    tab.percent_done = percent_done(book.chapters_done, book.chapter_count)
    tab.model = book.model
    if book.thread_id != tab._branch_id:  # another version is shown now
        tab._branch_id = book.thread_id or 0
        tab._older_from, tab._older_more = 0, False
        tab.thread = []
    tab.branches = branch_views(ov)
    older = kept_older(tab.thread, tab._older_from, ov.thread_from)
    tab.thread = older + thread_views(ov, reactor_id(viewer))
    tab._thread_from = ov.thread_from
    tab.has_older = tab._older_more if older else ov.has_older
    tab.outline = outline_view(ov)
    tab.chapters = chapter_views(ov)
    tab.redraft = redraft_view(ov)
    tab.editors = editor_views(ov, tab_key(tab.router.session.client_token))
    tab.can_act = viewer.can_act(book)
    tab.is_author = viewer.is_author(book)
    tab.sharing = Sharing.of(book)
    awaiting = book.status == BookStatus.AWAITING_APPROVAL
    tab.outline_notice = (
        count_notice(ov.outline_text, book.chapter_count) if awaiting else ""
    )
