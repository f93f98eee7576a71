"""HTTP route for dictated feedback: a recording in, its words out as JSON.

The book page records in the browser (MediaRecorder) and posts the recording
here as the raw request body, typed by ``Content-Type`` (e.g.
``audio/webm;codecs=opus``). Audio never crosses the websocket, whose messages
Reflex caps at 1 MB; only the words come back, and the page puts them in the
feedback box, which sends them like typed text.

Checked in this order, each with a clear JSON ``{"error": ...}``:
- the server has an audio API (``BOOKGEN_TRANSCRIBE_MODEL``), else 404;
- the session may see the book (else 404, as for a book that does not exist)
  and may act on it (else 403): dictation is for those who may reject;
- the user and the address are within the rate limit (429, ``Retry-After``);
- the body is a format the audio API reads (415), not empty and starting like
  that format (400), and at most ``MAX_AUDIO_BYTES`` (413);
- the provider answers (502 with a fixed sentence; its raw text goes to the log).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bookgen import routes
from bookgen.api_files import viewer_and_book
from bookgen.llm.transcription import TranscriptionError, audio_format
from bookgen.runtime import get_dictation_limiter, get_transcriber

__all__ = ["DICTATION_ROUTES", "MAX_AUDIO_BYTES", "transcribe_recording"]

log = logging.getLogger(__name__)

# About 15 minutes of speech at the page's 32 kbit/s Opus; the page stops
# recording long before (assets/voice_input.jsx).
MAX_AUDIO_BYTES = 4 * 1024 * 1024

NOT_OFFERED = "This server does not transcribe speech."
NOT_FOUND = "Book not found."
MAY_NOT_ACT = "Only those who may act on this book can dictate feedback."
TOO_MANY = "Too many recordings; try again in {seconds} s."
LIMITER_DOWN = "Dictation is unavailable right now; try again shortly."
NOT_AUDIO_TYPE = "Send the recording as WebM, Ogg, MP4, MP3, WAV or FLAC audio."
TOO_LARGE = (
    f"The recording is too long (at most {MAX_AUDIO_BYTES // (1024 * 1024)} MB); "
    "dictate in shorter pieces."
)
EMPTY = "The recording is empty."
NOT_THAT_AUDIO = "The recording is not audio of the type it claims to be."


def _answer(status: int, body: dict[str, str], **headers: str) -> JSONResponse:
    return JSONResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", **headers}
    )


def _refuse(status: int, error: str, **headers: str) -> JSONResponse:
    return _answer(status, {"error": error}, **headers)


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """The request body, or None as soon as it is longer than ``cap`` bytes
    (by its declared length, or while reading one sent without one)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > cap:
            return None
    return bytes(body)


async def transcribe_recording(request: Request) -> JSONResponse:
    """``POST /api/books/<id>/transcribe``: ``{"text": ...}`` or ``{"error": ...}``."""
    transcriber = get_transcriber()
    if transcriber is None:
        return _refuse(404, NOT_OFFERED)
    found = await viewer_and_book(request)
    if found is None:
        return _refuse(404, NOT_FOUND)
    viewer, book = found
    if not viewer.can_act(book):
        return _refuse(403, MAY_NOT_ACT)
    address = request.client.host if request.client else ""
    decision = await get_dictation_limiter().hit(
        account=f"user:{viewer.user_id or 'solo'}", address=address
    )
    if decision.unavailable:
        return _refuse(503, LIMITER_DOWN)
    if not decision.allowed:
        seconds = decision.retry_after_s
        return _refuse(
            429, TOO_MANY.format(seconds=seconds), **{"Retry-After": str(seconds)}
        )
    fmt = audio_format(request.headers.get("content-type"))
    if fmt is None:
        return _refuse(415, NOT_AUDIO_TYPE)
    audio = await _read_capped(request, MAX_AUDIO_BYTES)
    if audio is None:
        return _refuse(413, TOO_LARGE)
    if not audio:
        return _refuse(400, EMPTY)
    if not fmt.matches(audio):
        return _refuse(400, NOT_THAT_AUDIO)
    try:
        text = await transcriber.transcribe(audio, fmt)
    except TranscriptionError as exc:
        log.warning("transcription for book %s failed: %s", book.id, exc)
        return _refuse(502, exc.author_text)
    return _answer(200, {"text": text})


DICTATION_ROUTES = [
    Route(routes.BOOK_TRANSCRIBE, transcribe_recording, methods=["POST"]),
]
