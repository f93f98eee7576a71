"""Painted cover art appears in an open book page without a reload.

The real app (production build, single author) runs with ``BOOKGEN_IMAGE_MODEL``
against a local images server that holds its answer until the test releases
it. Chromium first shows the drawn cover; once the art is stored, the app
publishes a change, the tab's ``cover-image`` src gains the art's version, and
the browser fetches and draws the art (its colour, under the lettering).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from playwright.async_api import async_playwright

from bookgen.generation.service import store_new_book
from bookgen.storage.db import migrate_to_head
from bookgen.storage.models import BookStatus
from tests.generation.helpers import form
from tests.generation.test_cover_art import ART_RGB, ImagesServer
from tests.support.devserver import AppServer
from tests.system.conftest import CHROMIUM, CHROMIUM_ARGS, SINGLE_AUTHOR, wait_until

pytestmark = [pytest.mark.system, pytest.mark.browser]

# Settings the developer's shell may carry that would change what the app runs on.
_FOREIGN_ENV = ("OPENAI_API_KEY", "REDIS_URL", "REFLEX_REDIS_URL", "BOOKGEN_ORIGINS")

# The cover as drawn: its src, and its pixel where the art shows through
# (the middle, about 59 % down: below the title, above the author).
_COVER_JS = """() => {
  const img = document.querySelector('#cover-image');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const y = Math.round(img.naturalHeight * 1500 / 2560);
  const px = ctx.getImageData(Math.round(img.naturalWidth / 2), y, 1, 1).data;
  return {src: img.getAttribute('src'), rgb: [px[0], px[1], px[2]]};
}"""


@dataclass
class GatedImages(ImagesServer):
    """Answers only once ``gate`` is set, so the drawn cover is seen first."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when the app has asked for the art (before the answer is released).
    asked: asyncio.Event = field(default_factory=asyncio.Event)

    async def generate(self, request: web.Request) -> web.Response:
        self.asked.set()
        await self.gate.wait()
        return await super().generate(request)


@pytest.fixture
async def images() -> AsyncIterator[GatedImages]:
    server = GatedImages()
    app = web.Application()
    app.router.add_post("/v1/images/generations", server.generate)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base_url = f"http://{host}:{port}/v1"
    try:
        yield server
    finally:
        server.gate.set()
        await runner.cleanup()


def _is_art(rgb: list[int]) -> bool:
    return all(abs(a - b) <= 4 for a, b in zip(rgb, ART_RGB, strict=True))


async def test_painted_art_replaces_the_drawn_cover_in_an_open_tab(
    sqlite_db, store_for, images: GatedImages, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_to_head(sqlite_db)
    store = store_for(sqlite_db)
    book = await store_new_book(store, form(), default_model="gpt-4o-mini")
    assert book.id is not None
    # Stopped: opening the page starts no generation (this endpoint paints only).
    await store.transition(
        book.id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": sqlite_db,
        "OPENAI_BASE_URL": images.base_url,
        "OPENAI_API_KEY": "sk-local",
        "BOOKGEN_MODEL": "gpt-4o-mini",
        "BOOKGEN_IMAGE_MODEL": "gpt-image-1",
    }
    with AppServer(env) as app:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            try:
                page = await browser.new_page()
                await page.goto(f"{app.url}/books/{book.id}")
                drawn: dict = {}

                async def shown(want_art: bool) -> bool:
                    seen = await page.evaluate(_COVER_JS)
                    if seen is None or _is_art(seen["rgb"]) != want_art:
                        return False
                    drawn.update(seen)
                    return True

                await wait_until(lambda: shown(False), "the drawn cover", 60)
                assert drawn["src"].endswith("&v="), drawn  # no art: no version
                await page.evaluate("() => { window.__sameTab = true; }")
                await asyncio.wait_for(images.asked.wait(), 30)

                images.gate.set()

                await wait_until(lambda: shown(True), "the painted art", 60)
                assert re.search(r"&v=[0-9a-f]{32}$", drawn["src"]), drawn
                assert await page.evaluate("() => window.__sameTab === true")
                assert len(images.requests) == 1
            finally:
                await browser.close()
