"""The benchmark's quick mode runs end to end and reports every figure.

Timings are never asserted here (these machines are noisy): only that the
benchmark produces each field the README's table shows.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import PG_URL
from tests.system.conftest import REDIS_URL

pytestmark = [pytest.mark.system, pytest.mark.postgres, pytest.mark.browser]

FIELDS = {
    "ws_bytes_per_text_byte",
    "naive_ws_bytes_per_text_byte",
    "first_push_added_ms_p50",
    "first_push_added_ms_p95",
    "push_interval_ms_p50",
    "push_interval_ms_p95",
    "max_streams_3_viewers_at_250ms",
    "max_viewers_one_book_at_250ms",
    "db_writes_per_stream_s",
    "chunk_rows_after_complete",
    "two_worker_speedup",
    "big_book_first_chapter_ms",
}


STREAM_FIELDS = {
    "max_streams_3_viewers_at_250ms",
    "streams_p95_lag_ms",
    "two_worker_max_streams",
    "two_worker_streams_p95_lag_ms",
    "two_worker_speedup",
}


DATABASES = ("--pg-url", PG_URL, "--redis-url", REDIS_URL)


def run_bench(*options: str) -> dict:
    run = subprocess.run(
        # The benchmark recreates this database and flushes this Redis db.
        [sys.executable, "-m", "bench", *options, *DATABASES],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_quick_benchmark_prints_every_field():
    figures = run_bench("--quick")
    assert set(figures) >= FIELDS, FIELDS - set(figures)
    assert figures["quick"] is True


def test_streams_only_measures_just_the_stream_capacity():
    """The option a live-path change is checked with: both workers' levels
    were tried and nothing else was."""
    figures = run_bench("--quick", "--streams-only")
    assert set(figures) >= STREAM_FIELDS, STREAM_FIELDS - set(figures)
    assert not set(figures) & (FIELDS - STREAM_FIELDS)
    assert list(figures["streams_p95_lag_ms"]) == ["5"]
    assert list(figures["two_worker_streams_p95_lag_ms"]) == ["5"]
    assert figures["streams_only"] is True
