"""The README's first command, the way a new user runs it.

The project's tracked files are copied to an empty folder and ``make run`` is
started there with no virtualenv active: it must build ``.venv`` from
``requirements.txt`` alone (not the test venv, whose extra packages hide
missing ones), migrate, and serve the app. Chromium's first visit creates the
admin account (sign-up page), then creates a book and watches its outline
stream, on the built-in offline model.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.devserver import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# pip and npm installs on a warm cache take a few minutes on 2 cores.
START_TIMEOUT_S = 900

pytestmark = [pytest.mark.system, pytest.mark.timeout(START_TIMEOUT_S + 300)]


def copy_tracked_files(dest: Path) -> None:
    """The working tree as a fresh clone would have it (tracked files only)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def user_env(port: int) -> dict[str, str]:
    """A login shell's environment: no virtualenv, no bookgen settings."""
    venv_bin = os.environ.get("VIRTUAL_ENV", "")
    path = [
        p
        for p in os.environ.get("PATH", "").split(os.pathsep)
        if p and not (venv_bin and p.startswith(venv_bin)) and "/.venv" not in p
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOOKGEN_", "OPENAI_", "REFLEX_", "PYTEST", "VIRTUAL_ENV"))
        and k not in ("DATABASE_URL", "REDIS_URL", "PYTHONPATH")
    }
    env["PATH"] = os.pathsep.join(path)
    env["PORT"] = str(port)
    return env


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`make run` exited with {proc.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"`make run` did not serve {url} in {timeout:.0f} s:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    checkout = tmp_path_factory.mktemp("fresh") / "bookgen"
    copy_tracked_files(checkout)
    port = free_port()
    log = checkout.parent / "make-run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=checkout,
            env=user_env(port),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/ping", proc, log, START_TIMEOUT_S)
        wait_http(url + "/", proc, log, 60)
        yield url
    finally:
        with_group(proc, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with_group(proc, signal.SIGKILL)
            proc.wait(10)
    installed = (checkout / ".venv" / "lib").glob("python*/site-packages/*")
    names = {p.name.split("-")[0].lower() for p in installed}
    # Nothing from the test requirements leaked into the user's venv.
    assert not names & {"playwright", "pytest", "ruff", "pyright"}, names


def with_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def test_make_run_serves_and_streams_a_book(served: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(base_url=served)
            page.set_default_timeout(30_000)
            page.goto("/")
            # The first visitor of a fresh install creates the admin.
            page.wait_for_url(re.compile(r"/signup/?$"))
            page.fill("#signup-name", "First Admin")
            page.fill("#signup-email", "admin@example.org")
            page.fill("#signup-password", "a fresh install passphrase")
            page.click("#signup-submit")
            page.wait_for_selector("#book-title")
            page.fill("#book-title", "First Light")
            page.fill("#book-premise", "A keeper finds a letter in a bottle.")
            page.fill("#book-chapters", "2")
            page.fill("#book-words", "300")
            page.click("#create-book")
            page.wait_for_url(re.compile(r"/books/\d+$"))
            outline = page.locator("#outline")
            sizes: list[int] = []
            deadline = time.monotonic() + 60
            # The outline must be seen growing, then complete with its title.
            while time.monotonic() < deadline:
                if outline.count():
                    sizes.append(len(outline.inner_text().split()))
                status = page.locator("#book-status").inner_text()
                if status == "awaiting_approval" and len(set(sizes)) >= 3:
                    break
                page.wait_for_timeout(100)
            assert page.locator("#book-status").inner_text() == "awaiting_approval"
            assert len(set(sizes)) >= 3, f"outline never seen growing: {sizes}"
            assert sizes == sorted(sizes), f"outline shrank while streaming: {sizes}"
            assert "First Light" in outline.inner_text()
        finally:
            browser.close()
