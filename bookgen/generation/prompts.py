"""Every prompt the app sends, in one place.

The layout ("Book settings:", "Task: ...") is plain enough for any chat model
and regular enough for the offline model to follow; its markers come from
``bookgen.llm.prompt_markers``, which the offline model reads them back with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bookgen.generation.chapter_plan import CallPlan
from bookgen.generation.continuity import (
    OUTLINE_WORDS,
    StoryContext,
    story_context,
    trim_words,
)
from bookgen.generation.outline import OutlineEntry, parse_outline
from bookgen.llm import ChatMessage
from bookgen.llm.prompt_markers import (
    CHAPTER_TEXT,
    EARLIER_SUMMARIES,
    FEEDBACK,
    NEXT_CHAPTER,
    OUTLINE,
    OUTLINE_SO_FAR,
    PART,
    PREVIOUS_ENDING,
    SETTINGS_HEADER,
    STORY_SO_FAR,
    TASK,
    TEXT_SO_FAR,
    TEXT_SO_FAR_END,
    THIS_CHAPTER,
    WORDS_SO_FAR,
    WORDS_TO_WRITE,
    Part,
    Setting,
    TaskKind,
    chapter_heading,
    chapter_task,
    continue_task,
    labelled,
    outline_piece,
    summary_task,
)
from bookgen.storage.models import Book, Message, MessageKind, MessageStatus

__all__ = [
    "FIRM_NOTE",
    "SYSTEM_PROMPT",
    "chapter_prompt",
    "continuation_prompt",
    "outline_call",
    "outline_conversation",
    "request_summary",
    "request_text",
    "summary_prompt",
]

# Added after an empty, blank or refused reply, before asking again.
FIRM_NOTE = (
    "Your last reply was empty or declined. This is fiction the author asked "
    "for: write the text now, with no apology, no question and no comment."
)
_WORD_START = re.compile(r"(?<!\S)\S")
# A continuation shows the whole text so far up to this many words, else its end.
CONTINUE_WINDOW_WORDS = 1500
CONTINUE_TAIL_WORDS = 1200
# A summary reads a long chapter's start and end, not all of it.
SUMMARY_HEAD_WORDS = 1000
SUMMARY_TAIL_WORDS = 2000

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


def outline_call(
    book: Book,
    thread: Sequence[Message],
    piece: int,
    outline_so_far: str = "",
    *,
    firm: bool = False,
) -> list[ChatMessage]:
    """One piece of an outline: the synopsis (0) or chapter ``piece``'s entry.

    The app writes the outline's structure (its title and every chapter line)
    and asks the model for one piece at a time, so the outline has exactly the
    chapters asked for whatever format a model prefers.
    """
    convo = outline_conversation(book, thread)
    if piece == 0:
        ask = (
            "Write it one part at a time. Now write only the synopsis: two or "
            "three sentences about the whole story, with no heading and no "
            "chapters (they come next)."
        )
    else:
        ending = (
            ", bringing the story to its end" if piece >= book.chapter_count else ""
        )
        ask = (
            "Write it one part at a time; the outline so far is below. Now write "
            f"only the entry of chapter {piece} of {book.chapter_count}: on the "
            "first line its title (a few words, without the word Chapter), then "
            "one paragraph of two or three sentences saying what happens in it"
            f"{ending}. Do not write any other chapter."
        )
    lines = [ask]
    if firm:
        lines.append(FIRM_NOTE)
    lines.append(labelled(PART, outline_piece(piece)))
    if piece:
        lines.append(f"{OUTLINE_SO_FAR}:\n{outline_so_far.strip()}")
    last = convo[-1]
    content = f"{last['content']}\n\n" + "\n".join(lines)
    return [*convo[:-1], {"role": last["role"], "content": content}]


def chapter_prompt(
    book: Book,
    outline: str,
    chapter: int,
    summaries: Sequence[str] | StoryContext = (),
    *,
    plan: CallPlan | None = None,
    text_so_far: str = "",
    firm: bool = False,
    redraft: str | None = None,
) -> list[ChatMessage]:
    """One call of a chapter: stable parts first, then this chapter's task.

    Settings and the outline come first and are the same for every chapter
    (providers cache that prefix); then the story so far, the previous
    chapter's end, and the task: this chapter's outline entry singled out, the
    next one named so the model does not write ahead, and what this call must
    write. ``summaries`` are earlier chapters' summaries in order, or a context
    already built. With ``text_so_far`` the call continues the chapter.
    ``redraft`` (the author's feedback, maybe "") asks for a new version of a
    chapter already written (generation/redraft.py).
    """
    context = (
        summaries
        if isinstance(summaries, StoryContext)
        else story_context(list(enumerate(summaries, start=1)))
    )
    user = "\n".join(
        [
            settings_block(book),
            f"{OUTLINE}:\n{trim_words_keeping_lines(outline, OUTLINE_WORDS)}\n",
            _story_blocks(context),
            _chapter_task(book, outline, chapter),
            *([note] if (note := _redraft_note(redraft)) else []),
            _instruction(book, chapter, plan, text_so_far, firm),
        ]
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]


def _redraft_note(feedback: str | None) -> str:
    """A new version of the chapter, shaped by the author's feedback if any."""
    if feedback is None:
        return ""
    wish = " ".join(feedback.split()) or "a fresh take on this chapter"
    return (
        "This chapter was written before; write a new version of it, different "
        "from the first, that follows the author's feedback.\n"
        f"{labelled(FEEDBACK, wish)}\n"
    )


def trim_words_keeping_lines(text: str, words: int) -> str:
    """``text`` as written when short enough, else its first ``words`` words."""
    return text.strip() if len(text.split()) <= words else trim_words(text, words)


def _story_blocks(context: StoryContext) -> str:
    blocks = []
    if context.story_so_far:
        blocks.append(f"{STORY_SO_FAR}:\n{context.story_so_far}\n")
    earlier = "\n".join(f"Chapter {n}: {s}" for n, s in context.recent)
    blocks.append(f"{EARLIER_SUMMARIES}:\n{earlier or '(this is the first chapter)'}\n")
    if context.previous_ending:
        blocks.append(f"{PREVIOUS_ENDING}:\n{context.previous_ending}\n")
    return "\n".join(blocks)


def _entry_line(entry: OutlineEntry) -> str:
    title = f": {entry.title}" if entry.title else ""
    summary = f" \u2014 {entry.summary}" if entry.summary else ""
    return f"Chapter {entry.number}{title}{summary}"


def _chapter_task(book: Book, outline: str, chapter: int) -> str:
    """The task line, this chapter's entry, and the next chapter's (not to write)."""
    parsed = parse_outline(outline)
    entries = parsed.entries
    this = parsed.entry(chapter) or (
        entries[chapter - 1] if chapter <= len(entries) else None
    )
    lines = [labelled(TASK, chapter_task(chapter))]
    if this is not None:
        lines.append(labelled(THIS_CHAPTER, _entry_line(this)))
    following = parsed.next_entry(this.number) if this is not None else None
    if chapter >= book.chapter_count or following is None:
        lines.append(
            labelled(NEXT_CHAPTER, "none: this is the last chapter, end the story")
        )
    else:
        lines.append(
            labelled(
                NEXT_CHAPTER,
                f"{_entry_line(following)} (for later: do not write its events now)",
            )
        )
    return "\n".join(lines)


def _instruction(
    book: Book, chapter: int, plan: CallPlan | None, so_far: str, firm: bool
) -> str:
    """What this call writes, in words and in the markers the offline model reads."""
    target = book.words_per_chapter
    part = plan.part if plan is not None else Part.WHOLE
    words = plan.words if plan is not None else target
    of = f"chapter {chapter} of {book.chapter_count}"
    style = "prose, in paragraphs, with no heading"
    if part == Part.WHOLE:
        ask = (
            f"Write {of} in about {words} words of {style}. Stay consistent with "
            "the outline and with what happened before, and end the chapter where "
            "this chapter's entry ends."
        )
    elif part == Part.OPENING:
        ask = (
            f"Write the opening of {of}: about {words} words of {style}. Do not "
            f"end the chapter: it goes on to about {target} words in all."
        )
    elif part == Part.MIDDLE:
        ask = (
            f"The text above is {of} so far. Continue it from exactly where it "
            f"stops with about {words} more words of {style}. Do not repeat any "
            "of it, do not start over, and do not end the chapter yet."
        )
    elif part == Part.CLOSING:
        ask = (
            f"The text above is {of} so far. Continue it from exactly where it "
            f"stops with about {words} more words, and bring the chapter to its "
            "close. Do not repeat any of it and do not start over."
        )
    else:
        ask = (
            f"The text above is {of}; it stops in the middle of its last sentence. "
            "Write only the rest of that sentence, then stop."
        )
    lines = []
    if so_far:
        # The text so far before the instruction: it only grows from call to
        # call, so consecutive calls share the prompt up to its end (caching).
        lines.append(labelled(TASK, continue_task(chapter_task(chapter))))
        shown = _window(so_far)
        if shown != so_far:
            lines.append(
                f"The text so far is long: below are only its last "
                f"{len(shown.split()):,} words."
            )
        lines.append(f"{TEXT_SO_FAR}:\n{shown}\n{TEXT_SO_FAR_END}")
    lines.append(ask)
    if firm:
        lines.append(FIRM_NOTE)
    lines.append(labelled(PART, part))
    lines.append(labelled(WORDS_TO_WRITE, words))
    if so_far:
        lines.append(labelled(WORDS_SO_FAR, len(so_far.split())))
    return "\n".join(lines)


def _window(text: str) -> str:
    """The end of ``text``: all of it when short, else its last words as written."""
    starts = [m.start() for m in _WORD_START.finditer(text)]
    if len(starts) <= CONTINUE_WINDOW_WORDS:
        return text
    return text[starts[-CONTINUE_TAIL_WORDS] :]


def _excerpt(text: str) -> str:
    """A long chapter's start and end (a summary's prompt stays bounded)."""
    starts = [m.start() for m in _WORD_START.finditer(text)]
    if len(starts) <= SUMMARY_HEAD_WORDS + SUMMARY_TAIL_WORDS:
        return text
    head = text[: starts[SUMMARY_HEAD_WORDS]].rstrip()
    return f"{head}\n\n[…]\n\n{text[starts[-SUMMARY_TAIL_WORDS] :]}"


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
        "Summarize this chapter in 2 to 4 sentences (under 80 words): events, "
        "characters, open threads. Do not copy the chapter.\n\n"
        f"{CHAPTER_TEXT}:\n{_excerpt(text)}"
    )
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]
