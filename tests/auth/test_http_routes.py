"""The HTTP side of sessions, through the ASGI app on SQLite and PostgreSQL:
the claim route that sets the HttpOnly cookie, the logout route that clears
it, and the text route that serves only what the session may see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from bookgen.accounts import UserPublic
from bookgen.accounts.cookie import SESSION_COOKIE, token_from_cookie_header
from bookgen.api import api
from bookgen.config import get_settings
from bookgen.generation.forms import BookForm
from bookgen.runtime import get_accounts, get_claims, get_service
from bookgen.storage.models import MAX_ROW_ID, ActionPolicy, Visibility

BASE = "http://bookgen.test"
_FOREIGN_ENV = ("REDIS_URL", "REFLEX_REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


@dataclass
class Person:
    user: UserPublic
    token: str


@pytest.fixture
async def http(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOOKGEN_AUTH", "on")
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    for cached in (get_settings, get_service, get_accounts, get_claims):
        cached.cache_clear()
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield client
    finally:
        await get_service().store.engine.dispose()
        for cached in (get_settings, get_service, get_accounts, get_claims):
            cached.cache_clear()


async def founder_and_member() -> tuple[Person, Person]:
    accounts = get_accounts()
    a = await accounts.sign_up(
        name="Ada", email="ada@example.org", password="passphrase one"
    )
    assert a.user and a.session_token
    invite = await accounts.create_invite(a.user)
    b = await accounts.sign_up(
        name="Bob",
        email="bob@example.org",
        password="passphrase two",
        invite_token=invite.token,
    )
    assert b.user and b.session_token
    return Person(a.user, a.session_token), Person(b.user, b.session_token)


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


async def test_a_claim_sets_an_httponly_cookie_once(http: httpx.AsyncClient) -> None:
    a, _ = await founder_and_member()
    code = await get_claims().issue(a.token)
    url = f"/api/auth/claim?code={code}&next=/books/7"

    refused = await http.get(url, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers

    first = await http.get(url, headers={"Sec-Fetch-Site": "same-origin"})
    assert first.status_code == 303
    assert first.headers["location"] == "/books/7"
    set_cookie = first.headers["set-cookie"]
    assert set_cookie.startswith(f"{SESSION_COOKIE}={a.token};")
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie
    assert "Path=/" in set_cookie and "Secure" not in set_cookie

    again = await http.get(url)
    assert again.status_code == 303 and again.headers["location"] == "/login"
    assert "set-cookie" not in again.headers


async def test_a_claim_goes_on_only_to_this_site(http: httpx.AsyncClient) -> None:
    a, _ = await founder_and_member()
    for next_path, referer, expected in [
        ("//evil.example/x", "", "/"),
        ("https://evil.example/", "", "/"),
        ("/\\evil.example", "", "/"),
        ("/books/3", "https://evil.example/page", "/books/3"),
        # The dev server's page is this host on another port.
        (
            "/books/3",
            "http://bookgen.test:3001/login",
            "http://bookgen.test:3001/books/3",
        ),
    ]:
        code = await get_claims().issue(a.token)
        response = await http.get(
            "/api/auth/claim",
            params={"code": code, "next": next_path},
            headers={"Referer": referer} if referer else {},
        )
        assert response.headers["location"] == expected, (next_path, referer)


async def test_a_claim_over_https_sets_a_secure_cookie(
    http: httpx.AsyncClient,
) -> None:
    a, _ = await founder_and_member()
    code = await get_claims().issue(a.token)
    response = await http.get(
        f"/api/auth/claim?code={code}", headers={"X-Forwarded-Proto": "https"}
    )
    assert "Secure" in response.headers["set-cookie"]


async def test_logout_ends_the_session_and_clears_the_cookie(
    http: httpx.AsyncClient,
) -> None:
    a, _ = await founder_and_member()
    response = await http.get("/api/auth/logout", headers=cookie(a.token))
    assert response.status_code == 303 and response.headers["location"] == "/login"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f'{SESSION_COOKIE}="";') and "Max-Age=0" in set_cookie
    assert await get_accounts().user_for_session(a.token) is None


async def test_the_text_route_serves_only_books_the_session_may_see(
    http: httpx.AsyncClient,
) -> None:
    a, b = await founder_and_member()
    service = get_service()
    book = await service.create_book(
        BookForm(title="Mine", premise="A keeper finds a bottle."), owner_id=a.user.id
    )
    assert book.id is not None
    snapshot = await service.store.snapshot(book.id)
    assert snapshot is not None
    message_id = snapshot.messages[0].id
    url = f"/api/messages/{message_id}/text"
    missing = await http.get(
        f"/api/messages/{MAX_ROW_ID}/text", headers=cookie(b.token)
    )

    assert (await http.get(url, headers=cookie(a.token))).status_code == 200
    for headers in (cookie(b.token), {}, cookie("not-a-session")):
        denied = await http.get(url, headers=headers)
        assert (denied.status_code, denied.text) == (missing.status_code, missing.text)
        assert denied.status_code == 404

    await service.store.set_sharing(
        book.id,
        owner_id=a.user.id,
        visibility=Visibility.TEAM,
        action_policy=ActionPolicy.AUTHOR,
    )
    assert (await http.get(url, headers=cookie(b.token))).status_code == 200
    await get_accounts().set_disabled(a.user, b.user.id, disabled=True)
    assert (await http.get(url, headers=cookie(b.token))).status_code == 404


def test_the_session_cookie_is_read_among_others() -> None:
    assert token_from_cookie_header(f"a=1; {SESSION_COOKIE}=tok; b=2") == "tok"
    assert token_from_cookie_header(f'x="unclosed; {SESSION_COOKIE}=tok') == "tok"
    assert token_from_cookie_header("other=1") is None
    assert token_from_cookie_header(f"{SESSION_COOKIE}=") is None
    assert token_from_cookie_header(None) is None
