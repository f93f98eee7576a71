"""Which origins may drive the app: BOOKGEN_ORIGINS exactly, or loopback names
on any port when it is blank."""

from __future__ import annotations

import pytest

from bookgen.config import Settings
from bookgen.web.origins import OriginPolicy, normalise_origin

LOCAL = OriginPolicy.from_settings(Settings(origins=""))
PUBLIC = OriginPolicy.from_settings(
    Settings(origins="https://Books.Example.com:443/, http://intranet:8080")
)


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:3000",
        "http://localhost:51234",
        "http://localhost",
        "http://127.0.0.1:8000",
        "http://[::1]:3000",
        "https://localhost:8443",
    ],
)
def test_local_mode_allows_loopback_pages_on_any_port(origin: str) -> None:
    assert LOCAL.allows(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.2:3000",  # loopback, but not one of the names
        "http://192.0.2.2:3000",
        "https://evil.example",
        "http://localhost.evil.example:3000",
        "http://evil.example#@localhost:3000",
        "http://user@localhost:3000",
        "null",  # sandboxed frames, file:// pages
        "ws://localhost:3000",
        "http://localhost:3000/path",
        "",
        "http://localhost:99999",
    ],
)
def test_local_mode_refuses_every_other_page(origin: str) -> None:
    assert not LOCAL.allows(origin)


def test_configured_origins_match_exactly_after_normalising() -> None:
    assert PUBLIC.allows("https://books.example.com")
    assert PUBLIC.allows("http://intranet:8080")
    assert not PUBLIC.allows("http://books.example.com")  # scheme differs
    assert not PUBLIC.allows("https://books.example.com:8443")
    assert not PUBLIC.allows("http://intranet:8081")
    # Configured origins replace local mode: localhost is no longer trusted.
    assert not PUBLIC.allows("http://localhost:3000")


def test_reflex_gets_the_exact_list_or_star_behind_the_guard() -> None:
    assert PUBLIC.reflex_cors_origins() == (
        "http://intranet:8080",
        "https://books.example.com",
    )
    assert LOCAL.reflex_cors_origins() == ("*",)


@pytest.mark.parametrize("raw", ["books.example.com", "https://", "ftp://x", "*"])
def test_a_value_that_is_not_an_origin_stops_the_start(raw: str) -> None:
    with pytest.raises(ValueError, match="BOOKGEN_ORIGINS"):
        OriginPolicy.from_settings(Settings(origins=raw))


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost:3000", True),
        ("127.0.0.1:3000", True),
        ("[::1]:3000", True),
        ("localhost", True),
        ("rebound.evil.example:3000", False),
        ("192.0.2.2:3000", False),
        (None, False),
    ],
)
def test_local_mode_serves_only_loopback_host_names(
    host: str | None, allowed: bool
) -> None:
    assert LOCAL.allows_host(host) is allowed
    # Behind a proxy with public origins, the proxy decides which names reach us.
    assert PUBLIC.allows_host(host)


def test_normalise_origin() -> None:
    assert normalise_origin("HTTP://LocalHost:80") == "http://localhost"
    assert normalise_origin("http://[::1]:3000") == "http://[::1]:3000"
    assert normalise_origin("https://a.example:443") == "https://a.example"
