"""Branches of a book: a tree of messages, and the path each branch reads.

Every message names its predecessor on its branch (``Message.parent_id``);
a branch (a ``Thread`` row) is its leaf and the path up from it, so branches
share the messages before the point where they forked and nothing is copied.
The book shows and generates one branch (``Book.thread_id``); every reader of
"the thread" reads that branch's path (``current_path``).

Forking and switching lock the book's row first (a write: PostgreSQL's row
lock, SQLite's database lock), check the version the author saw, and bump it,
so of two racing requests exactly one wins. Either one also frees the lease:
a runner still streaming the branch left behind loses it at its next flush
and stops, its message kept as stopped, resumable with Continue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.models import (
    ACTIVE_STATUSES,
    MAX_BRANCHES,
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    Thread,
    utcnow,
)

__all__ = [
    "BranchInfo",
    "Fork",
    "Moved",
    "NewMessage",
    "PathRow",
    "add_to_thread",
    "current_path",
    "fork_branch",
    "list_branches",
    "lock_book",
    "path_of",
    "switch_branch",
]


@dataclass(frozen=True)
class NewMessage:
    """A message to add to a book's thread; the store assigns its thread and id."""

    role: Role
    kind: MessageKind
    content: str = ""
    chapter: int | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    error: str = ""


@dataclass(frozen=True)
class PathRow:
    """What the readers of a path need to pick messages without their text."""

    id: int
    parent_id: int | None
    kind: str
    chapter: int | None


@dataclass(frozen=True)
class BranchInfo:
    """One branch as the book page lists it."""

    id: int
    number: int
    label: str
    status: str  # the book's status on it (the live one for the current branch)
    chapters_done: int
    current: bool
    forked_from_id: int | None
    parent_number: int | None


@dataclass(frozen=True)
class Fork:
    """A new branch forked at message ``forked_from``: it starts from ``leaf``
    (that message's parent, or the message itself when it is kept and what
    follows it is rewritten), then adds ``first``."""

    forked_from: int
    leaf: int | None
    label: str
    to_status: BookStatus
    chapters_done: int
    # Its first message: the fork's note, or the author's outline feedback.
    first: NewMessage | None


class Moved(StrEnum):
    """How a fork or a switch ended."""

    DONE = "done"
    CONFLICT = "conflict"  # the book changed since the author looked
    GONE = "gone"  # no such book or branch
    FULL = "full"  # the book has MAX_BRANCHES branches
    SAME = "same"  # that branch is already shown


