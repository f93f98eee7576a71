"""EPUB export: valid for EPUBCheck (no errors, no warnings) and complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookgen.export import ExportChapter, render_cover, to_epub
from tests.export.books import HOSTILE_TEXT, hostile_book, make_book
from tests.export.epub_reader import Epub, headings, tag, text_of
from tests.export.epubcheck import epubcheck


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_three_chapter_book_with_cover_is_valid_and_complete(tmp_path: Path) -> None:
    cover = render_cover("Given Cover", "Someone", "Romance")
    book = make_book(3, cover_png=cover)
    data = to_epub(book)
    epubcheck(write(tmp_path, "three.epub", data))
    epub = Epub.open(data)

    assert epub.meta("title") == [book.title]
    assert epub.meta("creator") == [book.author]
    assert epub.meta("language") == ["en"]
    assert epub.meta("date") == ["2026-11-03"]
    assert epub.meta("identifier")[0].startswith("urn:uuid:")
    assert epub.meta("subject") == ["Fantasy"]

    cover_items = [
        i for i in epub.manifest().values() if i.get("properties") == "cover-image"
    ]
    assert len(cover_items) == 1
    assert epub.file(cover_items[0].get("href", "")) == cover

    # Reading order: cover, title page, contents, chapters; all linear.
    docs = epub.spine_documents()
    assert [i.get("src") for i in docs[0].iter(tag("img"))] == [
        cover_items[0].get("href")
    ]
    assert all(ref.get("linear", "yes") == "yes" for ref in epub.spine())
    assert book.title in text_of(docs[1]) and book.author in text_of(docs[1])
    chapters = docs[3:]
    assert [headings(d, 1)[0] for d in chapters] == [
        "Chapter 1: Tide 1",
        "Chapter 2: Tide 2",
        "Chapter 3: Tide 3",
    ]
    for number, doc in enumerate(chapters, start=1):
        text = text_of(doc)
        assert f"marker-{number}-start" in text and f"marker-{number}-end" in text
        assert list(doc.iter(tag("em"))), "markdown emphasis becomes <em>"
    assert epub.toc() == [
        "Title Page",
        "Chapter 1: Tide 1",
        "Chapter 2: Tide 2",
        "Chapter 3: Tide 3",
    ]


def test_thirty_chapters_in_spine_and_toc_order_with_generated_cover(
    tmp_path: Path,
) -> None:
    book = make_book(30)
    data = to_epub(book)
    epubcheck(write(tmp_path, "thirty.epub", data))
    epub = Epub.open(data)

    titles = [headings(d, 1)[0] for d in epub.spine_documents()[3:]]
    assert titles == [f"Chapter {n}: Tide {n}" for n in range(1, 31)]
    assert epub.toc()[1:] == titles
    cover = epub.file("images/cover.png")
    assert cover == render_cover(book.title, book.author, book.genre)


def test_hostile_content_is_escaped_kept_and_valid(tmp_path: Path) -> None:
    data = to_epub(hostile_book())
    epubcheck(write(tmp_path, "hostile.epub", data))
    epub = Epub.open(data)

    assert epub.meta("title") == ["<b>Bold</b> & Co"]
    chapter = epub.spine_documents()[3]
    assert headings(chapter, 1) == ["Chapter 1: <i>Night</i> & Day"]
    # Nothing the model wrote became markup: no script, image, handler, bad link.
    docs = epub.spine_documents()
    for doc in [docs[1], *docs[3:]]:  # title page and chapters, not the nav
        assert not [e for n in ("script", "img", "iframe") for e in doc.iter(tag(n))]
        assert not [k for e in doc.iter() for k in e.attrib if k.startswith("on")]
        hrefs = [a.get("href", "") for a in doc.iter(tag("a"))]
        assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    text = text_of(chapter)
    # ...and every visible character is still there, as text.
    for kept in (
        "<script>alert('pwned')</script>",
        '<img src="x" onerror="alert(1)">',
        "Tom & Jerry & friends &bogus; 1 < 2 > 0",
        "Family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "\u202egnp.exe\u202c",
        "[local](other.xhtml)",
        "Bell escape[31m formfeed del c1 nonchar end",
        "long " * 20000 + "paragraph-end",
    ):
        assert kept in text, kept[:60]
    # The model's own "# heading" sits below the chapter title.
    assert headings(chapter, 2) == ["A heading the model wrote"]
    assert "\x07" in HOSTILE_TEXT and "\x07" not in text


def test_book_without_chapters_is_valid_with_a_non_empty_toc(tmp_path: Path) -> None:
    data = to_epub(make_book(0))
    epubcheck(write(tmp_path, "empty.epub", data))
    epub = Epub.open(data)
    assert epub.toc() == ["Title Page"]
    assert len(epub.spine()) == 3  # cover, title page, contents


def test_same_book_same_identifier_and_dates() -> None:
    first, second = Epub.open(to_epub(make_book())), Epub.open(to_epub(make_book()))
    assert first.meta("identifier") == second.meta("identifier")
    other = Epub.open(to_epub(make_book(title="Another Book")))
    assert other.meta("identifier") != first.meta("identifier")
    given = Epub.open(to_epub(make_book(identifier="urn:bookgen:book:7")))
    assert given.meta("identifier") == ["urn:bookgen:book:7"]
    assert first.modified() == "2026-11-03T09:30:00Z"


def test_chapter_that_repeats_its_title_shows_it_once() -> None:
    chapter = ExportChapter(4, "The Flood", "## Chapter 4: The Flood\n\nWater rose.")
    epub = Epub.open(to_epub(make_book(chapters=(chapter,))))
    text = text_of(epub.spine_documents()[3])
    assert text.count("The Flood") == 1
    assert "Water rose." in text


@pytest.mark.parametrize("language", ["he", "ja", "pt-BR"])
def test_language_and_direction_are_declared(language: str) -> None:
    epub = Epub.open(to_epub(make_book(1, language=language)))
    assert epub.meta("language") == [language]
    html = epub.spine_documents()[3]
    assert html.get("lang") == language
    assert html.get("dir") == ("rtl" if language == "he" else None)


def test_right_to_left_book_is_valid(tmp_path: Path) -> None:
    data = to_epub(make_book(2, language="he", title="\u05e9\u05dc\u05d5\u05dd"))
    epubcheck(write(tmp_path, "hebrew.epub", data))
    spine = Epub.open(data).opf.find(".//{http://www.idpf.org/2007/opf}spine")
    assert spine is not None and spine.get("page-progression-direction") == "rtl"
