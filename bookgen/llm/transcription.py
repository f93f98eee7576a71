"""Speech to text through the provider's audio API (dictated feedback).

The official ``openai`` SDK sends the recording to
``/audio/transcriptions`` of the configured endpoint, with the model named by
``BOOKGEN_TRANSCRIBE_MODEL``. Without that model, or offline, there is no
transcriber and the page offers only the browser's own speech recognition.

Recordings are checked before they leave: one of the formats the audio API
reads (``AUDIO_FORMATS``), and bytes that start like that format. Failures are
``TranscriptionError``: ``str(exc)`` is the provider's raw text (for the log),
``author_text`` a fixed sentence the page may show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx2
import openai

from bookgen.config import Settings
from bookgen.llm.errors import ErrorKind, classify_status

__all__ = [
    "AUDIO_FORMATS",
    "AudioFormat",
    "Transcriber",
    "TranscriptionError",
    "audio_format",
    "make_transcriber",
]

log = logging.getLogger(__name__)

# Seconds to wait for a transcription (a few minutes of speech takes seconds).
TIMEOUT_S = 120.0


# Bytes a file must hold at given offsets: ((offset, bytes), ...).
Signature = tuple[tuple[int, bytes], ...]


@dataclass(frozen=True)
class AudioFormat:
    """A recording format the audio API reads: the extension of the file name
    it is sent under (the API goes by it) and how such files begin."""

    extension: str
    # Any one of these must match.
    signatures: tuple[Signature, ...]

    def matches(self, data: bytes) -> bool:
        return any(
            all(data[at : at + len(magic)] == magic for at, magic in signature)
            for signature in self.signatures
        )


_WEBM = AudioFormat("webm", (((0, b"\x1a\x45\xdf\xa3"),),))
_OGG = AudioFormat("ogg", (((0, b"OggS"),),))
_MP4 = AudioFormat("mp4", (((4, b"ftyp"),),))  # after the first box's size
# An ID3 tag, or a bare MPEG audio frame (layer III: FFFB, FFF3, FFF2, FFFA).
_MP3 = AudioFormat(
    "mp3",
    tuple(
        ((0, magic),)
        for magic in (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa")
    ),
)
_WAV = AudioFormat("wav", (((0, b"RIFF"), (8, b"WAVE")),))
_FLAC = AudioFormat("flac", (((0, b"fLaC"),),))

# Media types browsers' MediaRecorder produces (Chromium and Firefox: WebM or
# Ogg with Opus; Safari: MP4 with AAC), and the usual names of the other
# formats the audio API reads.
AUDIO_FORMATS: dict[str, AudioFormat] = {
    "audio/webm": _WEBM,
    "video/webm": _WEBM,
    "audio/ogg": _OGG,
    "audio/mp4": _MP4,
    "audio/x-m4a": _MP4,
    "audio/m4a": _MP4,
    "audio/mpeg": _MP3,
    "audio/mp3": _MP3,
    "audio/wav": _WAV,
    "audio/wave": _WAV,
    "audio/x-wav": _WAV,
    "audio/flac": _FLAC,
    "audio/x-flac": _FLAC,
}


def audio_format(content_type: str | None) -> AudioFormat | None:
    """The format a ``Content-Type`` header names (parameters such as
    ``codecs=opus`` ignored), or None when the audio API does not read it."""
    if not content_type:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    return AUDIO_FORMATS.get(media_type)


_AUTHOR_TEXT = {
    ErrorKind.AUTH: "The provider rejected the API key.",
    ErrorKind.QUOTA: "The provider account has run out of credit.",
    ErrorKind.MODEL_NOT_FOUND: (
        "The transcription model does not exist on this provider."
    ),
    ErrorKind.TOO_LARGE: "The recording is too long for the provider.",
    ErrorKind.BAD_REQUEST: "The provider could not transcribe this recording.",
    ErrorKind.RATE_LIMITED: "Rate-limited by the provider; try again in a moment.",
    ErrorKind.UNAVAILABLE: "The transcription service is unavailable; try again.",
    ErrorKind.INTERRUPTED: "The transcription service is unavailable; try again.",
}


class TranscriptionError(Exception):
    """The provider did not transcribe; ``str(exc)`` is its raw answer (log
    it), ``author_text`` what the page shows."""

    def __init__(self, message: str, *, kind: ErrorKind) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def author_text(self) -> str:
        return _AUTHOR_TEXT[self.kind]


class Transcriber:
    """One endpoint's audio API and the model that transcribes there."""

    def __init__(self, client: openai.AsyncOpenAI, model: str) -> None:
        self.client = client
        self.model = model

    async def transcribe(self, audio: bytes, fmt: AudioFormat) -> str:
        """The words spoken in ``audio`` (stripped; "" when none were heard)."""
        upload = (f"speech.{fmt.extension}", audio)
        try:
            result = await self.client.audio.transcriptions.create(
                model=self.model, file=upload, response_format="json"
            )
        except openai.APIStatusError as exc:
            code = exc.code if isinstance(exc.code, str) else None
            kind = classify_status(exc.status_code, code=code, message=exc.message)
            raise TranscriptionError(
                f"audio API answered HTTP {exc.status_code}: {exc.message}", kind=kind
            ) from exc
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            raise TranscriptionError(
                f"audio API unreachable: {exc}", kind=ErrorKind.UNAVAILABLE
            ) from exc
        except (openai.APIError, ValueError) as exc:
            raise TranscriptionError(
                f"audio API sent an unreadable answer: {exc}",
                kind=ErrorKind.INTERRUPTED,
            ) from exc
        text = getattr(result, "text", None)
        if not isinstance(text, str):
            raise TranscriptionError(
                f"audio API answer has no text: {result!r:.200}",
                kind=ErrorKind.INTERRUPTED,
            )
        return text.strip()

    async def aclose(self) -> None:
        await self.client.close()


def make_transcriber(settings: Settings) -> Transcriber | None:
    """The endpoint's audio API with BOOKGEN_TRANSCRIBE_MODEL, or None when
    dictation is left to the browser (no model, or offline)."""
    if not settings.transcription:
        return None
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url or None,
        max_retries=1,
        timeout=httpx2.Timeout(TIMEOUT_S, connect=10.0),
    )
    return Transcriber(client, settings.transcribe_model)
