"""Book covers: drawn locally once, or painted by the endpoint's images API.

A cover is made the first time it is asked for and stored (``book_cover``), so
a dashboard of a thousand books draws nothing twice. With ``BOOKGEN_IMAGE_MODEL``
set (and an endpoint configured), the first request also claims the painting
of art in the background; meanwhile, and whenever painting fails, the local
cover is served. Title and author are always set on the art locally: image
models misspell text. When art is stored, a ``ChangeEvent`` tells every open
tab of the book, whose overview then carries the art's ETag as the cover's
version (its URL changes, so the browser fetches the art).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from dataclasses import dataclass

import httpx2
import openai

from bookgen.config import Settings
from bookgen.export.cover import cover_on_art, render_cover, thumbnail
from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.storage.models import Book, CoverArt
from bookgen.storage.toolkit import CoverMeta, Toolkit

__all__ = ["CoverService", "StoredCover", "art_prompt"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredCover:
    """A cover as the route serves it: an ETag now, the bytes when needed."""

    book_id: int
    etag: str
    thumb: bool


def art_prompt(book: Book) -> str:
    """What the images API is asked for: a picture only, no lettering."""
    genre = f" {book.genre.strip()}" if book.genre.strip() else ""
    return (
        f"Cover art for a{genre} novel titled {book.title!r}. "
        f"Premise: {book.premise[:600]}. "
        "A striking painted illustration in portrait format. "
        "No text, no letters, no title, no words anywhere in the image."
    )


def _source_key(book: Book, author: str) -> str:
    data = "\x1f".join((book.title, author, book.genre))
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def _etag(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()[:32]


def _size_for(model: str) -> str:
    """A portrait size the model accepts."""
    if model.startswith("dall-e-3"):
        return "1024x1792"
    if model.startswith("dall-e-2"):
        return "1024x1024"
    return "1024x1536"


class CoverService:
    """Serves stored covers, making them on first use; paints art if configured."""

    def __init__(
        self,
        toolkit: Toolkit,
        settings: Settings,
        client: openai.AsyncOpenAI | None = None,
        hub: Hub | None = None,
    ) -> None:
        self.toolkit = toolkit
        self.settings = settings
        self.client = client
        # Where the art's arrival is announced to the book's open tabs.
        self.hub = hub
        # Paintings running in this process (kept so they are not collected).
        self.painting: dict[int, asyncio.Task[None]] = {}

    async def cover(self, book: Book, *, thumb: bool) -> StoredCover:
        """The book's stored cover, drawn now if it has none or its title changed."""
        assert book.id is not None
        author = await self.toolkit.author_name(book)
        key = _source_key(book, author)
        meta = await self.toolkit.cover_meta(book.id)
        if meta is None or (meta.art != CoverArt.ART and meta.source_key != key):
            meta = await self._draw_local(book, author, key)
        if self.settings.cover_art and self.client is not None:
            self._maybe_paint(book, author, meta)
        suffix = "-t" if thumb else ""
        return StoredCover(book.id, meta.etag + suffix, thumb)

    async def png(self, cover: StoredCover) -> bytes | None:
        return await self.toolkit.cover_png(cover.book_id, thumb=cover.thumb)

    async def _draw_local(self, book: Book, author: str, key: str) -> CoverMeta:
        assert book.id is not None
        png = await asyncio.to_thread(render_cover, book.title, author, book.genre)
        small = await asyncio.to_thread(thumbnail, png)
        await self.toolkit.save_local_cover(
            book.id, source_key=key, etag=_etag(png), png=png, thumb=small
        )
        stored = await self.toolkit.cover_meta(book.id)
        return stored or CoverMeta(key, _etag(png), CoverArt.LOCAL)

    def _maybe_paint(self, book: Book, author: str, meta: CoverMeta) -> None:
        assert book.id is not None
        if meta.art not in (CoverArt.LOCAL, CoverArt.PENDING):
            return
        if book.id in self.painting:
            return
        task = asyncio.create_task(self._paint(book, author))
        self.painting[book.id] = task
        task.add_done_callback(lambda _t, bid=book.id: self.painting.pop(bid, None))

    async def _paint(self, book: Book, author: str) -> None:
        """Claim the painting, ask the images API, set the words, store it."""
        assert book.id is not None and self.client is not None
        if not await self.toolkit.claim_art(book.id):
            return
        try:
            art = await self._generate(book)
            png = await asyncio.to_thread(cover_on_art, art, book.title, author)
            small = await asyncio.to_thread(thumbnail, png)
        except Exception as exc:  # any failure: the local cover stays
            log.warning(
                "cover art for book %s failed, keeping the local cover: %r",
                book.id,
                exc,
            )
            await self.toolkit.art_failed(book.id)
            return
        stored = await self.toolkit.save_art(
            book.id,
            source_key=_source_key(book, author),
            etag=_etag(png),
            png=png,
            thumb=small,
        )
        log.info("cover art for book %s stored", book.id)
        if stored and self.hub is not None:
            try:
                await self.hub.publish(ChangeEvent(book.id))
            except Exception as exc:  # the art is stored; tabs see it on reload
                log.warning("cover art for book %s not announced: %r", book.id, exc)

    async def _generate(self, book: Book) -> bytes:
        """PNG (or any image Pillow reads) bytes from the images API."""
        assert self.client is not None
        model = self.settings.image_model
        result = await self.client.images.generate(
            model=model,
            prompt=art_prompt(book),
            size=_size_for(model),
            n=1,  # type: ignore[arg-type]
        )
        if not result.data:
            raise ValueError("the images API returned no image")
        image = result.data[0]
        if image.b64_json:
            return base64.b64decode(image.b64_json)
        if image.url:
            async with httpx2.AsyncClient(timeout=60) as http:
                response = await http.get(image.url)
                response.raise_for_status()
                return response.content
        raise ValueError("the images API returned neither data nor a URL")
