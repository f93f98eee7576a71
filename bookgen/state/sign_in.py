"""Sign-in and sign-up pages: forms in, a claim for the session cookie out.

On success the session is created server-side and its token stored under a
one-time claim code (accounts/claims.py); the tab then loads the backend's
``/api/auth/claim`` route, which sets the HttpOnly cookie and sends the
browser on. A full page load follows, so the new websocket carries the cookie.
"""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.config import get_settings
from bookgen.runtime import get_accounts, get_claims
from bookgen.state.auth import AuthState, navigate_to_backend
from bookgen.state.reflex_bridge import client_address

__all__ = ["SignInState"]

FORM_DAMAGED = "The form arrived damaged; please send it again."


def _field(form_data: object, name: str) -> object:
    return form_data.get(name) if isinstance(form_data, dict) else None


class SignInState(AuthState):
    # What went wrong, for the whole form and per field.
    error: rx.Field[str] = rx.field("")
    field_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # The next sign-up creates the admin (empty database).
    founding: rx.Field[bool] = rx.field(False)
    # The page was opened from an invite link.
    invited: rx.Field[bool] = rx.field(False)
    busy: rx.Field[bool] = rx.field(False)

    def _invite_token(self) -> str:
        return self.router.url.query_parameters.get(routes.INVITE_PARAM, "")

    async def _already_in(self) -> bool:
        return not get_settings().auth_enabled or await self._viewer() is not None

    @rx.event
    async def load_sign_in(self):
        """on_load of the sign-in page: signed-in people go on; an empty
        database goes to sign-up (the first visitor creates the admin)."""
        self.error, self.field_errors, self.busy = "", {}, False
        if await self._already_in():
            return rx.redirect(routes.DASHBOARD)
        if await get_accounts().needs_founder():
            return rx.redirect(routes.SIGN_UP)
        return None

    @rx.event
    async def load_sign_up(self):
        self.error, self.field_errors, self.busy = "", {}, False
        if await self._already_in():
            return rx.redirect(routes.DASHBOARD)
        self.founding = await get_accounts().needs_founder()
        self.invited = bool(self._invite_token())
        return None

    async def _claim(self, session_token: str) -> rx.event.EventSpec:
        """Leave the token under a one-time code; the browser swaps it for
        the HttpOnly cookie at the claim route (see accounts/claims.py)."""
        code = await get_claims().issue(session_token)
        return navigate_to_backend(routes.claim_url(code, routes.DASHBOARD))

    @rx.event
    async def sign_in(self, form_data: dict):
        if not get_settings().auth_enabled:
            return rx.redirect(routes.DASHBOARD)
        if not isinstance(form_data, dict):
            self.error = FORM_DAMAGED
            return None
        result = await get_accounts().log_in(
            email=_field(form_data, "email"),
            password=_field(form_data, "password"),
            address=client_address(self),
        )
        self.field_errors = {}
        if not result.ok or result.session_token is None:
            self.error = result.message
            return None
        self.error, self.busy = "", True
        return await self._claim(result.session_token)

    @rx.event
    async def sign_up(self, form_data: dict):
        if not get_settings().auth_enabled:
            return rx.redirect(routes.DASHBOARD)
        if not isinstance(form_data, dict):
            self.error = FORM_DAMAGED
            return None
        result = await get_accounts().sign_up(
            name=_field(form_data, "name"),
            email=_field(form_data, "email"),
            password=_field(form_data, "password"),
            invite_token=self._invite_token() or None,
        )
        if not result.ok or result.session_token is None:
            self.field_errors = {result.field: result.message} if result.field else {}
            self.error = "" if result.field else result.message
            return None
        self.error, self.field_errors, self.busy = "", {}, True
        return await self._claim(result.session_token)
