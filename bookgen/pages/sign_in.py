"""Sign-in and sign-up pages: the only pages a signed-out visitor sees."""

from __future__ import annotations

import reflex as rx

from bookgen.components import backend_nav, sign_in_form, sign_up_form

__all__ = ["sign_in_page", "sign_up_page"]


def _auth_page(form: rx.Component) -> rx.Component:
    return rx.box(
        backend_nav(),
        rx.heading("bookgen", size="8", class_name="brand"),
        rx.center(form, width="100%"),
        class_name="page",
    )


def sign_in_page() -> rx.Component:
    return _auth_page(sign_in_form())


def sign_up_page() -> rx.Component:
    return _auth_page(sign_up_form())
