"""Scoring written books and printing the figures: a table, then one JSON line."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bookgen.eval import metrics
from bookgen.eval.runner import BookRun
from bookgen.generation.outline import parse_outline
from bookgen.storage.models import BookStatus

__all__ = ["BookScore", "ChapterScore", "score_book", "summary", "table"]


@dataclass(frozen=True)
class ChapterScore:
    chapter: int
    words: int  # 0 when the chapter was never completed
    target: int
    s_l: float
    within_15: bool
    repetition: float
    names_found: int
    names_total: int


@dataclass(frozen=True)
class BookScore:
    id: str
    genre: str
    status: str
    chapters_asked: int
    chapters_found: int  # entries the lenient parser found in the outline
    outline_format: str
    titles_used: float  # share of asked chapters the outline gave a title
    chapters: tuple[ChapterScore, ...]
    mean_s_l: float
    within_15_share: float
    repetition: float
    names_found: int
    names_total: int
    prompt_tokens: int
    completion_tokens: int
    wall_s: float
    error: str
    tokens_estimated: bool


def score_book(run: BookRun) -> BookScore:
    """Length, outline adherence, repetition and continuity of one book.

    A chapter that was never completed scores 0: a book that stops early is
    not rewarded for the chapters it skipped.
    """
    form = run.spec.form
    outline = parse_outline(run.outline)
    known = metrics.names_in(
        " ".join(
            [form.premise, outline.synopsis, *(e.summary for e in outline.entries)]
        )
    )
    texts = {c.number: c.text for c in run.chapters}
    chapters = []
    for n in range(1, form.chapter_count + 1):
        text = texts.get(n, "")
        words = metrics.word_count(text)
        entry = outline.entry(n)
        found, total = metrics.continuity(entry.summary if entry else "", text, known)
        chapters.append(
            ChapterScore(
                chapter=n,
                words=words,
                target=form.words_per_chapter,
                s_l=round(metrics.length_score(words, form.words_per_chapter), 1),
                within_15=metrics.within_tolerance(words, form.words_per_chapter),
                repetition=round(metrics.repetition([text]), 4),
                names_found=found,
                names_total=total,
            )
        )
    titled = sum(
        1
        for n in range(1, form.chapter_count + 1)
        if (e := outline.entry(n)) and e.title
    )
    return BookScore(
        id=run.spec.id,
        genre=form.genre,
        status=run.status,
        chapters_asked=form.chapter_count,
        chapters_found=outline.count,
        outline_format=outline.format.value,
        titles_used=round(titled / form.chapter_count, 3),
        chapters=tuple(chapters),
        mean_s_l=round(metrics.mean([c.s_l for c in chapters]) or 0.0, 1),
        within_15_share=round(sum(c.within_15 for c in chapters) / len(chapters), 3),
        repetition=round(metrics.repetition(texts[n] for n in sorted(texts)), 4),
        names_found=sum(c.names_found for c in chapters),
        names_total=sum(c.names_total for c in chapters),
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
        wall_s=round(run.wall_s, 2),
        error=run.error,
        tokens_estimated=run.tokens_estimated,
    )


def summary(
    scores: list[BookScore],
    *,
    specs_version: int,
    subset: str,
    model: str,
    endpoint: str,
    wall_s: float,
) -> dict[str, object]:
    """The JSON object printed last: every figure, overall and per book."""
    chapters = [c for s in scores for c in s.chapters]
    names_total = sum(s.names_total for s in scores)
    return {
        "specs_version": specs_version,
        "subset": subset,
        "model": model,
        "endpoint": endpoint,
        "books": len(scores),
        "books_complete": sum(s.status == BookStatus.COMPLETE for s in scores),
        "chapters": len(chapters),
        "mean_s_l": round(metrics.mean([c.s_l for c in chapters]) or 0.0, 1),
        "within_15_share": round(
            sum(c.within_15 for c in chapters) / len(chapters) if chapters else 0.0, 3
        ),
        "outline": {
            "chapters_asked": sum(s.chapters_asked for s in scores),
            "chapters_found": sum(s.chapters_found for s in scores),
            "books_with_asked_count": sum(
                s.chapters_found == s.chapters_asked for s in scores
            ),
            "titles_used": round(
                metrics.mean([s.titles_used for s in scores]) or 0.0, 3
            ),
        },
        "repetition": round(metrics.mean([s.repetition for s in scores]) or 0.0, 4),
        "continuity": round(
            sum(s.names_found for s in scores) / names_total if names_total else 0.0, 3
        ),
        "prompt_tokens": sum(s.prompt_tokens for s in scores),
        "completion_tokens": sum(s.completion_tokens for s in scores),
        # True when the endpoint sent no usage for some calls (≈ chars / 4).
        "tokens_estimated": any(s.tokens_estimated for s in scores),
        "wall_s": round(wall_s, 2),
        "per_book": [asdict(s) for s in scores],
    }


def table(scores: list[BookScore]) -> str:
    """One row per book, then each chapter's words against its target."""
    head = (
        f"{'book':<18} {'status':<9} {'outline':>7} {'S_l':>5} {'±15%':>5} "
        f"{'repeat':>6} {'names':>7} {'tok in':>8} {'tok out':>8} {'secs':>7}"
    )
    rows = [head, "-" * len(head)]
    for s in scores:
        rows.append(
            f"{s.id[:18]:<18} {s.status[:9]:<9} "
            f"{f'{s.chapters_found}/{s.chapters_asked}':>7} {s.mean_s_l:>5.1f} "
            f"{s.within_15_share:>5.0%} {s.repetition:>6.1%} "
            f"{f'{s.names_found}/{s.names_total}':>7} "
            f"{_tokens(s.prompt_tokens, s.tokens_estimated):>8} "
            f"{_tokens(s.completion_tokens, s.tokens_estimated):>8} {s.wall_s:>7.1f}"
        )
        words = "  ".join(f"{c.chapter}:{c.words}" for c in s.chapters)
        rows.append(f"{'':<18} words/target {s.chapters[0].target}: {words}")
        if s.error:
            rows.append(f"{'':<18} error: {s.error[:120]}")
    if any(s.tokens_estimated for s in scores):
        rows.append("~ tokens estimated (the endpoint sent no usage): characters / 4")
    return "\n".join(rows)


def _tokens(count: int, estimated: bool) -> str:
    return f"~{count}" if estimated else str(count)
