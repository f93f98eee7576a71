"""The new-book form: limits, friendly messages, and hostile input."""

from __future__ import annotations

import pytest

from bookgen.generation.forms import BookForm, FormError
from bookgen.storage.models import (
    CHAPTER_COUNT,
    DEFAULT_CHAPTER_COUNT,
    DEFAULT_WORDS_PER_CHAPTER,
    DETAIL_CHARS,
    MODEL_NAME_CHARS,
    PREMISE_CHARS,
    TITLE_CHARS,
    WORDS_PER_CHAPTER,
    BookStatus,
    Bounds,
)

VALID = {"title": "The Lighthouse", "premise": "A keeper reads the storms."}
KB = 1024


def errors_for(**fields: object) -> dict[str, str]:
    with pytest.raises(FormError) as caught:
        BookForm.parse({**VALID, **fields})
    return caught.value.errors


def test_a_minimal_form_gets_the_defaults() -> None:
    form = BookForm.parse(VALID)
    assert (form.chapter_count, form.words_per_chapter) == (
        DEFAULT_CHAPTER_COUNT,
        DEFAULT_WORDS_PER_CHAPTER,
    )
    assert (form.genre, form.audience, form.tone, form.model) == ("", "", "", "")


def test_blank_numbers_mean_the_defaults() -> None:
    form = BookForm.parse({**VALID, "chapters": "  ", "words": None})
    assert form.chapter_count == DEFAULT_CHAPTER_COUNT
    assert form.words_per_chapter == DEFAULT_WORDS_PER_CHAPTER


def test_one_line_fields_collapse_whitespace_and_the_premise_keeps_lines() -> None:
    form = BookForm.parse(
        {
            "title": "  The \t Lighthouse\n Keeper ",
            "premise": "\n  First line.\n\nSecond line.  \n",
            "genre": " slow   burn ",
            "model": " gpt-4o ",
        }
    )
    assert form.title == "The Lighthouse Keeper"
    assert form.premise == "First line.\n\nSecond line."
    assert form.genre == "slow burn"
    assert form.model == "gpt-4o"


@pytest.mark.parametrize("title", ["", "   ", "\n\t", None, "\x00", " \x00 "])
def test_an_empty_title_is_refused(title: object) -> None:
    assert errors_for(title=title) == {"title": "Give the book a title."}


def test_a_missing_title_and_premise_are_both_reported() -> None:
    with pytest.raises(FormError) as caught:
        BookForm.parse({})
    assert caught.value.errors == {
        "title": "Give the book a title.",
        "premise": "Describe the premise.",
    }


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("title", TITLE_CHARS.high, "Keep the title within 200 characters."),
        ("premise", PREMISE_CHARS.high, "Keep the premise within 4,000 characters."),
        ("genre", DETAIL_CHARS.high, "Keep this within 100 characters."),
        ("audience", DETAIL_CHARS.high, "Keep this within 100 characters."),
        ("tone", DETAIL_CHARS.high, "Keep this within 100 characters."),
        ("model", MODEL_NAME_CHARS.high, "Keep the model name within 200 characters."),
    ],
)
def test_text_lengths_up_to_the_limit(field: str, limit: int, message: str) -> None:
    assert getattr(BookForm.parse({**VALID, field: "é" * limit}), field) == "é" * limit
    assert errors_for(**{field: "é" * (limit + 1)}) == {field: message}


@pytest.mark.parametrize("size", [10 * KB, KB * KB])
@pytest.mark.parametrize(
    "field", ["title", "premise", "genre", "audience", "tone", "model"]
)
def test_huge_text_is_a_field_error(field: str, size: int) -> None:
    errors = errors_for(**{field: "x" * size})
    assert list(errors) == [field]
    assert errors[field].startswith("Keep ")


def test_lengths_are_checked_after_whitespace_is_collapsed() -> None:
    spaced = "a" + " " * 5_000 + "b" * (TITLE_CHARS.high - 2)
    assert len(BookForm.parse({**VALID, "title": spaced}).title) == TITLE_CHARS.high


def test_nul_bytes_are_dropped_before_lengths_are_checked() -> None:
    form = BookForm.parse(
        {
            "title": "The\x00 Light\x00house",
            "premise": "\x00A premise\x00 with NULs.\x00",
            "tone": "\x00" * 500,
        }
    )
    assert form.title == "The Lighthouse"
    assert form.premise == "A premise with NULs."
    assert form.tone == ""


