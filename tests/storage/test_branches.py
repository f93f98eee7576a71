"""Branches in storage: paging along a branch of a long book, and the
migration that makes every existing book one linear branch."""

from __future__ import annotations

import time

import pytest
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlmodel import Session, col, select

from alembic import command
from bookgen.storage.branches import Fork, NewMessage
from bookgen.storage.db import ROOT, make_sessionmaker, sync_url
from bookgen.storage.models import (
    THREAD_PAGE,
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    Thread,
)
from bookgen.storage.store import Started, Store
from tests.conftest import PG_URL, reset_postgres, sqlite_url
from tests.storage.seed_many import long_book


async def path_ids(store: Store, book_id: int) -> list[int]:
    return [r.id for r in await store.path(book_id)]


async def test_a_branch_of_a_500_message_book_pages_along_its_own_path(
    store: Store,
):
    book_id = await long_book(store, chapters=40, messages=500)
    first = await path_ids(store, book_id)
    assert len(first) == 500
    at = first[-30]  # fork 30 messages from the end
    book = await store.get_book(book_id)
    assert book is not None
    fork = Fork(
        forked_from=at,
        leaf=first[-31],
        label="From chapter 31",
        to_status=BookStatus.STOPPED,
        chapters_done=30,
        first=NewMessage(Role.USER, MessageKind.BRANCH, "", chapter=31),
    )
    assert await store.fork(book_id, fork, version=book.version, max_active=5) == (
        Started.STARTED
    )
    for n in range(3):
        await store.add_message(
            book_id,
            NewMessage(
                Role.ASSISTANT,
                MessageKind.CHAPTER,
                f"new {n}",
                chapter=31 + n,
                status=MessageStatus.COMPLETE,
            ),
        )
    branch = await path_ids(store, book_id)
    assert branch[:470] == first[:470] and len(branch) == 474
    assert not set(branch[470:]) & set(first)

    started = time.perf_counter()
    overview = await store.overview(book_id)
    took = time.perf_counter() - started
    print(f"[{store.engine.dialect.name}] branch overview: {took * 1e3:.1f} ms")
    assert overview is not None
    window = [m.id for m in overview.messages if m.id >= overview.thread_from]
    assert window == branch[-THREAD_PAGE:]
    assert {m.id for m in overview.messages} <= set(branch)
    assert [b.current for b in overview.branches] == [False, True]

    seen, before = list(window), overview.thread_from
    while True:
        page = await store.thread_page(book_id, before=before, limit=THREAD_PAGE)
        seen[:0] = [m.id for m in page.messages]
        if not page.has_older:
            break
        before = page.messages[0].id
    assert seen == branch
    # The first branch is still whole, and shown again when switched to.
    [one, _] = overview.branches
    assert (await store.switch_branch(book_id, one.id)).value == "done"
    assert await path_ids(store, book_id) == first


def _alembic(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def _migration_backfills_linear_branches(url: str) -> None:
    command.upgrade(_alembic(url), "0007")
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        for book in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO book (id, title, premise, genre, audience, tone,"
                    " chapter_count, words_per_chapter, model, visibility,"
                    " action_policy, status, chapters_done, rejections, continues,"
                    " version, created_at, updated_at) VALUES (:id, 'T', 'P', '', '',"
                    " '', 3, 500, '', 'private', 'author', 'writing', 2, 0, 0, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": book},
            )
            conn.execute(
                text(
                    "INSERT INTO thread (id, book_id, created_at)"
                    " VALUES (:id, :id, CURRENT_TIMESTAMP)"
                ),
                {"id": book},
            )
        # Interleaved messages of the two books.
        for mid, book in enumerate([1, 2, 1, 1, 2, 1], start=1):
            conn.execute(
                text(
                    "INSERT INTO message (id, thread_id, book_id, role, kind, status,"
                    " content, error, prompt_tokens, completion_tokens,"
                    " usage_estimated, version, created_at, updated_at) VALUES"
                    " (:id, :b, :b, 'user', 'request', 'complete', 'x', '', 0, 0,"
                    " false, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": mid, "b": book},
            )
    engine.dispose()
    command.upgrade(_alembic(url), "head")
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:
        parents = dict(conn.execute(text("SELECT id, parent_id FROM message")).all())
        threads = conn.execute(
            text(
                "SELECT id, leaf_message_id, number, status, chapters_done,"
                " chapter_count FROM thread ORDER BY id"
            )
        ).all()
        shown = dict(conn.execute(text("SELECT id, thread_id FROM book")).all())
    engine.dispose()
    assert parents == {1: None, 2: None, 3: 1, 4: 3, 5: 2, 6: 4}
    assert [tuple(t) for t in threads] == [
        (1, 6, 1, "writing", 2, 3),
        (2, 5, 1, "writing", 2, 3),
    ]
    assert shown == {1: 1, 2: 2}


