"""Ops tests: Redis db 4 (this area's), and HTTP calls into ASGI apps."""

from __future__ import annotations

import os

REDIS_URL = os.environ.get("BOOKGEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")
# Nothing listens here: a database or Redis that does not answer.
DEAD_PORT = 1
