"""Who may see a book and who may act on it: pure rules, no database.

A book belongs to its author. The author chooses who may see it (only
themselves, or the whole team) and who may act on it (approve, reject, stop,
continue, ...): only themselves, or every teammate who can see it. Being admin
grants no view of someone else's private book: admins manage accounts, not
manuscripts. Anyone the rules turn away must be answered exactly as if the
book did not exist.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from bookgen.accounts.results import UserPublic
from bookgen.storage.models import ActionPolicy, Visibility

__all__ = ["ActionPolicy", "Visibility", "can_act", "can_view"]


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
