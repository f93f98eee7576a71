"""HTTP routes beside Reflex's websocket: message text, and the session cookie.

Streaming text arrives as small live chunks; a gap or a page load fetches
from a code-point offset here instead of resending the whole text on the
socket. The text is served only to a session that may see the message's book;
anything else is the same 404 as a message that does not exist.

The session cookie is HttpOnly, so only an HTTP response can set or clear it:
``/api/auth/claim`` swaps a one-time claim code (left by the sign-in handler,
see accounts/claims.py) for the cookie, and ``/api/auth/logout`` ends the
session and clears it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bookgen import routes
from bookgen.accounts.cookie import SESSION_COOKIE
from bookgen.api_dictation import DICTATION_ROUTES
from bookgen.api_files import FILE_ROUTES
from bookgen.config import get_settings
from bookgen.runtime import get_accounts, get_claims, get_service, viewer_for

__all__ = ["MAX_OFFSET", "api"]

# Offsets are code points counted in Python; this bound only keeps them sane.
MAX_OFFSET = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")
# Navigations our own pages start; a link on another site is "cross-site", a
# typed or pasted URL "none". Browsers without the header are let through.
_OWN_NAVIGATION = ("same-origin", "same-site")


def _whole_number(raw: str) -> int | None:
    """``raw`` as a non-negative int if it is only ASCII digits, else None."""
    return int(raw) if _DIGITS.fullmatch(raw) else None


def _no_such_message() -> PlainTextResponse:
    return PlainTextResponse("no such message", status_code=404)


async def message_text(request: Request) -> PlainTextResponse:
    """The text of a message from code point ``?from=`` (default 0) to its end.

    404 for an id that names no message the session may read (non-numeric,
    out of range, unknown, or in a book the viewer may not see); 400 for a
    ``from`` that is not a whole number from 0 to ``MAX_OFFSET``.
    """
    message_id = routes.parse_id(request.path_params["message_id"])
    if message_id is None:
        return _no_such_message()
    start = _whole_number(request.query_params.get("from", "0"))
    if start is None or start > MAX_OFFSET:
        return PlainTextResponse(
            f"'from' must be a whole number of characters from 0 to {MAX_OFFSET}",
            status_code=400,
        )
    viewer = await viewer_for(request.cookies.get(SESSION_COOKIE))
    store = get_service().store
    book = await store.book_of_message(message_id) if viewer is not None else None
    if viewer is None or book is None or not viewer.can_view(book):
        return _no_such_message()
    text = await store.message_text(message_id, start)
    if text is None:
        return _no_such_message()
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


def _started_here(request: Request) -> bool:
    """The navigation came from one of our pages (not a link on another site)."""
    site = request.headers.get("sec-fetch-site")
    return site is None or site in _OWN_NAVIGATION


def _page_url(request: Request, path: str) -> str:
    """``path`` on the site the browser came from.

    The dev server serves pages on another port than this backend, so the
    page's origin (from the Referer) is used when it is this host; otherwise
    the path stays relative (production serves both on one origin).
    """
    referer = urlsplit(request.headers.get("referer", ""))
    if (
        referer.scheme in ("http", "https")
        and referer.hostname
        and referer.hostname == request.url.hostname
    ):
        return f"{referer.scheme}://{referer.netloc}{path}"
    return path


def _is_https(request: Request) -> bool:
    # A proxy that terminates TLS says so; trusting it can only add Secure.
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def claim_session(request: Request) -> Response:
    """Swap a one-time sign-in claim for the HttpOnly session cookie."""
    if not _started_here(request):
        return PlainTextResponse("Sign in from the sign-in page.", status_code=403)
    token = await get_claims().redeem(request.query_params.get("code"))
    if token is None:
        return _no_store(
            RedirectResponse(_page_url(request, routes.SIGN_IN), status_code=303)
        )
    next_path = routes.safe_next_path(request.query_params.get("next"))
    response = RedirectResponse(_page_url(request, next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=round(get_settings().session_days * 86_400),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_is_https(request),
    )
    return _no_store(response)


async def log_out(request: Request) -> Response:
    """End this browser's session and clear its cookie."""
    if not _started_here(request):
        return PlainTextResponse("Sign out from the app.", status_code=403)
    await get_accounts().log_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(_page_url(request, routes.SIGN_IN), status_code=303)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_is_https(request),
    )
    return _no_store(response)


api = Starlette(
    routes=[
        Route(routes.MESSAGE_TEXT, message_text),
        Route(routes.AUTH_CLAIM, claim_session),
        Route(routes.AUTH_LOGOUT, log_out),
        *FILE_ROUTES,
        *DICTATION_ROUTES,
    ],
)
