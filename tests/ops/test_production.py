"""Production as the README's deployment section runs it: ``reflex run --env
prod`` (what ``make run`` runs) with two gunicorn workers
(``GUNICORN_CMD_ARGS``), PostgreSQL (``DATABASE_URL``) and Redis (``REDIS_URL``).

Two users made through AccountService on the app's database (the admin signs
up first, the member joins by invite) each watch the admin's book from a
different worker and both receive the chapter live; /api/health and /metrics
answer, and the metrics, summed over both workers, show the generation.

Signing in: ``signed_in_headers`` is the one place the users' session cookies
(``bookgen_session``) come from, and every socket client sends them on its
handshake, as a browser does. The admin shares the book with the team from the
book page before the member opens it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from bookgen.accounts import AccountService
from bookgen.state.live import LiveChunk, parse_live
from bookgen.state.reflex_bridge import delta_key
from bookgen.storage.db import make_engine
from bookgen.storage.models import BookStatus, MessageKind
from bookgen.storage.store import Store
from tests.conftest import PG_URL, reset_postgres
from tests.ops.conftest import REDIS_URL
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, DASHBOARD_STATE, ReflexClient
from tests.system.conftest import wait_snapshot, wait_until

pytestmark = [pytest.mark.system, pytest.mark.postgres]
LIVE = delta_key("live")
SESSION_COOKIE = "bookgen_session"

APP_ENV = {
    "DATABASE_URL": PG_URL,
    "REDIS_URL": REDIS_URL,
    "GUNICORN_CMD_ARGS": "--workers 2",
    "BOOKGEN_LOG_FORMAT": "json",
    "BOOKGEN_OFFLINE_WPS": "80",
}

Headers = dict[str, str]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    reset_postgres()  # the app migrates the empty database at start
    log = tmp_path_factory.mktemp("production") / "app.log"
    with AppServer(dict(APP_ENV), log=log) as server:
        yield server


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    engine = make_engine(PG_URL)
    yield Store(engine)
    await engine.dispose()


@pytest.fixture
async def signed_in_headers(app: AppServer) -> AsyncIterator[tuple[Headers, Headers]]:
    """The admin's and the member's browser headers: their session cookies."""
    engine = make_engine(PG_URL)
    try:
        accounts = AccountService(engine)
        admin = await accounts.sign_up(
            name="Ada", email="ada@example.org", password="correct horse battery"
        )
        assert admin.ok and admin.user and admin.session_token, admin.message
        invite = await accounts.create_invite(admin.user)
        assert invite.ok and invite.token, invite.message
        member = await accounts.sign_up(
            name="Bo",
            email="bo@example.org",
            password="member passphrase",
            invite_token=invite.token,
        )
        assert member.ok and member.session_token, member.message
        yield (
            {"Cookie": f"{SESSION_COOKIE}={admin.session_token}"},
            {"Cookie": f"{SESSION_COOKIE}={member.session_token}"},
        )
    finally:
        await engine.dispose()


async def create_book(url: str, headers: Headers) -> int:
    """Create a one-chapter book through the dashboard's real handler."""
    client = ReflexClient(url, headers=headers)
    await client.open("/")
    try:
        form = {
            "title": "The Night Ferry",
            "premise": "A ferry pilot carries one last passenger across a strait.",
            "chapters": "1",
            "words": "500",
        }
        await client.emit(f"{DASHBOARD_STATE}.create_book", {"form_data": form}, "/")
        await client.emit(f"{DASHBOARD_STATE}.load_books", {}, "/")
        await client.wait_for(lambda: client.var(DASHBOARD_STATE, "books"), 30)
        (book,) = client.var(DASHBOARD_STATE, "books")
        return int(book["id"])
    finally:
        await client.close()


async def viewer_on_a_worker(
    url: str, path: str, headers: Headers, *, avoid: str = ""
) -> ReflexClient:
    """A viewer of ``path`` served by a worker other than ``avoid``.

    Four connect at once: one after another, a worker that is quick to accept
    can take every connection, while the kernel hands simultaneous ones out.
    """
    for _ in range(10):
        batch = [ReflexClient(url, headers=headers) for _ in range(4)]
        try:
            await asyncio.gather(*(c.open(path) for c in batch))
            for c in batch:
                await c.wait_for(lambda c=c: c.var(BOOK_STATE, "served_by"), 20)
        except BaseException:
            for c in batch:
                await c.close()
            raise
        chosen = next(
            (c for c in batch if c.var(BOOK_STATE, "served_by") != avoid), None
        )
        for c in batch:
            if c is not chosen:
                await c.close()
        if chosen is not None:
            return chosen
    pytest.fail("every connection landed on the same worker")


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def scrape(url: str) -> dict[str, float]:
    status, text = await fetch(url + "/metrics")
    assert status == 200, text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


