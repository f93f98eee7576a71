"""Every prompt the app sends is one the offline model understands.

prompts.py writes the markers and the offline model reads them, both from
``prompt_markers``; rendering each kind of prompt and reading it back proves a
prompt change cannot silently leave the offline model behind.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bookgen.generation import prompts
from bookgen.llm import ChatMessage
from bookgen.llm.offline_writer import (
    Request,
    read_request,
    split_words,
    write_reply,
)
from bookgen.llm.prompt_markers import (
    Setting,
    TaskKind,
    chapter_heading,
    chapter_task,
    summary_task,
)
from bookgen.storage.models import Book, Message, MessageKind, MessageStatus, Role

BOOK = Book(
    id=1,
    title="Salt Road",
    premise="A merchant's daughter crosses the desert with a stolen map.",
    genre="adventure",
    audience="young adults",
    tone="warm",
    chapter_count=3,
    words_per_chapter=900,
)
OUTLINE = "\n".join(
    ["# Salt Road", "", "A crossing."]
    + [chapter_heading(n, f"Dune {n}") for n in (1, 2, 3)]
)
FEEDBACK = "Make the brother a smuggler"
CHAPTER = "Ada walked. The map burned. " * 20


def message(kind: MessageKind, content: str = "", role: Role = Role.USER) -> Message:
    return Message(
        book_id=1,
        thread_id=1,
        role=role,
        kind=kind,
        content=content,
        status=MessageStatus.COMPLETE,
    )


REQUEST = message(MessageKind.REQUEST)
FIRST_OUTLINE = message(MessageKind.OUTLINE, OUTLINE, Role.ASSISTANT)

# Each kind of prompt, built as the service builds it, with the task the
# service would continue it under; and what the model must read from it.
PROMPTS: dict[
    str, tuple[Callable[[], list[ChatMessage]], str, TaskKind, int | None]
] = {
    "outline": (
        lambda: prompts.outline_conversation(BOOK, [REQUEST]),
        TaskKind.OUTLINE,
        TaskKind.OUTLINE,
        None,
    ),
    "revised outline": (
        lambda: prompts.outline_conversation(
            BOOK, [REQUEST, FIRST_OUTLINE, message(MessageKind.FEEDBACK, FEEDBACK)]
        ),
        TaskKind.REVISE_OUTLINE,
        TaskKind.REVISE_OUTLINE,
        None,
    ),
    "outline piece": (
        lambda: prompts.outline_call(BOOK, [REQUEST], 2, OUTLINE),
        TaskKind.OUTLINE,
        TaskKind.OUTLINE,
        None,
    ),
    "chapter": (
        lambda: prompts.chapter_prompt(BOOK, OUTLINE, 2, ["One happened."]),
        chapter_task(2),
        TaskKind.CHAPTER,
        2,
    ),
    "new version of a chapter": (
        lambda: prompts.chapter_prompt(
            BOOK, OUTLINE, 2, ["One happened."], redraft=FEEDBACK
        ),
        chapter_task(2),
        TaskKind.CHAPTER,
        2,
    ),
    "summary": (
        lambda: prompts.summary_prompt(BOOK, 2, CHAPTER),
        summary_task(2),
        TaskKind.SUMMARY,
        2,
    ),
}
# Public names of prompts.py that are not prompts of their own: the pieces the
# prompts above are made of, and the thread's display text.
NOT_PROMPTS = {
    "FIRM_NOTE",
    "SYSTEM_PROMPT",
    "continuation_prompt",
    "request_summary",
    "request_text",
}
PROMPT_BUILDERS = {
    "outline": "outline_conversation",
    "revised outline": "outline_conversation",
    "outline piece": "outline_call",
    "chapter": "chapter_prompt",
    "new version of a chapter": "chapter_prompt",
    "summary": "summary_prompt",
}


def test_every_prompt_builder_is_checked_here():
    covered = set(PROMPT_BUILDERS.values()) | NOT_PROMPTS
    assert covered == set(prompts.__all__), "a new prompt: add it to PROMPTS"


def assert_understood(request: Request, kind: TaskKind, chapter: int | None) -> None:
    assert request.kind == kind
    assert request.chapter == chapter
    assert request.settings == {
        Setting.TITLE: BOOK.title,
        Setting.PREMISE: BOOK.premise,
        Setting.GENRE: BOOK.genre,
        Setting.AUDIENCE: BOOK.audience,
        Setting.TONE: BOOK.tone,
        Setting.CHAPTERS: str(BOOK.chapter_count),
        Setting.WORDS_PER_CHAPTER: str(BOOK.words_per_chapter),
    }


@pytest.mark.parametrize("name", list(PROMPTS))
def test_the_offline_model_reads_every_prompt(name: str):
    build, _task, kind, chapter = PROMPTS[name]
    request = read_request(build())
    assert_understood(request, kind, chapter)
    assert not request.continuing
    if kind == TaskKind.REVISE_OUTLINE or name == "new version of a chapter":
        assert request.feedback == FEEDBACK
    if kind == TaskKind.SUMMARY:
        assert request.chapter_text == CHAPTER


@pytest.mark.parametrize("name", list(PROMPTS))
def test_the_offline_model_reads_every_continuation(name: str):
    build, task, kind, chapter = PROMPTS[name]
    reply = write_reply(build())
    words = split_words(reply)
    so_far = "".join(words[: len(words) // 2])
    request = read_request(prompts.continuation_prompt(build(), task, so_far))
    assert_understood(request, kind, chapter)
    assert request.continuing
    assert request.text_so_far == so_far
    continued = write_reply(prompts.continuation_prompt(build(), task, so_far))
    assert so_far + continued == reply


def test_a_new_version_of_a_chapter_differs_and_follows_its_feedback():
    chapter = write_reply(PROMPTS["chapter"][0]())
    again = write_reply(PROMPTS["chapter"][0]())
    redraft = write_reply(PROMPTS["new version of a chapter"][0]())
    fresh = write_reply(
        prompts.chapter_prompt(BOOK, OUTLINE, 2, ["One happened."], redraft="")
    )
    assert chapter == again  # the offline model is deterministic
    assert len({chapter, redraft, fresh}) == 3


def test_offline_outlines_have_the_chapter_lines_the_prompt_asks_for():
    build = PROMPTS["outline"][0]
    assert chapter_heading("N", "Title") in build()[-1]["content"]
    outline = write_reply(build())
    for number in range(1, BOOK.chapter_count + 1):
        assert f"\n{chapter_heading(number, '')}" in outline
