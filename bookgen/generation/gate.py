"""What of a model's reply reaches the message: one call's text, checked as it streams.

Between the provider and the flusher each piece passes, in order:

1. the seam (``seam.py``): a continuation's head is joined to the text before it;
2. the head check: a reply that opens with a refusal ("I'm sorry, I can't …")
   is stopped and nothing of it is kept;
3. the repeat filter (chapter calls): until the reply has written two fresh
   sentences, headings are dropped, and so are sentences that repeat the
   chapter's own opening in order (small models asked to continue often
   start the chapter over);
4. the shape (outline calls): a synopsis is one paragraph, an outline entry a
   title line and one paragraph; a heading or list line the model adds (its
   own "Chapter 3") ends the call, since the app writes every chapter line;
5. the length limit (chapter calls): past the band's floor text is released
   a whole sentence at a time, the call is stopped at the first sentence end
   at or past ``stop_at``, and nothing beyond the ceiling is ever released.

Held text is released when the reply ends cleanly and dropped when it fails
(the retry asks for it again) or is cut by ``max_tokens`` past the floor (so
a chapter never ends mid-sentence). Viewers only ever see released text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bookgen.generation.chapter_plan import ends_sentence
from bookgen.generation.seam import Seam

__all__ = ["Gate", "GateLimits", "Shape", "looks_like_refusal"]

# Enough of a reply's start to recognise a refusal.
HEAD_CHARS = 48
_REFUSAL = re.compile(
    r"^\W*(?:I'?m sorry|I am sorry|sorry,|I apologi[sz]e|I can(?:no|')t\b|"
    r"I cannot|I'?m (?:not able|unable)|I am (?:not able|unable)|"
    r"I won'?t be able|As an AI\b|As a language model)",
    re.IGNORECASE,
)
# A sentence end confirmed by the whitespace after it (or the reply's end).
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]*_]*(?=\s)")
_WORD = re.compile(r"[a-z0-9']+")
# Fresh sentences (this many words or more) after which the repeat filter rests.
_FRESH_SENTENCES = 2
_FRESH_WORDS = 5
# Shorter sentences ("Yes.") may recur in a chapter without being a restart.
_REPEAT_WORDS = 4


# A line that starts a new outline entry or section: a heading, "Chapter 3",
# "**Chapter 3**", a numbered or bulleted item.
_HEADING_LIKE = re.compile(
    r"^\s*(?:#|[*_]*\s*(?:chapter|part)\s+[\w-]+\b|\d{1,3}[.)]\s|[-*+]\s)",
    re.IGNORECASE,
)
# A line is judged on this much of its start.
_LINE_START_CHARS = 16
# What a model repeats at the start of an entry whose chapter line is written.
_ENTRY_PREFIX = re.compile(
    r"^[#*_\s]*(?:(?:chapter|part)\s+[\w-]+\s*[:.\-\u2013\u2014)]*\s*|"
    r"title\s*:\s*|\d{1,3}[.)]\s+|[-+]\s+)*",
    re.IGNORECASE,
)


class Shape(StrEnum):
    """The form of one outline call's reply."""

    SYNOPSIS = "synopsis"  # one paragraph
    ENTRY = "entry"  # a title line, then one paragraph


def looks_like_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(text.lstrip()))


def _word_starts(text: str, after_space: bool) -> int:
    """Words that begin in ``text``, given whether the text before ended in space."""
    count = 0
    for ch in text:
        is_space = ch.isspace()
        if not is_space and after_space:
            count += 1
        after_space = is_space
    return count


def _norm(sentence: str) -> str:
    return " ".join(_WORD.findall(sentence.lower()))


@dataclass(frozen=True)
class GateLimits:
    """A chapter call's length rules (see module doc); words of the whole chapter."""

    floor: int
    stop_at: int
    ceiling: int


