"""Prometheus metrics: who may scrape /metrics, what the app counts where it
happens (a real service and real stores, an in-test provider), and the sum over
several worker processes (multiprocess mode, real child processes)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncGenerator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from bookgen.accounts import AccountService, LoginLimiter
from bookgen.config import Settings
from bookgen.generation.hub import LocalHub, TextEvent
from bookgen.llm import ChatMessage, ErrorKind, ProviderError, StreamStats
from bookgen.state.live import Channels
from bookgen.storage.db import make_engine
from bookgen.storage.store import Store
from bookgen.web.app import ops_api
from bookgen.web.health import HealthProbe
from bookgen.web.metrics import render_metrics
from bookgen.web.metrics_dir import METRICS_DIR_VARIABLE
from tests.accounts.conftest import fast_hasher
from tests.generation.helpers import make_service, new_book_id, wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-secret"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- who may scrape --------------------------------------------------------
async def scrape(
    client: tuple[str, int], headers: dict[str, str] | None = None, token: str = ""
) -> httpx.Response:
    app = ops_api(
        Settings(metrics_token=token),
        HealthProbe(engine=lambda: make_engine("sqlite://"), redis_url=""),
    )
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        return await http.get("/metrics", headers=headers)


async def test_a_scraper_on_this_machine_reads_metrics() -> None:
    response = await scrape(("127.0.0.1", 5000))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "bookgen_active_generations" in response.text


@pytest.mark.parametrize(
    ("client", "headers", "token"),
    [
        (("192.0.2.9", 1), {}, ""),
        (("192.0.2.9", 1), {"authorization": "Bearer anything"}, ""),
        (("192.0.2.9", 1), {"authorization": "Bearer wrong"}, TOKEN),
        (("192.0.2.9", 1), {"authorization": f"Basic {TOKEN}"}, TOKEN),
        # Through a proxy on this machine: the peer is local, the visitor is not.
        (("127.0.0.1", 1), {"x-forwarded-for": "198.51.100.7"}, ""),
    ],
)
async def test_anyone_else_needs_the_token(
    client: tuple[str, int], headers: dict[str, str], token: str
) -> None:
    response = await scrape(client, headers, token)
    assert response.status_code == 403
    assert "BOOKGEN_METRICS_TOKEN" in response.text
    assert "bookgen_" not in response.text


async def test_the_token_opens_metrics_from_anywhere() -> None:
    response = await scrape(
        ("192.0.2.9", 1), {"authorization": f"Bearer {TOKEN}"}, TOKEN
    )
    assert response.status_code == 200
    assert "bookgen_streamed_tokens_total" in response.text


# --- what is counted ---------------------------------------------------------
class GatedProvider:
    """Sends one word, waits for the test, then fails like a refused request."""

    offline = True

    def __init__(self) -> None:
        self.sent = asyncio.Event()
        self.release = asyncio.Event()

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        yield "Once "
        self.sent.set()
        await self.release.wait()
        raise ProviderError("provider answered HTTP 401: bad key", kind=ErrorKind.AUTH)


async def test_a_generation_is_counted_while_it_runs(store: Store) -> None:
    provider = GatedProvider()
    service = make_service(store, provider)
    book_id = await new_book_id(service)
    active = sample("bookgen_active_generations")
    tokens = sample("bookgen_streamed_tokens_total")
    characters = sample("bookgen_streamed_characters_total")
    refused = sample("bookgen_provider_errors_total", kind="auth")

    runner = asyncio.create_task(service.run(book_id))
    await asyncio.wait_for(provider.sent.wait(), 10)

    async def all_counted() -> bool:
        # The message holds the app's own heading (its lead) and the reply.
        snap = await store.snapshot(book_id)
        text = snap.messages[-1].content if snap else ""
        grown = sample("bookgen_streamed_characters_total") - characters
        return bool(text) and grown == len(text)

    await wait_until(all_counted)
    assert sample("bookgen_streamed_tokens_total") > tokens
    assert sample("bookgen_active_generations") == active + 1

    provider.release.set()
    await asyncio.wait_for(runner, 10)
    assert sample("bookgen_active_generations") == active
    assert sample("bookgen_provider_errors_total", kind="auth") == refused + 1


async def _holds(value: bool) -> bool:
    return value


class RecordingTransport:
    """Live pushes of this worker, as the socket layer would receive them."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def add(self, book_id: int, token: str) -> str | None:
        return token

    async def remove(self, book_id: int, member: str) -> None:
        return None

    async def send(self, book_id: int, value: str) -> None:
        self.sent.append(value)

    def connected(self, token: str) -> bool:
        return True


