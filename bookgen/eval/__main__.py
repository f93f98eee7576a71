"""``python -m bookgen.eval [--smoke] [--book ID ...]``: the table, then one JSON line.

Runs against the endpoint the environment configures (``OPENAI_BASE_URL``,
``OPENAI_API_KEY``, ``BOOKGEN_MODEL``), the offline model when none is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from bookgen.config import get_settings
from bookgen.eval.report import score_book, summary, table
from bookgen.eval.runner import eval_service, write_book
from bookgen.eval.specs import DEFAULT_SPECS, SpecError, load_specs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bookgen.eval", description=__doc__)
    p.add_argument("--smoke", action="store_true", help="the small subset CI runs")
    p.add_argument(
        "--book", action="append", default=[], metavar="ID", help="only these books"
    )
    p.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="a spec file")
    p.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds per book"
    )
    return p.parse_args(argv)


def progress(msg: str) -> None:
    print(f"[eval {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> dict[str, object]:
    specs = load_specs(args.specs)
    books = specs.subset(smoke=args.smoke)
    if args.book:
        unknown = set(args.book) - {b.id for b in specs.books}
        if unknown:
            raise SpecError(f"no such book in {args.specs}: {', '.join(unknown)}")
        books = tuple(b for b in specs.books if b.id in args.book)
    settings = get_settings()
    endpoint = "offline" if settings.offline else settings.openai_base_url or "openai"
    started = time.monotonic()
    scores = []
    with tempfile.TemporaryDirectory(prefix="bookgen-eval-") as work:
        async with eval_service(settings, Path(work)) as service:
            for spec in books:
                progress(
                    f"{spec.id}: {spec.form.chapter_count} chapters of "
                    f"{spec.form.words_per_chapter} words ({endpoint})"
                )
                book_run = await write_book(service, spec, timeout_s=args.timeout)
                scores.append(score_book(book_run))
                progress(f"{spec.id}: {book_run.status} in {book_run.wall_s:.1f}s")
    print(table(scores), flush=True)
    return summary(
        scores,
        specs_version=specs.version,
        subset=(
            f"books: {', '.join(args.book)}"
            if args.book
            else "smoke"
            if args.smoke
            else "full"
        ),
        model=settings.model,
        endpoint=endpoint,
        wall_s=time.monotonic() - started,
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    args = parse_args(argv)
    try:
        result = asyncio.run(run(args))
    except SpecError as exc:
        print(f"bookgen eval: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
