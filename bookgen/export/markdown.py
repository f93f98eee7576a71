"""Markdown export: one document with title, metadata, contents and every chapter.

Chapter text is the model's markdown and is kept as written, with three
repairs so one chapter cannot break the document around it: its headings move
two levels down (a ``# `` line cannot become a second book title, nor a
``## Chapter`` line a fake chapter), an unclosed code fence is closed, and if
raw HTML still swallows what follows (``<!--`` without ``-->``) its ``<`` are
written as ``&lt;``.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bookgen.export.model import ExportBook
from bookgen.export.text import (
    chapter_heading,
    normalize_newlines,
    one_line,
    strip_title,
)

__all__ = ["to_markdown"]

# CommonMark with raw HTML on: how a viewer (GitHub, an editor) will read the file.
_MD = MarkdownIt("commonmark")
_SENTINEL = "bookgen-export-sentinel"
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>#&~|])")
_ATX_MARK = re.compile(r"#{1,6}(?=[ \t]|$)")
_DEMOTE = 2  # book title is #, chapters are ##: model headings start at ###


def to_markdown(book: ExportBook) -> str:
    """The whole book as one Markdown document (same book, same text)."""
    lines = [f"# {_inline(book.title)}", ""]
    if book.author.strip():
        lines += [f"*by {_inline(book.author)}*", ""]
    lines += _metadata(book)
    slugs = _Slugger(book.title, "Contents")
    lines += ["## Contents", ""]
    if not book.chapters:
        lines += ["*No chapters yet.*", ""]
    for chapter in book.chapters:
        heading = chapter_heading(chapter)
        lines.append(f"- [{_inline(heading)}](#{slugs.slug(heading)})")
    for chapter in book.chapters:
        lines += ["", f"## {_inline(chapter_heading(chapter))}", ""]
        body = contain(strip_title(chapter))
        if body:
            lines.append(body)
    return "\n".join(lines).rstrip("\n") + "\n"


def contain(text: str) -> str:
    """Chapter markdown that cannot change the structure of what follows it."""
    for candidate in (text, text.replace("<", "&lt;")):
        repaired = _close_fence(_demote_headings(candidate)).rstrip()
        if _contained(repaired):
            return repaired
    # Last resort, never reached by known input: the text verbatim in a fence.
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _metadata(book: ExportBook) -> list[str]:
    fields = [
        ("Genre", one_line(book.genre)),
        ("Language", book.language),
        ("Created", book.created.date().isoformat()),
        ("Chapters", str(len(book.chapters))),
    ]
    lines = [f"- **{name}:** {_inline(value)}" for name, value in fields if value]
    lines.append("")
    premise = normalize_newlines(book.premise).strip()
    if premise:
        lines += [f"> {line}".rstrip() for line in premise.split("\n")]
        lines.append("")
    return lines


def _inline(text: str) -> str:
    """A one-line field as literal text inside a heading, list item or link."""
    return _INLINE_SPECIAL.sub(r"\\\1", one_line(text))


def _demote_headings(text: str) -> str:
    lines = text.split("\n")
    tokens = _MD.parse(text)
    # Bottom-up, so replacing a setext heading's lines keeps earlier maps valid.
    for token in reversed(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        start, end = token.map
        level = min(6, int(token.tag[1]) + _DEMOTE)
        if token.markup.startswith("#"):
            lines[start] = _ATX_MARK.sub("#" * level, lines[start], count=1)
        elif token.level == 0:
            content = " ".join(line.strip() for line in lines[start : end - 1])
            lines[start:end] = ["#" * level + " " + content]
    return "\n".join(lines)


def _close_fence(text: str) -> str:
    """Close a code fence left open at the end (it would swallow later chapters)."""
    lines = text.split("\n")
    for token in _MD.parse(text):
        if token.type != "fence" or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        if end < len(lines):
            continue  # an unclosed fence runs to the end of the text
        last = lines[end - 1].strip()
        closed = (
            end - start >= 2
            and len(last) >= len(token.markup)
            and not last.strip(token.markup[0])
        )
        if not closed:
            return text + "\n" + token.markup
    return text


def _contained(text: str) -> bool:
    """Whether a chapter heading written after ``text`` is still a heading."""
    tokens: list[Token] = _MD.parse(f"{text}\n\n## {_SENTINEL}\n")
    return (
        len(tokens) >= 3
        and tokens[-3].type == "heading_open"
        and tokens[-3].level == 0
        and tokens[-2].content == _SENTINEL
    )


class _Slugger:
    """GitHub-style heading anchors, unique within the document."""

    def __init__(self, *taken: str) -> None:
        self._seen: dict[str, int] = {}
        for heading in taken:
            self.slug(heading)

    def slug(self, heading: str) -> str:
        base = re.sub(r"[^\w\- ]", "", one_line(heading).lower()).replace(" ", "-")
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"
