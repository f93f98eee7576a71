"""The frame of every signed-in page: the user menu above the page's content.

Nothing of a page is drawn until the server has said who is signing in, so a
signed-out visitor sees no app at all before being sent to the sign-in page.
"""

from __future__ import annotations

import reflex as rx

from bookgen.components.backend_nav import backend_nav
from bookgen.components.user_menu import user_menu
from bookgen.state.auth import AuthState

__all__ = ["signed_in_page"]


def signed_in_page(content: rx.Component) -> rx.Component:
    return rx.fragment(
        backend_nav(),
        rx.cond(
            AuthState.signed_in,
            rx.fragment(rx.box(user_menu(), class_name="topbar"), content),
            rx.center(rx.spinner(size="3"), height="50vh", id="checking-session"),
        ),
    )
