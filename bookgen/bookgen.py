"""The Reflex app: pages, styles, live pushes and the recovery task."""

import reflex as rx
from starlette.types import ASGIApp

from bookgen import routes
from bookgen.api import api
from bookgen.config import get_settings
from bookgen.logs import configure_logging
from bookgen.pages import (
    book_page,
    dashboard_page,
    members_page,
    sign_in_page,
    sign_up_page,
)
from bookgen.runtime import prepare_database, recovery_loop, use_live_transport
from bookgen.state.book import BookState
from bookgen.state.dashboard import DashboardState
from bookgen.state.editing import EditState
from bookgen.state.members import MembersState
from bookgen.state.reflex_bridge import SocketRooms
from bookgen.state.sign_in import SignInState
from bookgen.web.app import guarded, ops_api

configure_logging(get_settings())
prepare_database()


class GuardedApp(rx.App):
    """Reflex's app with bookgen's guard (origin, host, loopback-only) as the
    outermost ASGI layer: Reflex's own CORS layer would otherwise answer a
    foreign page's preflight before any check ran."""

    def __call__(self) -> ASGIApp:
        return guarded(super().__call__(), get_settings())


def log_like_the_app() -> None:
    """Lifespan hook: each worker sets up logging again once its server has
    installed its own handlers (BOOKGEN_LOG_FORMAT applies to them too)."""
    configure_logging(get_settings())


app = GuardedApp(
    stylesheets=["/styles.css"], api_transformer=[api, ops_api(get_settings())]
)
app.add_page(
    dashboard_page,
    route=routes.DASHBOARD,
    title="bookgen",
    on_load=DashboardState.load_books,
)
app.add_page(
    book_page,
    route=routes.BOOK,
    title="bookgen · book",
    # A (re)loaded page starts with no editor open, then shows the book.
    on_load=[EditState.close_editor_on_load, BookState.load_book],
)
app.add_page(
    sign_in_page,
    route=routes.SIGN_IN,
    title="bookgen · sign in",
    on_load=SignInState.load_sign_in,
)
app.add_page(
    sign_up_page,
    route=routes.SIGN_UP,
    title="bookgen · sign up",
    on_load=SignInState.load_sign_up,
)
app.add_page(
    members_page,
    route=routes.MEMBERS,
    title="bookgen · members",
    on_load=MembersState.load_members,
)
app.register_lifespan_task(log_like_the_app)
app.register_lifespan_task(recovery_loop)
# Live chunks go straight to the sockets of a book's tabs, as deltas of ``live``.
use_live_transport(SocketRooms(app, BookState, "live"))
