"""The database itself refuses a book outside the form's limits.

Rows are inserted with plain SQL (no form, no model validation), the way a
script, a bug or a future endpoint could write them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import CheckConstraint, Connection, create_engine, insert, inspect
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import SQLModel

from bookgen.storage.db import sync_url
from bookgen.storage.models import (
    CHAPTER_COUNT,
    DETAIL_CHARS,
    MODEL_NAME_CHARS,
    PREMISE_CHARS,
    TITLE_CHARS,
    WORDS_PER_CHAPTER,
    utcnow,
)

BOOK = SQLModel.metadata.tables["book"]


@pytest.fixture
def conn(db_url: str) -> Iterator[Connection]:
    engine = create_engine(sync_url(db_url))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def insert_book(conn: Connection, **columns: object) -> None:
    row = {
        "title": "T",
        "premise": "P",
        "genre": "",
        "audience": "",
        "tone": "",
        "chapter_count": 1,
        "words_per_chapter": WORDS_PER_CHAPTER.low,
        "model": "m",
        "status": "outlining",
        "chapters_done": 0,
        "version": 0,
        "created_at": utcnow(),
        "updated_at": utcnow(),
        **columns,
    }
    with conn.begin():
        conn.execute(insert(BOOK).values(row))


def book_count(conn: Connection) -> int:
    with conn.begin():
        return len(conn.execute(BOOK.select()).all())


def test_the_database_has_the_models_check_constraints(conn: Connection) -> None:
    in_database = {c["name"] for c in inspect(conn).get_check_constraints("book")}
    checks = [c for c in BOOK.constraints if isinstance(c, CheckConstraint)]
    in_model = {str(c.name) for c in checks}
    assert in_model  # the model declares them ...
    assert in_database == in_model  # ... and the migrations created the same


def test_books_at_every_limit_are_accepted(conn: Connection) -> None:
    insert_book(
        conn,
        title="t" * TITLE_CHARS.high,
        premise="é" * PREMISE_CHARS.high,
        genre="g" * DETAIL_CHARS.high,
        audience="a" * DETAIL_CHARS.high,
        tone="t" * DETAIL_CHARS.high,
        model="m" * MODEL_NAME_CHARS.high,
        chapter_count=CHAPTER_COUNT.high,
        words_per_chapter=WORDS_PER_CHAPTER.high,
    )
    insert_book(conn, chapter_count=CHAPTER_COUNT.low, model="")
    assert book_count(conn) == 2


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("chapter_count", CHAPTER_COUNT.low - 1),
        ("chapter_count", CHAPTER_COUNT.high + 1),
        ("words_per_chapter", WORDS_PER_CHAPTER.low - 1),
        ("words_per_chapter", WORDS_PER_CHAPTER.high + 1),
        ("title", ""),
        ("title", "t" * (TITLE_CHARS.high + 1)),
        ("premise", ""),
        ("premise", "é" * (PREMISE_CHARS.high + 1)),
        ("genre", "g" * (DETAIL_CHARS.high + 1)),
        ("audience", "a" * (DETAIL_CHARS.high + 1)),
        ("tone", "t" * (DETAIL_CHARS.high + 1)),
        ("model", "m" * (MODEL_NAME_CHARS.high + 1)),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_a_book_outside_the_limits_is_refused(
    conn: Connection, column: str, value: object
) -> None:
    # PostgreSQL's VARCHAR(n) refuses over-long text before the CHECK does.
    with pytest.raises((IntegrityError, DataError)):
        insert_book(conn, **{column: value})
    assert book_count(conn) == 0
