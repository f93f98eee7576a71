"""The admin's members page: invite links, the member list, disabling.

Every handler asks the account service, which checks the admin role against
the database (not this tab's copy); members' emails reach only an admin's tab.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from bookgen import routes
from bookgen.accounts import UserPublic
from bookgen.config import get_settings
from bookgen.runtime import get_accounts
from bookgen.state.auth import AuthState
from bookgen.state.reflex_bridge import page_origin

__all__ = ["MemberView", "MembersState"]


@dataclass(frozen=True, kw_only=True)
class MemberView:
    """One row of the members table (admins only)."""

    id: int
    name: str
    email: str
    role: str
    disabled: bool
    is_admin: bool


def _member_view(user: UserPublic) -> MemberView:
    return MemberView(
        id=user.id,
        name=user.name,
        email=user.email,
        role=str(user.role),
        disabled=user.disabled,
        is_admin=user.is_admin,
    )


class MembersState(AuthState):
    # False until the database says this viewer is an admin.
    allowed: rx.Field[bool] = rx.field(False)
    members: rx.Field[list[MemberView]] = rx.field(default_factory=list)
    invite_link: rx.Field[str] = rx.field("")
    notice: rx.Field[str] = rx.field("")

    def _deny(self) -> None:
        self.allowed, self.members, self.invite_link = False, [], ""

    async def _admin(self) -> UserPublic | None:
        viewer = await self._viewer()
        user = viewer.user if viewer is not None else None
        if user is None or not user.is_admin:
            self._deny()
            return None
        return user

    async def _reload(self, admin: UserPublic) -> None:
        users = await get_accounts().list_users(admin)
        self.allowed = bool(users)
        self.members = [_member_view(u) for u in users]

    @rx.event
    async def load_members(self):
        self.notice, self.invite_link = "", ""
        if not get_settings().auth_enabled:
            self._deny()
            return rx.redirect(routes.DASHBOARD)
        if await self._viewer() is None:
            self._deny()
            return rx.redirect(routes.SIGN_IN)
        admin = await self._admin()
        if admin is not None:
            await self._reload(admin)
        return None

    @rx.event
    async def create_invite(self):
        admin = await self._admin()
        if admin is None:
            return None
        result = await get_accounts().create_invite(admin)
        self.notice = result.message
        origin = get_settings().allowed_origins[:1] or (page_origin(self),)
        self.invite_link = (
            routes.invite_url(result.token, origin[0]) if result.token else ""
        )
        return None

    async def _change(self, user_id: object, *, disabled: bool) -> None:
        admin = await self._admin()
        if admin is None:
            return
        result = await get_accounts().set_disabled(admin, user_id, disabled=disabled)
        self.notice = result.message
        await self._reload(admin)

    @rx.event
    async def disable_member(self, user_id: int):
        """Disable a member and end all their sessions."""
        await self._change(user_id, disabled=True)

    @rx.event
    async def enable_member(self, user_id: int):
        await self._change(user_id, disabled=False)
