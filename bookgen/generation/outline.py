"""Reading chapter entries out of an outline, whatever format the model chose.

Real models rarely write the exact ``## Chapter N: Title`` lines they are asked
for: they bold the line, spell the number out, write a numbered list, give bare
titles, or skip chapter lines altogether. Parsing is lenient so the book can
follow the chapters that are there, and tell the author plainly when the count
differs from what was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Outline",
    "OutlineEntry",
    "OutlineFormat",
    "chapter_count",
    "chapter_titles",
    "count_notice",
    "parse_outline",
]

# Longest line still taken for a title rather than a summary.
_TITLE_MAX_WORDS = 12

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty)(?:[\s-](?:one|two|three|four|five|six|"
    r"seven|eight|nine))?|" + "|".join(sorted(_ONES[1:], key=len, reverse=True)) + "|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)"
)
_NUMBER = rf"(?P<num>\d{{1,3}}|[ivxlc]{{1,7}}|{_NUMBER_WORD})"
# Leading decoration a model may put before an entry line.
_LEAD = r"^[ \t]*(?P<lead>(?:#{1,6}[ \t]*)?(?:[-*+][ \t]+)?(?:[*_]{1,3}[ \t]*)?)"
_SEP = r"[:.\-\u2013\u2014)|]"
_CHAPTER_LINE = re.compile(
    _LEAD + rf"chapter[ \t]+{_NUMBER}\b(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE
)
_NUMBERED_LINE = re.compile(
    r"^[ \t]*(?P<lead>(?:#{1,6}[ \t]*)?(?:[*_]{1,3})?)(?P<num>\d{1,3})[.)][ \t]+"
    r"(?P<rest>\S.*)$",
    re.MULTILINE,
)
_HEADING_LINE = re.compile(r"^[ \t]*#{2,6}[ \t]+(?P<title>\S.*?)[ \t#]*$", re.MULTILINE)
_BOLD_LINE = re.compile(
    r"^[ \t]*(?:\*\*|__)(?P<title>[^*_\n]+?)(?:\*\*|__)[ \t]*:?[ \t]*$", re.MULTILINE
)
_SPLIT = re.compile(r"\s+[\-\u2013\u2014]\s+|:\s+|\.\s+")
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")
# Headings that frame an outline rather than name a chapter.
_META = {
    "synopsis",
    "summary",
    "outline",
    "overview",
    "introduction",
    "characters",
    "main characters",
    "themes",
    "setting",
    "conclusion",
    "notes",
    "chapters",
    "chapter outline",
    "book outline",
    "table of contents",
}


class OutlineFormat(StrEnum):
    """Which kind of lines the entries came from (most to least explicit)."""

    CHAPTER_LINES = "chapter lines"
    NUMBERED = "numbered list"
    TITLES = "bare titles"
    NONE = "none"


@dataclass(frozen=True)
class OutlineEntry:
    """One chapter as the outline describes it; title or summary may be empty."""

    number: int
    title: str
    summary: str


@dataclass(frozen=True)
class Outline:
    """The chapters an outline lists, in order, each number at most once."""

    entries: tuple[OutlineEntry, ...]
    format: OutlineFormat
    # The text before the first entry, without the book's own ``# Title`` line.
    synopsis: str = ""

    @property
    def count(self) -> int:
        return len(self.entries)

    def entry(self, number: int) -> OutlineEntry | None:
        """The entry numbered ``number``, if the outline has one."""
        return next((e for e in self.entries if e.number == number), None)

    def next_entry(self, number: int) -> OutlineEntry | None:
        """The entry after ``number`` (so a chapter prompt can say what comes next)."""
        later = [e for e in self.entries if e.number > number]
        return later[0] if later else None


def parse_outline(text: str) -> Outline:
    """Entries from chapter lines, else a numbered list, else bare titles, else none."""
    for fmt, finder in (
        (OutlineFormat.CHAPTER_LINES, _chapter_lines),
        (OutlineFormat.NUMBERED, _numbered_lines),
        (OutlineFormat.TITLES, _title_lines),
    ):
        found = finder(text)
        if found:
            return _build(text, found, fmt)
    return Outline(entries=(), format=OutlineFormat.NONE, synopsis=_clean(text))


def chapter_count(text: str) -> int:
    """How many chapters the outline lists (0 when it lists none)."""
    return parse_outline(text).count


def chapter_titles(text: str) -> dict[int, str]:
    """Map chapter number to title, for the entries that have one."""
    return {e.number: e.title for e in parse_outline(text).entries if e.title}


def count_notice(text: str, asked: int) -> str:
    """What to tell the author when the outline's chapters differ from the ask.

    Empty when the count matches; otherwise one plain sentence.
    """
    if not text.strip():
        return (
            f"The model's reply was empty; you asked for {asked} chapters. "
            "Reject it with feedback to get a new outline."
        )
    found = chapter_count(text)
    if found == asked:
        return ""
    if found == 0:
        return (
            f"No chapters could be found in this outline; you asked for {asked}. "
            "Reject it with feedback to get a new one."
        )
    chapters = "chapter" if found == 1 else "chapters"
    return (
        f"This outline has {found} {chapters}; you asked for {asked}. "
        f"Approve it to write the {found} that are there, or reject it with feedback."
    )


# --- finding entry lines ---------------------------------------------------
@dataclass(frozen=True)
class _Found:
    start: int  # offset of the entry line
    end: int  # offset just after it
    number: int
    title: str
    inline_summary: str


def _chapter_lines(text: str) -> list[_Found]:
    found = []
    for m in _CHAPTER_LINE.finditer(text):
        number = _to_int(m["num"])
        if number is None:
            continue
        rest = m["rest"]
        if not (m["lead"].strip() or _entry_rest(rest)):
            continue  # "Chapter 3 sees the hero fall": prose, not an entry
        title, summary = _title_and_summary(rest, heading="#" in m["lead"])
        if not title:
            title, end = _title_below(text, m.end())
            found.append(_Found(m.start(), end, number, title, summary))
            continue
        found.append(_Found(m.start(), m.end(), number, title, summary))
    return found


def _numbered_lines(text: str) -> list[_Found]:
    found = []
    for m in _NUMBERED_LINE.finditer(text):
        title, summary = _title_and_summary(m["rest"], heading="#" in m["lead"])
        if not title and not summary:
            continue
        found.append(_Found(m.start(), m.end(), int(m["num"]), title, summary))
    return found


def _title_lines(text: str) -> list[_Found]:
    lines = [
        (m.start(), m.end(), _strip_marks(m["title"]))
        for pattern in (_HEADING_LINE, _BOLD_LINE)
        for m in pattern.finditer(text)
    ]
    lines.sort()
    titles = [
        (start, end, title)
        for start, end, title in lines
        if title
        and title.lower().rstrip(":") not in _META
        and len(title.split()) <= _TITLE_MAX_WORDS
    ]
    return [
        _Found(start, end, k, title, "")
        for k, (start, end, title) in enumerate(titles, start=1)
    ]


def _build(text: str, found: list[_Found], fmt: OutlineFormat) -> Outline:
    """Attach each entry's paragraph; keep the first entry of each number."""
    entries: dict[int, OutlineEntry] = {}
    for k, f in enumerate(found):
        stop = found[k + 1].start if k + 1 < len(found) else len(text)
        body = _first_block(text[f.end : stop])
        summary = " ".join(x for x in (f.inline_summary, body) if x)
        if f.number not in entries and f.number > 0:
            entries[f.number] = OutlineEntry(f.number, f.title, summary)
    return Outline(
        entries=tuple(entries[n] for n in sorted(entries)),
        format=fmt,
        synopsis=_clean(text[: found[0].start]),
    )