class Gate:
    """One call's filter: ``feed`` pieces, ``end`` once; ``stopped``: stop reading."""

    def __init__(
        self,
        prefix: str,
        *,
        limits: GateLimits | None = None,
        dedupe: bool = False,
        shape: Shape | None = None,
    ) -> None:
        self.seam = Seam(prefix)
        self._fresh_message = not prefix  # a message starts with its first word
        self.shape = shape
        self._line = ""  # the shape's undecided start of a line
        self._rest: bool | None = None  # keep (True) or skip the rest of this line
        self._lines = 0  # non-empty lines the shape has released
        self._blank = False  # the shape's last line was blank
        self.limits = limits
        self.refused = False
        self.stopped = False
        self._head = ""  # the reply's start, held until the head check passes
        self._head_done = False
        self._dedupe = dedupe
        # The chapter's sentences from its start: a reply that repeats them in
        # order is starting over (an echo of the last words is the seam's job).
        self._opening = [_norm(s) for s in _sentences(prefix)]
        self._over = 0
        self._pending = ""  # the repeat filter's unfinished sentence
        self._fresh = 0
        self._words = len(prefix.split())
        self._after_space = not prefix or prefix[-1].isspace()
        self._held = ""  # the length limit's text since its last release

    # --- the pipeline ------------------------------------------------------
    def feed(self, piece: str) -> str:
        """What of ``piece`` to release now (maybe nothing)."""
        if self.stopped:
            return ""
        text = self._filter(self._check_head(self.seam.feed(piece)))
        return self._limit(self._shape(text))

    def end(self, *, clean: bool, cut: bool = False) -> str:
        """The reply is over: release what may be kept.

        ``clean``: it ended with a finish reason (not a fault). ``cut``: that
        reason was the token limit.
        """
        if self.stopped or not clean:
            return ""
        text = self._check_head(self.seam.release(), final=True)
        text = self._shape(self._filter(text, final=True), final=True)
        return self._limit(text, final=True, cut=cut)

    # --- 2. refusals -----------------------------------------------------------
    def _check_head(self, text: str, final: bool = False) -> str:
        if self._head_done:
            return text
        self._head += text
        if len(self._head.strip()) < HEAD_CHARS and not final:
            return ""
        self._head_done = True
        if looks_like_refusal(self._head):
            self.refused = self.stopped = True
            return ""
        text, self._head = self._head, ""
        if not text.strip():
            return ""  # a blank reply adds nothing, not even its whitespace
        return text.lstrip() if self._fresh_message else text

    # --- 3. repeats and headings -------------------------------------------------
    def _filter(self, text: str, final: bool = False) -> str:
        if not self._dedupe or self._fresh >= _FRESH_SENTENCES:
            return text
        self._pending += text
        out: list[str] = []
        while self._fresh < _FRESH_SENTENCES:
            cut = _first_break(self._pending)
            if cut is None:
                if not final:
                    return "".join(out)
                cut = len(self._pending)
            sentence, self._pending = self._pending[:cut], self._pending[cut:]
            if not sentence:
                break
            out.append(self._keep(sentence))
        out.append(self._pending)
        self._pending = ""
        return "".join(out)

    def _keep(self, sentence: str) -> str:
        """The sentence (with its whitespace) unless it is a heading or the next
        sentence of the chapter's own start (the model starting over)."""
        body = sentence.strip()
        norm = _norm(body)
        over = self._opening[self._over] if self._over < len(self._opening) else None
        restart = len(norm.split()) >= _REPEAT_WORDS and norm == over
        if body.startswith("#") or restart:
            self._over += restart
            # Keep its whitespace, so the text around it still joins.
            return "".join(ch for ch in sentence if ch.isspace())[:2]
        if len(norm.split()) >= _FRESH_WORDS:
            self._fresh += 1
        return sentence

    # --- 4. outline shape -----------------------------------------------------
    def _shape(self, text: str, final: bool = False) -> str:
        """Decide each line from its start, then stream the rest of it as it comes."""
        if self.shape is None:
            return text
        out: list[str] = []
        while text and not self.stopped:
            if self._rest is not None:  # the line's start was decided
                newline = text.find("\n")
                cut = len(text) if newline < 0 else newline + 1
                now, text = text[:cut], text[cut:]
                if self._rest:
                    out.append(now)
                if newline >= 0:
                    self._rest = None
                continue
            self._line += text
            text = ""
            newline = self._line.find("\n")
            if newline >= 0:
                line, text = self._line[:newline], self._line[newline + 1 :]
                self._line = ""
                out.append(self._shape_line(line, "\n"))
            elif len(self._line.strip()) >= _LINE_START_CHARS:
                line, self._line = self._line, ""
                kept = self._shape_line(line, "")
                out.append(kept)
                self._rest = bool(kept)
        if final and not self.stopped and self._line:
            out.append(self._shape_line(self._line, ""))
            self._line = ""
        return "".join(out)

    def _shape_line(self, line: str, newline: str) -> str:
        """One whole line of an outline call: released, changed, skipped or the end."""
        if not line.strip():
            if not self._lines:
                return ""  # blank lines before the reply's text
            paragraphs_done = self._lines >= (2 if self.shape == Shape.ENTRY else 1)
            if paragraphs_done:
                self.stopped = True
                return ""
            if self._blank:
                return ""
            self._blank = True
            return line + newline
        if self.shape == Shape.ENTRY and not self._lines:
            line = _ENTRY_PREFIX.sub("", line.lstrip()).rstrip(" *_#")
            if not line:
                return ""
        elif _HEADING_LIKE.match(line):
            if self._lines:
                self.stopped = True  # the model starts an entry of its own
            return ""
        self._lines += 1
        self._blank = False
        return line + newline

    # --- 5. length -------------------------------------------------------------
    def _limit(self, text: str, final: bool = False, cut: bool = False) -> str:
        limits = self.limits
        if limits is None:
            return self._count(text)
        if not self._held and (
            self._words + _word_starts(text, self._after_space) < limits.floor
        ):
            return self._count(text)  # below the floor: everything goes out
        self._held += text
        released: list[str] = []
        while (m := _SENTENCE_END.search(self._held)) is not None:
            if not self._release(self._held[: m.end()], released):
                break
            if self._words >= limits.stop_at:
                self.stopped = True
                self._held = ""
                return "".join(released)
        if self._words + _word_starts(self._held, self._after_space) > limits.ceiling:
            self.stopped = True  # a sentence that would end past the ceiling
            self._held = ""
        elif final:
            # A reply cut by the token limit past the floor ends where its last
            # sentence did; one that stopped by itself is kept as it ended.
            keep = not cut or self._words < limits.floor or ends_sentence(self._held)
            if keep:
                self._release(self._held, released)
            self._held = ""
        return "".join(released)

    def _release(self, text: str, out: list[str]) -> bool:
        """Release ``text`` (the held text's start) unless it ends past the ceiling."""
        assert self.limits is not None
        if self._words + _word_starts(text, self._after_space) > self.limits.ceiling:
            return False
        out.append(self._count(text))
        self._held = self._held[len(text) :]
        return True

    def _count(self, text: str) -> str:
        if text:
            self._words += _word_starts(text, self._after_space)
            self._after_space = text[-1].isspace()
        return text


def _first_break(text: str) -> int | None:
    """Where the first sentence or line of ``text`` ends (after its whitespace)."""
    starts = len(text) - len(text.lstrip())
    m = _SENTENCE_END.search(text, starts)
    newline = text.find("\n", starts)
    ends = [x for x in (m.end() if m else None, newline) if x is not None and x >= 0]
    if not ends:
        return None
    end = min(ends)
    while end < len(text) and text[end].isspace():
        end += 1
    return end if end < len(text) else None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\u2026])\s+|\n+", text) if s.strip()]
