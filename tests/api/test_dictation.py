"""Dictated feedback over HTTP: a recording in, its words out, through the ASGI
app on SQLite and PostgreSQL with accounts on, and the real ``openai`` SDK
talking to a local OpenAI-compatible server (tests/faults/openai_server.py).

Who may post a recording, which recordings are taken (format, bytes, size),
what the provider receives, and what the page is told when it fails.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bookgen import api_dictation
from bookgen.accounts.cookie import SESSION_COOKIE
from bookgen.api import api
from bookgen.config import get_settings
from bookgen.runtime import (
    get_accounts,
    get_claims,
    get_dictation_limiter,
    get_service,
    get_transcriber,
)
from bookgen.storage.models import ActionPolicy, Visibility
from tests.api.book_seed import Team, seed_book, seed_team
from tests.faults.openai_server import TRANSCRIPT, FakeOpenAI, Fault, running_server

_FOREIGN_ENV = ("REDIS_URL", "REFLEX_REDIS_URL", "BOOKGEN_MODEL", "BOOKGEN_MODELS")
_CACHED = (
    get_settings,
    get_service,
    get_accounts,
    get_claims,
    get_transcriber,
    get_dictation_limiter,
)
MODEL = "whisper-1"
# What Chromium's MediaRecorder sends: WebM (EBML header) with Opus.
WEBM_TYPE = "audio/webm;codecs=opus"
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + bytes(range(256)) * 8


def wav_tone(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    """A real WAV file: a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


@dataclass
class Dictation:
    http: httpx.AsyncClient
    model: FakeOpenAI

    async def post(
        self,
        book_id: int | str,
        token: str | None,
        body: bytes = WEBM,
        content_type: str | None = WEBM_TYPE,
    ) -> httpx.Response:
        headers = {"Cookie": f"{SESSION_COOKIE}={token}"} if token else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        return await self.http.post(
            f"/api/books/{book_id}/transcribe", content=body, headers=headers
        )


def _use_env(monkeypatch: pytest.MonkeyPatch, db_url: str, **env: str) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOOKGEN_AUTH", "on")
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for cached in _CACHED:
        cached.cache_clear()


async def _close() -> None:
    transcriber = get_transcriber()
    if transcriber is not None:
        await transcriber.aclose()
    await get_service().store.engine.dispose()
    for cached in _CACHED:
        cached.cache_clear()


@pytest.fixture
async def dictation(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Dictation]:
    async with running_server(FakeOpenAI()) as model:
        _use_env(
            monkeypatch,
            db_url,
            OPENAI_BASE_URL=model.base_url,
            OPENAI_API_KEY="sk-test",
            BOOKGEN_TRANSCRIBE_MODEL=MODEL,
        )
        transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bookgen.test"
            ) as http:
                yield Dictation(http, model)
        finally:
            await _close()


