"""Which recordings the audio API is sent: the media type names a format it
reads, and the bytes begin like that format."""

from __future__ import annotations

import pytest

from bookgen.config import Settings
from bookgen.llm.transcription import audio_format, make_transcriber

# The first bytes of real files of each format.
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"
OGG = b"OggS\x00\x02\x00\x00"
MP4 = b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00"
MP3_TAGGED = b"ID3\x04\x00\x00\x00\x00\x00\x00"
MP3_FRAME = b"\xff\xfb\x90\x64\x00"
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt "
FLAC = b"fLaC\x00\x00\x00\x22"


@pytest.mark.parametrize(
    ("content_type", "data", "extension"),
    [
        ("audio/webm;codecs=opus", WEBM, "webm"),
        ('Audio/WebM; codecs="opus"', WEBM, "webm"),
        ("video/webm", WEBM, "webm"),
        ("audio/ogg;codecs=opus", OGG, "ogg"),
        ("audio/mp4", MP4, "mp4"),
        ("audio/x-m4a", MP4, "mp4"),
        ("audio/mpeg", MP3_TAGGED, "mp3"),
        ("audio/mpeg", MP3_FRAME, "mp3"),
        ("audio/wav", WAV, "wav"),
        ("audio/x-wav", WAV, "wav"),
        ("audio/flac", FLAC, "flac"),
    ],
)
def test_each_recording_format_is_known_by_its_type_and_its_bytes(
    content_type: str, data: bytes, extension: str
) -> None:
    fmt = audio_format(content_type)
    assert fmt is not None and fmt.extension == extension
    assert fmt.matches(data)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("audio/webm", OGG),
        ("audio/ogg", WEBM),
        ("audio/mp4", b"\x00\x00\x00\x1cmoov"),
        ("audio/mpeg", b"\xff\xd8\xff\xe0JFIF"),  # a JPEG
        ("audio/wav", b"RIFF\x24\x08\x00\x00AVI "),
        ("audio/flac", b""),
        ("audio/webm", b"\x1a\x45"),  # cut short
    ],
)
def test_bytes_of_another_kind_do_not_pass_for_the_type(
    content_type: str, data: bytes
) -> None:
    fmt = audio_format(content_type)
    assert fmt is not None and not fmt.matches(data)


@pytest.mark.parametrize(
    "content_type", [None, "", "text/plain", "application/octet-stream", "audio/"]
)
def test_other_types_name_no_format(content_type: str | None) -> None:
    assert audio_format(content_type) is None


def test_a_transcriber_exists_only_with_a_model_and_an_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BOOKGEN_TRANSCRIBE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    endpoint = "http://127.0.0.1:9/v1"
    assert make_transcriber(Settings(transcribe_model="whisper-1")) is None
    assert make_transcriber(Settings(openai_base_url=endpoint)) is None
    transcriber = make_transcriber(
        Settings(transcribe_model="whisper-1", openai_base_url=endpoint)
    )
    assert transcriber is not None and transcriber.model == "whisper-1"
    assert str(transcriber.client.base_url) == "http://127.0.0.1:9/v1/"
