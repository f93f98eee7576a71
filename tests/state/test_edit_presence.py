"""Who is editing, on real SQLite and PostgreSQL through the live channel: a
note for every other tab, gone on close, and gone by itself when a tab's
presence expires (a worker that died cannot say goodbye)."""

from __future__ import annotations

from bookgen.generation.hub import ChangeEvent, LocalHub
from bookgen.state.edit_presence import editing_closed, editing_opened, tab_left
from bookgen.state.edit_views import DiffKind, editor_views, tab_key, word_diff
from bookgen.state.live import Channels
from bookgen.storage.models import MessageKind, Role
from bookgen.storage.store import NewMessage, Store
from tests.state.test_live import FakeRooms
from tests.storage.test_store import new_book_id


async def _chapter(store: Store, book_id: int) -> int:
    msg = await store.add_message(
        book_id,
        NewMessage(
            role=Role.ASSISTANT, kind=MessageKind.CHAPTER, chapter=3, content="Text."
        ),
    )
    assert msg is not None and msg.id is not None
    return msg.id


async def test_other_tabs_see_the_editor_until_it_closes(store: Store):
    book_id = await new_book_id(store)
    message_id = await _chapter(store, book_id)
    hub = LocalHub()
    channels = Channels(hub=hub, store=store, transport=FakeRooms(), timestamps=False)
    channel, member = await channels.join(book_id, "tab-b")
    seen = channel.version
    await editing_opened(
        store, hub, "token-a", book_id=book_id, message_id=message_id, name="Ana"
    )
    change = await channel.wait_change(seen, 5.0)
    assert change is not None
    seen, overview = change
    notes = [v.note for v in editor_views(overview, tab_key("token-b"))]
    assert notes == ["Ana is editing chapter 3"]
    assert editor_views(overview, tab_key("token-a")) == []  # not to itself

    await tab_left(store, hub, "token-b")  # a tab that was not editing: nothing
    await editing_closed(store, hub, "token-a")
    change = await channel.wait_change(seen, 5.0)
    assert change is not None and change[1].editors == []
    await channels.leave(book_id, member)


async def test_an_expired_presence_disappears_without_any_event(store: Store):
    book_id = await new_book_id(store)
    message_id = await _chapter(store, book_id)
    hub = LocalHub()
    channels = Channels(hub=hub, store=store, transport=FakeRooms(), timestamps=False)
    channel, member = await channels.join(book_id, "tab-b")
    # A tab on a worker that then died: its row is never renewed nor removed.
    await store.edits.enter(
        tab_key("gone"), book_id=book_id, message_id=message_id, name="Ana", ttl_s=1
    )
    await hub.publish(ChangeEvent(book_id))
    change = await channel.wait_change(channel.version - 1, 5.0)
    while change is not None and not change[1].editors:
        change = await channel.wait_change(change[0], 5.0)
    assert change is not None, "the editor was never shown"
    # Nobody publishes again: the channel reloads when the presence expires.
    expired = await channel.wait_change(change[0], 5.0)
    assert expired is not None and expired[1].editors == []
    await channels.leave(book_id, member)


def test_word_diff_marks_changes_and_elides_long_unchanged_runs():
    same = " ".join(f"w{i}" for i in range(100))
    parts = word_diff(f"{same} old end.", f"{same} new end.")
    kinds = [p.kind for p in parts]
    assert kinds == [
        DiffKind.ELIDED,
        DiffKind.SAME,
        DiffKind.REMOVED,
        DiffKind.ADDED,
        DiffKind.SAME,
    ]
    assert "".join(p.marked for p in parts).endswith("[-old -]{+new +}end.")
    assert {p.kind for p in word_diff("Same.", "Same.")} == {DiffKind.SAME}
