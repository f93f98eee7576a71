"""Painted art reaches open tabs: a ChangeEvent, and a new cover version.

Through the real service's storage (SQLite and PostgreSQL), the real
``openai`` SDK and the local images server of test_cover_art.py.
"""

from __future__ import annotations

import asyncio

import openai

from bookgen import routes
from bookgen.generation.covers import CoverService
from bookgen.generation.hub import ChangeEvent, LocalHub
from bookgen.storage.models import CoverArt
from bookgen.storage.store import Store
from bookgen.storage.toolkit import Toolkit
from tests.generation.helpers import FAST
from tests.generation.test_cover_art import ImagesServer, a_book, images

__all__ = ["images"]  # the fixture, imported for these tests


async def test_art_landing_is_published_and_changes_the_cover_version(
    store: Store, images: ImagesServer
) -> None:
    hub = LocalHub()
    client = openai.AsyncOpenAI(base_url=images.base_url, api_key="x", max_retries=0)
    settings = FAST.model_copy(
        update={"openai_base_url": images.base_url, "image_model": "gpt-image-1"}
    )
    covers = CoverService(Toolkit(store.engine), settings, client, hub=hub)
    book = await a_book(store)
    assert book.id is not None
    # The drawn cover first (no images model): it has no version.
    drawn = await CoverService(Toolkit(store.engine), FAST).cover(book, thumb=True)
    before = await store.overview(book.id)
    assert before is not None and before.cover_version == ""
    try:
        async with hub.subscribe(book.id) as events:
            await covers.cover(book, thumb=True)  # serves the drawn one, paints

            event = await asyncio.wait_for(events.get(), timeout=30)

            assert event == ChangeEvent(book.id)
            after = await store.overview(book.id)
            assert after is not None
            painted = await covers.cover(book, thumb=True)
            assert painted.etag == after.cover_version + "-t" != drawn.etag
            meta = await covers.toolkit.cover_meta(book.id)
            assert meta is not None and meta.art == CoverArt.ART
            assert after.cover_version == meta.etag
            # The page's cover URL changes with it, so the browser fetches it.
            old = routes.book_cover_url(book.id, thumb=True, version="")
            new = routes.book_cover_url(book.id, thumb=True, version=meta.etag)
            assert new == f"{old}&v={meta.etag}"
            assert events.empty()  # one announcement per painting
    finally:
        await client.close()


async def test_a_failed_painting_announces_nothing_and_keeps_no_version(
    store: Store, images: ImagesServer
) -> None:
    images.mode = "fail"
    hub = LocalHub()
    client = openai.AsyncOpenAI(base_url=images.base_url, api_key="x", max_retries=0)
    settings = FAST.model_copy(
        update={"openai_base_url": images.base_url, "image_model": "gpt-image-1"}
    )
    covers = CoverService(Toolkit(store.engine), settings, client, hub=hub)
    book = await a_book(store)
    assert book.id is not None
    try:
        async with hub.subscribe(book.id) as events:
            await covers.cover(book, thumb=True)
            task = covers.painting[book.id]
            await task

            assert events.empty()
            meta = await covers.toolkit.cover_meta(book.id)
            assert meta is not None and meta.art == CoverArt.FAILED
            overview = await store.overview(book.id)
            assert overview is not None and overview.cover_version == ""
    finally:
        await client.close()
