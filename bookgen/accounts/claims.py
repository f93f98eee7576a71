"""One-time sign-in claims: how a session token reaches an HttpOnly cookie.

A Reflex handler cannot set an HttpOnly cookie (its only channel to the
browser is the websocket, and JavaScript-visible cookies are what we avoid).
So after a successful sign-in the handler stores the new session token here
under a random, short-lived, single-use claim code and sends the browser to
``/api/auth/claim?code=…``; that HTTP route takes the token out (exactly once)
and answers with the ``Set-Cookie``. Claims live in Redis when configured (any
worker may serve the claim) and in this process otherwise (one worker).
"""

from __future__ import annotations

import time
from typing import Protocol

import redis.asyncio as aioredis

from bookgen.accounts.tokens import hash_token, new_token, plausible_token

__all__ = ["CLAIM_TTL_S", "ClaimStore", "MemoryClaims", "RedisClaims", "make_claims"]

# Long enough for one redirect on a slow network, short enough to be useless
# if a claim URL leaks into a log.
CLAIM_TTL_S = 60


class ClaimStore(Protocol):
    async def issue(self, session_token: str) -> str:
        """A new claim code for ``session_token``."""
        ...

    async def redeem(self, code: object) -> str | None:
        """The session token, once; None if unknown, used or expired."""
        ...

    async def aclose(self) -> None: ...


class MemoryClaims:
    """Claims in this process (single-worker runs)."""

    def __init__(self, ttl_s: float = CLAIM_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._claims: dict[str, tuple[str, float]] = {}

    async def issue(self, session_token: str) -> str:
        now = time.monotonic()
        # Drop expired claims so abandoned sign-ins do not accumulate.
        self._claims = {k: v for k, v in self._claims.items() if v[1] > now}
        code = new_token()
        self._claims[hash_token(code)] = (session_token, now + self._ttl_s)
        return code

    async def redeem(self, code: object) -> str | None:
        if not plausible_token(code):
            return None
        assert isinstance(code, str)
        entry = self._claims.pop(hash_token(code), None)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    async def aclose(self) -> None:
        self._claims.clear()


class RedisClaims:
    """Claims in Redis, redeemed with GETDEL (atomic: one redemption wins)."""

    def __init__(
        self, redis_url: str, *, ttl_s: int = CLAIM_TTL_S, prefix: str = "bookgen-claim"
    ) -> None:
        self._redis = aioredis.Redis.from_url(redis_url)
        self._ttl_s = ttl_s
        self._prefix = prefix

    def _key(self, code: str) -> str:
        return f"{self._prefix}:{hash_token(code)}"

    async def issue(self, session_token: str) -> str:
        code = new_token()
        await self._redis.set(self._key(code), session_token, ex=self._ttl_s)
        return code

    async def redeem(self, code: object) -> str | None:
        if not plausible_token(code):
            return None
        assert isinstance(code, str)
        value = await self._redis.getdel(self._key(code))
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def aclose(self) -> None:
        await self._redis.aclose()


def make_claims(redis_url: str) -> ClaimStore:
    return RedisClaims(redis_url) if redis_url else MemoryClaims()
