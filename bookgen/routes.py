"""Route constants and URL builders, so no page hard-codes a path."""

DASHBOARD = "/"
BOOK = "/books/[bid]"


def book_url(book_id: int | str) -> str:
    return f"/books/{book_id}"
