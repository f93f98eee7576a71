"""Deterministic stand-in for an LLM, so demos and tests need no network or API key.

It reads chat messages the way the app's prompts are written (a ``Book settings:``
block and a ``Task: ...`` line in the last user message) and writes outlines,
chapters, continuations and summaries from templates. Randomness comes from
``random.Random`` seeded by a SHA-256 of the request, so equal requests give
byte-identical replies, and the continuation of a cut-off reply is exactly the
rest of that reply.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

__all__ = ["split_words", "write_reply"]

# Word lists and templates, one per line; an indented line continues the one above.
_DATA = (Path(__file__).with_name("offline_phrases.txt")).read_text(encoding="utf-8")


def _parse(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    cur: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("["):
            cur = out.setdefault(line.strip("[]"), [])
        elif line.startswith("  ") and cur:
            glue = cur[-1].endswith(("|", ";")) or line.strip()[0] in "|;"
            cur[-1] += ("" if glue else " ") + line.strip()
        elif line.strip():
            cur.append(line.strip())
    return out


_D = _parse(_DATA)
_L = {k: v[0].split(";") for k, v in _D.items() if ";" in v[0] and len(v) == 1}
_W = {k: set(" ".join(_D[k]).split()) for k in ("stop", "det", "small", "person")}
_FEMALE, _MALE, _SURNAMES = (_D[k][0].split() for k in ("female", "male", "surname"))
_KEYS = _L["keys"]
_HEADING = "^[ \t]*##[ \t]*Chapter[ \t]+{}[ \t]*[:.\\-\u2013\u2014][ \t]*(.+?)[ \t]*$"
_TASK = re.compile(r"^[ \t]*Task:[ \t]*(.+?)[ \t]*$", re.M | re.I)
_MARK = "^[ \t]*{}:[ \t]*\n?"
_NAMED = (
    r"\b(?:named|called|Detective|Captain|Dr\.|Professor|Sir|Lady|Agent)\s+([A-Z]\w+)"
)


def split_words(text: str) -> list[str]:
    """Chunk text into words, each with its preceding whitespace; join restores it."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[sum(map(len, pieces)) :]
    if rest:
        pieces = [*pieces[:-1], pieces[-1] + rest] if pieces else [rest]
    return pieces


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _find(pattern: str, texts: list[str], group: int = 1) -> str | None:
    """The first match of a line pattern, looking through texts in order."""
    hits = (re.search(pattern, t, re.M | re.I) for t in texts)
    return next((h.group(group) for h in hits if h), None)


def _noun_phrases(text: str) -> list[str]:
    """Cheap noun spotting: short runs of content words after a determiner."""
    toks, out, i = re.findall(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]", text), [], 0
    while i < len(toks):
        i += 1
        if toks[i - 1].lower() not in _W["det"]:
            continue
        run: list[str] = []
        while i < len(toks) and len(run) < 3 and toks[i].lower() not in _W["stop"]:
            if not toks[i][0].isalpha() or toks[i].endswith("ly"):
                break
            run, i = [*run, toks[i].lower()], i + 1
        if len(run) > 1 and run[-1][-1] == "s" and run[-2][-1] not in "sdn":
            run.pop()  # "keeper discovers": the last word is probably a verb
        if run and re.search(r"[^su]s$", run[-1]):  # singular reads better in templates
            one = re.sub(r"ies$", "y", run[-1])
            run[-1] = (
                one
                if one != run[-1]
                else re.sub(r"(?:(?<=[sxz])|(?<=[cs]h))es$|s$", "", one)
            )
        ok = run and min(map(len, run)) > 2 and run[-1] not in _W["person"]
        if ok and " ".join(run[-2:]) not in out:
            out.append(" ".join(run[-2:]))
    return out


