"""Passwords: any Unicode, any length up to the limit, argon2id off the loop."""

from __future__ import annotations

import asyncio
import time
import unicodedata

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.accounts import AccountService, PasswordHasher
from bookgen.storage.account_models import User
from tests.accounts.conftest import FakeClock, roomy_limiter


@pytest.fixture
def real_accounts(engine: AsyncEngine, clock: FakeClock) -> AccountService:
    """The production hasher: PasswordHash.recommended() (argon2id, 64 MiB)."""
    return AccountService(engine, limiter=roomy_limiter(), clock=clock)


@pytest.mark.parametrize(
    "password",
    [
        "é" * 40,  # 80 bytes of UTF-8: past bcrypt's 72-byte limit
        "x" * 1000,
        "🧑‍🚀 and 日本語 and עברית " * 20,
    ],
    ids=["40-e-acute", "1000-chars", "emoji-cjk-rtl"],
)
async def test_long_and_unicode_passwords_sign_up_and_log_in(
    real_accounts: AccountService, password: str
):
    signed = await real_accounts.sign_up(
        name="Ada", email="ada@example.org", password=password
    )
    assert signed.ok, signed.message
    ok = await real_accounts.log_in(
        email="ada@example.org", password=password, address="::1"
    )
    assert ok.ok, ok.message
    wrong = await real_accounts.log_in(
        email="ada@example.org", password=password[:-1] + "?", address="::1"
    )
    assert not wrong.ok


async def test_composed_and_decomposed_accents_are_the_same_password(
    accounts: AccountService,
):
    composed = "café crème brûlée"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert (
        await accounts.sign_up(name="Ada", email="ada@example.org", password=composed)
    ).ok
    login = await accounts.log_in(
        email="ada@example.org", password=decomposed, address="::1"
    )
    assert login.ok, login.message


async def test_the_password_is_stored_only_as_an_argon2id_hash(
    real_accounts: AccountService, engine: AsyncEngine
):
    await real_accounts.sign_up(
        name="Ada", email="ada@example.org", password="correct horse battery"
    )
    async with AsyncSession(engine) as s:
        user = (await s.exec(select(User))).one()
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "correct horse" not in user.password_hash


async def test_hashing_does_not_block_the_event_loop():
    hasher = PasswordHasher()  # the real cost: hundreds of milliseconds
    ticks = 0
    hashing = True

    async def ticker() -> None:
        nonlocal ticks
        while hashing:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    started = time.perf_counter()
    stored = await hasher.hash("correct horse battery")
    hashed_in = time.perf_counter() - started
    hashing = False
    await task
    # A blocking hash would leave the ticker at one tick; in a thread it
    # keeps ticking at least every few of its 5 ms sleeps.
    assert ticks >= max(5, int(hashed_in / 0.005) // 4), (ticks, hashed_in)
    assert (await hasher.verify("correct horse battery", stored)).ok


async def test_a_stronger_policy_rehashes_on_the_next_login(
    accounts: AccountService, engine: AsyncEngine, clock: FakeClock
):
    await accounts.sign_up(name="Ada", email="ada@example.org", password="pass-word-1")
    stronger = AccountService(
        engine,
        hasher=PasswordHasher(
            PasswordHash((Argon2Hasher(time_cost=2, memory_cost=2048, parallelism=1),))
        ),
        limiter=roomy_limiter(),
        clock=clock,
    )
    login = await stronger.log_in(
        email="ada@example.org", password="pass-word-1", address="::1"
    )
    assert login.ok
    async with AsyncSession(engine) as s:
        user = (await s.exec(select(User))).one()
    assert "m=2048,t=2,p=1" in user.password_hash
