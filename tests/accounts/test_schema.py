"""The database itself guarantees one founding admin and unique emails."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

INSERT = text(
    'INSERT INTO "user" (name, email, password_hash, role, disabled, '
    "founder_slot, created_at) VALUES (:name, :email, 'h', 'admin', false, "
    ":slot, CURRENT_TIMESTAMP)"
)


async def test_account_tables_exist_at_head(engine: AsyncEngine):
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"user", "auth_session", "invite"} <= tables


@pytest.mark.parametrize(
    ("second", "why"),
    [
        ({"name": "B", "email": "b@x.org", "slot": 1}, "a second founder"),
        ({"name": "B", "email": "b@x.org", "slot": 2}, "a founder slot other than 1"),
        ({"name": "B", "email": "a@x.org", "slot": None}, "a duplicate email"),
    ],
)
async def test_the_database_refuses(engine: AsyncEngine, second: dict, why: str):
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"name": "A", "email": "a@x.org", "slot": 1})
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(INSERT, second)
    # Members (no founder slot) are as many as you like.
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"name": "C", "email": "c@x.org", "slot": None})
        await conn.execute(INSERT, {"name": "D", "email": "d@x.org", "slot": None})
