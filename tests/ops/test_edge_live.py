"""The running app (production build, BOOKGEN_AUTH=off, BOOKGEN_ORIGINS blank)
behind its guard, from the outside:

- a page served from another origin (http://127.0.0.2:<port>, in Chromium)
  cannot open the app's socket or read its API; the app's own page can;
- a raw handshake naming a foreign Origin is refused, a localhost page on any
  port is not;
- with accounts off, a client reaching the app through this machine's
  non-loopback address (eth0, from ``hostname -I``) is refused, over HTTP and
  websocket, while loopback clients are served.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import aiohttp
import pytest
from playwright.sync_api import Page, sync_playwright

from bookgen.web.guards import LOOPBACK_ONLY, ORIGIN_REFUSED
from tests.support.devserver import AppServer, free_port
from tests.system.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.system, pytest.mark.browser]

# What a page's script tries against the app: read an API route, open the
# socket. Resolves to what it managed to do.
PROBE = """async (base) => {
  const out = {};
  try {
    const r = await fetch(base + "/api/health", {credentials: "include"});
    out.health = r.status + " " + await r.text();
  } catch (e) { out.health = "blocked"; }
  try {
    const r = await fetch(base + "/api/messages/1/text");
    out.text = String(r.status);
  } catch (e) { out.text = "blocked"; }
  out.socket = await new Promise((resolve) => {
    const url = base.replace("http", "ws") +
      "/_event/?EIO=4&transport=websocket&token=" + crypto.randomUUID();
    const ws = new WebSocket(url);
    const done = (how) => { try { ws.close(); } catch (e) {} resolve(how); };
    ws.onmessage = (m) => done(String(m.data).startsWith("0{") ? "open" : "odd");
    ws.onerror = () => done("refused");
    ws.onclose = () => done("refused");
  });
  return out;
}"""


def lan_address() -> str:
    """A non-loopback IPv4 address of this machine; the test fails without one."""
    output = subprocess.run(
        ["hostname", "-I"], capture_output=True, text=True, check=True
    ).stdout
    for word in output.split():
        if "." in word and not word.startswith("127."):
            return word
    pytest.fail(f"no non-loopback IPv4 address on this machine: {output!r}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    tmp = tmp_path_factory.mktemp("edge")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bookgen.db'}",
        "BOOKGEN_AUTH": "off",
        "BOOKGEN_ORIGINS": "",
        "REDIS_URL": "",
        "REFLEX_REDIS_URL": "",
    }
    with AppServer(env=env, log=tmp / "app.log") as server:
        yield server


@pytest.fixture(scope="module")
def foreign_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain page on another origin: another loopback address and port."""
    root = tmp_path_factory.mktemp("foreign")
    (root / "index.html").write_text("<!doctype html><title>elsewhere</title>")
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.2", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def page() -> Iterator[Page]:
    """Chromium, per test: Playwright's sync API holds the thread's event loop
    while it runs, which the async tests here need."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_a_page_from_another_origin_cannot_drive_the_app(
    app: AppServer, foreign_site: str, page: Page
) -> None:
    page.goto(foreign_site)
    assert page.title() == "elsewhere"
    assert page.evaluate(PROBE, app.url) == {
        "health": "blocked",
        "text": "blocked",
        "socket": "refused",
    }


def test_the_apps_own_page_can(app: AppServer, page: Page) -> None:
    page.goto(app.url)
    seen = page.evaluate(PROBE, app.url)
    assert seen["health"].startswith("200 ")
    assert seen["text"] == "404"  # read (no such message), not blocked
    assert seen["socket"] == "open"


async def handshake(url: str, headers: dict[str, str]) -> int:
    """The status of a websocket handshake to the app's socket (101 = open)."""
    ws_url = url.replace("http", "ws", 1)
    target = f"{ws_url}/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}"
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(target, headers=headers) as ws:
                opening = await ws.receive(timeout=10)
                assert str(opening.data).startswith("0{")
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers or {}) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://127.0.0.2:3000", "null"],
)
async def test_a_raw_handshake_from_a_foreign_origin_is_refused(
    app: AppServer, origin: str
) -> None:
    assert await handshake(app.url, {"Origin": origin}) == 403
    status, body = await get(
        f"{app.url}/_event/?EIO=4&transport=polling", {"Origin": origin}
    )
    assert (status, body) == (403, ORIGIN_REFUSED)


@pytest.mark.parametrize("origin", ["http://localhost:1", "http://127.0.0.1:65000"])
async def test_local_mode_accepts_a_localhost_page_on_any_port(
    app: AppServer, origin: str
) -> None:
    assert await handshake(app.url, {"Origin": origin}) == 101


async def test_auth_off_refuses_clients_off_this_machine(app: AppServer) -> None:
    lan = f"http://{lan_address()}:{app.port}"
    with contextlib.closing(socket.create_connection((lan_address(), app.port), 5)):
        pass  # the app listens there: what follows is its answer, not a dead port
    for path in ("/", "/api/health", "/ping"):
        assert await get(lan + path) == (403, LOOPBACK_ONLY)
    assert await handshake(lan, {}) == 403
    # The same requests from loopback are served.
    assert (await get(app.url + "/api/health"))[0] == 200
    assert await handshake(app.url, {}) == 101


def test_the_guard_logs_what_it_refused(app: AppServer) -> None:
    log = Path(app.log).read_text(errors="replace")
    assert "refused a request: origin=https://evil.example not allowed" in log
