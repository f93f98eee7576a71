"""Who may see and act on a book: the pure rules."""

from __future__ import annotations

import pytest

from bookgen.accounts import ActionPolicy, UserPublic, UserRole, Visibility
from bookgen.accounts import can_act as act
from bookgen.accounts import can_view as view

AUTHOR = UserPublic(id=1, name="A", email="a@x.org", role=UserRole.MEMBER)
MATE = UserPublic(id=2, name="B", email="b@x.org", role=UserRole.MEMBER)
ADMIN = UserPublic(id=3, name="C", email="c@x.org", role=UserRole.ADMIN)
GONE = UserPublic(id=4, name="D", email="d@x.org", role=UserRole.MEMBER, disabled=True)

P, T = Visibility.PRIVATE, Visibility.TEAM
BY_AUTHOR, BY_TEAM = ActionPolicy.AUTHOR, ActionPolicy.TEAM


@pytest.mark.parametrize(
    ("user", "visibility", "policy", "sees", "acts"),
    [
        (AUTHOR, P, BY_AUTHOR, True, True),
        (AUTHOR, T, BY_TEAM, True, True),
        (MATE, P, BY_AUTHOR, False, False),
        (MATE, P, BY_TEAM, False, False),  # acting never without seeing
        (MATE, T, BY_AUTHOR, True, False),
        (MATE, T, BY_TEAM, True, True),
        (ADMIN, P, BY_TEAM, False, False),  # admins manage accounts, not books
        (ADMIN, T, BY_AUTHOR, True, False),
        (GONE, T, BY_TEAM, False, False),
        (None, T, BY_TEAM, False, False),
    ],
)
def test_view_and_act(user, visibility, policy, sees, acts):
    assert view(user, AUTHOR.id, visibility) is sees
    assert act(user, AUTHOR.id, visibility, policy) is acts


@pytest.mark.parametrize("junk", ["", "TEAM", "public", None, 1, ["team"]])
def test_unknown_settings_deny_others(junk):
    assert not view(MATE, AUTHOR.id, junk)  # type: ignore[arg-type]
    assert not act(MATE, AUTHOR.id, T, junk)  # type: ignore[arg-type]
    assert view(AUTHOR, AUTHOR.id, junk)  # type: ignore[arg-type]


def test_a_book_without_an_owner_is_only_seen_when_shared():
    assert not view(AUTHOR, None, P)
    assert view(AUTHOR, None, T) and not act(AUTHOR, None, T, BY_AUTHOR)
