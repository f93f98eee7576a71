"""One logging setup: JSON lines with time, level, logger, message and the
context known where the line was logged; plain text otherwise."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bookgen.config import Settings
from bookgen.logs import bind_log_context, configure_logging, reset_log_context


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put the root and server loggers back as they were."""
    names = ("", "bookgen", "uvicorn.error")
    saved = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).level)
        for n in names
    }
    propagate = logging.getLogger("uvicorn.error").propagate
    yield
    for n, (handlers, level) in saved.items():
        logger = logging.getLogger(n)
        logger.handlers[:] = handlers
        logger.setLevel(level)
    logging.getLogger("uvicorn.error").propagate = propagate


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_bound_and_passed_context() -> None:
    stream = io.StringIO()
    configure_logging(Settings(log_format="json"), stream=stream)
    log = logging.getLogger("bookgen.generation.streamer")

    token = bind_log_context(book_id=7)
    try:
        log.warning("provider said %s", "no", extra={"message_id": 42})
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("stream failed")
    finally:
        reset_log_context(token)
    log.info("after the runner")

    first, second, third = lines(stream)
    assert set(first) == {"time", "level", "logger", "message", "book_id", "message_id"}
    assert first["level"] == "WARNING"
    assert first["logger"] == "bookgen.generation.streamer"
    assert first["message"] == "provider said no"
    assert (first["book_id"], first["message_id"]) == (7, 42)
    assert first["time"].endswith("+00:00")
    assert second["book_id"] == 7 and "RuntimeError: boom" in second["exception"]
    assert "book_id" not in third  # the runner's context ended


def test_server_records_become_json_lines_too() -> None:
    server = logging.getLogger("uvicorn.error")
    server.addHandler(logging.StreamHandler(io.StringIO()))  # as uvicorn does
    server.propagate = False
    stream = io.StringIO()
    configure_logging(Settings(log_format="json"), stream=stream)
    server.warning("Application startup complete.")
    assert lines(stream) == [
        {
            "time": lines(stream)[0]["time"],
            "level": "WARNING",
            "logger": "uvicorn.error",
            "message": "Application startup complete.",
        }
    ]


def test_configuring_again_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(Settings(log_format="json"), stream=first)
    configure_logging(Settings(log_format="text"), stream=second)
    logging.getLogger("bookgen.test").info("once")
    assert first.getvalue() == ""
    assert second.getvalue().rstrip().endswith("INFO bookgen.test: once")
    assert not second.getvalue().startswith("{")