async def lock_book(s: AsyncSession, book_id: int) -> Book | None:
    """Lock the book's row for this transaction (a no-op write), then read it."""
    locked = await s.exec(
        update(Book)
        .where(col(Book.id) == book_id)
        .values(version=col(Book.version))
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:  # pyright: ignore[reportAttributeAccessIssue]
        return None
    return await s.get(Book, book_id, populate_existing=True)


async def add_to_thread(
    s: AsyncSession, book_id: int, new: NewMessage, *, lease_owner: str | None = None
) -> Message | None:
    """The one place a message joins a book: at the leaf of its shown branch.

    The book's row is locked first, so concurrent adds queue and each child
    hangs under the previous one. With ``lease_owner``, nothing is added unless
    that runner still holds the book (a branch switch frees the lease).
    """
    book = await lock_book(s, book_id)
    if book is None or (lease_owner is not None and book.lease_owner != lease_owner):
        return None
    thread = await _shown_thread(s, book)
    if thread is None or thread.id is None:
        return None
    message = Message(
        book_id=book_id,
        thread_id=thread.id,
        parent_id=thread.leaf_message_id,
        role=new.role,
        kind=new.kind,
        chapter=new.chapter,
        status=new.status,
        content=new.content,
        error=new.error,
    )
    s.add(message)
    await s.flush()
    thread.leaf_message_id = message.id
    s.add(thread)
    await s.flush()
    return message


async def _shown_thread(s: AsyncSession, book: Book) -> Thread | None:
    """The branch the book shows; a book from before branches gets its first."""
    if book.thread_id is not None:
        return await s.get(Thread, book.thread_id)
    first = (
        await s.exec(
            select(Thread).where(Thread.book_id == book.id).order_by(col(Thread.id))
        )
    ).first()
    if first is not None:
        book.thread_id = first.id
        s.add(book)
    return first


async def current_path(s: AsyncSession, book_id: int) -> list[PathRow]:
    """The shown branch's messages, oldest first (two small queries; a parent
    always has a smaller id than its child, so ids ascend along a path)."""
    leaf = (
        await s.exec(
            select(Thread.leaf_message_id)
            .join(Book, col(Book.thread_id) == col(Thread.id))
            .where(col(Book.id) == book_id)
        )
    ).first()
    rows = await s.exec(
        select(Message.id, Message.parent_id, Message.kind, Message.chapter)
        .where(col(Message.book_id) == book_id)
        .order_by(col(Message.id))
    )
    every = [PathRow(i, p, k, c) for i, p, k, c in rows.all() if i is not None]
    return path_of(every, leaf)


def path_of(rows: Sequence[PathRow], leaf: int | None) -> list[PathRow]:
    """The path from the root down to ``leaf`` through ``rows``' parent ids."""
    by_id = {r.id: r for r in rows}
    path: list[PathRow] = []
    at = by_id.get(leaf) if leaf is not None else None
    while at is not None:
        path.append(at)
        at = by_id.get(at.parent_id) if at.parent_id is not None else None
    path.reverse()
    return path


async def list_branches(s: AsyncSession, book: Book) -> list[BranchInfo]:
    """The book's branches in the order they were made."""
    threads = list(
        (
            await s.exec(
                select(Thread).where(Thread.book_id == book.id).order_by(col(Thread.id))
            )
        ).all()
    )
    numbers = {t.id: t.number for t in threads}
    shown = (
        book.thread_id
        if book.thread_id is not None
        else threads[0].id
        if threads
        else None
    )
    return [
        BranchInfo(
            id=t.id,
            number=t.number,
            label=t.label,
            status=book.status if t.id == shown else t.status,
            chapters_done=book.chapters_done if t.id == shown else t.chapters_done,
            current=t.id == shown,
            forked_from_id=t.forked_from_id,
            parent_number=numbers.get(t.parent_thread_id),
        )
        for t in threads
        if t.id is not None
    ]


def _park(thread: Thread, book: Book) -> None:
    """Keep the book's state on the branch it leaves; a generating one stops."""
    active = book.status in ACTIVE_STATUSES
    thread.status = BookStatus.STOPPED if active else book.status
    thread.chapters_done = book.chapters_done
    thread.chapter_count = book.chapter_count


def _leave(book: Book) -> None:
    """A new version and no lease: the runner of the branch left stops."""
    book.version += 1
    book.lease_owner = None
    book.lease_until = None
    book.updated_at = utcnow()


async def fork_branch(
    s: AsyncSession, book_id: int, fork: Fork, *, version: int
) -> tuple[Moved, Book | None]:
    """Open a branch whose leaf is ``fork.at``'s parent, show it, and add its
    first message; the caller checked that ``fork.at`` is on the shown path
    at ``version`` (and the caller's transaction checks the owner's cap)."""
    book = await lock_book(s, book_id)
    if book is None:
        return Moved.GONE, None
    if book.version != version:
        return Moved.CONFLICT, book
    left = await _shown_thread(s, book)
    count = (
        await s.exec(
            select(func.count()).select_from(Thread).where(Thread.book_id == book_id)
        )
    ).one()
    if left is None:
        return Moved.GONE, book
    if count >= MAX_BRANCHES:
        return Moved.FULL, book
    _park(left, book)
    s.add(left)
    branch = Thread(
        book_id=book_id,
        number=int(count) + 1,
        parent_thread_id=left.id,
        forked_from_id=fork.forked_from,
        leaf_message_id=fork.leaf,
        label=fork.label,
        status=fork.to_status,
        chapters_done=fork.chapters_done,
        chapter_count=book.chapter_count,
    )
    s.add(branch)
    await s.flush()
    _leave(book)
    book.thread_id = branch.id
    book.status = fork.to_status
    book.chapters_done = fork.chapters_done
    s.add(book)
    await s.flush()
    if fork.first is not None:
        await add_to_thread(s, book_id, fork.first)
    return Moved.DONE, book


async def switch_branch(
    s: AsyncSession, book_id: int, thread_id: int, *, version: int | None
) -> Moved:
    """Show another branch of the book, with the state it was left in (never a
    generating one: a branch left while generating was parked as stopped)."""
    book = await lock_book(s, book_id)
    if book is None:
        return Moved.GONE
    if version is not None and book.version != version:
        return Moved.CONFLICT
    target = await s.get(Thread, thread_id)
    if target is None or target.book_id != book_id:
        return Moved.GONE
    left = await _shown_thread(s, book)
    if left is None or left.id == target.id:
        return Moved.SAME
    _park(left, book)
    s.add(left)
    _leave(book)
    book.thread_id = target.id
    book.status = target.status
    book.chapters_done = target.chapters_done
    book.chapter_count = target.chapter_count
    s.add(book)
    return Moved.DONE
