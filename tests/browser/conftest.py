"""Browser fixtures: the real app (``reflex run --env prod``) and Debian Chromium.

One app serves the whole package (only one may run from the repo at a time: they
share ``.web/``), on a fresh SQLite file and the offline model at a pace that
streams visibly over many updates. Each test gets its own browser contexts; on
failure every open page is screenshotted into the test's tmp dir.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.devserver import AppServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Offline model pace: a 300-word chapter streams for ~5 s in ~50 pushes.
WORDS_PER_SECOND = 60
# Playwright's own waits (clicks, navigation); polls set their own timeouts.
ACTION_TIMEOUT_MS = 15_000
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


@pytest.fixture(scope="package")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    tmp = tmp_path_factory.mktemp("app")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bookgen.db'}",
        "BOOKGEN_OFFLINE_WPS": str(WORDS_PER_SECOND),
        "BOOKGEN_LEASE_S": "6",
    }
    server = AppServer(env=env, log=tmp / "app.log")
    with pytest.MonkeyPatch.context() as mp:
        for name in _FOREIGN_ENV:
            mp.delenv(name, raising=False)
        server.start()
    try:
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


def pytest_report_header(config: pytest.Config) -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"browser tests: {CHROMIUM} is missing (apt-get install chromium)"
    return None
