"""A book's files over HTTP (exports and cover), through the ASGI app on SQLite
and PostgreSQL, with accounts on: who gets them, what they hold, and that a
cover is drawn once and revalidated by ETag."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from bookgen.accounts.cookie import SESSION_COOKIE
from bookgen.api import api
from bookgen.config import get_settings
from bookgen.export import COVER_SIZE
from bookgen.export.cover import THUMB_WIDTH
from bookgen.runtime import (
    get_accounts,
    get_claims,
    get_covers,
    get_service,
    get_toolkit,
)
from tests.api.book_seed import CHAPTERS, Team, seed_book, seed_team
from tests.export.epubcheck import epubcheck

_FOREIGN_ENV = (
    "REDIS_URL",
    "REFLEX_REDIS_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BOOKGEN_IMAGE_MODEL",
)
_CACHED = (get_settings, get_service, get_accounts, get_claims, get_toolkit, get_covers)
KINDS = ["export.md", "export.epub", "cover.png"]


@pytest.fixture
async def http(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOOKGEN_AUTH", "on")
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    for cached in _CACHED:
        cached.cache_clear()
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bookgen.test"
        ) as client:
            yield client
    finally:
        await get_service().store.engine.dispose()
        for cached in _CACHED:
            cached.cache_clear()


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


async def test_markdown_has_every_finished_chapter_in_order(
    http: httpx.AsyncClient,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="The Keeper: Vol. 1")

    response = await http.get(
        f"/api/books/{book_id}/export.md", headers=cookie(team.author.token)
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="The-Keeper-Vol.-1.md"; '
        "filename*=UTF-8''The%20Keeper%3A%20Vol.%201.md"
    )
    assert response.headers["cache-control"] == "no-store"
    text = response.text
    assert text.startswith("# The Keeper: Vol. 1\n")
    assert "*by Ada Author*" in text
    one, two = text.index("Marker-one-4a1"), text.index("Marker-two-8c2")
    assert text.index("## Chapter 1: The Bottle") < one
    assert one < text.index("## Chapter 2: The Storm") < two
    assert "Marker-three-unfinished" not in text  # still streaming


async def test_epub_passes_epubcheck_with_its_cover(
    http: httpx.AsyncClient, tmp_path: Path
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Café au lait")

    response = await http.get(
        f"/api/books/{book_id}/export.epub", headers=cookie(team.author.token)
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/epub+zip"
    assert 'filename="Cafe-au-lait.epub"' in response.headers["content-disposition"]
    path = tmp_path / "book.epub"
    path.write_bytes(response.content)
    epubcheck(path)
    with zipfile.ZipFile(path) as epub:
        names = epub.namelist()
        texts = "".join(epub.read(n).decode() for n in names if n.endswith(".xhtml"))
        cover = next(n for n in names if n.endswith("cover.png"))
        stored = await get_toolkit().cover_png(book_id, thumb=False)
        assert epub.read(cover) == stored  # the stored cover, not a new one
    assert texts.index("Marker-one-4a1") < texts.index("Marker-two-8c2")
    assert "Marker-three-unfinished" not in texts
    for chapter in CHAPTERS.values():
        assert chapter.split(".")[0] in texts


async def test_the_cover_is_drawn_once_and_revalidated_by_etag(
    http: httpx.AsyncClient,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Covered")
    headers = cookie(team.author.token)

    full = await http.get(f"/api/books/{book_id}/cover.png", headers=headers)
    thumb = await http.get(
        f"/api/books/{book_id}/cover.png?size=thumb", headers=headers
    )
    meta = await get_toolkit().cover_meta(book_id)
    again = await http.get(
        f"/api/books/{book_id}/cover.png",
        headers={**headers, "If-None-Match": full.headers["etag"]},
    )

    assert full.status_code == 200 and full.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(full.content)).size == COVER_SIZE
    assert Image.open(io.BytesIO(thumb.content)).size[0] == THUMB_WIDTH
    assert full.headers["etag"] != thumb.headers["etag"]
    assert meta is not None and full.headers["etag"] == f'"{meta.etag}"'
    assert full.headers["cache-control"] == "private, no-cache"
    assert (again.status_code, again.content) == (304, b"")
    # A second request serves the stored bytes: the same ETag, nothing redrawn.
    second = await http.get(f"/api/books/{book_id}/cover.png", headers=headers)
    assert second.headers["etag"] == full.headers["etag"]
    assert second.content == full.content


async def who_sees(http: httpx.AsyncClient, team: Team, book_id: int) -> dict:
    seen = {}
    for who, headers in (
        ("author", cookie(team.author.token)),
        ("teammate", cookie(team.teammate.token)),
        ("signed out", {}),
        ("bad session", cookie("not-a-session")),
    ):
        seen[who] = [
            (
                await http.get(f"/api/books/{book_id}/{kind}", headers=headers)
            ).status_code
            for kind in KINDS
        ]
    return seen


async def test_a_private_book_is_served_only_to_its_author(
    http: httpx.AsyncClient,
) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Private")

    seen = await who_sees(http, team, book_id)

    assert seen == {
        "author": [200, 200, 200],
        "teammate": [404, 404, 404],
        "signed out": [404, 404, 404],
        "bad session": [404, 404, 404],
    }


async def test_a_shared_book_is_served_to_the_team(http: httpx.AsyncClient) -> None:
    team = await seed_team()
    book_id = await seed_book(team.author.user, title="Shared", shared=True)

    seen = await who_sees(http, team, book_id)

    assert seen["teammate"] == [200, 200, 200]
    assert seen["signed out"] == [404, 404, 404]


@pytest.mark.parametrize(
    "book_id",
    ["9" * 30, str(2**63), str(2**31), str(2**31 - 1), "0", "-1", "abc", "1e3", "1.0"],
)
async def test_an_id_that_names_no_book_is_not_found(
    http: httpx.AsyncClient, book_id: str
) -> None:
    team = await seed_team()
    await seed_book(team.author.user, title="Exists")  # id 1 exists

    for kind in KINDS:
        response = await http.get(
            f"/api/books/{book_id}/{kind}", headers=cookie(team.author.token)
        )
        assert (response.status_code, response.text) == (404, "no such book"), kind
