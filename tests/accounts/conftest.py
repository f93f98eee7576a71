"""Accounts on real SQLite and PostgreSQL (the shared ``db_url`` fixture),
with a clock the tests move, a cheap argon2id hasher where hashing cost is not
the subject, and Redis db 10 for the cross-instance rate limit."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.accounts import (
    AccountService,
    LoginLimiter,
    PasswordHasher,
    UserPublic,
)
from bookgen.storage.db import make_engine

REDIS_URL = os.environ.get("BOOKGEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/10")

ADMIN_PASSWORD = "correct horse battery"
MEMBER_PASSWORD = "member passphrase"


class FakeClock:
    """Now, as the tests say; the service reads it for expiries."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def fast_hasher() -> PasswordHasher:
    """argon2id with tiny costs: the same code path, milliseconds per hash."""
    return PasswordHasher(
        PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    )


def roomy_limiter() -> LoginLimiter:
    """Limits high enough that only the rate-limit tests ever meet them."""
    return LoginLimiter(per_account="1000/minute", per_address="1000/minute")


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts(engine: AsyncEngine, clock: FakeClock) -> AccountService:
    return AccountService(
        engine, hasher=fast_hasher(), limiter=roomy_limiter(), clock=clock
    )


@pytest.fixture
def redis_db() -> Iterator[str]:
    """Redis db 10, empty before and after the test."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


async def make_admin(accounts: AccountService) -> tuple[UserPublic, str]:
    """The founding admin and their session token."""
    result = await accounts.sign_up(
        name="Ada", email="ada@example.org", password=ADMIN_PASSWORD
    )
    assert result.ok and result.user and result.session_token, result.message
    return result.user, result.session_token


async def make_member(
    accounts: AccountService, admin: UserPublic, email: str = "bo@example.org"
) -> tuple[UserPublic, str]:
    """A member who signed up through a fresh invite, and their session token."""
    invite = await accounts.create_invite(admin)
    assert invite.ok and invite.token, invite.message
    result = await accounts.sign_up(
        name="Bo", email=email, password=MEMBER_PASSWORD, invite_token=invite.token
    )
    assert result.ok and result.user and result.session_token, result.message
    return result.user, result.session_token