@pytest.mark.parametrize(
    ("field", "bounds", "message"),
    [
        ("chapters", CHAPTER_COUNT, "Choose between 1 and 50."),
        ("words", WORDS_PER_CHAPTER, "Choose between 200 and 8,000."),
    ],
)
def test_numbers_within_their_range(field: str, bounds: Bounds, message: str) -> None:
    for inside in (bounds.low, bounds.high, str(bounds.low), f" {bounds.high} "):
        BookForm.parse({**VALID, field: inside})
    for outside in (bounds.low - 1, bounds.high + 1, str(bounds.high + 1), "0" * 40):
        assert errors_for(**{field: outside}) == {field: message}, outside


def test_a_huge_number_is_out_of_range_not_a_crash() -> None:
    assert errors_for(words="9" * (KB * KB), chapters=10**100) == {
        "chapters": "Choose between 1 and 50.",
        "words": "Choose between 200 and 8,000.",
    }


def test_leading_zeros_are_still_a_whole_number() -> None:
    assert BookForm.parse({**VALID, "chapters": "0" * 30 + "7"}).chapter_count == 7


@pytest.mark.parametrize(
    "value",
    [
        "1_0",  # int() reads 10
        "\u0661\u0660",  # Arabic-Indic digits: int() reads 10
        "\uff15",  # fullwidth digit: int() reads 5
        "+5",
        "-5",
        " 5.0",
        "5.0",
        "1e3",
        "0x10",
        "5 5",
        "five",
        "\x005",
        True,
        5.0,
        float("nan"),
        [5],
        {"n": 5},
    ],
)
@pytest.mark.parametrize("field", ["chapters", "words"])
def test_only_plain_digits_are_whole_numbers(field: str, value: object) -> None:
    assert errors_for(**{field: value}) == {field: "Enter a whole number."}


@pytest.mark.parametrize("value", [["a title"], {"text": "a title"}, 42, b"bytes"])
@pytest.mark.parametrize("field", ["title", "premise", "genre", "model"])
def test_a_value_that_is_not_text_is_a_field_error(field: str, value: object) -> None:
    assert errors_for(**{field: value}) == {field: "Enter plain text."}


def test_text_that_is_not_valid_unicode_is_a_field_error() -> None:
    # A lone surrogate survives JSON decoding but no database can store it.
    assert errors_for(premise="half a pair: \ud800") == {"premise": "Enter plain text."}


def test_every_problem_is_reported_at_once_by_input_name() -> None:
    errors = errors_for(title="", genre="g" * 101, chapters="lots", words="1")
    assert errors == {
        "title": "Give the book a title.",
        "genre": "Keep this within 100 characters.",
        "chapters": "Enter a whole number.",
        "words": "Choose between 200 and 8,000.",
    }


def test_unknown_fields_are_ignored() -> None:
    form = BookForm.parse({**VALID, "status": "complete", "id": 7, "version": 99})
    book = form.to_book(default_model="m")
    assert (book.id, book.status, book.version) == (None, BookStatus.OUTLINING, 0)


@pytest.mark.parametrize("data", [None, ["title", "premise"], "title=x"])
def test_a_payload_that_is_not_a_form_is_refused(data: object) -> None:
    with pytest.raises(FormError) as caught:
        BookForm.parse(data)  # type: ignore[arg-type]  # a hostile client's payload
    assert caught.value.errors


def test_to_book_carries_every_choice_and_the_default_model() -> None:
    form = BookForm.parse(
        {**VALID, "genre": "mystery", "tone": "eerie", "chapters": "3", "words": "450"}
    )
    book = form.to_book(default_model="bookgen-offline")
    assert (book.title, book.premise, book.genre, book.tone) == (
        VALID["title"],
        VALID["premise"],
        "mystery",
        "eerie",
    )
    assert (book.chapter_count, book.words_per_chapter) == (3, 450)
    assert book.model == "bookgen-offline"
    assert book.status == BookStatus.OUTLINING
    chosen = BookForm.parse({**VALID, "model": "llama3"})
    assert chosen.to_book(default_model="bookgen-offline").model == "llama3"
