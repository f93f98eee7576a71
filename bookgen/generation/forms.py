"""The new-book form: normalised, checked against the book's limits, explained.

``BookCreate`` is the full-stack FastAPI template's create model: it inherits
every limit from ``BookBase`` (storage/models.py), the same limits that size the
columns and the database's CHECK constraints. This module only adds how raw form
values are read and how a failed limit is worded for the author.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticUseDefault

from bookgen.storage.models import (
    CHAPTER_COUNT,
    WORDS_PER_CHAPTER,
    Book,
    BookBase,
    BookStatus,
    Bounds,
)

__all__ = ["BookCreate", "BookForm", "FormError"]

# The page's input names, where they differ from the model's fields.
_FIELD_OF_INPUT = {"chapters": "chapter_count", "words": "words_per_chapter"}
_INPUT_OF_FIELD = {field: name for name, field in _FIELD_OF_INPUT.items()}

_NUMBER_BOUNDS: dict[str, Bounds] = {
    "chapter_count": CHAPTER_COUNT,
    "words_per_chapter": WORDS_PER_CHAPTER,
}
_BLANK = {"title": "Give the book a title.", "premise": "Describe the premise."}
# {limit} is the max_length of the constraint that failed.
_TOO_LONG = {
    "title": "Keep the title within {limit:,} characters.",
    "premise": "Keep the premise within {limit:,} characters.",
    "genre": "Keep this within {limit:,} characters.",
    "audience": "Keep this within {limit:,} characters.",
    "tone": "Keep this within {limit:,} characters.",
    "model": "Keep the model name within {limit:,} characters.",
}
_NOT_TEXT = "Enter plain text."
_NOT_WHOLE = "Enter a whole number."
# Any number with more digits is out of range; the cap keeps int() cheap
# (Python refuses to parse more than 4,300 digits).
_MAX_DIGITS = 18


class FormError(ValueError):
    """Bad input; ``errors`` maps each form field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _plain_text(value: object) -> str:
    """A form value as text: missing is empty; NUL bytes are dropped.

    PostgreSQL refuses NUL in text and it never means anything in a form, so
    it is removed rather than reported. Anything that is not a string (a list,
    a number, text that is not valid Unicode) is a field error.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a hand-written payload
        raise ValueError("not text") from None
    return value.replace("\x00", "")


def _whole_number(value: object) -> int:
    """Plain ASCII digits only: int() also takes "1_0", "+5" and Arabic-Indic digits."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticUseDefault
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit():
            significant = digits.lstrip("0") or "0"
            if len(significant) > _MAX_DIGITS:
                return 10**_MAX_DIGITS
            return int(significant)
    raise ValueError("not a whole number")


class BookCreate(BookBase):
    """A new book as its author asked for it: normalised, within every limit."""

    @field_validator("title", "genre", "audience", "tone", "model", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> str:
        # Lengths are checked after this, on the text that will be stored.
        return " ".join(_plain_text(value).split())

    @field_validator("premise", mode="before")
    @classmethod
    def _paragraphs(cls, value: object) -> str:
        return _plain_text(value).strip()

    @field_validator("chapter_count", "words_per_chapter", mode="before")
    @classmethod
    def _count(cls, value: object) -> int:
        return _whole_number(value)

    @classmethod
    def parse(cls, form_data: Mapping[str, object]) -> BookCreate:
        """Build from raw form data, or raise FormError listing every problem."""
        if not isinstance(form_data, Mapping):
            raise FormError({"form": "Send the form's fields."})
        values = {_FIELD_OF_INPUT.get(k, k): v for k, v in form_data.items()}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise FormError(_field_errors(exc)) from exc

    def to_book(self, *, default_model: str) -> Book:
        """The row to store; an empty model means the app's default."""
        chosen = self.model_dump()
        chosen["model"] = self.model or default_model
        return Book(**chosen, status=BookStatus.OUTLINING)


# The name the state and the service know the validated form by.
BookForm = BookCreate


def _field_errors(exc: ValidationError) -> dict[str, str]:
    """The first problem of each field, worded for the author, by input name."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        errors.setdefault(_INPUT_OF_FIELD.get(field, field), _message(field, error))
    return errors


def _message(field: str, error: ErrorDetails) -> str:
    kind = error["type"]
    bounds = _NUMBER_BOUNDS.get(field)
    if bounds is not None:
        if kind in ("greater_than_equal", "less_than_equal"):
            return f"Choose between {bounds.low:,} and {bounds.high:,}."
        return _NOT_WHOLE
    if kind in ("missing", "string_too_short"):
        return _BLANK.get(field, "Fill this in.")
    if kind == "string_too_long" and field in _TOO_LONG:
        return _TOO_LONG[field].format(limit=error.get("ctx", {})["max_length"])
    return _NOT_TEXT
