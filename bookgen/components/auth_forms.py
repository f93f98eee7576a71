"""Sign-in and sign-up forms (ids are part of the automation contract)."""

from __future__ import annotations

import reflex as rx

from bookgen import routes
from bookgen.accounts.fields import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from bookgen.accounts.passwords import PasswordPolicy
from bookgen.components import form_field
from bookgen.state.sign_in import SignInState

__all__ = ["sign_in_form", "sign_up_form"]

_PASSWORDS = PasswordPolicy()


def labeled(label: str, control: rx.Component, name: str) -> rx.Component:
    """A sign-in/sign-up field; its error shows as ``#auth-error-<name>``."""
    return form_field.labeled(
        label, control, name, errors=SignInState.field_errors, id_prefix="auth-error-"
    )


def form_error() -> rx.Component:
    return rx.cond(
        SignInState.error,
        rx.text(SignInState.error, color="red", size="2", id="auth-error"),
    )


def email_input(element_id: str) -> rx.Component:
    return rx.input(
        name="email",
        id=element_id,
        type="email",
        auto_complete="email",
        max_length=EMAIL_MAX_LENGTH,
        width="100%",
    )


def password_input(element_id: str, auto_complete: str) -> rx.Component:
    return rx.input(
        name="password",
        id=element_id,
        type="password",
        auto_complete=auto_complete,
        max_length=_PASSWORDS.max_length,
        width="100%",
    )


def sign_in_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Sign in", size="6"),
            labeled("Email", email_input("login-email"), "email"),
            labeled(
                "Password",
                password_input("login-password", "current-password"),
                "password",
            ),
            rx.button(
                "Sign in",
                id="login-submit",
                type="submit",
                size="3",
                loading=SignInState.busy,
            ),
            form_error(),
            spacing="3",
            width="100%",
        ),
        on_submit=SignInState.sign_in,
        class_name="card auth-card",
    )


def sign_up_heading() -> rx.Component:
    return rx.cond(
        SignInState.founding,
        rx.vstack(
            rx.heading("Create the admin account", size="6"),
            rx.text(
                "Nobody has signed up yet: this account will manage the team.",
                size="2",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.heading("Join your team", size="6"),
    )


def sign_up_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            sign_up_heading(),
            rx.cond(
                ~SignInState.founding & ~SignInState.invited,
                rx.text(
                    "Sign-up is by invitation: ask your admin for an invite link.",
                    size="2",
                    id="invite-needed",
                ),
            ),
            labeled(
                "Name",
                rx.input(
                    name="name",
                    id="signup-name",
                    auto_complete="name",
                    max_length=NAME_MAX_LENGTH,
                    width="100%",
                ),
                "name",
            ),
            labeled("Email", email_input("signup-email"), "email"),
            labeled(
                f"Password (at least {_PASSWORDS.min_length} characters)",
                password_input("signup-password", "new-password"),
                "password",
            ),
            rx.button(
                "Create account",
                id="signup-submit",
                type="submit",
                size="3",
                loading=SignInState.busy,
            ),
            form_error(),
            rx.link("Already have an account? Sign in", href=routes.SIGN_IN, size="2"),
            spacing="3",
            width="100%",
        ),
        on_submit=SignInState.sign_up,
        class_name="card auth-card",
    )
