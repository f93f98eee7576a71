"""Fixtures shared with tests/faults (the fault server) and tests/system."""

from tests.faults.conftest import fake_openai, fast_backoff, online_service
from tests.system.conftest import store_for

__all__ = ["fake_openai", "fast_backoff", "online_service", "store_for"]
