"""Cover art through the real ``openai`` SDK against a local images server.

The server answers ``POST /v1/images/generations`` like OpenAI (a real PNG, as
base64 or as a URL to fetch) or fails; covers are stored in real SQLite and
PostgreSQL. Title and author are set on the art locally, and any failure
keeps the local cover.
"""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import openai
import pytest
from aiohttp import web
from PIL import Image

from bookgen.export import COVER_SIZE, render_cover
from bookgen.generation.covers import CoverService
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.storage.models import Book, CoverArt
from bookgen.storage.store import Store
from bookgen.storage.toolkit import Toolkit
from tests.generation.helpers import FAST

# A colour no locally drawn cover uses, to find the art under the lettering.
ART_RGB = (12, 200, 40)


def art_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1024, 1536), ART_RGB).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class ImagesServer:
    """``mode``: "b64" (JSON with b64_json), "url" (a URL to the PNG), "fail" (500)."""

    mode: str = "b64"
    requests: list[dict] = field(default_factory=list)
    base_url: str = ""

    async def generate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "fail":
            error = {"error": {"message": "no art today", "type": "server_error"}}
            return web.json_response(error, status=500)
        if self.mode == "url":
            item = {"url": self.base_url.removesuffix("/v1") + "/files/art.png"}
        else:
            item = {"b64_json": base64.b64encode(art_png()).decode()}
        return web.json_response({"created": 1, "data": [item]})

    async def file(self, _request: web.Request) -> web.Response:
        return web.Response(body=art_png(), content_type="image/png")


@pytest.fixture
async def images() -> AsyncIterator[ImagesServer]:
    server = ImagesServer()
    app = web.Application()
    app.router.add_post("/v1/images/generations", server.generate)
    app.router.add_get("/files/art.png", server.file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base_url = f"http://{host}:{port}/v1"
    try:
        yield server
    finally:
        await runner.cleanup()


@pytest.fixture
async def covers(store: Store, images: ImagesServer) -> AsyncIterator[CoverService]:
    client = openai.AsyncOpenAI(base_url=images.base_url, api_key="x", max_retries=0)
    settings = FAST.model_copy(
        update={"openai_base_url": images.base_url, "image_model": "gpt-image-1"}
    )
    yield CoverService(Toolkit(store.engine), settings, client)
    await client.close()


async def a_book(store: Store) -> Book:
    form = BookForm(title="The Green Lamp", premise="A lamp that glows green.")
    return await store_new_book(store, form, default_model="gpt-4o-mini")


def pixel(png: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB").getpixel(xy)  # type: ignore[return-value]


async def painted(covers: CoverService, book: Book) -> None:
    """Wait for this process's painting of ``book`` to end, however it ends."""
    assert book.id is not None
    task = covers.painting.get(book.id)
    assert task is not None, "no painting was started"
    await task


@pytest.mark.parametrize("mode", ["b64", "url"])
async def test_art_is_painted_once_then_served_with_the_title_set_locally(
    store: Store, covers: CoverService, images: ImagesServer, mode: str
) -> None:
    images.mode = mode
    book = await a_book(store)
    assert book.id is not None
    local = render_cover(book.title, "", book.genre)

    first = await covers.cover(book, thumb=False)
    assert await covers.png(first) == local  # served at once, while art is painted
    await painted(covers, book)
    second = await covers.cover(book, thumb=False)
    await covers.cover(book, thumb=True)

    assert len(images.requests) == 1  # painted once, never asked again
    request = images.requests[0]
    assert request["model"] == "gpt-image-1" and request["size"] == "1024x1536"
    assert "The Green Lamp" in request["prompt"] and "No text" in request["prompt"]
    assert second.etag != first.etag
    art = await covers.png(second)
    assert art is not None and art != local
    with Image.open(io.BytesIO(art)) as image:
        assert image.size == COVER_SIZE
    # The art's own colour in the middle; the lettering was set on it locally.
    assert pixel(art, (COVER_SIZE[0] // 2, 1500)) == ART_RGB
    assert pixel(art, (COVER_SIZE[0] // 2, 100)) != ART_RGB  # the shaded head
    meta = await covers.toolkit.cover_meta(book.id)
    assert meta is not None and meta.art == CoverArt.ART


async def test_a_failed_painting_keeps_the_local_cover(
    store: Store, covers: CoverService, images: ImagesServer
) -> None:
    images.mode = "fail"
    book = await a_book(store)
    assert book.id is not None

    first = await covers.cover(book, thumb=False)
    await painted(covers, book)
    second = await covers.cover(book, thumb=False)

    assert second.etag == first.etag
    assert await covers.png(second) == render_cover(book.title, "", book.genre)
    meta = await covers.toolkit.cover_meta(book.id)
    assert meta is not None and meta.art == CoverArt.FAILED
    assert len(images.requests) == 1  # a failure is not retried on every view
    assert book.id not in covers.painting


async def test_without_an_image_model_covers_are_local(
    store: Store, images: ImagesServer
) -> None:
    client = openai.AsyncOpenAI(base_url=images.base_url, api_key="x", max_retries=0)
    covers = CoverService(Toolkit(store.engine), FAST, client)
    book = await a_book(store)
    assert book.id is not None

    cover = await covers.cover(book, thumb=False)

    assert await covers.png(cover) == render_cover(book.title, "", book.genre)
    assert images.requests == [] and covers.painting == {}
    await client.close()
