"""The real app (``reflex run --env prod``) over a seeded team, on SQLite and
PostgreSQL, talking to a local OpenAI-compatible server that counts requests.

One app per database kind serves every test of a module (starting one takes
seconds); tests that change what others rely on use their own books or users.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import SQLModel

import bookgen.storage.account_models
import bookgen.storage.models  # noqa: F401
from bookgen.accounts.cookie import SESSION_COOKIE
from bookgen.storage.db import migrate_to_head, sync_url
from tests.auth.seed import MODEL, Team, seed_team
from tests.conftest import PG_URL, reset_postgres
from tests.faults.threaded import CountingModel
from tests.support.devserver import AppServer
from tests.support.reflex_client import ReflexClient

pytestmark = pytest.mark.system

# Settings a developer's shell may carry that would change what the app runs on.
_FOREIGN_ENV = ("REDIS_URL", "REFLEX_REDIS_URL", "BOOKGEN_AUTH", "BOOKGEN_MODELS")


@dataclass
class AuthApp:
    app: AppServer
    db_url: str
    team: Team
    model: CountingModel

    @property
    def url(self) -> str:
        return self.app.url

    def client(self, token: str | None = None) -> ReflexClient:
        """A tab; signed in when given a session token (the cookie)."""
        cookies = {SESSION_COOKIE: token} if token else None
        return ReflexClient(self.url, cookies=cookies, keep_frames=True)

    def http_get(self, path: str, token: str | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path)
        if token:
            request.add_header("Cookie", f"{SESSION_COOKIE}={token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def tables(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to prove nothing was written."""
        engine = create_engine(sync_url(self.db_url))
        try:
            with engine.connect() as conn:
                return {
                    t.name: [tuple(r) for r in conn.execute(select(t)).all()]
                    for t in SQLModel.metadata.sorted_tables
                }
        finally:
            engine.dispose()

    def message_ids(self, book_id: int) -> list[int]:
        engine = create_engine(sync_url(self.db_url))
        try:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    f"SELECT id FROM message WHERE book_id = {int(book_id)} ORDER BY id"
                ).all()
                return [int(r[0]) for r in rows]
        finally:
            engine.dispose()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def auth_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AuthApp]:
    tmp = tmp_path_factory.mktemp(f"auth-{request.param}")
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp / 'app.db'}"
    else:
        db_url = PG_URL
        reset_postgres(db_url)
    migrate_to_head(db_url)
    team = seed_team(db_url)
    # 400 words at 20 ms: a chapter streams for about 8 s.
    with CountingModel(delay=0.02) as model:
        env = {
            "DATABASE_URL": db_url,
            "OPENAI_BASE_URL": model.server.base_url,
            "OPENAI_API_KEY": "sk-test",
            "BOOKGEN_MODEL": MODEL,
            "BOOKGEN_MAX_RETRIES": "0",
        }
        server = AppServer(env=env, log=Path(tmp / "app.log"))
        with pytest.MonkeyPatch.context() as mp:
            for name in _FOREIGN_ENV:
                mp.delenv(name, raising=False)
            server.start()
        try:
            yield AuthApp(server, db_url, team, model)
        finally:
            server.stop()
