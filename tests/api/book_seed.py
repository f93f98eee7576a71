"""A team and a book with chapters, written through the real store, for the
file routes (exports and covers)."""

from __future__ import annotations

from dataclasses import dataclass

from bookgen.accounts import UserPublic
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.runtime import get_accounts, get_service
from bookgen.storage.models import (
    ActionPolicy,
    MessageKind,
    MessageStatus,
    Role,
    Visibility,
)
from bookgen.storage.store import NewMessage

__all__ = ["CHAPTERS", "OUTLINE", "Person", "Team", "seed_book", "seed_team"]

OUTLINE = (
    "# The Keeper\n\nA keeper reads storms.\n\n"
    "## Chapter 1: The Bottle\nA message washes ashore.\n\n"
    "## Chapter 2: The Storm\nThe storm comes.\n\n"
    "## Chapter 3: The Shore\nCalm returns."
)
# Finished chapters, each with a marker a test finds in the exports.
CHAPTERS = {
    1: "The bottle came in on the tide. Marker-one-4a1.",
    2: "Rain hammered the lamp room. Marker-two-8c2.",
}


@dataclass(frozen=True)
class Person:
    user: UserPublic
    token: str


@dataclass(frozen=True)
class Team:
    author: Person  # the admin, author of every seeded book
    teammate: Person


async def seed_team() -> Team:
    accounts = get_accounts()
    a = await accounts.sign_up(
        name="Ada Author", email="ada@example.org", password="passphrase one"
    )
    assert a.user and a.session_token
    invite = await accounts.create_invite(a.user)
    b = await accounts.sign_up(
        name="Bob",
        email="bob@example.org",
        password="passphrase two",
        invite_token=invite.token,
    )
    assert b.user and b.session_token
    return Team(Person(a.user, a.session_token), Person(b.user, b.session_token))


async def seed_book(
    owner: UserPublic | None, *, title: str, shared: bool = False
) -> int:
    """A book with the outline above, chapters 1 and 2 finished, and chapter 3
    still streaming (an export leaves it out)."""
    store = get_service().store
    form = BookForm(
        title=title,
        premise="A keeper finds a bottle.",
        genre="Fantasy",
        chapter_count=3,
        words_per_chapter=400,
    )
    owner_id = owner.id if owner else None
    book = await store_new_book(
        store, form, default_model="gpt-4o-mini", owner_id=owner_id
    )
    assert book.id is not None
    add = store.add_message
    await add(book.id, NewMessage(Role.ASSISTANT, MessageKind.OUTLINE, OUTLINE))
    await add(book.id, NewMessage(Role.USER, MessageKind.APPROVAL, "Approved."))
    # Chapter 2 before chapter 1 in the thread: the export orders by number.
    for number in (2, 1):
        await add(
            book.id,
            NewMessage(
                Role.ASSISTANT, MessageKind.CHAPTER, CHAPTERS[number], chapter=number
            ),
        )
    await add(
        book.id,
        NewMessage(
            Role.ASSISTANT,
            MessageKind.CHAPTER,
            "Half a chapter, Marker-three-unfinished",
            chapter=3,
            status=MessageStatus.STREAMING,
        ),
    )
    if shared and owner is not None:
        await store.set_sharing(
            book.id,
            owner_id=owner.id,
            visibility=Visibility.TEAM,
            action_policy=ActionPolicy.AUTHOR,
        )
    return book.id
