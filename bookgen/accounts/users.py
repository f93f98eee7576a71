"""User rows: the founding admin, invited members, and admin changes.

Both ways in are single transactions that the database arbitrates: the
founder slot's unique index admits one founding admin however many sign up at
once, and an invite is claimed and the member inserted together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.accounts.invites import claim_invite, record_invitee
from bookgen.storage.account_models import User, UserRole

__all__ = ["InviteOutcome", "UserStore"]


class InviteOutcome(StrEnum):
    CREATED = "created"
    INVITE_CLOSED = "invite_closed"  # unknown, expired or already used
    EMAIL_TAKEN = "email_taken"


class UserStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def any_user(self) -> bool:
        async with self._sessions() as s:
            return bool((await s.exec(select(exists().select_from(User)))).one())

    async def get(self, user_id: int) -> User | None:
        async with self._sessions() as s:
            return await s.get(User, user_id)

    async def by_email(self, email: str) -> User | None:
        async with self._sessions() as s:
            return (await s.exec(select(User).where(col(User.email) == email))).first()

    async def list_all(self) -> list[User]:
        async with self._sessions() as s:
            return list((await s.exec(select(User).order_by(col(User.id)))).all())

    async def insert_founder(
        self, *, name: str, email: str, password_hash: str
    ) -> User | None:
        """The founding admin, or None if someone else already took the slot."""
        user = User(
            name=name,
            email=email,
            password_hash=password_hash,
            role=UserRole.ADMIN,
            founder_slot=1,
            created_at=self._clock(),
        )
        try:
            async with self._sessions() as s, s.begin():
                s.add(user)
        except IntegrityError:
            return None
        return user

    async def insert_invited(
        self, *, name: str, email: str, password_hash: str, invite_token: str
    ) -> tuple[InviteOutcome, User | None]:
        """A member, if the invite is open and the email free; atomically."""
        now = self._clock()
        user = User(
            name=name,
            email=email,
            password_hash=password_hash,
            role=UserRole.MEMBER,
            created_at=now,
        )
        try:
            async with self._sessions() as s, s.begin():
                if not await claim_invite(s, invite_token, now):
                    return InviteOutcome.INVITE_CLOSED, None
                s.add(user)
                await s.flush()
                assert user.id is not None
                await record_invitee(s, invite_token, user.id)
        except IntegrityError:
            # The email is the only unique value a member row can clash on;
            # the rollback also gives the invite back.
            return InviteOutcome.EMAIL_TAKEN, None
        return InviteOutcome.CREATED, user

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        stmt = (
            update(User)
            .where(col(User.id) == user_id)
            .values(password_hash=password_hash)
        )
        async with self._sessions() as s, s.begin():
            await s.exec(stmt)

    async def set_member_disabled(self, user_id: int, disabled: bool) -> bool:
        """Disable or re-enable a member; False if no such member (admins are
        not disabled this way)."""
        stmt = (
            update(User)
            .where(col(User.id) == user_id)
            .where(col(User.role) == UserRole.MEMBER)
            .values(disabled=disabled)
        )
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount == 1
