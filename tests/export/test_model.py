"""Bad export input gets a clear error before anything is written."""

from __future__ import annotations

import io
import zipfile

import pytest

from bookgen.export import ExportChapter, ExportError, to_epub
from tests.export.books import make_book


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "needs a title"),
        ({"language": "english please"}, "BCP 47"),
        ({"language": ""}, "BCP 47"),
        ({"cover_png": b"GIF89a..."}, "must be a PNG"),
        (
            {"chapters": (ExportChapter(2, "b", "x"), ExportChapter(1, "a", "y"))},
            "reading order",
        ),
        (
            {"chapters": (ExportChapter(1, "a", "x"), ExportChapter(1, "b", "y"))},
            "distinct numbers",
        ),
        ({"chapters": (ExportChapter(0, "a", "x"),)}, "start at 1"),
    ],
)
def test_invalid_books_are_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ExportError, match=message):
        make_book(**changes)


def test_export_error_is_a_value_error() -> None:
    """Callers that already map ValueError to a 400 need nothing new."""
    assert issubclass(ExportError, ValueError)


def test_chapter_without_title_is_numbered_only() -> None:
    book = make_book(chapters=(ExportChapter(1, "  ", "Text."),))
    assert b"Chapter 1</" in _chapter_file(to_epub(book))


def _chapter_file(epub: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        return archive.read("EPUB/chapter-0001.xhtml")
