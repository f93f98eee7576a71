"""One logging setup for the whole app: plain text, or JSON lines for a pipeline.

``configure_logging`` runs at start (``BOOKGEN_LOG_FORMAT``). With ``json`` each
record is one line with ``time``, ``level``, ``logger``, ``message`` and the
context known where it was logged: ``book_id`` and ``message_id`` bound by the
runner (``bind_log_context``) or passed as ``extra=``, and ``exception``.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from bookgen.config import Settings

__all__ = [
    "CONTEXT_FIELDS",
    "JsonFormatter",
    "bind_log_context",
    "configure_logging",
    "reset_log_context",
]

# Context a log line may carry, bound per task or passed with ``extra=``.
CONTEXT_FIELDS = ("book_id", "message_id", "user_id")
# Servers that install their own handlers; routed through ours instead.
_SERVER_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "gunicorn.error",
    "gunicorn.access",
)
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_context: ContextVar[dict[str, int | str]] = ContextVar("bookgen_log_context")


def bind_log_context(**fields: int | str) -> Token[dict[str, int | str]]:
    """Tag every log line of this task (and tasks it starts) with ``fields``;
    pass the token to ``reset_log_context`` to undo."""
    return _context.set({**_context.get({}), **fields})


def reset_log_context(token: Token[dict[str, int | str]]) -> None:
    """Restore the context as it was before the matching bind."""
    _context.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: fixed keys first, then context."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_context.get({}))
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _AppHandler(logging.StreamHandler):
    """The handler ``configure_logging`` installs (found again by its type)."""


def configure_logging(settings: Settings, *, stream: Any = None) -> logging.Handler:
    """Send the app's and the servers' records to one handler on stderr (or
    ``stream``), formatted as ``settings.log_format`` says; the app's own
    loggers (``bookgen.*``) log from INFO. Idempotent: calling it again (e.g.
    in each worker after its server set up logging) replaces the handler."""
    handler = _AppHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if settings.log_format == "json"
        else logging.Formatter(_TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _AppHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    logging.getLogger("bookgen").setLevel(logging.INFO)
    if settings.log_format == "json":
        # Servers' own text handlers would print the same record a second
        # time, unstructured: let their records reach the root handler only.
        for name in _SERVER_LOGGERS:
            server = logging.getLogger(name)
            server.handlers.clear()
            server.propagate = True
    return handler
