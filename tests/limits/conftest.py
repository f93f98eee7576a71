"""The fault server's fixtures, shared with tests/faults."""

from tests.faults.conftest import fake_openai, fast_backoff, online_service

__all__ = ["fake_openai", "fast_backoff", "online_service"]
