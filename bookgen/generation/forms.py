"""The new-book form: limits and friendly error messages, checked on the server."""

from __future__ import annotations

from dataclasses import dataclass

from bookgen.storage.models import Book, BookStatus

__all__ = ["LIMITS", "BookForm", "FormError"]

LIMITS = {
    "title": (1, 200),
    "premise": (1, 4000),
    "chapters": (1, 50),
    "words": (200, 8000),
    "short": (0, 100),
    "model": (0, 200),
}
DEFAULT_CHAPTERS = 8
DEFAULT_WORDS = 1500


class FormError(ValueError):
    """Bad input; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _int(raw: object, name: str, default: int, errors: dict[str, str]) -> int:
    low, high = LIMITS[name]
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[name] = "Enter a whole number."
        return default
    if not low <= value <= high:
        errors[name] = f"Choose between {low:,} and {high:,}."
    return value


@dataclass(frozen=True)
class BookForm:
    title: str
    premise: str
    genre: str = ""
    audience: str = ""
    tone: str = ""
    chapters: int = DEFAULT_CHAPTERS
    words: int = DEFAULT_WORDS
    model: str = ""

    @classmethod
    def parse(cls, data: dict[str, object]) -> BookForm:
        """Build from raw form data, or raise FormError listing every problem."""
        errors: dict[str, str] = {}
        text = {k: " ".join(str(data.get(k) or "").split()) for k in cls._TEXT}
        premise = str(data.get("premise") or "").strip()
        if not text["title"]:
            errors["title"] = "Give the book a title."
        elif len(text["title"]) > LIMITS["title"][1]:
            errors["title"] = "Keep the title within 200 characters."
        if not premise:
            errors["premise"] = "Describe the premise."
        elif len(premise) > LIMITS["premise"][1]:
            errors["premise"] = "Keep the premise within 4,000 characters."
        for k in ("genre", "audience", "tone"):
            if len(text[k]) > LIMITS["short"][1]:
                errors[k] = "Keep this within 100 characters."
        if len(text["model"]) > LIMITS["model"][1]:
            errors["model"] = "Keep the model name within 200 characters."
        chapters = _int(data.get("chapters"), "chapters", DEFAULT_CHAPTERS, errors)
        words = _int(data.get("words"), "words", DEFAULT_WORDS, errors)
        if errors:
            raise FormError(errors)
        return cls(
            title=text["title"],
            premise=premise,
            genre=text["genre"],
            audience=text["audience"],
            tone=text["tone"],
            chapters=chapters,
            words=words,
            model=text["model"],
        )

    _TEXT = ("title", "genre", "audience", "tone", "model")

    def to_book(self, *, default_model: str) -> Book:
        return Book(
            title=self.title,
            premise=self.premise,
            genre=self.genre,
            audience=self.audience,
            tone=self.tone,
            chapter_count=self.chapters,
            words_per_chapter=self.words,
            model=self.model or default_model,
            status=BookStatus.OUTLINING,
        )
