"""Admin actions are checked against the database and refuse bad targets."""

from __future__ import annotations

from bookgen.accounts import AccountService
from tests.accounts.conftest import make_admin, make_member


async def test_members_cannot_disable_anyone(accounts: AccountService):
    admin, admin_token = await make_admin(accounts)
    member, _ = await make_member(accounts, admin)
    result = await accounts.set_disabled(member, admin.id, disabled=True)
    assert not result.ok and result.message == "Only an admin can do that."
    assert await accounts.user_for_session(admin_token) == admin


async def test_the_admin_cannot_disable_themself_or_nobody(accounts: AccountService):
    admin, token = await make_admin(accounts)
    refusals = [
        await accounts.set_disabled(admin, admin.id, disabled=True),
        await accounts.set_disabled(admin, 999, disabled=True),
        await accounts.set_disabled(admin, 10**30, disabled=True),
        await accounts.set_disabled(admin, "2", disabled=True),
        await accounts.set_disabled(admin, True, disabled=True),
    ]
    assert [r.ok for r in refusals] == [False] * 5
    assert refusals[0].message == "You cannot disable your own account."
    assert {r.message for r in refusals[1:]} == {"No such member."}
    assert await accounts.user_for_session(token) == admin


async def test_only_admins_list_users(accounts: AccountService):
    admin, _ = await make_admin(accounts)
    member, _ = await make_member(accounts, admin)
    assert [u.id for u in await accounts.list_users(admin)] == [admin.id, member.id]
    assert await accounts.list_users(member) == []
    assert await accounts.list_users(None) == []
