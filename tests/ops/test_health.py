"""/api/health on real SQLite and PostgreSQL, with and without Redis: 200 when
the worker can serve, 503 (same keys) when the database does not answer, the
schema is behind, or a configured Redis is down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.config import Settings
from bookgen.storage.db import make_engine
from bookgen.web.app import ops_api
from bookgen.web.health import HealthProbe
from tests.ops.conftest import DEAD_PORT, REDIS_URL


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


async def get_health(engine: AsyncEngine, redis_url: str = "") -> httpx.Response:
    probe = HealthProbe(engine=lambda: engine, redis_url=redis_url)
    app = ops_api(Settings(redis_url=redis_url), probe)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        return await http.get("/api/health")


async def test_healthy_without_redis(engine: AsyncEngine) -> None:
    response = await get_health(engine)
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "redis": "absent",
        "migrations": "head",
    }


async def test_healthy_with_redis(engine: AsyncEngine) -> None:
    response = await get_health(engine, REDIS_URL)
    assert response.status_code == 200
    assert response.json()["redis"] == "ok"


async def test_a_database_that_does_not_answer_is_503() -> None:
    dead = make_engine(f"postgresql://postgres@127.0.0.1:{DEAD_PORT}/nothing")
    try:
        response = await get_health(dead)
    finally:
        await dead.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "database": "error",
        "redis": "absent",
        "migrations": "unknown",
    }


async def test_a_schema_behind_the_code_is_503(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = await get_health(engine)
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind"


async def test_a_configured_redis_that_does_not_answer_is_503(
    engine: AsyncEngine,
) -> None:
    response = await get_health(engine, f"redis://127.0.0.1:{DEAD_PORT}/0")
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "redis": "error",
        "migrations": "head",
    }