async def test_push_lag_is_observed_when_text_reaches_the_viewers(
    store: Store,
) -> None:
    service = make_service(store)
    book_id = await new_book_id(service)
    hub, transport = LocalHub(), RecordingTransport()
    channels = Channels(hub=hub, store=store, transport=transport, timestamps=False)
    await channels.join(book_id, "tab1")
    count = sample("bookgen_push_lag_seconds_count")
    total = sample("bookgen_push_lag_seconds_sum")

    produced = time.time() - 0.3
    await hub.publish(TextEvent(book_id, 1, 0, "Once", produced))
    await wait_until(lambda: _holds(bool(transport.sent)))
    await wait_until(
        lambda: _holds(sample("bookgen_push_lag_seconds_count") == count + 1)
    )
    assert sample("bookgen_push_lag_seconds_sum") - total >= 0.3
    await channels.leave(book_id, "tab1")


@pytest.fixture
async def engine(db_url: str) -> AsyncGenerator[AsyncEngine, None]:
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


async def test_logins_are_counted_by_outcome(engine: AsyncEngine) -> None:
    accounts = AccountService(
        engine,
        hasher=fast_hasher(),
        limiter=LoginLimiter(per_account="3/minute", per_address="100/minute"),
    )
    signed = await accounts.sign_up(
        name="Ada", email="ada@example.org", password="correct horse battery"
    )
    assert signed.ok, signed.message
    before = {o: sample("bookgen_logins_total", outcome=o) for o in _OUTCOMES}

    ok = await accounts.log_in(
        email="ada@example.org", password="correct horse battery", address="a"
    )
    assert ok.ok
    for _ in range(2):
        bad = await accounts.log_in(
            email="ada@example.org", password="wrong password", address="a"
        )
        assert not bad.ok and bad.retry_after_s is None
    limited = await accounts.log_in(
        email="ada@example.org", password="wrong password", address="a"
    )
    assert limited.retry_after_s is not None

    after = {o: sample("bookgen_logins_total", outcome=o) for o in _OUTCOMES}
    assert {o: after[o] - before[o] for o in _OUTCOMES} == {
        "success": 1,
        "rejected": 2,
        "rate_limited": 1,
    }


_OUTCOMES = ("success", "rejected", "rate_limited")


# --- several workers ---------------------------------------------------------
WORKER = """
import sys
from bookgen import metrics
metrics.generation_started()
metrics.text_streamed(["ab", "c"])
print("counted", flush=True)
if sys.argv[1] == "stay":
    sys.stdin.readline()
"""


def values(exposition: bytes) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(exposition.decode())
        for s in family.samples
        if not s.labels
    }


def test_metrics_sum_every_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, METRICS_DIR_VARIABLE: str(tmp_path)}
    stays = subprocess.Popen(
        [sys.executable, "-c", WORKER, "stay"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stays.stdout is not None
        assert stays.stdout.readline().strip() == "counted"
        done = subprocess.run(
            [sys.executable, "-c", WORKER, "exit"], cwd=ROOT, env=env, check=True
        )
        assert done.returncode == 0
        monkeypatch.setenv(METRICS_DIR_VARIABLE, str(tmp_path))
        now = values(render_metrics())
        # Counters add up over both processes, the one that exited included;
        # the active gauge counts only the live one.
        assert now["bookgen_streamed_tokens_total"] == 4
        assert now["bookgen_streamed_characters_total"] == 6
        assert now["bookgen_active_generations"] == 1
    finally:
        stays.kill()
        stays.wait()
    # Its gauge file is gone with it (the metric has no sample left).
    assert values(render_metrics()).get("bookgen_active_generations", 0) == 0