class _Book:
    """What the settings imply: word pools and a cast, fixed per title and premise."""

    def __init__(self, get: dict[str, str]) -> None:
        def num(key: str, default: int, hi: int) -> int:
            digits = re.sub(r"\D", "", get.get(key, ""))[:6]
            return min(hi, max(1, int(digits or default)))

        self.title, self.premise, self.genre, self.audience, self.tone = (
            get.get(k, "").strip() for k in _KEYS[:5]
        )
        self.title = self.title or "Untitled"
        self.chapters, self.words = num("chapters", 10, 100), num(_KEYS[6], 800, 50000)
        self.words = max(10, self.words)
        themes = [t.split("|") for t in _D["theme"]]
        hit = (t for t in themes if any(w in self.genre.lower() for w in t[0].split()))
        theme = next(hit, themes[-1])
        self.nouns = _noun_phrases(self.premise) * 2 + theme[1].split()
        self.places, self.tadjs = theme[2].split(";"), theme[3].split()
        tone = self.tone.lower()
        tones = [t.split("|") for t in _D["tone"]]
        hits = [ms for ks, ms in tones if any(k in tone for k in ks.split())]
        self.moods = " ".join(hits).split()
        mine = [w for w in re.findall(r"[a-z]+", tone) if w not in _W["stop"]][:2]
        self.moods = self.moods or [*mine, "quiet", "uncertain", "strange", "heavy"]
        rng = _rng("names", get.get("title", ""), self.premise)
        named = re.search(_NAMED, self.premise)
        words = re.findall(r"[a-z]+", self.premise.lower())
        she = sum(w in ("she", "her", "herself") for w in words)
        he = sum(w in ("he", "him", "his", "himself") for w in words)
        cast = [_FEMALE, _MALE][he > she] if he != she else rng.choice([_FEMALE, _MALE])
        hero = named.group(1) if named else rng.choice(cast)
        ally = rng.choice([n for n in _FEMALE + _MALE if n != hero])
        self.names = (hero, ally, rng.choice(_SURNAMES))
        self.pro = ("they", "them", "their")
        if hero in _FEMALE or (hero not in _MALE and she > he):
            self.pro = ("she", "her", "her")
        elif hero in _MALE or he > she:
            self.pro = ("he", "him", "his")

    def fill(
        self, tpl: str, rng: random.Random, ct: str = "", pool: list | None = None
    ) -> str:
        """One template with its slots drawn from the book's pools."""
        pool = pool or self.nouns
        n = rng.choice(pool)
        n2 = next((x for x in (rng.choice(pool) for _ in range(6)) if x != n), pool[0])
        he, him, his = self.pro
        pick = {k: rng.choice(_L[k]) for k in ("sense", "feel", "verb", "time", "tod")}
        # fmt: off
        s = tpl.format(
            P=self.names[0], A=self.names[1], R=self.names[2], n=n, n2=n2, ct=ct,
            nh=n.split()[-1], pl=rng.choice(self.places), adj=rng.choice(self.moods),
            tadj=rng.choice(self.tadjs), v=pick["verb"], T=pick["time"], **pick,
            he=he, He=he.capitalize(), him=him, his=his,
        )
        # fmt: on
        i = 1 if s[:1] == '"' else 0
        return s[:i] + s[i : i + 1].upper() + s[i + 1 :]


