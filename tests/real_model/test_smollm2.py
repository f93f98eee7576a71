"""A real small model through bookgen's normal OPENAI_BASE_URL path.

SmolLM2-135M ignores formats, rambles and stops early: what the offline model
never does. The CI book (the eval's smoke subset: 3 chapters of 400 words) is
written once, through ``python -m bookgen.eval --smoke`` and so through the
real generation service; the tests below read its figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bookgen.llm import StreamStats, make_provider
from bookgen.storage.models import BookStatus
from tests.eval.helpers import check_shape, last_json, run_eval
from tests.support.llama_server import (
    MODEL_ALIAS,
    LlamaServer,
    real_model_env,
    real_model_settings,
)

pytestmark = pytest.mark.real_model

# Every call is capped (max_tokens) and the book takes ~1.5 minutes on two
# busy cores; the margin covers a slower machine, not a runaway reply.
BOOK_TIMEOUT_S = 360


async def test_bookgen_streams_a_reply_from_the_real_model(
    llama_server: LlamaServer,
) -> None:
    provider = make_provider(real_model_settings(llama_server))
    assert not provider.offline
    stats = StreamStats()
    chunks = [
        chunk
        async for chunk in provider.stream(
            [{"role": "user", "content": "Name three colours."}],
            model=MODEL_ALIAS,
            stats=stats,
            max_tokens=64,
        )
    ]
    assert len(chunks) > 1, "the reply did not stream"
    assert "".join(chunks).strip()
    assert stats.finish_reason in ("stop", "length")


@pytest.fixture(scope="module")
def smoke_eval(llama_server: LlamaServer) -> dict:
    """The eval's smoke subset against the real model, run once; its JSON."""
    env = real_model_env(llama_server)
    proc = run_eval(
        "--smoke",
        "--timeout",
        str(BOOK_TIMEOUT_S),
        env=env,
        timeout=BOOK_TIMEOUT_S + 60,
    )
    print(proc.stdout)
    result = last_json(proc)
    result["_endpoint"] = env["OPENAI_BASE_URL"]
    return result


@pytest.mark.timeout(BOOK_TIMEOUT_S + 90)
def test_the_smoke_eval_runs_against_the_real_model(smoke_eval: dict) -> None:
    check_shape(smoke_eval)
    assert (smoke_eval["model"], smoke_eval["endpoint"]) == (
        MODEL_ALIAS,
        smoke_eval["_endpoint"],
    )
    assert smoke_eval["subset"] == "smoke"


@pytest.mark.timeout(BOOK_TIMEOUT_S + 90)
def test_a_three_chapter_book_goes_from_outline_to_complete(
    smoke_eval: dict, record_property: Callable[[str, object], None]
) -> None:
    (book,) = smoke_eval["per_book"]
    assert (book["chapters_asked"], book["chapters"][0]["target"]) == (3, 400)
    lengths = {c["chapter"]: c["words"] for c in book["chapters"]}
    record_property("chapter_words", json.dumps(lengths))
    print(f"chapter words for a 400-word target: {lengths}; {book['wall_s']}s")
    assert book["status"] == BookStatus.COMPLETE, book["error"]
    assert all(words > 0 for words in lengths.values()), lengths


@pytest.mark.timeout(BOOK_TIMEOUT_S + 90)
def test_every_chapter_of_the_book_is_within_15_percent(smoke_eval: dict) -> None:
    (book,) = smoke_eval["per_book"]
    assert book["chapters_found"] == 3, "the outline has the chapters asked for"
    assert [c["within_15"] for c in book["chapters"]] == [True, True, True], [
        c["words"] for c in book["chapters"]
    ]
    # Sent by the server, or estimated when it sends none (llama.cpp streaming).
    assert book["prompt_tokens"] > 0 and book["completion_tokens"] > 0
