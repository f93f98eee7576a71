"""Reusable pieces of the UI; each is a noun function returning a component."""

from bookgen.components.auth_forms import sign_in_form, sign_up_form
from bookgen.components.backend_nav import backend_nav
from bookgen.components.chat_panel import chat_panel
from bookgen.components.manuscript import manuscript
from bookgen.components.sharing import sharing_control
from bookgen.components.shell import signed_in_page
from bookgen.components.stream_text import stream_text
from bookgen.components.user_menu import user_menu

__all__ = [
    "backend_nav",
    "chat_panel",
    "manuscript",
    "sharing_control",
    "sign_in_form",
    "sign_up_form",
    "signed_in_page",
    "stream_text",
    "user_menu",
]
