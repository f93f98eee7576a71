"""``python -m bench [--quick | --streams-only] [--pg-url URL] [--redis-url URL]``:
run the real app and print its figures.

``--streams-only`` measures just the concurrent-generation capacity of one
worker and of two (and their ratio): the figures a change to the live path
moves, in a few minutes instead of the full run.

The last line printed is one JSON object with every figure (see README). The
benchmark reads no environment variable of its own: its knobs are options, and
the app it starts reads its settings as usual.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from bench import scenarios, seed
from bench.browser import big_book_first_chapter_ms, smooth_text_lag_ms
from bookgen.storage.db import make_engine, migrate_to_head
from bookgen.storage.store import Store
from tests.support.devserver import AppServer

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def app_env(db_url: str, **extra: str) -> dict[str, str]:
    return {
        # The benchmark measures streaming: one author, no sign-in.
        "BOOKGEN_AUTH": "off",
        "DATABASE_URL": db_url,
        "REFLEX_APP_MODULE_IMPORT": "bench.app",
        "BOOKGEN_OFFLINE_WPS": "30",
        # It measures streaming at load, not the cost limits: lift them.
        "BOOKGEN_USER_CONCURRENT": "10000",
        "BOOKGEN_USER_TOKENS_PER_DAY": "0",
        "BOOKGEN_WORKER_CONCURRENT": "10000",
        **extra,
    }


async def single_worker(args: argparse.Namespace, work: Path) -> dict:
    db_url = f"sqlite:///{work / 'bench.db'}"
    migrate_to_head(db_url)
    engine = make_engine(db_url)
    store = Store(engine)
    out: dict = {}
    # Bytes are measured as users get them: no benchmark timestamps in pushes.
    with AppServer(app_env(db_url)) as app:
        log(f"app up at {app.url}; streaming one chapter to one viewer")
        run = await scenarios.chapter_bytes(app.url, store, args.words)
        out.update(run.figures)
        log("the same chapter through a naive growing str var")
        out["naive_ws_bytes_per_text_byte"] = await scenarios.naive_bytes(
            app.url, run.text, 30
        )
        log("a finished 30-chapter book in Chromium")
        big = await seed.finished_book(store, 90_000, args.big_chapters, args.big_words)
        out["big_book_first_chapter_ms"] = await big_book_first_chapter_ms(app.url, big)
        streaming = await seed.writing_book(store, 95_000, 600)
        out["smooth_text_max_lag_ms"] = await smooth_text_lag_ms(app.url, streaming, 8)
    timed = app_env(db_url, BOOKGEN_BENCH_TIMESTAMPS="1")
    with AppServer(timed) as app:
        log("first pushes, one quiet generation at a time")
        firsts = await scenarios.first_pushes(app.url, store, args.first_count, 40_000)
        out["first_push_added_ms_p50"] = scenarios.percentile(firsts, 50)
        out["first_push_added_ms_p95"] = scenarios.percentile(firsts, 95)
        log("concurrent generations, 3 viewers each")
        best, seen, _ = await scenarios.max_streams(
            app.url, store, args.stream_levels, args.window, n0=10_000
        )
        out["max_streams_3_viewers_at_250ms"] = best
        out["streams_p95_lag_ms"] = seen
        log("viewers of one book")
        best, seen = await scenarios.max_viewers(
            app.url, store, args.viewer_levels, args.window, n0=50_000
        )
        out["max_viewers_one_book_at_250ms"] = best
        out["viewers_p95_lag_ms"] = seen
    await engine.dispose()
    return out


async def single_worker_streams(args: argparse.Namespace, work: Path) -> dict:
    """Only the one-worker stream capacity (``--streams-only``)."""
    db_url = f"sqlite:///{work / 'bench.db'}"
    migrate_to_head(db_url)
    engine = make_engine(db_url)
    with AppServer(app_env(db_url, BOOKGEN_BENCH_TIMESTAMPS="1")) as app:
        log("concurrent generations, 3 viewers each")
        best, seen, _ = await scenarios.max_streams(
            app.url, Store(engine), args.stream_levels, args.window, n0=10_000
        )
    await engine.dispose()
    return {"max_streams_3_viewers_at_250ms": best, "streams_p95_lag_ms": seen}


async def two_workers(args: argparse.Namespace, single_best: int) -> dict:
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    fresh_database(args.pg_url)
    migrate_to_head(args.pg_url)
    engine = make_engine(args.pg_url)
    store = Store(engine)
    env = app_env(
        args.pg_url,
        REDIS_URL=args.redis_url,
        GUNICORN_CMD_ARGS="--workers 2",
        BOOKGEN_BENCH_TIMESTAMPS="1",
    )
    with AppServer(env) as app:
        log("two workers + Redis + PostgreSQL: concurrent generations, 3 viewers each")
        best, seen, _ = await scenarios.max_streams(
            app.url, store, args.two_worker_levels, args.window, n0=200_000
        )
    await engine.dispose()
    return {
        "two_worker_max_streams": best,
        "two_worker_streams_p95_lag_ms": seen,
        "two_worker_speedup": round(best / single_best, 2) if single_best else 0.0,
    }


def fresh_database(url: str) -> None:
    """Drop and create the benchmark's own PostgreSQL database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--quick", action="store_true", help="small run for CI smoke tests")
    ap.add_argument(
        "--streams-only",
        action="store_true",
        help="only the stream capacity of one and two workers (and their ratio)",
    )
    ap.add_argument(
        "--pg-url",
        default=DEFAULT_PG_URL,
        help="PostgreSQL database for the two-worker run (dropped and recreated)",
    )
    ap.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="Redis database for the two-worker run (flushed)",
    )
    ap.add_argument(
        "--stream-levels",
        type=_levels,
        help="one worker's stream levels to try, e.g. 100,125,150",
    )
    ap.add_argument(
        "--two-worker-levels",
        type=_levels,
        help="two workers' stream levels to try, e.g. 150,175,200",
    )
    args = ap.parse_args(argv)
    chosen = args.stream_levels, args.two_worker_levels
    if args.quick:
        args.words, args.window, args.first_count = 300, 3.0, 3
        args.stream_levels, args.viewer_levels = [5], [10]
        args.two_worker_levels = [5]
        args.big_chapters, args.big_words = 30, 300
    else:
        args.words, args.window, args.first_count = 1500, 8.0, 20
        args.stream_levels = [25, 50, 75, 100, 125, 150, 175, 200, 225]
        args.two_worker_levels = [100, 125, 150, 175, 200, 225, 250]
        args.viewer_levels = [50, 100, 200, 300, 400]
        args.big_chapters, args.big_words = 30, 3300
    args.stream_levels = chosen[0] or args.stream_levels
    args.two_worker_levels = chosen[1] or args.two_worker_levels
    return args


def _levels(text: str) -> list[int]:
    levels = [int(part) for part in text.split(",")]
    if not levels or min(levels) < 1 or levels != sorted(levels):
        raise argparse.ArgumentTypeError("ascending positive numbers, e.g. 100,125")
    return levels


async def main() -> None:
    args = parse()
    started = time.monotonic()
    one_worker = single_worker_streams if args.streams_only else single_worker
    with tempfile.TemporaryDirectory(prefix="bookgen-bench-") as tmp:
        figures = await one_worker(args, Path(tmp))
    figures.update(await two_workers(args, figures["max_streams_3_viewers_at_250ms"]))
    figures["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}"
    )
    figures["quick"] = args.quick
    figures["streams_only"] = args.streams_only
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps({k: _round(v) for k, v in figures.items()}))


def _round(v: object) -> object:
    return round(v, 3) if isinstance(v, float) else v


if __name__ == "__main__":
    asyncio.run(main())
