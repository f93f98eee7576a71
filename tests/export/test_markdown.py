"""Markdown export: every chapter in order, and no chapter can break the document."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bookgen.export import ExportChapter, to_markdown
from tests.export.books import HOSTILE_TEXT, hostile_book, make_book

# How a viewer reads the file: CommonMark with raw HTML allowed.
VIEWER = MarkdownIt("commonmark")


def outline(markdown: str) -> list[tuple[int, str]]:
    """(level, text) of the top-level headings, as a Markdown viewer sees them."""
    tokens = VIEWER.parse(markdown)
    return [
        (int(tok.tag[1]), plain_text(tokens[i + 1]))
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open" and tok.level == 0 and int(tok.tag[1]) <= 2
    ]


def plain_text(inline: Token) -> str:
    """The text a reader sees (raw HTML in a heading would not be text)."""
    return "".join(c.content for c in inline.children or [] if c.type == "text")


def test_title_metadata_contents_and_every_chapter_in_order() -> None:
    book = make_book(5)
    text = to_markdown(book)

    assert text.startswith(f"# {book.title}\n\n*by {book.author}*\n")
    assert "- **Genre:** Fantasy" in text
    assert "- **Created:** 2026-11-03" in text
    assert "> A keeper guards a light.\n>\n> The sea keeps secrets." in text
    assert outline(text) == [
        (1, book.title),
        (2, "Contents"),
        *[(2, f"Chapter {n}: Tide {n}") for n in range(1, 6)],
    ]
    assert "- [Chapter 3: Tide 3](#chapter-3-tide-3)" in text
    positions = [
        text.index(f"marker-{n}-{end}") for n in range(1, 6) for end in ("start", "end")
    ]
    assert positions == sorted(positions)
    assert "*Still* it fell, and **nobody** noticed." in text  # model markdown kept


def test_same_book_same_text() -> None:
    assert to_markdown(make_book()) == to_markdown(make_book())


def test_book_without_chapters_says_so() -> None:
    text = to_markdown(make_book(0))
    assert "*No chapters yet.*" in text
    assert outline(text) == [(1, make_book().title), (2, "Contents")]


def test_model_headings_cannot_become_book_titles_or_chapters() -> None:
    chapters = (
        ExportChapter(1, "Rain", "# The Real Title?\n\nText one.\n\nSetext\n===\n"),
        ExportChapter(2, "Snow", "## Chapter 9: Fake\n\nText two.\n\nUnder\n---\n"),
        ExportChapter(3, "Hail", "> # quoted\n\n- # listed\n\nText three."),
    )
    text = to_markdown(make_book(chapters=chapters))
    assert outline(text) == [
        (1, make_book().title),
        (2, "Contents"),
        (2, "Chapter 1: Rain"),
        (2, "Chapter 2: Snow"),
        (2, "Chapter 3: Hail"),
    ]
    # Demoted, not deleted.
    for kept in (
        "### The Real Title?",
        "### Setext",
        "#### Chapter 9: Fake",
        "#### Under",
    ):
        assert kept in text


def test_unclosed_fence_and_html_comment_cannot_swallow_later_chapters() -> None:
    chapters = (
        ExportChapter(1, "Code", "Look:\n\n```python\nprint('never closed')"),
        ExportChapter(2, "Comment", "Hidden? <!-- never closed\n\n<!-- really"),
        ExportChapter(3, "Script", "<script>\nvar x = 1;"),
        ExportChapter(4, "Last", "marker-last"),
    )
    text = to_markdown(make_book(chapters=chapters))
    assert [h for level, h in outline(text) if level == 2][1:] == [
        "Chapter 1: Code",
        "Chapter 2: Comment",
        "Chapter 3: Script",
        "Chapter 4: Last",
    ]
    assert "print('never closed')\n```" in text
    assert "marker-last" in text


def test_repeated_chapter_title_is_printed_once() -> None:
    chapter = ExportChapter(4, "The Flood", "## Chapter 4: The Flood\n\nWater rose.")
    text = to_markdown(make_book(chapters=(chapter,)))
    assert text.count("The Flood") == 2  # contents entry and the chapter heading
    assert "## Chapter 4: The Flood\n\nWater rose." in text


def test_hostile_content_is_kept_and_contained() -> None:
    book = hostile_book()
    text = to_markdown(book)
    assert outline(text) == [
        (1, "<b>Bold</b> & Co"),
        (2, "Contents"),
        (2, "Chapter 1: <i>Night</i> & Day"),
        (2, "Chapter 2: After"),
    ]
    # Kept literally (it is markdown already), one-line fields escaped.
    assert "<script>alert('pwned')</script>" in text
    assert "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466" in text
    assert "\u202egnp.exe\u202c" in text
    assert "long " * 20000 + "paragraph-end" in text
    assert "### A heading the model wrote" in text
    assert "# \\<b\\>Bold\\</b\\> \\& Co" in text
    assert HOSTILE_TEXT.split("\n\n")[2] in text
