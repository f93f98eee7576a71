"""A team with books, written straight to the database the app will serve.

The admin (A) owns four books, all stopped so nothing generates until a test
asks: one private, one the team may watch, one the team may drive, and one
private book that a test resumes to stream live. Titles and outline texts carry
markers a test can search every received byte for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bookgen.accounts import AccountService, LoginLimiter, UserPublic
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.storage.db import make_engine
from bookgen.storage.models import (
    ActionPolicy,
    BookStatus,
    MessageKind,
    Role,
    Visibility,
)
from bookgen.storage.store import NewMessage, Store
from tests.faults.openai_server import OUTLINE

__all__ = ["Member", "Team", "seed_team"]

MODEL = "gpt-fake"
PASSWORD = "a long enough passphrase"


@dataclass(frozen=True)
class Member:
    user: UserPublic
    token: str  # session token: what the cookie holds


@dataclass(frozen=True)
class Team:
    admin: Member  # "A": the author of every seeded book
    member: Member  # "B"
    other: Member  # "C": a member whose session a test revokes
    private_book: int
    team_read_book: int
    team_act_book: int
    live_book: int  # private; a test resumes it to stream a chapter

    def secrets(self) -> list[str]:
        """Strings that must never reach a client that may not see them."""
        return [
            "Private-Title-7f3a",
            "Private-Outline-9c1e",
            "Live-Title-52aa",
            self.admin.user.email,
            self.admin.token,
            self.member.token,
            self.other.token,
            "$argon2",
        ]


async def _book(
    store: Store,
    owner: int,
    title: str,
    outline: str,
    visibility: Visibility,
    action_policy: ActionPolicy,
    *,
    approved: bool,
) -> int:
    # 400 words: what the fake model writes for a chapter in one reply.
    form = BookForm(
        title=title,
        premise="A keeper finds a bottle.",
        chapter_count=1,
        words_per_chapter=400,
    )
    book = await store_new_book(store, form, default_model=MODEL, owner_id=owner)
    assert book.id is not None
    await store.add_message(
        book.id,
        NewMessage(role=Role.ASSISTANT, kind=MessageKind.OUTLINE, content=outline),
    )
    if approved:
        await store.add_message(
            book.id,
            NewMessage(role=Role.USER, kind=MessageKind.APPROVAL, content="Approved."),
        )
    assert await store.transition(
        book.id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    await store.set_sharing(
        book.id, owner_id=owner, visibility=visibility, action_policy=action_policy
    )
    return book.id


async def _seed(db_url: str) -> Team:
    engine = make_engine(db_url)
    try:
        accounts = AccountService(
            engine, limiter=LoginLimiter(per_account="1000/minute")
        )
        founder = await accounts.sign_up(
            name="Ada Admin", email="ada-7f3a@example.org", password=PASSWORD
        )
        assert founder.user and founder.session_token, founder
        admin = Member(founder.user, founder.session_token)

        async def invited(name: str, email: str) -> Member:
            invite = await accounts.create_invite(admin.user)
            made = await accounts.sign_up(
                name=name, email=email, password=PASSWORD, invite_token=invite.token
            )
            assert made.user and made.session_token, made
            return Member(made.user, made.session_token)

        member = await invited("Bob Member", "bob@example.org")
        other = await invited("Cy Other", "cy@example.org")
        store = Store(engine)
        a = admin.user.id
        private_outline = OUTLINE + "\n\nPrivate-Outline-9c1e"
        return Team(
            admin=admin,
            member=member,
            other=other,
            private_book=await _book(
                store,
                a,
                "Private-Title-7f3a",
                private_outline,
                Visibility.PRIVATE,
                ActionPolicy.AUTHOR,
                approved=False,
            ),
            team_read_book=await _book(
                store,
                a,
                "Team-Read-Title",
                OUTLINE,
                Visibility.TEAM,
                ActionPolicy.AUTHOR,
                approved=False,
            ),
            team_act_book=await _book(
                store,
                a,
                "Team-Act-Title",
                OUTLINE,
                Visibility.TEAM,
                ActionPolicy.TEAM,
                approved=True,
            ),
            live_book=await _book(
                store,
                a,
                "Live-Title-52aa",
                OUTLINE,
                Visibility.PRIVATE,
                ActionPolicy.AUTHOR,
                approved=True,
            ),
        )
    finally:
        await engine.dispose()


def seed_team(db_url: str) -> Team:
    return asyncio.run(_seed(db_url))
