"""What an export needs to know about a book: plain data, no database, no Reflex.

The caller (phase 2: an HTTP route) reads the current version of a book from
storage and builds an ``ExportBook``; the exporters only ever see this.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

__all__ = ["PNG_SIGNATURE", "ExportBook", "ExportChapter", "ExportError"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# BCP 47 in the shape EPUB readers accept: "en", "pt-BR", "zh-Hant-TW".
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


class ExportError(ValueError):
    """The book cannot be exported as given; the message says why."""


class ExportChapter(NamedTuple):
    """One finished chapter; ``text`` is the model's markdown, kept as written."""

    number: int
    title: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ExportBook:
    """A book as exported: metadata, chapters in reading order, optional cover."""

    title: str
    author: str = ""
    genre: str = ""
    premise: str = ""
    # BCP 47 language tag of the text (dc:language, xml:lang).
    language: str = "en"
    created: datetime
    # Last change; dcterms:modified in the EPUB. Defaults to ``created`` so the
    # same book always exports to the same metadata.
    modified: datetime | None = None
    chapters: tuple[ExportChapter, ...] = field(default_factory=tuple)
    # PNG bytes of the cover; None draws a typographic cover from the metadata.
    cover_png: bytes | None = None
    # Stable unique id (dc:identifier); empty derives a urn:uuid from the metadata.
    identifier: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ExportError("A book needs a title to be exported.")
        if not _LANGUAGE.fullmatch(self.language):
            raise ExportError(
                f"Language must be a BCP 47 tag such as 'en' or 'pt-BR', "
                f"not {self.language!r}."
            )
        numbers = [c.number for c in self.chapters]
        if any(n < 1 for n in numbers):
            raise ExportError(f"Chapter numbers start at 1, got {numbers}.")
        if any(b <= a for a, b in itertools.pairwise(numbers)):
            raise ExportError(
                f"Chapters must be in reading order with distinct numbers, "
                f"got {numbers}."
            )
        if self.cover_png is not None and not self.cover_png.startswith(PNG_SIGNATURE):
            raise ExportError("The cover must be a PNG image.")