# --- pieces of a line ------------------------------------------------------
def _entry_rest(rest: str) -> bool:
    """What follows an undecorated ``Chapter N``: nothing, a separator, emphasis,
    or a short capitalised title, as opposed to a sentence."""
    rest = rest.strip()
    if not rest or re.match(_SEP, rest) or rest.startswith(("*", "_", '"')):
        return True
    words = rest.split()
    capitalised = sum(w[:1].isupper() for w in words)
    return len(words) <= _TITLE_MAX_WORDS and capitalised * 2 > len(words)


def _title_and_summary(rest: str, *, heading: bool) -> tuple[str, str]:
    """Split what follows ``Chapter N`` into a title and an inline summary."""
    rest = re.sub(r"^[\s:.\-\u2013\u2014)|]+", "", rest.strip())
    # "**The Flood** - Water rises": the bold part is the title.
    bold = re.match(r"^(?:\*\*|__)\s*(?P<t>[^*_]+?)\s*(?:\*\*|__)(?P<a>.*)$", rest)
    # "The Flood** - Water rises" (the bold opened before "Chapter").
    bold = bold or re.match(r"^(?P<t>[^*_]+?)\s*(?:\*\*|__|\*|_)(?P<a>.*)$", rest)
    if bold and bold["a"].strip() and not heading:
        return _strip_marks(bold["t"]), _strip_marks(bold["a"])
    rest = _strip_marks(rest)
    if heading:
        return rest, ""
    head, tail = _split_once(rest)
    if len(rest.split()) <= _TITLE_MAX_WORDS:
        if tail and len(tail.split()) >= 4:
            return head, tail
        return rest, ""
    if tail and len(head.split()) <= _TITLE_MAX_WORDS:
        return head, tail
    return "", rest


