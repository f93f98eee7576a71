"""book limits as CHECK constraints

The same limits the new-book form enforces (bookgen/storage/models.py), so a
row written any other way is refused too. Numbers are written out here: a
revision records the schema as it was, and must not move when the models do.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> condition, as in Book.__table_args__ at this revision.
CHECKS = {
    "ck_book_title_length": "length(title) BETWEEN 1 AND 200",
    "ck_book_premise_length": "length(premise) BETWEEN 1 AND 4000",
    "ck_book_genre_length": "length(genre) BETWEEN 0 AND 100",
    "ck_book_audience_length": "length(audience) BETWEEN 0 AND 100",
    "ck_book_tone_length": "length(tone) BETWEEN 0 AND 100",
    "ck_book_model_length": "length(model) BETWEEN 0 AND 200",
    "ck_book_chapter_count_range": "chapter_count BETWEEN 1 AND 50",
    "ck_book_words_per_chapter_range": "words_per_chapter BETWEEN 200 AND 8000",
}


def upgrade() -> None:
    # Batch mode: SQLite cannot add a constraint in place, so the table is rebuilt.
    with op.batch_alter_table("book", schema=None) as batch_op:
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(name, condition)


def downgrade() -> None:
    with op.batch_alter_table("book", schema=None) as batch_op:
        for name in CHECKS:
            batch_op.drop_constraint(name, type_="check")
