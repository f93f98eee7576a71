"""Users, services and a clock-free "tomorrow" for the limit tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bookgen.generation.service import GenerationService
from bookgen.storage.account_models import User
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import Message, utcnow
from bookgen.storage.store import Store
from tests.generation.helpers import form


async def add_user(store: Store, name: str) -> int:
    """A member row to own books (the limits do not care how they signed in)."""
    sessions = make_sessionmaker(store.engine)
    async with sessions() as s, s.begin():
        user = User(name=name, email=f"{name}@example.com", password_hash="x")
        s.add(user)
        await s.flush()
        assert user.id is not None
        return user.id


async def make_it_tomorrow(store: Store) -> None:
    """Every message was last touched yesterday: today's usage is zero."""
    sessions = make_sessionmaker(store.engine)
    async with sessions() as s, s.begin():
        await s.exec(update(Message).values(updated_at=utcnow() - timedelta(days=1)))


async def book_count(store: Store) -> int:
    return len(await store.list_books())


async def create(
    service: GenerationService, owner_id: int | None = None, **kw: object
) -> int:
    book = await service.create_book(
        form(chapters=1, words=200, **kw), owner_id=owner_id
    )
    assert book.id is not None
    return book.id


async def counters(store: Store, book_id: int) -> tuple[int, int]:
    book = await store.get_book(book_id)
    assert book is not None
    return book.rejections, book.continues
