"""Whether dictated feedback is transcribed by the server's audio API.

A flag computed on the server from the settings (``BOOKGEN_TRANSCRIBE_MODEL``
with an endpoint): the page learns that an audio API exists, never the key or
the endpoint. ``assets/voice_input.jsx`` then records and posts the audio over
HTTP; without it, the browser's own speech recognition is used, if any.
"""

from __future__ import annotations

import reflex as rx

from bookgen.config import get_settings
from bookgen.state.auth import AuthState

__all__ = ["DictationState"]


class DictationState(AuthState):
    @rx.var
    def audio_api(self) -> bool:
        """The server transcribes recordings (else: the browser's own, if any)."""
        return get_settings().transcription
