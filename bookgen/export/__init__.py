"""Export a book as Markdown or EPUB 3, and draw its cover: plain Python.

No database and no Reflex here; callers build an ``ExportBook`` from storage.
"""

from bookgen.export.cover import COVER_SIZE, render_cover
from bookgen.export.epub import to_epub
from bookgen.export.markdown import to_markdown
from bookgen.export.model import ExportBook, ExportChapter, ExportError

__all__ = [
    "COVER_SIZE",
    "ExportBook",
    "ExportChapter",
    "ExportError",
    "render_cover",
    "to_epub",
    "to_markdown",
]
