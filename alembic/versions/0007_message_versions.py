"""message versions and edit presence

Finished messages can be edited in place: each gets a version number (checked
by the saving UPDATE), every saved text is kept in message_version, and
edit_presence lists the tabs that have an editor open (with a heartbeat).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.alter_column("version", server_default=None)
    op.create_table(
        "message_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "version", name="uq_message_version"),
    )
    with op.batch_alter_table("message_version", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_version_message_id", ["message_id"], unique=False
        )
    op.create_table(
        "edit_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tab", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("edit_presence", schema=None) as batch_op:
        batch_op.create_index("ix_edit_presence_book_id", ["book_id"], unique=False)
        batch_op.create_index("ix_edit_presence_tab", ["tab"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("edit_presence", schema=None) as batch_op:
        batch_op.drop_index("ix_edit_presence_tab")
        batch_op.drop_index("ix_edit_presence_book_id")
    op.drop_table("edit_presence")
    with op.batch_alter_table("message_version", schema=None) as batch_op:
        batch_op.drop_index("ix_message_version_message_id")
    op.drop_table("message_version")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("version")
