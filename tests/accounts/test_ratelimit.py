"""Login rate limits per account and per address, in memory and across
limiter instances sharing Redis (as several workers do)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.accounts import AccountService, LoginLimiter
from tests.accounts.conftest import ADMIN_PASSWORD, FakeClock, fast_hasher, make_admin

REFUSAL = re.compile(r"^Too many attempts; try again in (\d+) s\.$")


@pytest.fixture(params=["memory", "redis"])
async def limiter_pair(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[LoginLimiter, LoginLimiter]]:
    """Two limiters as two workers see them: one shared store, or (memory)
    the same instance twice, since memory counters live in one process."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_db")
        first = LoginLimiter(url, per_account="5/minute", per_address="20/minute")
        second = LoginLimiter(url, per_account="5/minute", per_address="20/minute")
        yield first, second
        await first.aclose()
        await second.aclose()
    else:
        only = LoginLimiter(per_account="5/minute", per_address="20/minute")
        yield only, only


async def test_the_sixth_attempt_on_one_account_is_refused(limiter_pair):
    first, second = limiter_pair
    for i in range(5):
        worker = first if i % 2 else second
        decision = await worker.hit(account="ada@example.org", address=f"10.0.0.{i}")
        assert decision.allowed
    refused = await first.hit(account="ada@example.org", address="10.0.0.9")
    assert not refused.allowed
    assert 1 <= refused.retry_after_s <= 60
    match = REFUSAL.match(refused.message)
    assert match and int(match.group(1)) == refused.retry_after_s
    # Other accounts are not affected.
    assert (await second.hit(account="bo@example.org", address="10.0.0.9")).allowed


async def test_one_address_is_refused_after_twenty_attempts(limiter_pair):
    first, second = limiter_pair
    for i in range(20):
        worker = first if i % 2 else second
        assert (
            await worker.hit(account=f"user{i}@example.org", address="10.1.1.1")
        ).allowed
    refused = await second.hit(account="fresh@example.org", address="10.1.1.1")
    assert not refused.allowed and REFUSAL.match(refused.message)
    assert (await first.hit(account="fresh@example.org", address="10.1.1.2")).allowed


async def test_separate_memory_limiters_do_not_share_counts():
    """Why Redis is needed across workers: memory counters are per process."""
    first = LoginLimiter(per_account="1/minute")
    second = LoginLimiter(per_account="1/minute")
    assert (await first.hit(account="ada", address="a")).allowed
    assert (await second.hit(account="ada", address="a")).allowed
    assert not (await first.hit(account="ada", address="a")).allowed


async def test_an_unreachable_redis_refuses_clearly():
    limiter = LoginLimiter("redis://127.0.0.1:1/0")
    try:
        decision = await limiter.hit(account="ada", address="a")
    finally:
        await limiter.aclose()
    assert not decision.allowed and decision.unavailable
    assert decision.message == "Sign-in is unavailable right now; try again shortly."


async def test_login_refuses_even_the_right_password_once_limited(
    engine: AsyncEngine, clock: FakeClock, redis_db: str
):
    workers = [
        AccountService(
            engine,
            hasher=fast_hasher(),
            limiter=LoginLimiter(redis_db, per_account="5/minute"),
            clock=clock,
        )
        for _ in range(2)
    ]
    try:
        await make_admin(workers[0])
        for i in range(5):
            wrong = await workers[i % 2].log_in(
                email="ada@example.org",
                password="guess-number-" + str(i),
                address=f"10.2.0.{i}",
            )
            assert wrong.message == "Wrong email or password."
        limited = await workers[1].log_in(
            email=" ADA@example.org", password=ADMIN_PASSWORD, address="10.2.0.99"
        )
        assert not limited.ok and limited.session_token is None
        assert REFUSAL.match(limited.message) and limited.retry_after_s
    finally:
        for worker in workers:
            await worker.limiter.aclose()
