"""Browser fixtures: the real app and Debian Chromium.

One app serves the whole package (only one may run from the repo at a time: they
share ``.web/``), on a fresh SQLite file and the offline model at a pace that
streams visibly over many updates. Every test runs against the production
build (``reflex run --env prod``); tests marked ``dev_server`` run against the
dev server (``reflex run``: Vite, React StrictMode) as well. Tests are grouped
by server, so each starts once. Each test gets its own browser contexts; on
failure every open page is screenshotted into the test's tmp dir.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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
)


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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give every test that uses the app its server mode(s) as a package-scoped
    parameter: pytest then runs the tests of one mode together and stops that
    server before starting the other."""
    if "app" not in metafunc.fixturenames:
        return
    modes = [Mode.PROD]
    if metafunc.definition.get_closest_marker("dev_server"):
        modes.append(Mode.DEV)
    metafunc.parametrize(
        "app", modes, indirect=True, scope="package", ids=[m.value for m in modes]
    )


def warm_up(browser: Browser, app: AppServer) -> None:
    """Load both pages once, so a test's time budgets do not include the dev
    server compiling modules on first request."""
    context = browser.new_context(base_url=app.url)
    context.set_default_timeout(WARM_UP_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_selector("#book-title")
        page.goto("/books/999999")
        page.get_by_role("heading", name="Book not found").wait_for()
    finally:
        context.close()


@pytest.fixture(scope="package")
def app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    browser: Browser,
) -> Iterator[AppServer]:
    mode: Mode = request.param
    tmp = tmp_path_factory.mktemp(f"app-{mode}")
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
        warm_up(browser, server)
        yield server
    finally:
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
) -> Iterator[Callable[[], BrowserContext]]:
    """Open browser contexts (separate sessions: another teammate, a fresh load).

    An uncaught error in any page fails the test.
    """
    contexts: list[BrowserContext] = []
    js_errors: list[str] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=app.url, viewport={"width": 1280, "height": 900}
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
def context(new_context: Callable[[], BrowserContext]) -> BrowserContext:
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
    return Server(app, db_path)


def pytest_report_header(config: pytest.Config) -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"browser tests: {CHROMIUM} is missing (apt-get install chromium)"
    return None
