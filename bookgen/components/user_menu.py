"""Who is signed in, the admin's members link, and signing out."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.state.auth import AuthState

__all__ = ["user_menu"]


def user_menu() -> rx.Component:
    return rx.cond(
        AuthState.accounts_on & AuthState.signed_in,
        rx.hstack(
            rx.text(AuthState.user_name, size="2", id="user-name"),
            rx.cond(
                AuthState.is_admin,
                rx.link("Members", href=routes.MEMBERS, size="2", id="members-link"),
            ),
            rx.button(
                "Sign out",
                id="logout",
                size="1",
                variant="soft",
                on_click=AuthState.log_out,
            ),
            spacing="3",
            align="center",
            class_name="user-menu",
        ),
    )
