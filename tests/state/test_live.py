"""The live fan-out and the page views, without a browser."""

from __future__ import annotations

import asyncio

from bookgen.generation.hub import ChangeEvent, LocalHub, TextEvent
from bookgen.state.live import (
    Channels,
    LiveChunk,
    chunk_value,
    coalesce,
    live_value,
    parse_live,
)
from bookgen.state.views import (
    ChapterView,
    book_card,
    chapter_views,
    outline_view,
    percent_done,
    thread_views,
)
from bookgen.storage.models import (
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
)
from bookgen.storage.store import NewMessage, Store
from tests.storage.test_store import new_book


class FakeRooms:
    """A LiveTransport recording rooms and sends, as socket.io would hold them."""

    def __init__(self) -> None:
        self.rooms: dict[int, set[str]] = {}
        self.sent: list[tuple[int, str]] = []
        self.changed = asyncio.Event()

    async def add(self, book_id: int, token: str) -> str | None:
        self.rooms.setdefault(book_id, set()).add(f"sid-{token}")
        return f"sid-{token}"

    async def remove(self, book_id: int, member: str) -> None:
        self.rooms[book_id].discard(member)

    async def send(self, book_id: int, value: str) -> None:
        self.sent.append((book_id, value))
        self.changed.set()

    def connected(self, token: str) -> bool:
        return True


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
    assert value == "m42:1234: she said: no: never"
    assert parse_live(value) == LiveChunk("m42", 1234, " she said: no: never")


def test_benchmark_timestamps_ride_inside_the_live_value():
    chunk = TextEvent(1, 42, 1234, " x: y", 2.5)
    assert chunk_value(chunk, with_timestamp=False) == "m42:1234: x: y"
    timed = chunk_value(chunk, with_timestamp=True)
    assert parse_live(timed) == LiveChunk("m42", 1234, " x: y", at_ms=2500)


async def _wait(event: asyncio.Event, timeout: float = 5.0) -> None:
    await asyncio.wait_for(event.wait(), timeout)


async def test_one_subscription_fans_out_to_every_tab_of_the_book(store: Store):
    book = await new_book(store)
    assert book.id is not None
    hub = LocalHub()
    transport = FakeRooms()
    channels = Channels(hub=hub, store=store, transport=transport, timestamps=False)
    a, member_a = await channels.join(book.id, "tab-a")
    b, member_b = await channels.join(book.id, "tab-b")
    assert a is b and hub.subscriber_count(book.id) == 1
    assert transport.rooms[book.id] == {"sid-tab-a", "sid-tab-b"}
    await hub.publish(TextEvent(book.id, 9, 0, "Hello"))
    await _wait(transport.changed)
    # One send per push, whatever the number of tabs: the room fans it out.
    assert transport.sent == [(book.id, "m9:0:Hello")]

    version = a.version
    await hub.publish(ChangeEvent(book.id))
    change = await a.wait_change(version, 2.0)
    assert change is not None and change[1].book.id == book.id

    await channels.leave(book.id, member_a)
    assert transport.rooms[book.id] == {"sid-tab-b"}
    await channels.leave(book.id, member_b)
    assert hub.subscriber_count(book.id) == 0


async def _add(
    store: Store,
    book_id: int,
    kind: MessageKind,
    content: str,
    chapter: int | None = None,
    status: MessageStatus = MessageStatus.COMPLETE,
) -> None:
    await store.add_message(
        book_id,
        NewMessage(
            role=Role.ASSISTANT,
            kind=kind,
            chapter=chapter,
            status=status,
            content=content,
        ),
    )


async def test_views_are_typed_and_carry_metadata_not_text(store: Store):
    book = await new_book(store)
    assert book.id is not None
    outline = "# T\n\n## Chapter 1: The Flood\nx\n## Chapter 2: Fire\ny"
    await _add(store, book.id, MessageKind.OUTLINE, content=outline)
    await _add(store, book.id, MessageKind.CHAPTER, chapter=1, content="word " * 300)
    await _add(
        store,
        book.id,
        MessageKind.CHAPTER,
        chapter=2,
        status=MessageStatus.STREAMING,
        content="Fire",
    )
    ov = await store.overview(book.id)
    assert ov is not None
    chapters = chapter_views(ov)
    assert chapters[0] == ChapterView(
        id=chapters[0].id,
        status=MessageStatus.COMPLETE,
        chars=1500,
        is_streaming=False,
        number=1,
        title="The Flood",
    )
    assert (chapters[1].number, chapters[1].chars, chapters[1].is_streaming) == (
        2,
        4,
        True,
    )
    thread = thread_views(ov)
    assert [v.label for v in thread] == [
        "You asked for an outline",
        "Outline",
        "Chapter 1: The Flood",
        "Chapter 2: Fire",
    ]
    assert [v.is_user for v in thread] == [True, False, False, False]
    assert [v.in_manuscript for v in thread] == [False, False, True, True]
    assert all(isinstance(v.kind, MessageKind) for v in thread)
    assert all(not hasattr(v, "content") for v in thread)
    latest = outline_view(ov)
    assert latest is not None and latest.chars == len(outline)


async def test_a_finished_book_card_reads_full(store: Store):
    book = await new_book(store)
    assert book.id is not None
    await store.transition(
        book.id,
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.COMPLETE,
        chapters_done=2,
    )
    stored = await store.get_book(book.id)
    assert stored is not None
    card = book_card(stored)
    assert (card.status, card.percent_done) == (BookStatus.COMPLETE, 100)
    assert isinstance(card.percent_done, int)
    assert percent_done(1, 1) == 100 and percent_done(0, 0) == 0
