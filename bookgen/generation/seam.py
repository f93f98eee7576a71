"""Joining a continuation onto interrupted text without duplicated or glued words."""

from __future__ import annotations

import re

__all__ = ["HOLD_CHARS", "join_seam"]

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
