"""The Reflex app: pages, styles and the recovery task that resumes generations."""

import reflex as rx

from bookgen import routes
from bookgen.api import api
from bookgen.pages import book_page, dashboard_page
from bookgen.runtime import prepare_database, recovery_loop
from bookgen.state.book import BookState
from bookgen.state.dashboard import DashboardState

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
app.register_lifespan_task(recovery_loop)