async def test_two_signed_in_users_watch_a_book_live_on_two_workers(
    app: AppServer, store: Store, signed_in_headers: tuple[Headers, Headers]
) -> None:
    admin_headers, member_headers = signed_in_headers
    status, body = await fetch(app.url + "/api/health")
    assert (status, json.loads(body)) == (
        200,
        {"database": "ok", "redis": "ok", "migrations": "head"},
    )

    book_id = await create_book(app.url, admin_headers)
    path = f"/books/{book_id}"
    admin = await viewer_on_a_worker(app.url, path, admin_headers)
    await admin.emit(f"{BOOK_STATE}.change_sharing", {"value": "team-reads"}, path)

    async def shared() -> bool:
        book = await store.get_book(book_id)
        return book is not None and book.visibility == "team"

    await wait_until(shared, "the book shared with the team", 20)
    member = await viewer_on_a_worker(
        app.url, path, member_headers, avoid=admin.var(BOOK_STATE, "served_by")
    )
    live: dict[str, list[LiveChunk]] = {"admin": [], "member": []}
    try:
        await admin.wait_for(
            lambda: admin.var(BOOK_STATE, "status") == "awaiting_approval", 60
        )
        before = await scrape(app.url)
        for name, client in (("admin", admin), ("member", member)):
            client.on_delta = lambda delta, _at, seen=live[name]: (
                seen.append(parse_live(delta[BOOK_STATE][LIVE]))
                if LIVE in delta.get(BOOK_STATE, {})
                else None
            )
        await admin.emit(f"{BOOK_STATE}.approve")

        async def writing_counted() -> bool:
            return (await scrape(app.url))["bookgen_active_generations"] == 1

        await wait_until(writing_counted, "the running generation in /metrics", 30)
        done = await wait_snapshot(
            store, book_id, lambda s: s.book.status == BookStatus.COMPLETE, 120
        )
        chapter = next(m for m in done.messages if m.kind == MessageKind.CHAPTER)
        key, text = f"m{chapter.id}", chapter.content
        for client, seen in ((admin, live["admin"]), (member, live["member"])):
            await client.wait_for(
                lambda seen=seen: any(
                    p.key == key and p.offset + len(p.text) == len(text) for p in seen
                ),
                20,
            )
    finally:
        await admin.close()
        await member.close()

    for name, seen in live.items():
        pushes = [p for p in seen if p.key == key and p.text]
        assert len(pushes) > 10, f"{name} saw no live stream"
        for p in pushes:
            assert text[p.offset : p.offset + len(p.text)] == p.text

    async def runner_gone() -> bool:
        return (await scrape(app.url))["bookgen_active_generations"] == 0

    # The runner leaves (frees its lease) just after the book is complete.
    await wait_until(runner_gone, "no running generation in /metrics", 20)
    after = await scrape(app.url)
    streamed = after["bookgen_streamed_characters_total"]
    assert streamed - before["bookgen_streamed_characters_total"] >= len(text)
    # Each worker observed its own pushes: the scrape, whichever worker served
    # it, counts at least every push the two viewers received.
    pushed = after["bookgen_push_lag_seconds_count"]
    received = len(live["admin"]) + len(live["member"])
    assert pushed - before["bookgen_push_lag_seconds_count"] >= received


async def test_the_workers_log_json_lines(app: AppServer) -> None:
    assert (await fetch(app.url + "/api/health?probe=json-log"))[0] == 200

    def records() -> list[dict]:
        lines = Path(app.log).read_text(errors="replace").splitlines()
        # Anything else the servers print is a line of text.
        return [json.loads(line) for line in lines if line.startswith("{")]

    async def request_logged() -> bool:
        return any("probe=json-log" in r["message"] for r in records())

    # The server's request line comes through the app's JSON handler.
    await wait_until(request_logged, "the request's JSON log line", 10)
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records())
    log_text = Path(app.log).read_text(errors="replace")
    assert log_text.count("probe=json-log") == 1, "logged once, as JSON only"
