"""Alembic environment: the SQLModel metadata, batch mode for SQLite.

The URL is the one passed by ``migrate_to_head`` or, from the CLI, DATABASE_URL.
"""

from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import bookgen.storage.account_models  # registers the account tables
import bookgen.storage.edit_models  # registers message versions, edit presence
import bookgen.storage.models  # noqa: F401  (registers the tables)
import bookgen.storage.reaction_models  # noqa: F401  (reactions)
from alembic import context
from bookgen.config import get_settings
from bookgen.storage.db import sync_url

config = context.config
if not config.get_main_option("sqlalchemy.url"):
    url = sync_url(get_settings().database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Several workers may start at once: one migrates, the others wait.
            connection.exec_driver_sql("SELECT pg_advisory_lock(727001)")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