def _prose(
    b: _Book, rng: random.Random, target: int, ct: str = "", opening: bool = True
) -> str:
    """Paragraphs of template sentences totalling ``target`` words (+3 % at most)."""
    extra = [w for w in re.findall(r"[a-z]{4,}", ct.lower()) if w not in _W["stop"]]
    pool = b.nouns + [w for w in extra if w.title() not in b.names] * 3
    tol, total, paras, cur, recent = max(1, target * 3 // 100), 0, [], [], []
    size = rng.randint(3, 6)
    while total < target:
        left = target - total
        talk = rng.random() < 0.12 and not (paras and paras[-1].startswith('"'))
        kind = "dialogue" if talk else "body"
        kind = "close" if left <= 25 else kind
        kind = (
            ("open" if ct else "open plain") if opening and not (paras or cur) else kind
        )
        tpl = rng.choice([t for t in _D[kind] if t not in recent] or _D[kind])
        recent = [*recent[-12:], tpl]
        s = b.fill(tpl, rng, ct, pool)
        if len(s.split()) > left + tol:
            s = b.fill(rng.choice(_L["short"]), rng, ct, pool)
        if len(s.split()) > left + tol:
            s = " ".join(s.split()[:left]).rstrip(',.;:!?"') + "."
        total += len(s.split())
        if s.startswith('"'):  # dialogue stands in its own paragraph
            paras, cur = [*paras, *[" ".join(cur)] * bool(cur), s], []
            continue
        cur.append(s)
        if len(cur) >= size:
            paras, cur, size = [*paras, " ".join(cur)], [], rng.randint(3, 6)
    return "\n\n".join(paras + [" ".join(cur)] * bool(cur))


def _chapter(b: _Book, k: int, ct: str | None) -> str:
    rng = _rng("chapter", b.title, b.premise, k, b.words, ct or "")
    return _prose(b, rng, b.words, ct or "")


def _title(b: _Book, rng: random.Random, taken: list[str]) -> str:
    """A chapter title from a template, title-cased, not already taken."""
    for _ in range(30):
        n, n2 = rng.choice(b.nouns), rng.choice(b.nouns)
        adj, pl = rng.choice(b.moods + b.tadjs), rng.choice(b.places)
        t = rng.choice(_L["title"]).format(
            N=n, Nh=n.split()[-1], N2h=n2.split()[-1], P=b.names[0], Pl=pl, Adj=adj
        )
        w = t.split()
        t = " ".join(
            x if i and x in _W["small"] else x[:1].upper() + x[1:]
            for i, x in enumerate(w)
        )
        if t not in taken and n != n2:
            return t
    return f"{t} ({len(taken) + 1})"


def _outline(
    b: _Book, feedback: str = "", previous: dict[int, str] | None = None
) -> str:
    """Markdown outline; with feedback, a revision that keeps earlier titles."""
    rng, titles = _rng("outline", b.title, b.premise, b.chapters, feedback), []
    for k in range(1, b.chapters + 1):
        titles.append((previous or {}).get(k) or _title(b, rng, titles))
    syn = b.premise or b.fill("{P} stumbles onto the {n} and cannot let it go.", rng)
    syn += "" if syn[-1] in ".!?\"'" else "."
    many = f"{b.chapters} chapter" + "s" * (b.chapters > 1)
    syn += b.fill(
        f" Across {many}, {{P}} is pulled toward {{pl}}, with {{A}} close", rng
    )
    syn += f" by and {b.names[2]} never far behind."
    aud = b.audience.lower()
    aud += "" if re.search(r"(s|ren|people|readers)$", aud) else " readers"
    if kind := " ".join(x.lower() for x in (b.tone, b.genre) if x):
        syn += f" It is a {kind} story" + f" for {aud}" * bool(b.audience) + "."
    if feedback:
        end = "" if feedback[-1] in ".!?" else "."
        syn += f" This version was revised to address: {feedback}{end}"
    keys = re.findall(r"[A-Za-z'-]{4,}", feedback)
    keys = list(dict.fromkeys(w for w in keys if w.lower() not in _W["stop"]))
    keys = [w for w in keys if w in sorted(keys, key=len, reverse=True)[:4]]
    lines, used = [f"# {b.title}", "", syn], []
    woven = {rng.randrange(b.chapters), b.chapters - 1} if keys else set()
    for k in range(b.chapters):
        stage = 1 + min(2, 3 * k // b.chapters)
        stage = 0 if k == 0 else 4 if k == b.chapters - 1 else stage
        opts = _D["stage"][stage].split("|")
        used.append(rng.choice([t for t in opts if t not in used] or opts))
        body = [b.fill(used[-1], rng)]
        body += [b.fill(rng.choice(_D["extra"]), rng) for _ in range(rng.randint(0, 1))]
        if k in woven:
            fb = ", ".join(keys[:-1]) + " and " * (len(keys) > 1) + keys[-1]
            tpl = (
                f"This chapter now puts more weight on {fb}, so it shapes {{P}}'s path."
            )
            body.insert(1, b.fill(tpl, rng))
        lines += ["", f"## Chapter {k + 1}: {titles[k]}", "", " ".join(body)]
    return "\n".join(lines)


def _summary(b: _Book, k: int, ct: str | None, text: str) -> str:
    """Two or three sentences naming the chapter, its people and its main nouns."""
    rng = _rng("summary", b.title, k, text)
    caps = re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b", text)
    names = sorted(set(caps) - set(b.names), key=lambda w: (-caps.count(w), w))
    names = [n for n in b.names[:2] if n in text] + names or [b.names[0]]
    words = re.findall(r"\b[a-z]{4,}\b", text)
    heads = {n.split()[-1] for n in b.nouns}
    rank = lambda w: (w not in heads, -words.count(w), w)  # noqa: E731
    topics = sorted({w for w in words if w not in _W["stop"]}, key=rank)[:3]
    topics += [n.split()[-1] for n in b.nouns][: 3 - len(topics)]
    label = f'Chapter {k}, "{ct}",' if ct else f"Chapter {k},"
    who, other = names[0], names[1] if len(names) > 1 else b.names[1]
    sents = [
        f"In {label} {who} is drawn deeper into the matter of the {topics[0]}"
        f" and the {topics[1]}.",
        f"Along the way, {other} tests {who}'s resolve, and the {topics[2]} takes"
        f" on a new and {rng.choice(b.moods)} meaning.",
        f"The chapter closes on a {rng.choice(b.moods)} note, leaving the question"
        f" of the {topics[0]} open and setting up what comes next.",
    ]
    out = " ".join(sents if len(" ".join(sents).split()) <= 90 else sents[::2])
    return out if len(out.split()) <= 90 else " ".join(out.split()[:89]) + "."


def _continue(base: str, full: str, so_far: str, b: _Book, ct: str | None) -> str:
    """The rest of ``full`` if ``so_far`` is its word prefix, else fresh text."""
    words, pieces = so_far.split(), split_words(full)
    if [p.strip() for p in pieces[: len(words)]] == words:
        return "".join(pieces[len(words) :])
    rng = _rng("continue", b.title, b.premise, base, b.words, so_far)
    lead = "" if so_far[-1:].isspace() else "\n\n"
    if base.startswith("chapter"):
        if so_far.rstrip()[-1:] not in ".!?\"'\u201d\u2019":  # mid-sentence: end it
            dangling = words[-1].lower() in _W["stop"]
            noun = " " + rng.choice(b.nouns).split()[-1] if dangling else ""
            lead = f"{noun}, and for a while nothing else seemed to matter.\n\n"
        left = b.words - len(words)
        rest = _prose(b, rng, left, ct or "", False) if left > 15 else None
        return lead + (rest or b.fill(rng.choice(_D["close"]), rng))
    if "outline" in base:  # go on from the first chapter the text lacks
        done = [int(n) for n in re.findall(r"^##\s*Chapter\s+(\d+)", so_far, re.M)]
        m = re.search(_HEADING.format(max(done, default=0) + 1), full, re.M)
        return lead + full[m.start() :].lstrip() if m else ""
    return ""


def _content(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(p.get("text", "")) for p in value if isinstance(p, dict))
    return value if isinstance(value, str) else ""


def write_reply(messages: list[dict]) -> str:
    """Answer a chat conversation as the offline model; never raises on odd input."""
    msgs = [
        (str(m.get("role")), _content(m.get("content")))
        for m in messages
        if isinstance(m, dict)
    ]
    at = max([i for i, (r, _) in enumerate(msgs) if r == "user"] or [len(msgs) - 1])
    last = msgs[at][1] if msgs else ""
    others = [t for i, (_, t) in reversed(list(enumerate(msgs))) if i != at]
    # A continuation prompt is the original message + "Task: continue ..." + text.
    cut = re.search(_MARK.format("Text so far"), last, re.M | re.I)
    head, so_far = (last[: cut.start()], last[cut.end() :]) if cut else (last, "")
    cont = [t for t in _TASK.finditer(head) if t[1].lower().startswith("continue ")]
    original = head[: cont[-1].start()] if cont else head
    cut = re.search(_MARK.format("Chapter text"), original, re.M | re.I)
    own, text = (
        (original[: cut.start()], original[cut.end() :]) if cut else (original, "")
    )
    task = (cont[-1][1][9:] if cont else _find(_TASK.pattern, [own]) or "").lower()
    base = " ".join(task.split())
    get = {
        k: v
        for k in _KEYS
        if (v := _find(rf"^[ \t]*{k}:[ \t]*(.*?)[ \t]*$", [own, *others])) is not None
    }
    b = _Book(get)
    m = re.match(r"(summary of chapter|chapter) ?(\d+)", base)
    ct = _find(_HEADING.format(m[2]), [own, *others]) if m else None
    if base.startswith("revise outline"):
        prev = next(
            (t for t in others if re.search(_HEADING.format(r"\d+"), t, re.M)), ""
        )
        heads = re.findall(_HEADING.format(r"(\d+)"), prev, re.M | re.I)
        fb = (
            _find(r"^[ \t]*Feedback:[ \t]*(.+?)[ \t]*$", [own])
            or "the reviewer's notes"
        )
        full = _outline(b, fb, {int(i): t for i, t in heads})
    elif base.startswith("outline"):
        full = _outline(b)
    elif m and m[1] == "chapter":
        full = _chapter(b, int(m[2]), ct)
    elif m:
        full = _summary(b, int(m[2]), ct, text.strip())
    else:
        about = f' on "{b.title}"' if get.get("title") else ""
        full = (
            f"I'm the built-in offline writing model, happy to help{about}. I can "
            "draft an outline, revise it from feedback, write or continue a chapter, "
            "or summarize one. End your message with a line such as 'Task: outline' "
            "or 'Task: chapter 1' after the book settings, and I'll get to work."
        )
    return _continue(base, full, so_far.lstrip(" \t"), b, ct) if cont else full
