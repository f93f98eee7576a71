"""HTTP routes beside Reflex's websocket: message text, fetched once per page.

Streaming text then arrives as small live chunks; a gap or a page load fetches
from a code-point offset here instead of resending the whole text on the socket.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bookgen.runtime import get_service

__all__ = ["api"]


async def message_text(request: Request) -> PlainTextResponse:
    message_id = request.path_params["message_id"]
    try:
        start = int(request.query_params.get("from", "0"))
    except ValueError:
        return PlainTextResponse("'from' must be a whole number", status_code=400)
    text = await get_service().store.message_text(message_id, start)
    if text is None:
        return PlainTextResponse("no such message", status_code=404)
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


api = Starlette(
    routes=[Route("/api/messages/{message_id:int}/text", message_text)],
)
