"""EPUB 3 export with EbookLib: cover, title page, contents, one file per chapter.

Choices that keep the result valid (EPUBCheck, zero errors and warnings):
- the cover page is linear (EbookLib makes it non-linear; EPUBCheck 5: OPF-096);
- the table of contents always lists the title page, so a book without chapters
  still has a non-empty one (an empty one is RSC-005) and exports fine;
- chapter markdown is rendered with raw HTML escaped (see ``xhtml``) and text is
  stripped of characters XML cannot carry;
- ``write_epub`` runs with ``raise_exceptions``, and a document EbookLib could
  not parse (it would write it empty, silently) raises ``ExportError``.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from functools import partial
from html import escape

from ebooklib import epub

from bookgen.export.cover import render_cover
from bookgen.export.model import ExportBook, ExportChapter, ExportError
from bookgen.export.text import chapter_heading, one_line, strip_title
from bookgen.export.xhtml import markdown_to_xhtml, text_to_xhtml

__all__ = ["to_epub"]

_CSS_PATH = "style/book.css"
_COVER_IMAGE = "images/cover.png"
_RTL_LANGUAGES = {"ar", "arc", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"}
_CSS = """\
body { font-family: serif; line-height: 1.5; margin: 0 5%; }
h1 { text-align: center; margin: 2em 0 1.5em; font-weight: normal; }
h2, h3, h4, h5, h6 { margin: 1.5em 0 0.75em; }
p { margin: 0 0 0.75em; text-align: justify; }
.title-page { text-align: center; margin-top: 20%; }
.title-page .title { font-size: 2em; margin-bottom: 0.5em; }
.title-page .author { font-size: 1.3em; font-style: italic; margin-bottom: 2em; }
.title-page .genre { font-variant: small-caps; letter-spacing: 0.1em; }
.title-page .premise { text-align: left; margin-top: 2em; font-size: 0.95em; }
pre { white-space: pre-wrap; }
"""


def to_epub(book: ExportBook) -> bytes:
    """The book as an EPUB 3 file (bytes); raises ``ExportError`` on bad input."""
    out = epub.EpubBook()
    direction = _direction(book.language)
    _set_metadata(out, book, direction)

    style = epub.EpubItem(
        uid="style", file_name=_CSS_PATH, media_type="text/css", content=_CSS.encode()
    )
    out.add_item(style)

    cover_png = book.cover_png or render_cover(book.title, book.author, book.genre)
    out.set_cover(_COVER_IMAGE, cover_png, create_page=False)
    cover_page = epub.EpubCoverHtml(image_name=_COVER_IMAGE)
    # EbookLib makes the cover page non-linear, which EPUBCheck 5 rejects (OPF-096).
    cover_page.is_linear = True
    out.add_item(cover_page)

    page = partial(_document, out, style, direction)
    title_page = page("title", "title.xhtml", out.title, _title_page(book))
    chapters = [
        page(
            f"chapter-{c.number}",
            f"chapter-{c.number:04d}.xhtml",
            chapter_heading(c),
            _chapter_body(c),
        )
        for c in book.chapters
    ]
    out.toc = [epub.Link(title_page.file_name, "Title Page", "toc-title"), *chapters]
    out.add_item(epub.EpubNcx())
    out.add_item(epub.EpubNav(title="Contents", direction=direction))
    out.spine = [cover_page, title_page, "nav", *chapters]

    buffer = io.BytesIO()
    options = {"raise_exceptions": True, "epub3_pages": False, "mtime": _modified(book)}
    if not epub.write_epub(buffer, out, options):
        raise ExportError("EbookLib could not write the EPUB.")
    return buffer.getvalue()


def _set_metadata(out: epub.EpubBook, book: ExportBook, direction: str | None) -> None:
    out.set_identifier(book.identifier or _derived_identifier(book))
    out.set_title(one_line(book.title))
    out.set_language(book.language)
    if direction:
        out.set_direction(direction)
    if author := one_line(book.author):
        out.add_author(author)
    out.add_metadata("DC", "date", _utc(book.created).date().isoformat())
    if genre := one_line(book.genre):
        out.add_metadata("DC", "subject", genre)
    if premise := one_line(book.premise):
        out.add_metadata("DC", "description", premise)


def _document(
    out: epub.EpubBook,
    style: epub.EpubItem,
    direction: str | None,
    uid: str,
    file_name: str,
    title: str,
    body: str,
) -> epub.EpubHtml:
    item = epub.EpubHtml(
        uid=uid, file_name=file_name, title=title, lang=None, direction=direction
    )
    item.content = f"<html><body>{body}</body></html>"
    item.add_item(style)
    out.add_item(item)
    # EbookLib writes a document it cannot parse as empty, without a word.
    if not item.get_body_content():
        raise ExportError(f"Could not render {title!r} as XHTML.")
    return item


def _title_page(book: ExportBook) -> str:
    parts = [f'<h1 class="title">{escape(one_line(book.title))}</h1>']
    if author := one_line(book.author):
        parts.append(f'<p class="author">{escape(author)}</p>')
    if genre := one_line(book.genre):
        parts.append(f'<p class="genre">{escape(genre)}</p>')
    if book.premise.strip():
        parts.append(f'<div class="premise">{text_to_xhtml(book.premise)}</div>')
    return f'<section class="title-page">{"".join(parts)}</section>'


def _chapter_body(chapter: ExportChapter) -> str:
    heading = f"<h1>{escape(chapter_heading(chapter))}</h1>"
    return f"<section>{heading}{markdown_to_xhtml(strip_title(chapter))}</section>"


def _direction(language: str) -> str | None:
    """ "rtl" for right-to-left scripts; None leaves readers to their default."""
    return "rtl" if language.split("-")[0].lower() in _RTL_LANGUAGES else None


def _derived_identifier(book: ExportBook) -> str:
    """Same book, same id: a urn:uuid from title, author and creation time."""
    key = f"bookgen:{book.title}\x1f{book.author}\x1f{_utc(book.created).isoformat()}"
    return uuid.uuid5(uuid.NAMESPACE_URL, key).urn


def _modified(book: ExportBook) -> datetime:
    # EbookLib formats this with a literal "Z": hand it UTC, without tzinfo.
    return _utc(book.modified or book.created).replace(tzinfo=None)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
