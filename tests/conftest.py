"""Shared fixtures: real databases (SQLite file, PostgreSQL) at schema head."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bookgen.storage.db import make_engine, migrate_to_head, sync_url
from bookgen.storage.store import Store

PG_URL = os.environ.get(
    "BOOKGEN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def reset_postgres(url: str = PG_URL) -> None:
    """Drop everything the app created so each test starts from an empty schema."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = PG_URL
        reset_postgres(url)
    migrate_to_head(url)
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    engine = make_engine(db_url)
    yield Store(engine)
    await engine.dispose()
