"""Server-side sessions: rows in the database, so they survive restarts and
can be revoked; the client holds a random token, the row only its SHA-256.

``user_for`` runs on every event handler, so it is one indexed query; the
sliding refresh writes at most once per ``refresh_every`` per session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.accounts.results import UserPublic
from bookgen.accounts.tokens import hash_token, new_token, plausible_token
from bookgen.storage.account_models import AuthSession, User

__all__ = ["SessionStore"]


class SessionStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        ttl: timedelta,
        refresh_every: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._refresh_every = refresh_every
        self._clock = clock

    async def create(self, user_id: int) -> str:
        """A new session for ``user_id``; returns the token for the client."""
        token = new_token()
        now = self._clock()
        async with self._sessions() as s, s.begin():
            s.add(
                AuthSession(
                    token_hash=hash_token(token),
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self._ttl,
                )
            )
        return token

    async def user_for(self, token: object) -> UserPublic | None:
        """The enabled user a live session token belongs to, else None."""
        if not plausible_token(token):
            return None
        assert isinstance(token, str)
        now = self._clock()
        stmt = (
            select(AuthSession, User)
            .join(User, col(User.id) == col(AuthSession.user_id))
            .where(col(AuthSession.token_hash) == hash_token(token))
            .where(col(AuthSession.expires_at) > now)
            .where(col(User.disabled).is_(False))
        )
        async with self._sessions() as s:
            row = (await s.exec(stmt)).first()
        if row is None:
            return None
        session, user = row
        if now - session.last_seen_at >= self._refresh_every:
            await self._slide(session, now)
        return UserPublic.of(user)

    async def _slide(self, session: AuthSession, now: datetime) -> None:
        # Conditional on the value we read: of several tabs refreshing at once,
        # one writes and the others are no-ops.
        stmt = (
            update(AuthSession)
            .where(col(AuthSession.id) == session.id)
            .where(col(AuthSession.last_seen_at) == session.last_seen_at)
            .values(last_seen_at=now, expires_at=now + self._ttl)
        )
        async with self._sessions() as s, s.begin():
            await s.exec(stmt)

    async def revoke(self, token: object) -> None:
        """Log one browser out; unknown tokens are ignored."""
        if not plausible_token(token):
            return
        assert isinstance(token, str)
        stmt = delete(AuthSession).where(
            col(AuthSession.token_hash) == hash_token(token)
        )
        async with self._sessions() as s, s.begin():
            await s.exec(stmt)

    async def revoke_all(self, user_id: int) -> int:
        """Log a user out everywhere; returns how many sessions ended."""
        stmt = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount

    async def purge_expired(self) -> int:
        """Delete sessions past their expiry (housekeeping; they already fail)."""
        stmt = delete(AuthSession).where(col(AuthSession.expires_at) <= self._clock())
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount
