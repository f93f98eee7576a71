"""Reusable pieces of the UI; each is a noun function returning a component."""

from bookgen.components.chat_panel import chat_panel
from bookgen.components.manuscript import manuscript
from bookgen.components.stream_text import stream_text

__all__ = ["chat_panel", "manuscript", "stream_text"]
