"""Every prompt the app sends, in one place.

The layout ("Book settings:", "Task: ...") is plain enough for any chat model
and regular enough for the offline model to follow; its markers come from
``bookgen.llm.prompt_markers``, which the offline model reads them back with.
"""

from __future__ import annotations

from collections.abc import Sequence

from bookgen.llm import ChatMessage
from bookgen.llm.prompt_markers import (
    CHAPTER_TEXT,
    EARLIER_SUMMARIES,
    FEEDBACK,
    OUTLINE,
    SETTINGS_HEADER,
    TASK,
    TEXT_SO_FAR,
    Setting,
    TaskKind,
    chapter_heading,
    chapter_task,
    continue_task,
    labelled,
    summary_task,
)
from bookgen.storage.models import Book, Message, MessageKind, MessageStatus

__all__ = [
    "SYSTEM_PROMPT",
    "chapter_prompt",
    "continuation_prompt",
    "outline_conversation",
    "request_summary",
    "request_text",
    "summary_prompt",
]

SYSTEM_PROMPT = (
    "You are a skilled novelist and editor. You write in markdown, with no "
    "preamble and no closing remarks: only the text that was asked for."
)


def settings_block(book: Book) -> str:
    """The book's settings, repeated in every prompt so the model never forgets them."""
    values = {
        Setting.TITLE: book.title,
        Setting.PREMISE: " ".join(book.premise.split()),
        Setting.GENRE: book.genre,
        Setting.AUDIENCE: book.audience,
        Setting.TONE: book.tone,
        Setting.CHAPTERS: book.chapter_count,
        Setting.WORDS_PER_CHAPTER: book.words_per_chapter,
    }
    lines = [f"{SETTINGS_HEADER}:"] + [labelled(k, v) for k, v in values.items()]
    return "\n".join(lines) + "\n"


def request_text(book: Book) -> str:
    """The author's first message: what the thread shows and the model reads."""
    return (
        f"{settings_block(book)}\n"
        f"{labelled(TASK, TaskKind.OUTLINE)}\n"
        f"Write the outline of this book: a first line '# {book.title}', a short "
        f"synopsis, then exactly {book.chapter_count} entries, each a line "
        f"'{chapter_heading('N', 'Title')}' followed by a short paragraph."
    )


def request_summary(book: Book) -> str:
    """What the thread shows for the author's request (the prompt is rebuilt)."""
    details = ", ".join(x for x in (book.genre, book.audience, book.tone) if x)
    return (
        f"Outline **{book.title}**: {book.chapter_count} chapters of about "
        f"{book.words_per_chapter:,} words{f' ({details})' if details else ''}.\n\n"
        f"> {' '.join(book.premise.split())}"
    )


def feedback_text(feedback: str) -> str:
    return (
        f"{labelled(TASK, TaskKind.REVISE_OUTLINE)}\n"
        f"{labelled(FEEDBACK, ' '.join(feedback.split()))}\n"
        "Rewrite the whole outline in the same format, addressing the feedback."
    )


def outline_conversation(book: Book, thread: Sequence[Message]) -> list[ChatMessage]:
    """The whole outline conversation so far: request, outlines and feedback."""
    out: list[ChatMessage] = [{"role": "system", "content": SYSTEM_PROMPT}]
    for m in thread:
        if m.kind == MessageKind.REQUEST:
            out.append({"role": "user", "content": request_text(book)})
        elif m.kind == MessageKind.FEEDBACK:
            out.append({"role": "user", "content": feedback_text(m.content)})
        elif m.kind == MessageKind.OUTLINE and m.status == MessageStatus.COMPLETE:
            out.append({"role": "assistant", "content": m.content})
    return out


def chapter_prompt(
    book: Book, outline: str, chapter: int, summaries: Sequence[str]
) -> list[ChatMessage]:
    """One chapter: settings, the approved outline, and every earlier summary."""
    earlier = "\n".join(f"Chapter {i}: {s}" for i, s in enumerate(summaries, start=1))
    user = (
        f"{settings_block(book)}\n"
        f"{labelled(TASK, chapter_task(chapter))}\n"
        f"Write chapter {chapter} of {book.chapter_count} in about "
        f"{book.words_per_chapter} words of prose, in paragraphs, with no heading. "
        "Stay consistent with the outline and with what happened before.\n\n"
        f"{OUTLINE}:\n{outline}\n\n"
        f"{EARLIER_SUMMARIES}:\n{earlier or '(this is the first chapter)'}\n"
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]


def continuation_prompt(
    original: list[ChatMessage], task: str, text_so_far: str
) -> list[ChatMessage]:
    """Ask the model to go on from the last word of an interrupted reply."""
    user = (
        f"{original[-1]['content']}\n\n"
        f"{labelled(TASK, continue_task(task))}\n"
        "Your previous reply was cut off. Continue it exactly where it stops: do "
        "not repeat any of it and do not start over.\n"
        f"{TEXT_SO_FAR}:\n{text_so_far}"
    )
    return [*original[:-1], {"role": "user", "content": user}]


def summary_prompt(book: Book, chapter: int, text: str) -> list[ChatMessage]:
    """A short summary, stored so later chapters stay consistent."""
    user = (
        f"{settings_block(book)}\n"
        f"{labelled(TASK, summary_task(chapter))}\n"
        "Summarize this chapter in 2 to 4 sentences: events, characters, open "
        "threads.\n\n"
        f"{CHAPTER_TEXT}:\n{text}"
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]
