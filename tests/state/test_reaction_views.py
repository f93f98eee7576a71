"""The chat panel's reactions and history as views, without Reflex."""

from __future__ import annotations

from bookgen.accounts import Viewer
from bookgen.accounts.results import UserPublic
from bookgen.state.history import (
    kept_older,
    parse_message_id,
    parse_reaction,
    reactor_id,
)
from bookgen.state.views import thread_entries
from bookgen.storage.account_models import UserRole
from bookgen.storage.models import MAX_ROW_ID, Book, MessageKind, Role
from bookgen.storage.reaction_models import (
    LOCAL_AUTHOR,
    REACTIONS,
    ReactionName,
    ReactionRow,
)
from bookgen.storage.store import MessageMeta


def meta(mid: int) -> MessageMeta:
    return MessageMeta(mid, Role.USER, MessageKind.FEEDBACK, None, "complete", "", 3)


def test_counts_and_mine_follow_the_fixed_order():
    rows = [
        ReactionRow(1, "up", 7),
        ReactionRow(1, "up", 8),
        ReactionRow(1, "wow", 8),
        ReactionRow(2, "heart", 7),
    ]
    first, second = thread_entries([meta(1), meta(2)], "", rows, user_id=7)
    names = list(REACTIONS)
    assert [r.total for r in first.reactions] == [
        2 if n == ReactionName.UP else 1 if n == ReactionName.WOW else 0 for n in names
    ]
    assert [r.mine for r in first.reactions] == [n == ReactionName.UP for n in names]
    assert [r.mine for r in second.reactions] == [
        n == ReactionName.HEART for n in names
    ]
    # A message nobody reacted to carries no list at all (fewer bytes).
    assert thread_entries([meta(3)], "", rows, user_id=7)[0].reactions == []
    # Another viewer sees the same counts, none of them theirs.
    other = thread_entries([meta(1)], "", rows, user_id=9)[0]
    assert [r.total for r in other.reactions] == [r.total for r in first.reactions]
    assert not any(r.mine for r in other.reactions)


def test_only_the_fixed_set_and_possible_ids_pass():
    assert parse_reaction("heart") is ReactionName.HEART
    for bad in ("fire", "UP", "", None, 1, ["up"], {"up": 1}, "up "):
        assert parse_reaction(bad) is None
    assert parse_message_id(5) == 5 and parse_message_id(MAX_ROW_ID) == MAX_ROW_ID
    for bad in (0, -1, MAX_ROW_ID + 1, 2**70, True, 3.0, "5", None, [5]):
        assert parse_message_id(bad) is None


def test_the_local_author_is_one_user():
    assert reactor_id(Viewer.solo()) == LOCAL_AUTHOR
    user = UserPublic(id=4, name="Ana", email="a@example.org", role=UserRole.MEMBER)
    assert reactor_id(Viewer(user=user)) == 4
    assert Viewer.solo().can_view(Book(title="T", premise="P"))


def test_a_tab_keeps_the_older_bubbles_it_loaded_when_the_window_moves():
    shown = thread_entries([meta(i) for i in range(10, 20)], "", [])
    # Nothing loaded beyond the window: the new window replaces it all.
    assert kept_older(shown, 0, 15) == []
    # Loaded from 10: everything before the new window's start stays.
    assert [e.id for e in kept_older(shown, 10, 15)] == [10, 11, 12, 13, 14]
