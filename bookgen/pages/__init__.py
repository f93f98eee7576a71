"""Pages: each a function returning the whole page."""

from bookgen.pages.book import book_page
from bookgen.pages.dashboard import dashboard_page
from bookgen.pages.members import members_page
from bookgen.pages.sign_in import sign_in_page, sign_up_page

__all__ = [
    "book_page",
    "dashboard_page",
    "members_page",
    "sign_in_page",
    "sign_up_page",
]
