"""HTTP routes for a book's files: Markdown and EPUB exports, and its cover.

Served like message text (api.py): only to a session that may see the book,
and a book it may not see is the same 404 as one that does not exist. Files
go over plain HTTP (the browser downloads them), never over the websocket and
never through Reflex's unauthenticated upload folder.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bookgen import routes
from bookgen.accounts import Viewer
from bookgen.accounts.cookie import SESSION_COOKIE
from bookgen.export import to_epub, to_markdown
from bookgen.generation.exports import export_book, export_filename
from bookgen.runtime import get_covers, get_service, get_toolkit, viewer_for
from bookgen.storage.models import Book

__all__ = [
    "FILE_ROUTES",
    "book_cover",
    "export_epub",
    "export_markdown",
    "viewer_and_book",
]

EPUB_TYPE = "application/epub+zip"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"


def _no_such_book() -> PlainTextResponse:
    return PlainTextResponse("no such book", status_code=404)


async def viewer_and_book(request: Request) -> tuple[Viewer, Book] | None:
    """This session's viewer and the book named in the path (``book_id``), if
    they may see it; None for a book that does not exist or is not theirs."""
    book_id = routes.parse_id(request.path_params["book_id"])
    if book_id is None:
        return None
    viewer = await viewer_for(request.cookies.get(SESSION_COOKIE))
    if viewer is None:
        return None
    book = await get_service().store.get_book(book_id)
    return (viewer, book) if book is not None and viewer.can_view(book) else None


async def _visible_book(request: Request) -> Book | None:
    """The book named in the path, if this session may see it."""
    found = await viewer_and_book(request)
    return found[1] if found is not None else None


def _attachment(body: bytes | str, media_type: str, title: str, ext: str) -> Response:
    """A download named after the title (ASCII name, and the title in UTF-8)."""
    utf8_name = quote(f"{title.strip() or 'book'}.{ext}", safe="")
    disposition = (
        f'attachment; filename="{export_filename(title, ext)}"; '
        f"filename*=UTF-8''{utf8_name}"
    )
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


async def export_markdown(request: Request) -> Response:
    """The book's current text as one Markdown file."""
    book = await _visible_book(request)
    if book is None:
        return _no_such_book()
    author = await get_toolkit().author_name(book)
    exported = await export_book(
        get_service().store, book, author=author, cover_png=None
    )
    return _attachment(to_markdown(exported), MARKDOWN_TYPE, book.title, "md")


async def export_epub(request: Request) -> Response:
    """The book's current text as EPUB 3, with its stored cover."""
    book = await _visible_book(request)
    if book is None:
        return _no_such_book()
    author = await get_toolkit().author_name(book)
    covers = get_covers()
    cover_png = await covers.png(await covers.cover(book, thumb=False))
    exported = await export_book(
        get_service().store, book, author=author, cover_png=cover_png
    )
    data = await asyncio.to_thread(to_epub, exported)
    return _attachment(data, EPUB_TYPE, book.title, "epub")


async def book_cover(request: Request) -> Response:
    """The cover PNG (``?size=thumb``: the small copy), revalidated by ETag."""
    book = await _visible_book(request)
    if book is None:
        return _no_such_book()
    covers = get_covers()
    cover = await covers.cover(book, thumb=request.query_params.get("size") == "thumb")
    etag = f'"{cover.etag}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    png = await covers.png(cover)
    if png is None:  # the book was deleted meanwhile
        return _no_such_book()
    return Response(png, media_type="image/png", headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


FILE_ROUTES = [
    Route(routes.BOOK_MARKDOWN, export_markdown, methods=["GET"]),
    Route(routes.BOOK_EPUB, export_epub, methods=["GET"]),
    Route(routes.BOOK_COVER, book_cover, methods=["GET"]),
]
