"""Login attempts limited per account and per client address.

With a Redis URL the counters live in Redis, so the limit holds across every
worker; without one they live in this process (a laptop has one worker).
The moving window counts attempts in the last N seconds exactly, so a burst
at a window boundary cannot double the allowance.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

__all__ = ["LimitDecision", "LoginLimiter"]


@dataclass(frozen=True)
class LimitDecision:
    """Whether an attempt may go ahead; if not, when to try again."""

    allowed: bool
    retry_after_s: int = 0
    # True when the limiter's storage could not be reached (we refuse then).
    unavailable: bool = False

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        if self.unavailable:
            return "Sign-in is unavailable right now; try again shortly."
        return f"Too many attempts; try again in {self.retry_after_s} s."


def _limits_redis_url(redis_url: str) -> str:
    """``redis://…`` as the async URL the limits library expects."""
    return redis_url if redis_url.startswith("async+") else f"async+{redis_url}"


class LoginLimiter:
    """Counts every login attempt against its account and its address."""

    def __init__(
        self,
        redis_url: str = "",
        *,
        per_account: str = "5/minute",
        per_address: str = "20/minute",
        key_prefix: str = "bookgen-login",
    ) -> None:
        self._per_account: RateLimitItem = parse(per_account)
        self._per_address: RateLimitItem = parse(per_address)
        self._pool: aioredis.ConnectionPool | None = None
        if redis_url:
            # Our own pool (redis-py, which Reflex already uses), so we can close it.
            self._pool = aioredis.ConnectionPool.from_url(redis_url)
            # limits documents connection_pool but types options as scalars.
            client_options: dict[str, Any] = {"connection_pool": self._pool}
            storage = RedisStorage(
                _limits_redis_url(redis_url),
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                **client_options,
            )
            self._limiter = MovingWindowRateLimiter(storage)
        else:
            self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, *, account: str, address: str) -> LimitDecision:
        """Record one attempt; refused once either counter is used up."""
        checks = (
            (self._per_address, "address", address or "unknown"),
            # Hashed: email addresses do not need to sit in Redis.
            (self._per_account, "account", _digest(account)),
        )
        try:
            for item, kind, identifier in checks:
                if not await self._limiter.hit(item, kind, identifier):
                    return LimitDecision(
                        allowed=False,
                        retry_after_s=await self._retry_after(item, kind, identifier),
                    )
        except StorageError:
            return LimitDecision(allowed=False, unavailable=True)
        return LimitDecision(allowed=True)

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
