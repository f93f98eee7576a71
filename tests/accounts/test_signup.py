"""Sign-up: the first account is the only admin, then invites, one use each."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bookgen.accounts import AccountService, UserRole
from tests.accounts.conftest import FakeClock, make_admin, make_member


async def test_twenty_concurrent_first_sign_ups_make_exactly_one_admin(
    accounts: AccountService,
):
    assert await accounts.needs_founder()
    results = await asyncio.gather(
        *(
            accounts.sign_up(
                name=f"User {i}", email=f"u{i}@example.org", password="password-123"
            )
            for i in range(20)
        )
    )
    winners = [r for r in results if r.ok]
    assert len(winners) == 1
    assert winners[0].user is not None and winners[0].user.role is UserRole.ADMIN
    losers = [r for r in results if not r.ok]
    assert {r.message for r in losers} == {
        "Sign-up is by invitation: ask your admin for an invite link."
    }
    assert all(r.session_token is None and r.user is None for r in losers)
    admin = winners[0].user
    users = await accounts.list_users(admin)
    assert [u.id for u in users] == [admin.id]
    assert not await accounts.needs_founder()


async def test_after_the_admin_sign_up_needs_an_invite(accounts: AccountService):
    await make_admin(accounts)
    refused = await accounts.sign_up(
        name="Eve", email="eve@example.org", password="password-123"
    )
    assert not refused.ok
    assert refused.message == (
        "Sign-up is by invitation: ask your admin for an invite link."
    )
    forged = await accounts.sign_up(
        name="Eve",
        email="eve@example.org",
        password="password-123",
        invite_token="not-a-real-invite",
    )
    assert not forged.ok and "expired or was already used" in forged.message


async def test_an_invited_member_signs_up_as_member_and_is_signed_in(
    accounts: AccountService,
):
    admin, _ = await make_admin(accounts)
    member, token = await make_member(accounts, admin)
    assert member.role is UserRole.MEMBER and not member.is_admin
    assert await accounts.user_for_session(token) == member


async def test_one_invite_redeemed_concurrently_makes_exactly_one_account(
    accounts: AccountService,
):
    admin, _ = await make_admin(accounts)
    invite = await accounts.create_invite(admin)
    assert invite.token
    results = await asyncio.gather(
        *(
            accounts.sign_up(
                name=f"M{i}",
                email=f"m{i}@example.org",
                password="password-123",
                invite_token=invite.token,
            )
            for i in range(10)
        )
    )
    assert sum(r.ok for r in results) == 1
    assert {r.message for r in results if not r.ok} == {
        "This invite link has expired or was already used. "
        "Ask your admin for a new one."
    }
    assert len(await accounts.list_users(admin)) == 2
    again = await accounts.sign_up(
        name="Late",
        email="late@example.org",
        password="password-123",
        invite_token=invite.token,
    )
    assert not again.ok


async def test_an_expired_invite_is_refused(accounts: AccountService, clock: FakeClock):
    admin, _ = await make_admin(accounts)
    invite = await accounts.create_invite(admin)
    clock.advance(accounts.policy.invite_ttl + timedelta(seconds=1))
    result = await accounts.sign_up(
        name="Bo",
        email="bo@example.org",
        password="password-123",
        invite_token=invite.token,
    )
    assert not result.ok and "expired" in result.message


async def test_a_taken_email_is_refused_and_the_invite_stays_usable(
    accounts: AccountService,
):
    admin, _ = await make_admin(accounts)
    invite = await accounts.create_invite(admin)
    taken = await accounts.sign_up(
        name="Ada again",
        email="  ADA@Example.org ",
        password="password-123",
        invite_token=invite.token,
    )
    assert not taken.ok and taken.field == "email"
    assert "already exists" in taken.message
    fresh = await accounts.sign_up(
        name="Bo",
        email="bo@example.org",
        password="password-123",
        invite_token=invite.token,
    )
    assert fresh.ok, fresh.message


async def test_only_an_enabled_admin_creates_invites(accounts: AccountService):
    admin, _ = await make_admin(accounts)
    made = await accounts.create_invite(admin)
    assert made.message == "Invite link ready; it works once, within 7 days."
    member, _ = await make_member(accounts, admin)
    assert not (await accounts.create_invite(member)).ok
    assert not (await accounts.create_invite(None)).ok
    # A forged copy claiming admin is checked against the database.
    from dataclasses import replace

    forged = replace(member, role=UserRole.ADMIN)
    result = await accounts.create_invite(forged)
    assert not result.ok and result.message == "Only an admin can do that."


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Enter your name."),
        ({"name": None}, "name", "Enter your name."),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"name": "Ada\x00"}, "name", "not allowed"),
        ({"name": "\u202eadA"}, "name", "not allowed"),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "ada"}, "email", "valid email"),
        ({"email": "ada@localhost"}, "email", "valid email"),
        ({"email": "a da@example.org"}, "email", "valid email"),
        ({"email": ["ada@example.org"]}, "email", "Enter your email address."),
        ({"email": "a" * 250 + "@x.org"}, "email", "at most 254"),
        ({"password": ""}, "password", "Enter a password."),
        ({"password": "short"}, "password", "at least 8"),
        ({"password": "x" * 1025}, "password", "at most 1024"),
        ({"password": 12345678}, "password", "Enter a password."),
    ],
)
async def test_bad_fields_get_a_clear_message_and_create_nothing(
    accounts: AccountService, fields: dict, field: str, message: str
):
    form = {"name": "Ada", "email": "ada@example.org", "password": "password-123"}
    form.update(fields)
    result = await accounts.sign_up(**form)
    assert not result.ok and result.field == field
    assert message in result.message
    assert await accounts.needs_founder()


async def test_emails_are_stored_trimmed_and_case_folded(accounts: AccountService):
    result = await accounts.sign_up(
        name="  Ada  ", email="  Ada.Lovelace@Example.ORG ", password="password-123"
    )
    assert result.user is not None
    assert result.user.email == "ada.lovelace@example.org"
    assert result.user.name == "Ada"
    login = await accounts.log_in(
        email="ADA.LOVELACE@example.org", password="password-123", address="::1"
    )
    assert login.ok, login.message