def test_the_migration_makes_each_book_one_linear_branch_sqlite(tmp_path):
    _migration_backfills_linear_branches(sqlite_url(tmp_path))


@pytest.mark.postgres
def test_the_migration_makes_each_book_one_linear_branch_postgres():
    reset_postgres(PG_URL)
    _migration_backfills_linear_branches(PG_URL)
    reset_postgres(PG_URL)


async def test_a_message_added_to_a_book_goes_under_its_shown_leaf(store: Store):
    book_id = await long_book(store, chapters=2, messages=10)
    leaf = (await path_ids(store, book_id))[-1]
    added = await store.add_message(
        book_id, NewMessage(Role.USER, MessageKind.FEEDBACK, "note")
    )
    assert added is not None and added.parent_id == leaf
    async with make_sessionmaker(store.engine)() as s:
        rows = await s.exec(
            select(Message.id)
            .where(Message.book_id == book_id)
            .order_by(col(Message.id))
        )
        assert rows.all()[-1] == added.id
    # A runner that does not hold the book adds nothing.
    refused = await store.add_message(
        book_id, NewMessage(Role.ASSISTANT, MessageKind.CHAPTER, ""), owner="gone"
    )
    assert refused is None
    assert (await path_ids(store, book_id))[-1] == added.id


def _add_from_elsewhere(url: str, book_id: int) -> int:
    """Another process adds a message under the book's shown leaf; its id."""
    engine = create_engine(sync_url(url))
    try:
        with Session(engine) as s:
            book = s.get(Book, book_id)
            assert book is not None and book.thread_id is not None
            thread = s.get(Thread, book.thread_id)
            assert thread is not None
            added = Message(
                book_id=book_id,
                thread_id=thread.id or 0,
                parent_id=thread.leaf_message_id,
                role=Role.ASSISTANT,
                kind=MessageKind.FEEDBACK,
                content="meanwhile",
            )
            s.add(added)
            s.flush()
            thread.leaf_message_id = added.id
            s.add(thread)
            s.commit()
            assert added.id is not None
            return added.id
    finally:
        engine.dispose()


async def test_a_snapshot_taken_while_a_message_is_added_is_never_torn(
    store: Store,
):
    """A runner's message committed between the snapshot's reads (a loaded
    machine makes that likely) shows up whole or not at all: the thread the
    snapshot returns is never empty or cut off from its leaf."""
    book_id = await long_book(store, chapters=2, messages=10)
    before = await path_ids(store, book_id)
    url = store.engine.url.render_as_string(hide_password=False)
    added: list[int] = []

    def between_reads(_conn, _cursor, statement: str, *_args) -> None:
        # Right before the snapshot reads the shown branch's leaf.
        if not added and "FROM thread" in statement:
            added.append(_add_from_elsewhere(url, book_id))

    event.listen(store.engine.sync_engine, "before_cursor_execute", between_reads)
    try:
        snap = await store.snapshot(book_id)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", between_reads)
    assert snap is not None and len(added) == 1
    assert [m.id for m in snap.messages] == [*before, added[0]]
