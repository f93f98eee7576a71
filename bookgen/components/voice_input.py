"""VoiceInput: dictate feedback, transcribed by the server or by the browser.

``assets/voice_input.jsx`` renders the ``voice-input`` button in one of two
ways, or not at all:
- where the server has an audio API (``DictationState.audio_api``) and the
  browser can record (MediaRecorder, a microphone), it records, posts the
  recording over HTTP to ``/api/books/<id>/transcribe`` (api_dictation.py)
  and adds the words it gets back;
- otherwise, where the browser has its own SpeechRecognition, it uses that;
- where neither works, there is no button.
Either way the words go to the page, which sends them through the feedback
box's own handler (same checks as typed text). Audio never crosses the
websocket.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import passthrough_event_spec

from bookgen import routes
from bookgen.state.book import BookState
from bookgen.state.dictation import DictationState

__all__ = ["VoiceInput", "voice_input"]


class VoiceInput(rx.Component):
    """Wrapper around the local ``VoiceInput`` React component."""

    library = "$/public/voice_input.jsx"
    tag = "VoiceInput"

    # The feedback so far: dictated words are added after it.
    value: rx.Var[str]
    # The feedback with the dictated words added.
    on_text: rx.EventHandler[passthrough_event_spec(str)]
    # The server transcribes recordings posted to ``url``.
    audio_api: rx.Var[bool]
    url: rx.Var[str]


def voice_input() -> rx.Component:
    return VoiceInput.create(
        value=BookState.feedback,
        on_text=BookState.set_feedback,
        audio_api=DictationState.audio_api,
        url=routes.book_transcribe_url(BookState.book_id),
        id="voice-input",
        class_name="voice-input",
    )
