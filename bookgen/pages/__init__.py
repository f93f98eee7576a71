"""Pages: each a function returning the whole page."""

from bookgen.pages.book import book_page
from bookgen.pages.dashboard import dashboard_page

__all__ = ["book_page", "dashboard_page"]
