"""A client with no session calls every public handler of every state.

Through the real socket, with plausible and hostile arguments, on every page
path: nothing of any book or account comes back, no row changes, the model is
never called, and the socket stays up.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.auth.conftest import AuthApp
from tests.auth.handlers import BIG, Handler, hostile_values, public_handlers
from tests.support.reflex_client import BOOK_STATE

pytestmark = []


def plausible(handler: Handler, app: AuthApp) -> dict[str, Any]:
    """Arguments a real page would send."""
    team = app.team
    values: dict[str, Any] = {
        "form_data": {
            "title": "A plausible book",
            "premise": "Someone finds something.",
            "chapters": "1",
            "words": "300",
            "name": "Eve",
            "email": team.admin.user.email,
            "password": "a wrong password",
        },
        "user_id": team.member.user.id,
        "value": "team-acts",
        "var_name": "feedback",
    }
    return {p: values.get(p, "plausible") for p in handler.params}


def payloads(handler: Handler, app: AuthApp, path: str) -> list[dict[str, Any]]:
    base = plausible(handler, app)
    out = [base]
    for value in hostile_values():
        if value is BIG:
            # One near-1 MB argument per message (the cap is per message).
            if not path.startswith("/members"):
                out += [{**base, p: BIG} for p in handler.params]
            continue
        out.append({p: value for p in handler.params})
    if "var_name" in handler.params:  # setvar: every setter, hostile values
        for value in ("private", 2**70, BIG[:-1000]):
            out.append({"var_name": "sharing", "value": value})
            out.append({"var_name": "feedback", "value": value})
    return out


async def test_no_session_gets_nothing_writes_nothing_calls_no_model(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    handlers = public_handlers()
    names = {h.name for h in handlers}
    # The enumeration found the handlers this test is about.
    assert {"load_book", "approve", "create_book", "sign_up", "create_invite"} <= names
    paths = [
        "/",
        f"/books/{team.private_book}",
        f"/books/{team.team_act_book}",
        "/members",
    ]
    before = auth_app.tables()
    requests_before = auth_app.model.requests

    tab = auth_app.client()
    await tab.open(f"/books/{team.team_act_book}")
    sent = 0
    try:
        for path in paths:
            for handler in handlers:
                for payload in payloads(handler, auth_app, path):
                    await tab.emit(handler.event, payload, path)
                    sent += 1
        # Events of a tab are processed in order: once this one has answered,
        # every one above has been handled, and the socket is still up.
        marker = f"done-{uuid.uuid4().hex}"
        await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": marker}, "/")
        await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == marker, 120)
    finally:
        await tab.close()

    assert sent > 500
    received = "\n".join(tab.frames or [])
    for secret in [*team.secrets(), "Team-Read-Title", "Team-Act-Title"]:
        assert secret not in received, f"{secret!r} reached a client with no session"
    assert not tab.var(BOOK_STATE, "title")
    assert auth_app.tables() == before, "a client with no session changed the data"
    assert auth_app.model.requests == requests_before, "the model was called"
    # The text route too: without a session every message is "not found".
    for message_id in auth_app.message_ids(team.team_act_book):
        assert auth_app.http_get(f"/api/messages/{message_id}/text") == (
            404,
            "no such message",
        )
