"""Bulk seeding for the paging and search tests: many rows in a few statements."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import col

from bookgen.storage.account_models import User
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import (
    Book,
    BookStatus,
    Message,
    MessageKind,
    Role,
    Thread,
    Visibility,
    utcnow,
)
from bookgen.storage.store import Store

__all__ = ["long_book", "many_books", "users"]


async def users(store: Store, n: int) -> list[int]:
    """``n`` accounts (no passwords needed here); their ids."""
    sessions = make_sessionmaker(store.engine)
    async with sessions() as s, s.begin():
        rows = [
            User(name=f"U{i}", email=f"u{i}@example.org", password_hash="x")
            for i in range(n)
        ]
        s.add_all(rows)
        await s.flush()
        return [u.id for u in rows if u.id is not None]


async def long_book(store: Store, *, chapters: int, messages: int) -> int:
    """A book whose thread has ``messages`` messages: a request, then rounds of
    outline and feedback, then every chapter written twice (a retry) with its
    summary. Returns the book's id."""
    sessions = make_sessionmaker(store.engine)
    async with sessions() as s, s.begin():
        book = Book(title="Long", premise="P", chapter_count=chapters)
        s.add(book)
        await s.flush()
        assert book.id is not None
        thread = Thread(book_id=book.id)
        s.add(thread)
        await s.flush()
        tail: list[tuple[Role, MessageKind, int | None]] = []
        for n in range(1, chapters + 1):
            tail += [(Role.ASSISTANT, MessageKind.CHAPTER, n)] * 2
            tail.append((Role.ASSISTANT, MessageKind.SUMMARY, n))
        head: list[tuple[Role, MessageKind, int | None]] = [
            (Role.USER, MessageKind.REQUEST, None)
        ]
        while len(head) + len(tail) < messages:
            head.append((Role.ASSISTANT, MessageKind.OUTLINE, None))
            head.append((Role.USER, MessageKind.FEEDBACK, None))
        head = head[: messages - len(tail)]
        outline = "\n".join(f"Chapter {n}: Title {n}" for n in range(1, chapters + 1))
        rows = [
            {
                "book_id": book.id,
                "thread_id": thread.id,
                "role": role,
                "kind": kind,
                "chapter": chapter,
                "status": "complete",
                "content": outline if kind == MessageKind.OUTLINE else f"text {i}",
                "error": "",
            }
            for i, (role, kind, chapter) in enumerate([*head, *tail])
        ]
        connection = await s.connection()
        await connection.execute(insert(Message), rows)
        # One linear branch: each message under the one before it.
        ids = list(
            (
                await connection.execute(
                    select(col(Message.id))
                    .where(col(Message.book_id) == book.id)
                    .order_by(col(Message.id))
                )
            ).scalars()
        )
        await connection.execute(
            update(Message)
            .where(col(Message.id) == bindparam("mid"))
            .values(parent_id=bindparam("pid")),
            [{"mid": m, "pid": p} for p, m in itertools.pairwise(ids)],
        )
        thread.leaf_message_id = ids[-1]
        book.thread_id = thread.id
        s.add_all([thread, book])
        return book.id


async def many_books(store: Store, n: int, owners: list[int]) -> None:
    """``n`` books, one minute apart, round-robin over owners, statuses and
    visibility; every 10th title contains "Harbor"."""
    sessions = make_sessionmaker(store.engine)
    start = utcnow() - timedelta(days=2)
    statuses = list(BookStatus)
    rows = [
        {
            "title": f"Book {i} {'Harbor' if i % 10 == 0 else 'Field'}",
            "premise": "P",
            "genre": "",
            "audience": "",
            "tone": "",
            "model": "",
            "chapter_count": 3,
            "words_per_chapter": 500,
            "owner_id": owners[i % len(owners)],
            "visibility": Visibility.TEAM if i % 3 == 0 else Visibility.PRIVATE,
            "action_policy": "author",
            "status": statuses[i % len(statuses)],
            "chapters_done": 0,
            "rejections": 0,
            "continues": 0,
            "version": 0,
            "created_at": start + timedelta(minutes=i),
            "updated_at": start + timedelta(minutes=i),
        }
        for i in range(n)
    ]
    async with sessions() as s, s.begin():
        await (await s.connection()).execute(insert(Book), rows)
