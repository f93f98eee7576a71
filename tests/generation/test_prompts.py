"""Prompt building: what the model is told really carries the book's context."""

from bookgen.generation import prompts
from bookgen.storage.models import Book, Message, MessageKind, MessageStatus, Role

BOOK = Book(
    id=1,
    title="Salt Road",
    premise="A merchant's daughter crosses the desert.",
    genre="adventure",
    tone="warm",
    chapter_count=3,
    words_per_chapter=900,
)


def msg(kind, content, role=Role.ASSISTANT, status=MessageStatus.COMPLETE):
    return Message(
        book_id=1, thread_id=1, role=role, kind=kind, content=content, status=status
    )


def test_revision_sees_the_whole_conversation_with_feedback():
    thread = [
        msg(MessageKind.REQUEST, "ignored: rebuilt from the book", Role.USER),
        msg(MessageKind.OUTLINE, "# Salt Road\n## Chapter 1: Dunes"),
        msg(MessageKind.FEEDBACK, "Make the  brother a smuggler", Role.USER),
    ]
    convo = prompts.outline_conversation(BOOK, thread)
    assert [m["role"] for m in convo] == ["system", "user", "assistant", "user"]
    assert "Title: Salt Road" in convo[1]["content"]
    assert "Chapters: 3" in convo[1]["content"]
    assert convo[2]["content"].startswith("# Salt Road")
    assert "Task: revise outline" in convo[3]["content"]
    assert "Feedback: Make the brother a smuggler" in convo[3]["content"]


def test_unfinished_outlines_are_not_shown_to_the_model():
    thread = [
        msg(MessageKind.REQUEST, "", Role.USER),
        msg(MessageKind.OUTLINE, "half an outl", status=MessageStatus.STOPPED),
    ]
    convo = prompts.outline_conversation(BOOK, thread)
    assert all("half an outl" not in m["content"] for m in convo)


def test_chapter_prompt_carries_settings_outline_and_every_earlier_summary():
    p = prompts.chapter_prompt(
        BOOK, "OUTLINE TEXT", 3, ["Ada leaves home.", "Ada meets the caravan."]
    )
    user = p[-1]["content"]
    assert "Task: chapter 3" in user
    assert "OUTLINE TEXT" in user
    assert "Chapter 1: Ada leaves home." in user
    assert "Chapter 2: Ada meets the caravan." in user
    assert "Words per chapter: 900" in user and "Tone: warm" in user


def test_continuation_keeps_the_task_and_the_text_so_far():
    original = prompts.chapter_prompt(BOOK, "O", 1, [])
    p = prompts.continuation_prompt(original, "chapter 1", "It was late and")
    user = p[-1]["content"]
    assert user.startswith(original[-1]["content"])
    assert "Task: continue chapter 1" in user
    assert user.endswith("Text so far:\nIt was late and")


def test_summary_prompt_contains_the_chapter():
    p = prompts.summary_prompt(BOOK, 2, "The storm broke over the dunes.")
    assert "Task: summary of chapter 2" in p[-1]["content"]
    assert "The storm broke over the dunes." in p[-1]["content"]
