"""usage flag on messages, and stored book covers

A message's tokens are marked estimated when the stream ended without the
provider's usage. Each book's cover PNG (drawn locally, or generated art with
its title set locally) is stored once, with a thumbnail and an ETag.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "usage_estimated",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    # The default lives in the model; the server default only filled old rows.
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.alter_column("usage_estimated", server_default=None)
    op.create_table(
        "book_cover",
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column(
            "source_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("art", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("thumb_png", sa.LargeBinary(), nullable=False),
        sa.Column(
            "updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False
        ),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.PrimaryKeyConstraint("book_id"),
    )


def downgrade() -> None:
    op.drop_table("book_cover")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("usage_estimated")
