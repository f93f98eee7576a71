"""Alembic brings an empty database to head, and head matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import bookgen.storage.models  # noqa: F401
from bookgen.storage.db import migrate_to_head, sync_url


@pytest.mark.parametrize("run_twice", [False, True])
def test_upgrade_head_then_autogenerate_finds_no_difference(db_url: str, run_twice):
    if run_twice:
        migrate_to_head(db_url)  # idempotent: a restart migrates again
    engine = create_engine(sync_url(db_url))
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {"book", "thread", "message", "chunk", "alembic_version"} <= tables
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == []
