"""Who is asking: the base of every state, resolved on every handler call.

The session token lives in the HttpOnly ``bookgen_session`` cookie; Reflex
hands each event the headers of the tab's websocket handshake, so the token
is read from there, server-side, and never sits in a var. ``_viewer()`` turns
it into a Viewer with one indexed query (``AccountService.user_for_session``):
every handler that reads or changes data calls it first, so a session revoked
a moment ago is refused on the very next event. Nothing here trusts what the
client says about who it is.
"""

from __future__ import annotations

import json

import reflex as rx

from bookgen import routes
from bookgen.accounts import Viewer
from bookgen.accounts.cookie import token_from_cookie_header
from bookgen.config import get_settings
from bookgen.runtime import get_accounts, viewer_for
from bookgen.state.reflex_bridge import request_cookie_header

__all__ = ["AuthState", "navigate_to_backend"]

# Installed by assets/backend_nav.jsx (components/backend_nav.py).
_BACKEND_NAV = "bookgenBackendNav"


def navigate_to_backend(path: str) -> rx.event.EventSpec:
    """Load a backend route (``path`` with its query) as a full page."""
    return rx.call_script(f"window.{_BACKEND_NAV}({json.dumps(path)})")


class AuthState(rx.State):
    """Who is signed in, as the page may know it (no token, no email)."""

    signed_in: rx.Field[bool] = rx.field(False)
    user_name: rx.Field[str] = rx.field("")
    is_admin: rx.Field[bool] = rx.field(False)

    @rx.var
    def accounts_on(self) -> bool:
        """Accounts are on (sign-in, members, sharing are offered)."""
        return get_settings().auth_enabled

    # --- helpers for every handler (underscore: not callable by clients) --
    def _session_token(self) -> str | None:
        return token_from_cookie_header(request_cookie_header(self))

    async def _viewer(self) -> Viewer | None:
        """The viewer this event comes from, or None (signed out); also shows
        the result in the user menu."""
        viewer = await viewer_for(self._session_token())
        user = viewer.user if viewer is not None else None
        self.signed_in = viewer is not None
        self.user_name = user.name if user is not None else ""
        self.is_admin = user is not None and user.is_admin
        return viewer

    # --- the one handler every page offers --------------------------------
    @rx.event
    async def log_out(self):
        """End the session now (every tab drops within seconds), then let the
        cookie route clear the cookie and show the sign-in page."""
        await get_accounts().log_out(self._session_token())
        self.signed_in, self.user_name, self.is_admin = False, "", False
        if get_settings().auth_enabled:
            return navigate_to_backend(routes.AUTH_LOGOUT)
        return None
