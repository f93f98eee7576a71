"""HTTP routes beside Reflex's websocket: message text, fetched once per page.

Streaming text then arrives as small live chunks; a gap or a page load fetches
from a code-point offset here instead of resending the whole text on the socket.
"""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bookgen import routes
from bookgen.runtime import get_service

__all__ = ["MAX_OFFSET", "api"]

# Offsets are code points counted in Python; this bound only keeps them sane.
MAX_OFFSET = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def _whole_number(raw: str) -> int | None:
    """``raw`` as a non-negative int if it is only ASCII digits, else None."""
    return int(raw) if _DIGITS.fullmatch(raw) else None


def _no_such_message() -> PlainTextResponse:
    return PlainTextResponse("no such message", status_code=404)


async def message_text(request: Request) -> PlainTextResponse:
    """The text of a message from code point ``?from=`` (default 0) to its end.

    404 for an id that names no message (non-numeric, out of range, unknown);
    400 for a ``from`` that is not a whole number from 0 to ``MAX_OFFSET``.
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
    text = await get_service().store.message_text(message_id, start)
    if text is None:
        return _no_such_message()
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


api = Starlette(
    routes=[Route(routes.MESSAGE_TEXT, message_text)],
)
