"""The Reflex app: pages, styles, live pushes and the recovery task."""

import reflex as rx

from bookgen import routes
from bookgen.api import api
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
from bookgen.state.members import MembersState
from bookgen.state.reflex_bridge import SocketRooms
from bookgen.state.sign_in import SignInState

prepare_database()

app = rx.App(stylesheets=["/styles.css"], api_transformer=api)
app.add_page(
    dashboard_page,
    route=routes.DASHBOARD,
    title="bookgen",
    on_load=DashboardState.load_books,
)
app.add_page(
    book_page, route=routes.BOOK, title="bookgen · book", on_load=BookState.load_book
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
app.register_lifespan_task(recovery_loop)
# Live chunks go straight to the sockets of a book's tabs, as deltas of ``live``.
use_live_transport(SocketRooms(app, BookState, "live"))
