"""Tabs racing through the real app: over the cap, the page says why."""

from __future__ import annotations

import asyncio

import pytest

from bookgen.generation.limits import owner_busy
from tests.conftest import PG_URL, reset_postgres
from tests.support.devserver import AppServer
from tests.support.reflex_client import DASHBOARD_STATE, ReflexClient

pytestmark = pytest.mark.system

TABS = 4
FORM = {
    "title": "Racing",
    "premise": "Four tabs press Start at the same moment.",
    "chapters": "1",
    "words": "200",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgres":
        reset_postgres()
        return PG_URL
    return f"sqlite:///{tmp_path / 'app.db'}"


def refused(tabs: list[ReflexClient]) -> list[ReflexClient]:
    """The tabs whose form shows a refusal."""
    return [t for t in tabs if t.var(DASHBOARD_STATE, "errors", {}).get("form")]


async def test_tabs_pressing_start_at_once_over_the_cap(app_db, store_for):
    env = {
        "DATABASE_URL": app_db,
        "BOOKGEN_USER_CONCURRENT": "1",
        # One author with no sign-in, who counts as one user.
        "BOOKGEN_AUTH": "off",
        "BOOKGEN_OFFLINE_WPS": "20",  # the winner is still outlining meanwhile
    }
    with AppServer(env) as app:
        tabs = [ReflexClient(app.url) for _ in range(TABS)]
        try:
            await asyncio.gather(*(t.open("/") for t in tabs))
            await asyncio.gather(
                *(
                    t.emit(f"{DASHBOARD_STATE}.create_book", {"form_data": FORM}, "/")
                    for t in tabs
                )
            )
            await tabs[0].wait_for(lambda: len(refused(tabs)) == TABS - 1, 30)
            assert {
                t.var(DASHBOARD_STATE, "errors")["form"] for t in refused(tabs)
            } == {owner_busy(1)}
        finally:
            for tab in tabs:
                await tab.close()
    books = await store_for(app_db).list_books()
    assert len(books) == 1
