"""The paged thread and the dashboard search, on SQLite and PostgreSQL, at the
sizes the issue names: a 500-message book and 1,000 books.

These check which rows come back (correctness); the timings are printed for
information only (``pytest -s``), never asserted.
"""

from __future__ import annotations

import time

from bookgen.state.views import chapter_views, outline_view, thread_views
from bookgen.storage.models import (
    DASHBOARD_PAGE,
    MAX_ROW_ID,
    THREAD_PAGE,
    BookStatus,
    MessageKind,
)
from bookgen.storage.store import Store
from tests.storage.seed_many import long_book, many_books, users
from tests.storage.test_store import new_book_id


async def all_ids(store: Store, book_id: int) -> list[int]:
    snap = await store.snapshot(book_id)
    assert snap is not None
    return [m.id for m in snap.messages if m.id is not None]


async def test_a_500_message_book_loads_its_newest_page_and_every_chapter(
    store: Store,
):
    book_id = await long_book(store, chapters=40, messages=500)
    ids = await all_ids(store, book_id)
    snap = await store.snapshot(book_id)
    assert snap is not None and len(ids) == 500

    started = time.perf_counter()
    overview = await store.overview(book_id)
    took = time.perf_counter() - started
    db = store.engine.dialect.name
    print(f"\n[{db}] overview of a 500-message book: {took * 1e3:.1f} ms")
    assert overview is not None
    assert overview.has_older and overview.thread_from == ids[-THREAD_PAGE]
    assert [e.id for e in thread_views(overview)] == ids[-THREAD_PAGE:]

    # The manuscript still has every chapter's latest attempt, and the outline.
    latest = {m.chapter: m.id for m in snap.messages if m.kind == MessageKind.CHAPTER}
    chapters = chapter_views(overview)
    assert [c.number for c in chapters] == list(range(1, 41))
    assert [c.id for c in chapters] == [latest[n] for n in range(1, 41)]
    assert chapters[0].title == "Title 1"
    outlines = [m.id for m in snap.messages if m.kind == MessageKind.OUTLINE]
    shown_outline = outline_view(overview)
    assert shown_outline is not None and shown_outline.id == outlines[-1]
    # Only the window and the manuscript's messages were read.
    assert len(overview.messages) <= THREAD_PAGE + 40 + 1

    # Scrolling back pages through every older message exactly once.
    seen, before, pages = list(ids[-THREAD_PAGE:]), overview.thread_from, 0
    started = time.perf_counter()
    while True:
        page = await store.thread_page(book_id, before=before, limit=THREAD_PAGE)
        pages += 1
        assert len(page.messages) <= THREAD_PAGE
        seen[:0] = [m.id for m in page.messages]
        if not page.has_older:
            break
        before = page.messages[0].id
    took = time.perf_counter() - started
    print(f"[{store.engine.dialect.name}] {pages} older pages: {took * 1e3:.1f} ms")
    assert seen == ids
    assert page.outline_text.startswith("Chapter 1: Title 1")


async def test_a_range_of_older_messages_is_read_again_whole(store: Store):
    book_id = await long_book(store, chapters=2, messages=30)
    ids = await all_ids(store, book_id)
    page = await store.thread_page(book_id, since=ids[5], before=ids[20], limit=1000)
    assert [m.id for m in page.messages] == ids[5:20]


async def test_a_short_book_shows_its_whole_thread(store: Store):
    book_id = await new_book_id(store)
    overview = await store.overview(book_id)
    assert overview is not None and not overview.has_older
    assert [e.id for e in thread_views(overview)] == await all_ids(store, book_id)


async def test_impossible_pages_are_empty(store: Store):
    book_id = await new_book_id(store)
    for kwargs in (
        {"before": MAX_ROW_ID, "limit": 0},
        {"before": 2**70, "limit": 5, "since": -1},
        {"before": 2**70, "limit": 5, "since": 2**70},
    ):
        page = await store.thread_page(book_id, **kwargs)
        assert page.messages == [] and not page.has_older
    assert (await store.thread_page(0, before=10, limit=5)).messages == []
    page = await store.thread_page(book_id, before=2**70, limit=5)
    assert [m.id for m in page.messages] == await all_ids(store, book_id)


def expected(n: int, owners: list[int], viewer: int | None, word: str, status=None):
    """The seeding rules of many_books, as Python: newest first."""
    statuses = list(BookStatus)
    out = []
    for i in reversed(range(n)):
        title = f"Book {i} {'Harbor' if i % 10 == 0 else 'Field'}"
        visible = viewer is None or owners[i % len(owners)] == viewer or i % 3 == 0
        status_ok = status is None or statuses[i % len(statuses)] == status
        if visible and status_ok and word.lower() in title.lower():
            out.append(title)
    return out


async def test_dashboard_search_at_1000_books(store: Store):
    owners = await users(store, 4)
    await many_books(store, 1000, owners)
    find = store.book_search.find
    me = owners[0]
    cases = [
        (me, "", None),
        (me, "harbor", None),
        (me, "HARBOR", BookStatus.STOPPED),
        (me, "", BookStatus.WRITING),
        (None, "Harbor", None),  # single-author mode: every book
        (me, "book 99", None),
    ]
    for viewer, word, status in cases:
        started = time.perf_counter()
        page = await find(user_id=viewer, title=word, status=status, limit=60)
        took = time.perf_counter() - started
        want = expected(1000, owners, viewer, word, status)
        print(
            f"[{store.engine.dialect.name}] search {word!r} {status}: "
            f"{len(want)} match, {took * 1e3:.1f} ms"
        )
        assert want, "every case matches some books"
        assert [b.title for b in page.books] == want[:DASHBOARD_PAGE], (word, status)
        assert page.more == (len(want) > DASHBOARD_PAGE)
        for b in page.books:
            assert b.owner_id == viewer or b.visibility == "team" or viewer is None

    # Wildcards are literal, and nobody sees another's private book by title.
    for word in ("%", "_", "Book_1"):
        assert (await find(user_id=me, title=word, limit=60)).books == []
    other_private = await find(user_id=owners[1], title="Book 1 Field", limit=60)
    assert [b.title for b in other_private.books] == ["Book 1 Field"]
    assert (await find(user_id=me, title="Book 1 Field", limit=60)).books == []
