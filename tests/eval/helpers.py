"""Running ``python -m bookgen.eval`` as an author would, and checking its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BOOK_FIELDS = {
    "id",
    "genre",
    "status",
    "chapters_asked",
    "chapters_found",
    "outline_format",
    "titles_used",
    "chapters",
    "mean_s_l",
    "within_15_share",
    "repetition",
    "names_found",
    "names_total",
    "prompt_tokens",
    "completion_tokens",
    "wall_s",
    "error",
    "tokens_estimated",
}
CHAPTER_FIELDS = {
    "chapter",
    "words",
    "target",
    "s_l",
    "within_15",
    "repetition",
    "names_found",
    "names_total",
}
TOP_FIELDS = {
    "specs_version",
    "subset",
    "model",
    "endpoint",
    "books",
    "books_complete",
    "chapters",
    "mean_s_l",
    "within_15_share",
    "outline",
    "repetition",
    "continuity",
    "prompt_tokens",
    "completion_tokens",
    "tokens_estimated",
    "wall_s",
    "per_book",
}


def run_eval(
    *args: str, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """The eval in a subprocess with exactly the endpoint ``env`` names."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "BOOKGEN_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bookgen.eval", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def last_json(proc: subprocess.CompletedProcess[str]) -> dict:
    """The JSON object on the last line, after checking the run succeeded."""
    assert proc.returncode == 0, f"eval failed:\n{proc.stdout}\n{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert lines, f"eval printed nothing:\n{proc.stderr}"
    result = json.loads(lines[-1])
    assert isinstance(result, dict)
    return result


def check_shape(result: dict) -> None:
    """Every field the issue names is present, with values in their ranges."""
    assert set(result) >= TOP_FIELDS
    assert set(result["outline"]) == {
        "chapters_asked",
        "chapters_found",
        "books_with_asked_count",
        "titles_used",
    }
    assert result["books"] == len(result["per_book"]) >= 1
    assert 0 <= result["mean_s_l"] <= 100
    assert 0 <= result["within_15_share"] <= 1
    assert 0 <= result["repetition"] < 1
    assert 0 <= result["continuity"] <= 1
    assert result["wall_s"] > 0
    for book in result["per_book"]:
        assert set(book) == BOOK_FIELDS
        assert len(book["chapters"]) == book["chapters_asked"]
        for chapter in book["chapters"]:
            assert set(chapter) == CHAPTER_FIELDS
            assert 0 <= chapter["s_l"] <= 100