def _split_once(text: str) -> tuple[str, str]:
    """A title and what follows its first separator (" - ", ": ", ". ")."""
    m = _SPLIT.search(text)
    if m is None:
        return text, ""
    return text[: m.start()].strip(), text[m.end() :].strip()


def _title_below(text: str, pos: int) -> tuple[str, int]:
    """A title on the line under ``Chapter N`` (a heading or bold line), if any."""
    tail = text[pos:]
    m = re.match(r"[ \t]*\n(?:[ \t]*\n)?(?P<line>[^\n]*)", tail)
    if m is None:
        return "", pos
    line = m["line"].strip()
    if re.match(r"^(#{1,6}\s+|\*\*|__)", line) and not _CHAPTER_LINE.match(line):
        title = _strip_marks(line)
        if title and len(title.split()) <= _TITLE_MAX_WORDS:
            return title, pos + m.end()
    return "", pos


def _first_block(text: str) -> str:
    """The entry's paragraph(s): lines up to a rule or a heading, as one line."""
    out: list[str] = []
    for line in text.splitlines():
        s = line.strip()
        if _RULE.match(s) or (s.startswith("#") and out):
            break
        if s.startswith("#"):
            continue
        s = re.sub(r"^(?:[-*+]|\d{1,3}[.)])\s+", "", s)
        if s:
            out.append(_strip_marks(s) if s.startswith(("*", "_")) else s)
    return " ".join(out)


def _clean(text: str) -> str:
    lines = [
        line.strip() for line in text.splitlines() if not re.match(r"^\s*#\s", line)
    ]
    return " ".join(x for x in lines if x)


def _strip_marks(text: str) -> str:
    """Drop markdown emphasis, heading marks, quotes and separators at the ends."""
    text = text.strip()
    text = re.sub(r"^[#\s]*", "", text)
    text = re.sub(r"^[\s:.\-\u2013\u2014)|*_\"'\u201c\u201d]+", "", text)
    text = re.sub(r"[\s:*_#\"'\u201c\u201d]+$", "", text)
    text = text.replace("**", "").replace("__", "")
    return text.strip()


def _to_int(token: str) -> int | None:
    """A chapter number written as digits, a word or a Roman numeral."""
    t = token.lower().replace("-", " ")
    if t.isdigit():
        return int(t)
    if t in _ONES:
        return _ONES.index(t)
    if t in _ORDINALS:
        return _ORDINALS[t]
    parts = t.split()
    if parts and parts[0] in _TENS:
        ones = _ONES.index(parts[1]) if len(parts) > 1 and parts[1] in _ONES else 0
        return _TENS[parts[0]] + ones
    if all(c in _ROMAN for c in t):
        total = 0
        for i, c in enumerate(t):
            v = _ROMAN[c]
            nxt = _ROMAN[t[i + 1]] if i + 1 < len(t) else 0
            total += -v if v < nxt else v
        return total if total > 0 else None
    return None
