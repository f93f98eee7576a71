"""The book's state machine, as pure functions over rows."""

from bookgen.generation.machine import (
    Action,
    Finish,
    Step,
    allowed_from,
    chapters_done,
    next_step,
    resume_status,
)
from bookgen.storage.models import (
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    Role,
)


def msg(i, kind, role=Role.ASSISTANT, status=MessageStatus.COMPLETE, chapter=None):
    return Message(
        id=i,
        book_id=1,
        thread_id=1,
        role=role,
        kind=kind,
        status=status,
        chapter=chapter,
    )


def book(status, chapters=2):
    return Book(id=1, title="T", premise="P", status=status, chapter_count=chapters)


REQ = msg(1, MessageKind.REQUEST, Role.USER)


def test_outlining_writes_an_outline_then_waits_for_approval():
    assert next_step(book(BookStatus.OUTLINING), [REQ]) == Step(MessageKind.OUTLINE)
    done = [REQ, msg(2, MessageKind.OUTLINE)]
    assert next_step(book(BookStatus.OUTLINING), done) == Finish(
        BookStatus.AWAITING_APPROVAL
    )
    assert next_step(book(BookStatus.AWAITING_APPROVAL), done) is None


def test_rejection_asks_for_a_revised_outline():
    thread = [REQ, msg(2, MessageKind.OUTLINE), msg(3, MessageKind.FEEDBACK, Role.USER)]
    assert next_step(book(BookStatus.OUTLINING), thread) == Step(MessageKind.OUTLINE)


def test_writing_alternates_chapters_and_summaries_then_completes():
    thread = [REQ, msg(2, MessageKind.OUTLINE), msg(3, MessageKind.APPROVAL, Role.USER)]
    b = book(BookStatus.WRITING, chapters=2)
    assert next_step(b, thread) == Step(MessageKind.CHAPTER, 1)
    thread.append(msg(4, MessageKind.CHAPTER, chapter=1))
    assert next_step(b, thread) == Step(MessageKind.SUMMARY, 1)
    thread.append(msg(5, MessageKind.SUMMARY, chapter=1))
    assert next_step(b, thread) == Step(MessageKind.CHAPTER, 2)
    thread += [
        msg(6, MessageKind.CHAPTER, chapter=2),
        msg(7, MessageKind.SUMMARY, chapter=2),
    ]
    assert next_step(b, thread) == Finish(BookStatus.COMPLETE)
    assert chapters_done(thread) == 2


def test_an_unfinished_message_is_continued_not_restarted():
    thread = [
        REQ,
        msg(2, MessageKind.OUTLINE),
        msg(3, MessageKind.APPROVAL, Role.USER),
        msg(4, MessageKind.CHAPTER, status=MessageStatus.STOPPED, chapter=1),
    ]
    step = next_step(book(BookStatus.WRITING), thread)
    assert step == Step(MessageKind.CHAPTER, 1, resume_message_id=4)
    assert resume_status(thread) == BookStatus.WRITING
    assert resume_status(thread[:2]) == BookStatus.OUTLINING


def test_stopped_and_failed_books_wait_for_the_author():
    for status in (BookStatus.STOPPED, BookStatus.ERROR, BookStatus.COMPLETE):
        assert next_step(book(status), [REQ]) is None


def test_actions_are_allowed_only_from_their_statuses():
    assert allowed_from(Action.APPROVE) == (BookStatus.AWAITING_APPROVAL,)
    assert allowed_from(Action.REJECT) == (BookStatus.AWAITING_APPROVAL,)
    assert BookStatus.WRITING in allowed_from(Action.STOP)
    assert BookStatus.OUTLINING in allowed_from(Action.STOP)
    assert allowed_from(Action.CONTINUE) == (BookStatus.STOPPED,)
    assert allowed_from(Action.RETRY) == (BookStatus.ERROR,)
