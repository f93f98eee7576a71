"""Browser fixtures: the real app and Debian Chromium.

One app serves the whole package (only one may run from the repo at a time: they
share ``.web/``), on a fresh SQLite file and the offline model at a pace that
streams visibly over many updates. Accounts are on, as deployed: warming up,
the first visitor signs up as the admin through the pages, and every browser
context a test opens carries that session's cookie (``new_context(signed_in=
False)`` opens a signed-out one). Tests marked ``fresh_app`` get an app of
their own whose first visitor is theirs to be. Every test runs against the production
build (``reflex run --env prod``); tests marked ``dev_server`` run against the
dev server (``reflex run``: Vite, React StrictMode) as well. Tests are grouped
by server, so each starts once. Each test gets its own browser contexts; on
failure every open page is screenshotted into the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright._impl._api_structures import StorageState
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bookgen.accounts.cookie import SESSION_COOKIE
from tests.browser.helpers import NewContext
from tests.browser.server import Server
from tests.support.devserver import AppServer, Mode

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Offline model pace: a 300-word chapter streams for ~5 s in ~50 pushes.
WORDS_PER_SECOND = 60
# Playwright's own waits (clicks, navigation); polls set their own timeouts.
ACTION_TIMEOUT_MS = 15_000
# A fresh server's first page loads (the dev server compiles modules on demand).
WARM_UP_TIMEOUT_MS = 120_000
# Settings the developer's shell may carry that would change what the app runs on.
_FOREIGN_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BOOKGEN_MODEL",
    "BOOKGEN_FLUSH_MS",
    "BOOKGEN_STALL_TIMEOUT_S",
    "BOOKGEN_MAX_RETRIES",
    "REDIS_URL",
    "REFLEX_REDIS_URL",
    "BOOKGEN_AUTH",
    "BOOKGEN_ORIGINS",
)
# The admin the warm-up signs up (the first visitor of a fresh app).
ADMIN_NAME = "Ada Admin"
ADMIN_EMAIL = "ada@example.org"
ADMIN_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class AppKind:
    """How a package-scoped app is started: its mode, and whether the warm-up
    signs up the admin (``fresh``: the test's first visitor does)."""

    mode: Mode
    fresh: bool = False

    @property
    def id(self) -> str:
        return self.mode.value + ("-fresh" if self.fresh else "")


# Each running app's signed-in browser storage (the admin's session cookie).
_SIGNED_IN: dict[int, StorageState] = {}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item so fixtures can see a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dev_server: also run against `reflex run` (Vite dev server, React StrictMode)",
    )
    config.addinivalue_line(
        "markers",
        "fresh_app: an app of its own with an empty database (nobody signed up)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give every test that uses the app its server mode(s) as a package-scoped
    parameter: pytest then runs the tests of one mode together and stops that
    server before starting the other."""
    if "app" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("fresh_app"):
        kinds = [AppKind(Mode.PROD, fresh=True)]
    else:
        kinds = [AppKind(Mode.PROD)]
        if metafunc.definition.get_closest_marker("dev_server"):
            kinds.append(AppKind(Mode.DEV))
    metafunc.parametrize(
        "app", kinds, indirect=True, scope="package", ids=[k.id for k in kinds]
    )


def sign_up(page: Page, *, name: str, email: str, password: str) -> None:
    """Fill the sign-up page (founder or invite link) and wait for the dashboard."""
    page.fill("#signup-name", name)
    page.fill("#signup-email", email)
    page.fill("#signup-password", password)
    page.click("#signup-submit")
    page.wait_for_selector("#book-title")


def warm_up(browser: Browser, app: AppServer, *, sign_up_admin: bool) -> None:
    """Load the pages once, so a test's time budgets do not include the dev
    server compiling modules on first request; unless the app is to stay
    fresh, the first visitor signs up as the admin and keeps the cookie."""
    context = browser.new_context(base_url=app.url)
    context.set_default_timeout(WARM_UP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_url(re.compile(r"/signup/?$"))
        page.wait_for_selector("#signup-submit")
        if not sign_up_admin:
            return
        sign_up(page, name=ADMIN_NAME, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        page.goto("/books/999999")
        page.get_by_role("heading", name="Book not found").wait_for()
        _SIGNED_IN[id(app)] = context.storage_state()
    finally:
        context.close()


def session_token(app: AppServer) -> str:
    """The admin's session token (what their cookie holds)."""
    cookies = _SIGNED_IN[id(app)].get("cookies", [])
    return next(c.get("value", "") for c in cookies if c.get("name") == SESSION_COOKIE)


@pytest.fixture(scope="package")
def app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Browser,
) -> Iterator[AppServer]:
    kind: AppKind = request.param
    mode = kind.mode
    tmp = tmp_path_factory.mktemp(f"app-{kind.id}")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bookgen.db'}",
        "BOOKGEN_OFFLINE_WPS": str(WORDS_PER_SECOND),
        "BOOKGEN_LEASE_S": "6",
        # One author, many tests on one server: books of earlier tests may
        # still be writing.
        "BOOKGEN_USER_CONCURRENT": "50",
    }
    server = AppServer(env=env, log=tmp / "app.log", mode=mode)
    with pytest.MonkeyPatch.context() as mp:
        for name in _FOREIGN_ENV:
            mp.delenv(name, raising=False)
        server.start()
    try:
        warm_up(browser, server, sign_up_admin=not kind.fresh)
        yield server
    finally:
        _SIGNED_IN.pop(id(server), None)
        server.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest,
    app: AppServer,
    browser: Browser,
    tmp_path: Path,
) -> Iterator[NewContext]:
    """Open browser contexts (separate sessions: another teammate, a fresh load),
    signed in as the admin unless asked otherwise.

    An uncaught error in any page fails the test.
    """
    contexts: list[BrowserContext] = []
    js_errors: list[str] = []

    def make(*, signed_in: bool = True) -> BrowserContext:
        storage = _SIGNED_IN.get(id(app)) if signed_in else None
        context = browser.new_context(
            base_url=app.url,
            viewport={"width": 1280, "height": 900},
            storage_state=storage,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.on(
            "weberror",
            lambda e: js_errors.append(f"{e.page and e.page.url}: {e.error}"),
        )
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                path = tmp_path / f"failure-{i}-{j}.png"
                try:
                    page.screenshot(path=path, full_page=True)
                    print(f"screenshot of {page.url}: {path}")
                except Exception as exc:  # a closed or crashed page
                    print(f"no screenshot of {page.url}: {exc}")
        context.close()
    if failed:
        print(f"app log: {app.log}")
    elif js_errors:
        pytest.fail(f"uncaught errors in the page: {js_errors}")


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def db_path(app: AppServer) -> Path:
    """The app's SQLite file, for checks that must not trust the UI."""
    return Path(app.env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture
def server(app: AppServer, db_path: Path) -> Server:
    """The app's messages as stored, to wait for and compare against."""
    return Server(app, db_path, session_token(app))


def pytest_report_header(config: pytest.Config) -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"browser tests: {CHROMIUM} is missing (apt-get install chromium)"
    return None
