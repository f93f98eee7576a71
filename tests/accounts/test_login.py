"""Logging in: one message for every wrong guess, the same work for unknown
emails, and disabled accounts kept out."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.accounts import AccountService, PasswordHasher
from tests.accounts.conftest import (
    ADMIN_PASSWORD,
    MEMBER_PASSWORD,
    FakeClock,
    make_admin,
    make_member,
    roomy_limiter,
)


class CountingArgon2(Argon2Hasher):
    """The real argon2id hasher, counting how often it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verifications = 0

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(password, hash)


async def test_wrong_password_and_unknown_email_look_the_same(
    engine: AsyncEngine, clock: FakeClock
):
    argon = CountingArgon2()
    accounts = AccountService(
        engine,
        hasher=PasswordHasher(PasswordHash((argon,))),
        limiter=roomy_limiter(),
        clock=clock,
    )
    await make_admin(accounts)
    argon.verifications = 0
    wrong_password = await accounts.log_in(
        email="ada@example.org", password="not the password", address="::1"
    )
    verified_for_known = argon.verifications
    argon.verifications = 0
    unknown_email = await accounts.log_in(
        email="nobody@example.org", password="not the password", address="::1"
    )
    assert not wrong_password.ok and not unknown_email.ok
    assert wrong_password == unknown_email  # same message, no token, no user
    assert wrong_password.message == "Wrong email or password."
    # Both paths verified a password hash once: same time, same answer.
    assert verified_for_known == 1
    assert argon.verifications == 1


async def test_a_correct_login_starts_a_session(accounts: AccountService):
    admin, _ = await make_admin(accounts)
    login = await accounts.log_in(
        email="ada@example.org", password=ADMIN_PASSWORD, address="::1"
    )
    assert login.ok and login.user == admin and login.session_token
    assert await accounts.user_for_session(login.session_token) == admin


async def test_bad_login_input_gets_a_message_not_an_exception(
    accounts: AccountService,
):
    await make_admin(accounts)
    for email, password in [
        (None, ADMIN_PASSWORD),
        ("", ADMIN_PASSWORD),
        ("ada@example.org", None),
        ("ada@example.org", ""),
        ("ada@example.org", "x" * 1_000_000),
        ({"$ne": ""}, {"$ne": ""}),
        ("ada@example.org' OR '1'='1", "' OR '1'='1"),
    ]:
        result = await accounts.log_in(email=email, password=password, address="::1")
        assert not result.ok and result.message and result.session_token is None


async def test_a_disabled_member_cannot_log_in(accounts: AccountService):
    admin, _ = await make_admin(accounts)
    member, _ = await make_member(accounts, admin)
    assert (await accounts.set_disabled(admin, member.id, disabled=True)).ok
    refused = await accounts.log_in(
        email="bo@example.org", password=MEMBER_PASSWORD, address="::1"
    )
    assert not refused.ok and "disabled" in refused.message
    # A wrong password says nothing about the account being disabled.
    wrong = await accounts.log_in(
        email="bo@example.org", password="wrong password", address="::1"
    )
    assert wrong.message == "Wrong email or password."
    assert (await accounts.set_disabled(admin, member.id, disabled=False)).ok
    again = await accounts.log_in(
        email="bo@example.org", password=MEMBER_PASSWORD, address="::1"
    )
    assert again.ok, again.message
