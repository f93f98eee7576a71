"""Sessions: rows in the database, hashed, expiring, sliding, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.accounts import AccountService
from bookgen.storage.db import make_engine
from tests.accounts.conftest import (
    FakeClock,
    fast_hasher,
    make_admin,
    make_member,
    roomy_limiter,
)


async def test_junk_tokens_are_nobody(accounts: AccountService):
    await make_admin(accounts)
    for junk in [None, "", "x", 42, ["t"], {"t": 1}, "é" * 10_000, "\x00"]:
        assert await accounts.user_for_session(junk) is None


async def test_only_the_hash_of_a_token_is_stored(
    accounts: AccountService, engine: AsyncEngine
):
    _, token = await make_admin(accounts)
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT token_hash FROM auth_session"))).all()
    assert len(stored) == 1
    assert stored[0][0] != token and len(stored[0][0]) == 64
    assert token not in stored[0][0]


async def test_a_session_expires_after_its_ttl_without_use(
    accounts: AccountService, clock: FakeClock
):
    admin, token = await make_admin(accounts)
    clock.advance(accounts.policy.session_ttl - timedelta(seconds=1))
    assert await accounts.user_for_session(token) == admin
    # That use slid the expiry forward by a whole ttl.
    clock.advance(accounts.policy.session_ttl - timedelta(seconds=1))
    assert await accounts.user_for_session(token) == admin
    clock.advance(accounts.policy.session_ttl + timedelta(seconds=1))
    assert await accounts.user_for_session(token) is None
    assert await accounts.purge_expired_sessions() == 1


async def test_use_within_the_refresh_interval_does_not_slide(
    accounts: AccountService, clock: FakeClock
):
    admin, token = await make_admin(accounts)
    step = accounts.policy.session_refresh_every / 2
    clock.advance(step)
    assert await accounts.user_for_session(token) == admin  # no write: too soon
    clock.advance(accounts.policy.session_ttl - step + timedelta(seconds=1))
    assert await accounts.user_for_session(token) is None


async def test_logout_revokes_only_that_session(accounts: AccountService):
    admin, first = await make_admin(accounts)
    second = (
        await accounts.log_in(
            email="ada@example.org", password="correct horse battery", address="::1"
        )
    ).session_token
    await accounts.log_out(first)
    assert await accounts.user_for_session(first) is None
    assert await accounts.user_for_session(second) == admin
    await accounts.log_out("never-issued")  # harmless


async def test_disabling_a_member_revokes_all_their_sessions(
    accounts: AccountService,
):
    admin, admin_token = await make_admin(accounts)
    member, tab_one = await make_member(accounts, admin)
    tab_two = (
        await accounts.log_in(
            email="bo@example.org", password="member passphrase", address="::1"
        )
    ).session_token
    assert await accounts.user_for_session(tab_two) == member
    result = await accounts.set_disabled(admin, member.id, disabled=True)
    assert result.ok and result.message == "Member disabled and signed out."
    assert await accounts.user_for_session(tab_one) is None
    assert await accounts.user_for_session(tab_two) is None
    assert await accounts.user_for_session(admin_token) == admin
    # Re-enabling does not bring old sessions back.
    assert (await accounts.set_disabled(admin, member.id, disabled=False)).ok
    assert await accounts.user_for_session(tab_one) is None


async def test_sessions_survive_a_restart(
    db_url: str, accounts: AccountService, clock: FakeClock
):
    admin, token = await make_admin(accounts)
    # A new process: a new engine and service over the same database.
    engine = make_engine(db_url)
    try:
        restarted = AccountService(
            engine, hasher=fast_hasher(), limiter=roomy_limiter(), clock=clock
        )
        assert await restarted.user_for_session(token) == admin
    finally:
        await engine.dispose()
