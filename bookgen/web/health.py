"""``GET /api/health``: can this worker serve? For load balancers and probes.

200 with ``{"database": "ok", "redis": "ok" | "absent", "migrations": "head"}``;
503 with the same keys when the database does not answer, its schema is not at
the newest migration, or a configured Redis does not answer. Nothing secret is
in the answer, so it needs no token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import cast

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = ["Check", "HealthProbe", "HealthReport", "Migrations", "head_revision"]

log = logging.getLogger(__name__)

# A check that takes longer than this counts as failed.
CHECK_TIMEOUT_S = 3.0


class Check(StrEnum):
    OK = "ok"
    ERROR = "error"
    ABSENT = "absent"  # not configured (Redis on a single-worker laptop)


class Migrations(StrEnum):
    HEAD = "head"
    BEHIND = "behind"  # the schema is older (or newer) than this code's head
    UNKNOWN = "unknown"  # the database did not answer


@dataclass(frozen=True)
class HealthReport:
    database: Check
    redis: Check
    migrations: Migrations

    @property
    def healthy(self) -> bool:
        return (
            self.database is Check.OK
            and self.migrations is Migrations.HEAD
            and self.redis is not Check.ERROR
        )


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest alembic revision in this checkout (read once)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bookgen.storage.db import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


class HealthProbe:
    """Checks the database (and its schema revision) and Redis, each with a
    deadline; ``engine`` is asked for lazily so the probe can be built at import."""

    def __init__(self, *, engine: Callable[[], AsyncEngine], redis_url: str) -> None:
        self._engine = engine
        self._redis_url = redis_url
        self._redis: Redis | None = None

    async def report(self) -> HealthReport:
        (database, migrations), redis = await asyncio.gather(
            self._database(), self._redis_check()
        )
        return HealthReport(database=database, redis=redis, migrations=migrations)

    async def _database(self) -> tuple[Check, Migrations]:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                async with self._engine().connect() as conn:
                    rows = await conn.execute(
                        text("SELECT version_num FROM alembic_version")
                    )
                    revisions = {row[0] for row in rows}
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("health: database check failed: %r", exc)
            return Check.ERROR, Migrations.UNKNOWN
        at_head = revisions == {head_revision()}
        return Check.OK, Migrations.HEAD if at_head else Migrations.BEHIND

    async def _redis_check(self) -> Check:
        if not self._redis_url:
            return Check.ABSENT
        if self._redis is None:
            self._redis = Redis.from_url(
                self._redis_url, socket_connect_timeout=CHECK_TIMEOUT_S
            )
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                # redis-py types ping() for its sync and async clients at once.
                await cast(Awaitable[bool], self._redis.ping())
        except Exception as exc:  # any failure to answer is "not healthy"
            log.warning("health: redis check failed: %r", exc)
            return Check.ERROR
        return Check.OK

    async def endpoint(self, request: Request) -> JSONResponse:
        """The route: the report as JSON, 200 when healthy, else 503."""
        report = await self.report()
        return JSONResponse(
            asdict(report),
            status_code=200 if report.healthy else 503,
            headers={"Cache-Control": "no-store"},
        )
