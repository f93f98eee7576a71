"""Who may see a book and who may act on it: pure rules, no database.

A book belongs to its author. The author chooses who may see it (only
themselves, or the whole team) and who may act on it (approve, reject, stop,
continue, ...): only themselves, or every teammate who can see it. Being admin
grants no view of someone else's private book: admins manage accounts, not
manuscripts. Anyone the rules turn away must be answered exactly as if the
book did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bookgen.accounts.results import UserPublic
from bookgen.storage.models import ActionPolicy, Book, Visibility

__all__ = ["ActionPolicy", "Viewer", "Visibility", "can_act", "can_view"]


E = TypeVar("E", bound=StrEnum)


def _parse(kind: type[E], value: object) -> E | None:
    try:
        return kind(value)
    except (ValueError, TypeError):
        return None


def can_view(
    user: UserPublic | None, book_owner_id: int | None, visibility: str
) -> bool:
    """True if ``user`` may read the book; unknown values deny."""
    if user is None or user.disabled:
        return False
    if book_owner_id is not None and user.id == book_owner_id:
        return True
    return _parse(Visibility, visibility) is Visibility.TEAM


def can_act(
    user: UserPublic | None,
    book_owner_id: int | None,
    visibility: str,
    action_policy: str,
) -> bool:
    """True if ``user`` may change the book; never without the right to see it."""
    if not can_view(user, book_owner_id, visibility):
        return False
    assert user is not None  # can_view refuses None
    if book_owner_id is not None and user.id == book_owner_id:
        return True
    return _parse(ActionPolicy, action_policy) is ActionPolicy.TEAM


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user, or the single author when accounts
    are off (BOOKGEN_AUTH=off: every book is theirs, nobody else can connect)."""

    user: UserPublic | None = None
    single_author: bool = False

    @classmethod
    def solo(cls) -> Viewer:
        return cls(single_author=True)

    @property
    def user_id(self) -> int | None:
        """The owner id of the books this viewer creates."""
        return self.user.id if self.user is not None else None

    def can_view(self, book: Book) -> bool:
        if self.single_author:
            return True
        return can_view(self.user, book.owner_id, book.visibility)

    def can_act(self, book: Book) -> bool:
        if self.single_author:
            return True
        return can_act(self.user, book.owner_id, book.visibility, book.action_policy)

    def is_author(self, book: Book) -> bool:
        """May change who sees and drives the book (never in single-author mode,
        where there is no one to share with)."""
        if self.single_author or self.user is None or self.user.disabled:
            return False
        return book.owner_id is not None and book.owner_id == self.user.id
