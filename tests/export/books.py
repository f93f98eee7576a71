"""Books for export tests: ordinary ones and one full of hostile model output."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bookgen.export import ExportBook, ExportChapter

CREATED = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)

# What a model (or a prompt-injected one) might write; none of it may become
# markup, break a document, or be lost.
HOSTILE_TEXT = "\n\n".join(
    [
        "<script>alert('pwned')</script>",
        '<img src="x" onerror="alert(1)">',
        "Tom & Jerry &amp; friends &bogus; 1 < 2 > 0 \"quoted\" 'single'",
        "Bell\x07 escape\x1b[31m formfeed\x0c del\x7f c1\x85 nonchar\ufffe end",
        "Family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
        "flag \U0001f3f3\ufe0f\u200d\U0001f308 thumb \U0001f44d\U0001f3fd",
        "Override \u202egnp.exe\u202c Hebrew \u05e9\u05dc\u05d5\u05dd "
        "Arabic \u0645\u0631\u062d\u0628\u0627",
        "[click](javascript:alert(1)) [local](other.xhtml) "
        "![pixel](http://example.com/track.png) <http://example.com/>",
        "# A heading the model wrote",
        "long " * 20000 + "paragraph-end",
    ]
)


def chapter_text(number: int) -> str:
    return (
        f"The rain began in chapter {number}. marker-{number}-start\n\n"
        f"*Still* it fell, and **nobody** noticed. marker-{number}-end"
    )


def make_book(chapter_count: int = 3, /, **changes: object) -> ExportBook:
    """A plain book with ``chapter_count`` chapters; ``changes`` override fields."""
    book = ExportBook(
        title="The Lighthouse at the End of the World",
        author="Ana Sofia Reyes",
        genre="Fantasy",
        premise="A keeper guards a light.\n\nThe sea keeps secrets.",
        language="en",
        created=CREATED,
        chapters=tuple(
            ExportChapter(n, f"Tide {n}", chapter_text(n))
            for n in range(1, chapter_count + 1)
        ),
    )
    return replace(book, **changes)  # pyright: ignore[reportArgumentType]


def hostile_book() -> ExportBook:
    return make_book(
        title="<b>Bold</b> & \x02Co",
        author="O'Brien <script>x</script>",
        chapters=(
            ExportChapter(1, "<i>Night</i> & \x01Day", HOSTILE_TEXT),
            ExportChapter(2, "After", chapter_text(2)),
        ),
    )
