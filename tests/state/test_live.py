"""The live fan-out and the page views, without a browser."""

import asyncio

from bookgen.generation.hub import ChangeEvent, LocalHub, TextEvent
from bookgen.state.live import Channels, coalesce, live_delta, live_value, parse_live
from bookgen.state.views import chapter_views, thread_views
from bookgen.storage.models import MessageKind, Role
from bookgen.storage.store import NewMessage
from tests.storage.test_store import new_book


class FakeRooms:
    """A LiveTransport recording rooms and sends, as socket.io would hold them."""

    def __init__(self):
        self.rooms: dict[int, set[str]] = {}
        self.sent: list[tuple[int, dict]] = []

    async def add(self, book_id, token):
        self.rooms.setdefault(book_id, set()).add(f"sid-{token}")
        return f"sid-{token}"

    async def remove(self, book_id, member):
        self.rooms[book_id].discard(member)

    async def send(self, book_id, delta):
        self.sent.append((book_id, delta))


def test_contiguous_text_is_joined_and_changes_reload_once():
    events = [
        TextEvent(1, 5, 0, "Once", 10.0),
        ChangeEvent(1),
        TextEvent(1, 5, 4, " upon", 11.0),
        TextEvent(1, 5, 9, " a time", 12.0),
        ChangeEvent(1),
    ]
    reload, text = coalesce(events)
    assert reload
    assert text == TextEvent(1, 5, 0, "Once upon a time", 10.0)


def test_a_new_message_replaces_the_pending_text():
    _, text = coalesce([TextEvent(1, 5, 0, "a"), TextEvent(1, 6, 0, "b")])
    assert text == TextEvent(1, 6, 0, "b")


def test_live_value_round_trips_text_with_colons():
    value = live_value(42, 1234, " she said: no: never")
    assert parse_live(value) == ("m42", 1234, " she said: no: never")
    assert live_delta(TextEvent(1, 42, 1234, " x", 2.5), True) == {
        "live_rx_state_": "m42:1234: x",
        "live_at_rx_state_": 2500,
    }


async def test_one_subscription_fans_out_to_every_tab_of_the_book(store):
    book = await new_book(store)
    hub = LocalHub()
    transport = FakeRooms()
    channels = Channels(hub=hub, store=store, transport=transport, timestamps=False)
    a, member_a = await channels.join(book.id, "tab-a")
    b, member_b = await channels.join(book.id, "tab-b")
    assert a is b and hub.subscriber_count(book.id) == 1
    assert transport.rooms[book.id] == {"sid-tab-a", "sid-tab-b"}
    await hub.publish(TextEvent(book.id, 9, 0, "Hello"))
    for _ in range(50):
        if transport.sent:
            break
        await asyncio.sleep(0.01)
    # One send per push, whatever the number of tabs: the room fans it out.
    assert transport.sent == [(book.id, {"live_rx_state_": "m9:0:Hello"})]

    version = a.version
    await hub.publish(ChangeEvent(book.id))
    change = await a.wait_change(version, 2.0)
    assert change is not None and change[1].book.id == book.id

    await channels.leave(book.id, member_a)
    assert transport.rooms[book.id] == {"sid-tab-b"}
    await channels.leave(book.id, member_b)
    assert hub.subscriber_count(book.id) == 0


async def test_views_carry_metadata_not_text(store):
    book = await new_book(store)
    outline = "# T\n\n## Chapter 1: The Flood\nx\n## Chapter 2: Fire\ny"
    for kind, chapter, content in [
        (MessageKind.OUTLINE, None, outline),
        (MessageKind.CHAPTER, 1, "word " * 300),
    ]:
        await store.add_message(
            book.id,
            NewMessage(
                role=Role.ASSISTANT, kind=kind, chapter=chapter, content=content
            ),
        )
    ov = await store.overview(book.id)
    chapters = chapter_views(ov)
    assert chapters == [
        {
            "id": chapters[0]["id"],
            "status": "complete",
            "length": "1500",
            "number": "1",
            "title": "The Flood",
        }
    ]
    labels = [v["label"] for v in thread_views(ov)]
    assert labels == ["You asked for an outline", "Outline", "Chapter 1: The Flood"]
    assert all("content" not in v for v in thread_views(ov))
