"""VoiceInput: dictate feedback with the browser's own speech recognition.

``assets/voice_input.jsx`` renders the ``voice-input`` button only where the
browser has SpeechRecognition, and hands the recognised text to the page,
which sends it through the feedback box's own handler (same checks as typed
text). Audio never leaves the browser, so nothing large crosses the socket.
Transcription through a provider's audio API is not offered.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import passthrough_event_spec

from bookgen.state.book import BookState

__all__ = ["VoiceInput", "voice_input"]


class VoiceInput(rx.Component):
    """Wrapper around the local ``VoiceInput`` React component."""

    library = "$/public/voice_input.jsx"
    tag = "VoiceInput"

    # The feedback so far: dictated words are added after it.
    value: rx.Var[str]
    # The feedback with the dictated words added.
    on_text: rx.EventHandler[passthrough_event_spec(str)]


def voice_input() -> rx.Component:
    return VoiceInput.create(
        value=BookState.feedback,
        on_text=BookState.set_feedback,
        id="voice-input",
        class_name="voice-input",
    )
