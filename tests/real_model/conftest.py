"""One real model server (SmolLM2-135M through llama.cpp) for the whole session.

A missing ``.venv-llm`` fails these tests with how to build it: they are never
skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bookgen.config import Settings
from tests.support.llama_server import (
    MODEL_ALIAS,
    LlamaServer,
    LlamaServerError,
    real_model_settings,
)


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    try:
        server = LlamaServer().start()
    except LlamaServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def real_settings(llama_server: LlamaServer) -> Settings:
    return real_model_settings(llama_server)


@pytest.fixture
def real_env(llama_server: LlamaServer) -> dict[str, str]:
    """The same, as environment variables for a subprocess."""
    llama_server.check_alive()
    return {
        "OPENAI_BASE_URL": llama_server.base_url,
        "OPENAI_API_KEY": "sk-local",
        "BOOKGEN_MODEL": MODEL_ALIAS,
    }
