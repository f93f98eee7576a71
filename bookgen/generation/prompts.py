"""Every prompt the app sends, in one place.

The layout ("Book settings:", "Task: ...") is plain enough for any chat model
and regular enough for the offline model to follow.
"""

from __future__ import annotations

from collections.abc import Sequence

from bookgen.llm import ChatMessage
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
    premise = " ".join(book.premise.split())
    return (
        "Book settings:\n"
        f"Title: {book.title}\n"
        f"Premise: {premise}\n"
        f"Genre: {book.genre}\n"
        f"Audience: {book.audience}\n"
        f"Tone: {book.tone}\n"
        f"Chapters: {book.chapter_count}\n"
        f"Words per chapter: {book.words_per_chapter}\n"
    )


def request_text(book: Book) -> str:
    """The author's first message: what the thread shows and the model reads."""
    return (
        f"{settings_block(book)}\n"
        "Task: outline\n"
        f"Write the outline of this book: a first line '# {book.title}', a short "
        f"synopsis, then exactly {book.chapter_count} entries, each a line "
        "'## Chapter N: Title' followed by a short paragraph."
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
        "Task: revise outline\n"
        f"Feedback: {' '.join(feedback.split())}\n"
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
        f"Task: chapter {chapter}\n"
        f"Write chapter {chapter} of {book.chapter_count} in about "
        f"{book.words_per_chapter} words of prose, in paragraphs, with no heading. "
        "Stay consistent with the outline and with what happened before.\n\n"
        f"Outline:\n{outline}\n\n"
        f"Summaries of earlier chapters:\n{earlier or '(this is the first chapter)'}\n"
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
        f"Task: continue {task}\n"
        "Your previous reply was cut off. Continue it exactly where it stops: do "
        "not repeat any of it and do not start over.\n"
        f"Text so far:\n{text_so_far}"
    )
    return [*original[:-1], {"role": "user", "content": user}]


def summary_prompt(book: Book, chapter: int, text: str) -> list[ChatMessage]:
    """A short summary, stored so later chapters stay consistent."""
    user = (
        f"{settings_block(book)}\n"
        f"Task: summary of chapter {chapter}\n"
        "Summarize this chapter in 2 to 4 sentences: events, characters, open "
        "threads.\n\n"
        f"Chapter text:\n{text}"
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]
