"""One-time invite links: created by an admin, redeemed at most once.

Redemption is a conditional UPDATE (``WHERE used_at IS NULL AND expires_at >
now``) inside the transaction that creates the account, so of many concurrent
sign-ups with one link exactly one succeeds, and a failed sign-up leaves the
invite unused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.accounts.tokens import hash_token, new_token
from bookgen.storage.account_models import Invite

__all__ = ["InviteStore", "claim_invite", "record_invitee"]


class InviteStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(self, *, created_by_id: int, ttl: timedelta) -> str:
        """A new invite; returns the token for the link (stored only hashed)."""
        token = new_token()
        now = self._clock()
        async with self._sessions() as s, s.begin():
            s.add(
                Invite(
                    token_hash=hash_token(token),
                    created_by_id=created_by_id,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return token

    async def is_open(self, token: str) -> bool:
        """Unused and unexpired right now (a hint; redemption decides)."""
        stmt = (
            select(Invite.id)
            .where(col(Invite.token_hash) == hash_token(token))
            .where(col(Invite.used_at).is_(None))
            .where(col(Invite.expires_at) > self._clock())
        )
        async with self._sessions() as s:
            return (await s.exec(stmt)).first() is not None


async def claim_invite(s: AsyncSession, token: str, now: datetime) -> bool:
    """Mark the invite used, in ``s``'s transaction; False if it was not open.

    Call it before any read in the transaction: on SQLite a write that comes
    first waits for the lock instead of failing.
    """
    stmt = (
        update(Invite)
        .where(col(Invite.token_hash) == hash_token(token))
        .where(col(Invite.used_at).is_(None))
        .where(col(Invite.expires_at) > now)
        .values(used_at=now)
    )
    return (await s.exec(stmt)).rowcount == 1


async def record_invitee(s: AsyncSession, token: str, user_id: int) -> None:
    """Note who used the invite, in the same transaction as the claim."""
    stmt = (
        update(Invite)
        .where(col(Invite.token_hash) == hash_token(token))
        .values(used_by_id=user_id)
    )
    await s.exec(stmt)
