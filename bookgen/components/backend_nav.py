"""BackendNav: load a backend route (set or clear the session cookie) as a page.

A Reflex redirect to a path of this site navigates inside the single-page app,
which never reaches an HTTP route; this component does a real navigation to
the backend's origin (another port on the dev server).
"""

from __future__ import annotations

import reflex as rx

from bookgen.state.auth import AuthState

__all__ = ["BackendNav", "backend_nav"]


class BackendNav(rx.Component):
    """Wrapper around ``assets/backend_nav.jsx``."""

    library = "$/public/backend_nav.jsx"
    tag = "BackendNav"

    # A backend path with its query; navigates once when it becomes non-empty.
    path: rx.Var[str]


def backend_nav() -> rx.Component:
    return BackendNav.create(path=AuthState.go_to)
