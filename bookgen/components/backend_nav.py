"""BackendNav: load a backend route (set or clear the session cookie) as a page.

A Reflex redirect to a path of this site navigates inside the single-page app,
which never reaches an HTTP route; ``assets/backend_nav.jsx`` installs a
function that does a real navigation to the backend's origin (another port on
the dev server). Rendering ``backend_nav()`` on a page loads that module;
handlers then call it with ``navigate_to_backend`` (state/auth.py).
"""

from __future__ import annotations

import reflex as rx

__all__ = ["BackendNav", "backend_nav"]


class BackendNav(rx.Component):
    """Wrapper around ``assets/backend_nav.jsx`` (renders nothing)."""

    library = "$/public/backend_nav.jsx"
    tag = "BackendNav"


def backend_nav() -> rx.Component:
    return BackendNav.create()
