"""book ownership, sharing and bounded actions

Each book gets its author (a user, or none in single-author mode), who may see
it (private or the whole team), who may drive it (the author or the team), and
counters of outline rejections and Continue/Retry presses, which are bounded.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "visibility",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="private",
            )
        )
        batch_op.add_column(
            sa.Column(
                "action_policy",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="author",
            )
        )
        batch_op.add_column(
            sa.Column("rejections", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("continues", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_book_owner_id", ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_book_owner_id_user", "user", ["owner_id"], ["id"]
        )
    # Defaults live in the model; the server defaults only filled existing rows.
    with op.batch_alter_table("book", schema=None) as batch_op:
        for column in ("visibility", "action_policy", "rejections", "continues"):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.drop_constraint("fk_book_owner_id_user", type_="foreignkey")
        batch_op.drop_index("ix_book_owner_id")
        for column in ("continues", "rejections", "action_policy", "visibility"):
            batch_op.drop_column(column)
        batch_op.drop_column("owner_id")
