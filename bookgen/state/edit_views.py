"""Typed views of editing: who edits what, and a save conflict's difference.

Plain Python (no Reflex), like views.py. The difference is word-level
(difflib), with long unchanged stretches cut to a few words of context, so a
conflict on a 9,000-word chapter shows what differs, not the whole chapter.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum

from bookgen.storage.edits import Editor
from bookgen.storage.models import MessageKind
from bookgen.storage.store import BookOverview

__all__ = [
    "DiffKind",
    "DiffPart",
    "EditorView",
    "editor_views",
    "tab_key",
    "target_label",
    "word_diff",
]

# Unchanged words kept on each side of a change; more are elided.
CONTEXT_WORDS = 8
# Parts shown at most (a rewrite of everything is summarised, not listed).
MAX_PARTS = 600

# A word with the whitespace after it (leading whitespace alone).
_TOKENS = re.compile(r"\S+\s*|\s+")


def tab_key(client_token: str) -> str:
    """What presence stores for a tab: a hash, never the client token itself."""
    return hashlib.sha256(client_token.encode()).hexdigest()[:32]


@dataclass(frozen=True, kw_only=True)
class EditorView:
    """Someone else has an editor open: "Ana is editing chapter 3"."""

    name: str
    target: str
    note: str


def target_label(kind: str, chapter: int | None) -> str:
    """How a message is named in a presence note."""
    return "the outline" if kind == MessageKind.OUTLINE else f"chapter {chapter}"


def editor_views(ov: BookOverview, own_tab: str) -> list[EditorView]:
    """Everyone editing in the book, except this tab itself."""
    metas = {m.id: m for m in ov.messages}
    out: list[EditorView] = []
    for e in ov.editors:
        meta = metas.get(e.message_id)
        if e.tab == own_tab or meta is None:
            continue
        target = target_label(meta.kind, meta.chapter)
        out.append(EditorView(name=e.name, target=target, note=_note(e, target)))
    return out


def _note(e: Editor, target: str) -> str:
    return f"{e.name} is editing {target}"


class DiffKind(StrEnum):
    SAME = "same"
    ADDED = "added"  # in the author's text, not in the saved one
    REMOVED = "removed"  # in the saved text, not in the author's
    ELIDED = "elided"  # unchanged words left out


@dataclass(frozen=True, kw_only=True)
class DiffPart:
    kind: DiffKind
    text: str
    # The text with its change marked, for readers without colour:
    # [-removed-] and {+added+}.
    marked: str


def _part(kind: DiffKind, text: str) -> DiffPart:
    marked = {
        DiffKind.ADDED: f"{{+{text}+}}",
        DiffKind.REMOVED: f"[-{text}-]",
        DiffKind.ELIDED: " … ",
    }.get(kind, text)
    return DiffPart(kind=kind, text=text, marked=marked)


def _same(words: list[str], first: bool, last: bool) -> list[DiffPart]:
    """An unchanged stretch, cut to its context around the changes."""
    keep = 2 * CONTEXT_WORDS
    if len(words) <= keep:
        return [_part(DiffKind.SAME, "".join(words))]
    head = [] if first else words[:CONTEXT_WORDS]
    tail = [] if last else words[-CONTEXT_WORDS:]
    out = [_part(DiffKind.SAME, "".join(head))] if head else []
    out.append(_part(DiffKind.ELIDED, ""))
    if tail:
        out.append(_part(DiffKind.SAME, "".join(tail)))
    return out


def word_diff(saved: str, mine: str) -> list[DiffPart]:
    """From the saved text to the author's: removals, additions, some context."""
    a, b = _TOKENS.findall(saved), _TOKENS.findall(mine)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    parts: list[DiffPart] = []
    for i, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            parts += _same(a[i1:i2], first=i == 0, last=i == len(ops) - 1)
            continue
        if tag in ("replace", "delete"):
            parts.append(_part(DiffKind.REMOVED, "".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            parts.append(_part(DiffKind.ADDED, "".join(b[j1:j2])))
        if len(parts) >= MAX_PARTS:
            parts.append(_part(DiffKind.ELIDED, ""))
            break
    return parts
