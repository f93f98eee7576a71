"""Settings read once from the environment, so every layer agrees on them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Settings", "get_settings"]

DEFAULT_OFFLINE_MODEL = "bookgen-offline"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable; defaults suit a laptop (no key, no network)."""

    # SQLAlchemy URL; sqlite by default, postgresql:// for teams.
    database_url: str = "sqlite:///bookgen.db"
    # OpenAI-compatible endpoint; with neither set, the offline model is used.
    openai_api_key: str = ""
    openai_base_url: str = ""
    # Default model name for new books.
    model: str = DEFAULT_OFFLINE_MODEL
    # Offline model pace; 0 = instant (tests).
    offline_words_per_second: float = 30.0
    # How often streamed text is pushed to viewers and written to the database.
    flush_interval_s: float = 0.1
    # A generation whose heartbeat is older than this is considered dead.
    lease_s: float = 15.0
    # Provider stream: seconds without a byte before giving up on an attempt.
    stall_timeout_s: float = 60.0
    # Provider retries per message before showing an error.
    max_retries: int = 4
    # Set for multi-worker deploys: live updates cross workers through it.
    redis_url: str = ""

    @property
    def offline(self) -> bool:
        """True when no endpoint is configured: use the built-in model."""
        return not (self.openai_api_key or self.openai_base_url)


def _normalise_db_url(url: str) -> str:
    # Heroku-style URLs name the scheme "postgres"; SQLAlchemy wants "postgresql".
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; tests clear the cache to change it."""
    offline_model = DEFAULT_OFFLINE_MODEL
    has_endpoint = bool(
        os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")
    )
    return Settings(
        database_url=_normalise_db_url(
            os.environ.get("DATABASE_URL", "").strip() or "sqlite:///bookgen.db"
        ),
        openai_api_key=os.environ.get("OPENAI_API_KEY", "").strip(),
        openai_base_url=os.environ.get("OPENAI_BASE_URL", "").strip(),
        model=os.environ.get("BOOKGEN_MODEL", "").strip()
        or ("gpt-4o-mini" if has_endpoint else offline_model),
        offline_words_per_second=_float("BOOKGEN_OFFLINE_WPS", 30.0),
        flush_interval_s=_float("BOOKGEN_FLUSH_MS", 100.0) / 1000.0,
        lease_s=_float("BOOKGEN_LEASE_S", 15.0),
        stall_timeout_s=_float("BOOKGEN_STALL_TIMEOUT_S", 60.0),
        max_retries=int(_float("BOOKGEN_MAX_RETRIES", 4)),
        redis_url=(
            os.environ.get("REDIS_URL", "") or os.environ.get("REFLEX_REDIS_URL", "")
        ).strip(),
    )
