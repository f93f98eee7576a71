"""Text clean-up shared by the exporters: one-line fields, XML-safe characters,
chapter headings, and dropping a heading that only repeats the chapter title."""

from __future__ import annotations

import re

from bookgen.export.model import ExportChapter

__all__ = [
    "chapter_heading",
    "normalize_newlines",
    "one_line",
    "strip_title",
    "xml_safe",
]

# Characters XML 1.0 forbids (C0 controls but tab/newline/CR, surrogates,
# U+FFFE/U+FFFF) plus C1 controls and DEL, which no reader shows anyway.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_WORDS = re.compile(r"[\W_]+")


def xml_safe(text: str) -> str:
    """Drop characters an XML document cannot carry (lxml would refuse them)."""
    return _NOT_XML.sub("", text)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def one_line(text: str) -> str:
    """Collapse a field meant for one line (title, author) to single spaces."""
    return " ".join(xml_safe(text).split())


def chapter_heading(chapter: ExportChapter) -> str:
    """``Chapter 3: The Flood``, or ``Chapter 3`` when the title is empty."""
    title = one_line(chapter.title)
    return (
        f"Chapter {chapter.number}: {title}" if title else f"Chapter {chapter.number}"
    )


def strip_title(chapter: ExportChapter) -> str:
    """The chapter text without a first heading that only repeats its title.

    Models often open a chapter with ``## Chapter 3: The Flood``; the exporters
    print that heading themselves, so a repeat would show it twice.
    """
    text = normalize_newlines(chapter.text).strip("\n")
    first, _, rest = text.partition("\n")
    match = _ATX.match(first)
    if match is None:
        return text
    same = {_key(chapter_heading(chapter)), _key(f"Chapter {chapter.number}")}
    if chapter.title.strip():
        same.add(_key(chapter.title))
    return rest.strip("\n") if _key(match.group(1)) in same else text


def _key(text: str) -> str:
    return _WORDS.sub(" ", text).strip().casefold()