async def test_the_author_gets_the_words_of_a_browser_recording(
    dictation: Dictation,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Dictated")

    response = await dictation.post(book_id, team.author.token)

    assert response.status_code == 200, response.text
    assert response.json() == {"text": TRANSCRIPT}
    assert response.headers["cache-control"] == "no-store"
    [heard] = dictation.model.recordings
    # The provider got the recording as it was sent, named for its format.
    assert (heard.model, heard.filename, heard.data) == (MODEL, "speech.webm", WEBM)
    assert heard.response_format == "json"


async def test_a_wav_file_is_taken_and_the_words_come_back_stripped(
    dictation: Dictation,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Dictated")
    dictation.model.transcript = "  More dialogue, please.\n"
    audio = wav_tone()

    response = await dictation.post(book_id, team.author.token, audio, "audio/wav")

    assert response.json() == {"text": "More dialogue, please."}
    [heard] = dictation.model.recordings
    assert (heard.filename, heard.data) == ("speech.wav", audio)


async def _share(book_id: int, team: Team, policy: ActionPolicy) -> None:
    await get_service().store.set_sharing(
        book_id,
        owner_id=team.author.user.id,
        visibility=Visibility.TEAM,
        action_policy=policy,
    )


async def test_only_those_who_may_act_on_the_book_may_dictate(
    dictation: Dictation,
) -> None:
    team = await seed_team()
    private = await seed_book(team.author.user, title="Private")
    watched = await seed_book(team.author.user, title="Team watches")
    await _share(watched, team, ActionPolicy.AUTHOR)
    driven = await seed_book(team.author.user, title="Team acts")
    await _share(driven, team, ActionPolicy.TEAM)

    async def status(book_id: int, token: str | None) -> tuple[int, str]:
        response = await dictation.post(book_id, token)
        body = response.json()
        return response.status_code, body.get("error") or body.get("text")

    assert await status(private, None) == (404, api_dictation.NOT_FOUND)
    assert await status(private, "not-a-session") == (404, api_dictation.NOT_FOUND)
    assert await status(private, team.teammate.token) == (404, api_dictation.NOT_FOUND)
    assert await status(watched, None) == (404, api_dictation.NOT_FOUND)
    assert await status(watched, team.teammate.token) == (
        403,
        api_dictation.MAY_NOT_ACT,
    )
    assert dictation.model.recordings == []  # nothing refused reached the provider
    assert await status(driven, team.teammate.token) == (200, TRANSCRIPT)
    assert await status(private, team.author.token) == (200, TRANSCRIPT)
    assert len(dictation.model.recordings) == 2


@pytest.mark.parametrize("book_id", ["999999", "0", "-1", "abc", "9" * 30, "1.0"])
async def test_an_id_that_names_no_book_is_not_found(
    dictation: Dictation, book_id: str
) -> None:
    team = await seed_team()
    await seed_book(team.author.user, title="Exists")

    response = await dictation.post(book_id, team.author.token)

    assert response.status_code == 404
    assert response.json() == {"error": api_dictation.NOT_FOUND}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (WEBM, None, 415, api_dictation.NOT_AUDIO_TYPE),
        (WEBM, "text/plain", 415, api_dictation.NOT_AUDIO_TYPE),
        (WEBM, "application/octet-stream", 415, api_dictation.NOT_AUDIO_TYPE),
        (WEBM, "audio/x-unknown", 415, api_dictation.NOT_AUDIO_TYPE),
        (b"", WEBM_TYPE, 400, api_dictation.EMPTY),
        (b"<html>not audio</html>", WEBM_TYPE, 400, api_dictation.NOT_THAT_AUDIO),
        (WEBM, "audio/wav", 400, api_dictation.NOT_THAT_AUDIO),
        (b"RIFF\0\0\0\0AVI LIST", "audio/wav", 400, api_dictation.NOT_THAT_AUDIO),
    ],
)
async def test_only_audio_of_a_readable_format_is_sent_on(
    dictation: Dictation,
    body: bytes,
    content_type: str | None,
    status: int,
    error: str,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Typed")

    response = await dictation.post(book_id, team.author.token, body, content_type)

    assert (response.status_code, response.json()) == (status, {"error": error})
    assert dictation.model.recordings == []


async def test_a_recording_over_the_cap_is_refused_declared_or_not(
    dictation: Dictation,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Long-winded")
    cap = api_dictation.MAX_AUDIO_BYTES
    too_long = WEBM + bytes(cap + 1 - len(WEBM))

    declared = await dictation.post(book_id, team.author.token, too_long)

    async def undeclared_body() -> AsyncIterator[bytes]:  # sent chunked
        for at in range(0, len(too_long), 256 * 1024):
            yield too_long[at : at + 256 * 1024]

    streamed = await dictation.http.post(
        f"/api/books/{book_id}/transcribe",
        content=undeclared_body(),
        headers={
            "Cookie": f"{SESSION_COOKIE}={team.author.token}",
            "Content-Type": WEBM_TYPE,
        },
    )
    at_cap = await dictation.post(book_id, team.author.token, too_long[:cap])

    for refused in (declared, streamed):
        assert refused.status_code == 413
        assert refused.json() == {"error": api_dictation.TOO_LARGE}
    assert at_cap.status_code == 200
    assert [len(r.data) for r in dictation.model.recordings] == [cap]


@pytest.mark.parametrize(
    ("status", "code", "shown"),
    [
        (503, None, "The transcription service is unavailable; try again."),
        (401, "invalid_api_key", "The provider rejected the API key."),
        (
            404,
            "model_not_found",
            "The transcription model does not exist on this provider.",
        ),
        (400, None, "The provider could not transcribe this recording."),
    ],
)
async def test_a_provider_failure_is_a_502_with_a_sentence_not_its_raw_text(
    dictation: Dictation, status: int, code: str | None, shown: str
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Failing")
    secret = "internal detail sk-live-1234"
    dictation.model.fail(
        "transcription",
        Fault("status", status=status, message=secret, code=code),
        every=True,  # the SDK asks once more after a 5xx
    )

    response = await dictation.post(book_id, team.author.token)

    assert (response.status_code, response.json()) == (502, {"error": shown})
    assert secret not in response.text


async def test_a_provider_that_cannot_be_reached_is_a_502(
    dictation: Dictation, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Unreachable")
    await _close()
    # Port 9 (discard): nothing listens there.
    _use_env(monkeypatch, db_url, OPENAI_BASE_URL="http://127.0.0.1:9/v1")

    response = await dictation.post(book_id, team.author.token)

    assert response.status_code == 502
    assert response.json() == {
        "error": "The transcription service is unavailable; try again."
    }


async def test_recordings_are_rate_limited_per_user(dictation: Dictation) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Chatty")
    statuses = [
        (await dictation.post(book_id, team.author.token)).status_code
        for _ in range(12)
    ]

    refused = await dictation.post(book_id, team.author.token)

    assert statuses == [200] * 12
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert refused.json() == {
        "error": api_dictation.TOO_MANY.format(seconds=retry_after)
    }
    assert len(dictation.model.recordings) == 12


async def test_without_a_transcription_model_nothing_is_transcribed(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_server(FakeOpenAI()) as model:
        # An endpoint, but no audio model: the page uses the browser's own.
        _use_env(
            monkeypatch, db_url, OPENAI_BASE_URL=model.base_url, OPENAI_API_KEY="k"
        )
        monkeypatch.delenv("BOOKGEN_TRANSCRIBE_MODEL", raising=False)
        get_settings.cache_clear()
        transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
        try:
            team = await seed_team()
            book_id = await seed_book(team.author.user, title="Unheard")
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bookgen.test"
            ) as http:
                response = await Dictation(http, model).post(book_id, team.author.token)
                listed = await http.get(
                    f"/api/books/{book_id}/transcribe",
                    headers={"Cookie": f"{SESSION_COOKIE}={team.author.token}"},
                )
        finally:
            await _close()
    assert get_settings().transcription is False
    assert response.status_code == 404
    assert response.json() == {"error": api_dictation.NOT_OFFERED}
    assert listed.status_code == 405  # POST only
    assert model.recordings == []
