"""branches: a tree of messages

Each message gets its predecessor on its branch (``parent_id``); each thread
becomes a branch (its leaf, where it forked, its number and its saved state);
a book names the branch it shows (``book.thread_id``). Existing books become
one linear branch: each message's parent is the book's previous message.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_message_parent_id_message", "message", ["parent_id"], ["id"]
        )
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("number", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("parent_thread_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("forked_from_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("leaf_message_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "label",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "status",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="outlining",
            )
        )
        batch_op.add_column(
            sa.Column("chapters_done", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("chapter_count", sa.Integer(), nullable=False, server_default="8")
        )
        batch_op.create_foreign_key(
            "fk_thread_parent_thread_id_thread", "thread", ["parent_thread_id"], ["id"]
        )
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
    # Every existing book is one linear branch.
    op.execute(
        "UPDATE message SET parent_id = (SELECT max(m2.id) FROM message m2"
        " WHERE m2.book_id = message.book_id AND m2.id < message.id)"
    )
    op.execute(
        "UPDATE thread SET leaf_message_id = (SELECT max(m.id) FROM message m"
        " WHERE m.thread_id = thread.id)"
    )
    for column in ("status", "chapters_done", "chapter_count"):
        op.execute(
            f"UPDATE thread SET {column} = (SELECT b.{column} FROM book b"
            " WHERE b.id = thread.book_id)"
        )
    op.execute(
        "UPDATE book SET thread_id = (SELECT min(t.id) FROM thread t"
        " WHERE t.book_id = book.id)"
    )
    for table, columns in (
        ("thread", ("number", "label", "status", "chapters_done", "chapter_count")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.drop_column("thread_id")
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_thread_parent_thread_id_thread", type_="foreignkey"
        )
        for column in (
            "chapter_count",
            "chapters_done",
            "status",
            "label",
            "leaf_message_id",
            "forked_from_id",
            "parent_thread_id",
            "number",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_constraint("fk_message_parent_id_message", type_="foreignkey")
        batch_op.drop_column("parent_id")
