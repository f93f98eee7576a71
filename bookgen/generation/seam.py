"""Joining a continuation onto interrupted text without duplicated or glued words."""

from __future__ import annotations

import re

__all__ = ["HOLD_CHARS", "Seam", "join_seam"]

# Text held back from a continuation before deciding how it joins.
HOLD_CHARS = 80
# Overlaps shorter than this many words are taken as coincidence, not repetition.
MIN_OVERLAP_WORDS = 3
MAX_OVERLAP_WORDS = 60

_PIECE = re.compile(r"\s*\S+")


def _words(text: str) -> list[str]:
    return text.split()


def join_seam(prefix: str, head: str) -> str:
    """Return ``head`` trimmed so that ``prefix + result`` reads as one text.

    Models asked to continue often repeat the last words, or start without the
    space that separated them; both are repaired here.
    """
    if not prefix:
        return head
    tail = _words(prefix)[-MAX_OVERLAP_WORDS:]
    pieces = _PIECE.findall(head)
    head_words = [p.strip() for p in pieces]
    for k in range(min(len(tail), len(head_words)), MIN_OVERLAP_WORDS - 1, -1):
        if tail[-k:] == head_words[:k]:
            head = head[sum(len(p) for p in pieces[:k]) :]
            break
    if head and not prefix[-1].isspace() and head[0].isalnum():
        head = " " + head
    return head


class Seam:
    """Holds the head of a continuation until it can be joined to the text before it.

    Feed it the continuation's pieces: it returns nothing until ``HOLD_CHARS``
    have arrived, then the joined head, then every later piece unchanged.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.joined = not prefix
        self.held: list[str] = []

    def feed(self, piece: str) -> str:
        if self.joined:
            return piece
        self.held.append(piece)
        return "" if sum(map(len, self.held)) < HOLD_CHARS else self.release()

    def release(self) -> str:
        """Join whatever is held now (the stream ended before HOLD_CHARS)."""
        if self.joined:
            return ""
        self.joined = True
        return join_seam(self.prefix, "".join(self.held))
