"""One real model server (SmolLM2-135M through llama.cpp) for the whole session.

A missing ``.venv-llm`` fails these tests with how to build it: they are never
skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.llama_server import LlamaServer, LlamaServerError


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    server: LlamaServer | None = None
    problem = ""
    try:
        server = LlamaServer().start()
    except LlamaServerError as exc:
        problem = str(exc)
    if server is None:
        # Outside the except block, so the message is not buried in a traceback.
        pytest.fail(problem, pytrace=False)
    try:
        yield server
    finally:
        server.stop()
