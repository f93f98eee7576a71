"""The model allow-list: the service refuses any model it does not offer."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import sync_playwright

from bookgen.generation.forms import FormError
from bookgen.generation.limits import MODEL_NOT_OFFERED, offered_models
from bookgen.storage.store import Store
from tests.generation.helpers import FAST, form, make_service
from tests.limits.helpers import book_count
from tests.support.devserver import AppServer
from tests.support.reflex_client import DASHBOARD_STATE, ReflexClient
from tests.system.conftest import CHROMIUM, CHROMIUM_ARGS

OFFERED = "bookgen-offline, bookgen-offline-b"


@pytest.mark.parametrize("model", ["gpt-4-32k", "BOOKGEN-OFFLINE", "bookgen-offline-b"])
async def test_a_model_not_offered_is_refused(store: Store, model: str):
    service = make_service(store, models="bookgen-offline")
    with pytest.raises(FormError) as refused:
        await service.create_book(form(model=model))
    assert refused.value.errors == {"model": MODEL_NOT_OFFERED}
    assert await book_count(store) == 0


async def test_an_offered_model_or_none_is_taken(store: Store):
    service = make_service(store, models=OFFERED, model="bookgen-offline-b")
    chosen = await service.create_book(form(model="bookgen-offline"))
    default = await service.create_book(form(model=""))
    assert (chosen.model, default.model) == ("bookgen-offline", "bookgen-offline-b")


def test_the_form_offers_the_list_with_the_default_first():
    settings = FAST.model_copy(update={"models": OFFERED, "model": "bookgen-offline-b"})
    assert offered_models(settings) == ["bookgen-offline-b", "bookgen-offline"]
    # A default that is not on the list is not offered; the first listed is.
    elsewhere = settings.model_copy(update={"model": "gpt-4o"})
    assert offered_models(elsewhere) == ["bookgen-offline", "bookgen-offline-b"]


@pytest.mark.system
async def test_a_crafted_form_on_a_raw_socket_is_refused(tmp_path, store_for):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    # One author with no sign-in: the subject here is the model list.
    env = {"DATABASE_URL": url, "BOOKGEN_MODELS": OFFERED, "BOOKGEN_AUTH": "off"}
    crafted = {
        "title": "Expensive",
        "premise": "Bill the server's key for a model nobody offered.",
        "chapters": "1",
        "words": "200",
        "model": "gpt-4-32k",
    }
    with AppServer(env) as app:
        client = ReflexClient(app.url)
        await client.open("/")
        try:
            await client.wait_for(lambda: client.var(DASHBOARD_STATE, "models"), 30)
            assert client.var(DASHBOARD_STATE, "models") == OFFERED.split(", ")
            await client.emit(
                f"{DASHBOARD_STATE}.create_book", {"form_data": crafted}, "/"
            )
            await client.wait_for(
                lambda: client.var(DASHBOARD_STATE, "errors", {}).get("model"), 30
            )
            assert client.var(DASHBOARD_STATE, "errors") == {"model": MODEL_NOT_OFFERED}
        finally:
            await client.close()
    assert await book_count(store_for(url)) == 0


@pytest.mark.browser
def test_the_page_offers_only_the_allowed_models(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "BOOKGEN_MODELS": OFFERED,
        "BOOKGEN_MODEL": "bookgen-offline-b",
        "BOOKGEN_AUTH": "off",
    }
    with AppServer(env) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(base_url=app.url)
            page.goto("/")
            page.wait_for_function(
                "document.querySelectorAll('#book-model option').length === 2",
                timeout=60_000,
            )
            options = page.eval_on_selector_all(
                "#book-model option", "els => els.map(e => e.value)"
            )
            assert options == ["bookgen-offline-b", "bookgen-offline"]
            assert page.input_value("#book-model") == "bookgen-offline-b"
            page.fill("#book-title", "Chosen")
            page.fill("#book-premise", "A book written by the second offered model.")
            page.select_option("#book-model", "bookgen-offline")
            page.click("#create-book")
            page.wait_for_url("**/books/*", timeout=30_000)
        finally:
            browser.close()
    with sqlite3.connect(tmp_path / "app.db") as db:
        assert db.execute("SELECT model FROM book").fetchall() == [("bookgen-offline",)]
