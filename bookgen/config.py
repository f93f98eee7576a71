"""Settings read once from the environment, so every layer agrees on them.

One pydantic-settings class names every environment variable the app reads and
its default, once. A blank variable means "use the default"; a bad value raises
``pydantic.ValidationError`` naming the variable (e.g. ``BOOKGEN_LEASE_S``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "DEFAULT_OFFLINE_MODEL",
    "DEFAULT_PRICES",
    "Settings",
    "SettingsError",
    "environment_variables",
    "get_settings",
]

DEFAULT_OFFLINE_MODEL = "bookgen-offline"
# US dollars per million tokens (in, out): list prices of a few OpenAI models
# (November 2026); BOOKGEN_PRICES adds models or overrides these.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    DEFAULT_OFFLINE_MODEL: (0.0, 0.0),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}
# The default model when an OpenAI-compatible endpoint is configured.
DEFAULT_ENDPOINT_MODEL = "gpt-4o-mini"


def _default_model(fields: dict[str, Any]) -> str:
    has_endpoint = fields["openai_api_key"] or fields["openai_base_url"]
    return DEFAULT_ENDPOINT_MODEL if has_endpoint else DEFAULT_OFFLINE_MODEL


def _flush_interval_s(fields: dict[str, Any]) -> float:
    return fields["flush_ms"] / 1000.0


class Settings(BaseSettings):
    """Everything configurable; defaults suit a laptop (no key, no network).

    Fields are set from the environment variable named in ``validation_alias``,
    or by field name in code (``Settings(lease_s=3)``, tests).
    """

    model_config = SettingsConfigDict(
        frozen=True,
        # Exact names only: a stray ``MODEL`` in the shell must not pick a model.
        case_sensitive=True,
        env_ignore_empty=True,
        validate_by_name=True,
        validate_by_alias=True,
        # Defaults are trusted; validating them would send "" through the
        # blank-means-default rule below.
        validate_default=False,
        extra="ignore",
    )

    # SQLAlchemy URL; sqlite by default, postgresql:// for teams.
    database_url: str = Field(
        default="sqlite:///bookgen.db", validation_alias="DATABASE_URL"
    )
    # OpenAI-compatible endpoint; with neither set, the offline model is used.
    # A plain str (the SDK and provider take one) kept out of repr and logs.
    openai_api_key: str = Field(
        default="", validation_alias="OPENAI_API_KEY", repr=False
    )
    openai_base_url: str = Field(default="", validation_alias="OPENAI_BASE_URL")
    # Default model name for new books; depends on whether an endpoint is set.
    model: str = Field(default_factory=_default_model, validation_alias="BOOKGEN_MODEL")
    # Offline model pace; 0 = instant (tests).
    offline_words_per_second: float = Field(
        default=30.0, ge=0, validation_alias="BOOKGEN_OFFLINE_WPS"
    )
    # How often streamed text is pushed to viewers and written to the database:
    # milliseconds in the environment, seconds in code.
    flush_ms: float = Field(
        default=100.0, gt=0, validation_alias="BOOKGEN_FLUSH_MS", repr=False
    )
    flush_interval_s: float = Field(default_factory=_flush_interval_s, gt=0)
    # A generation whose heartbeat is older than this is considered dead.
    lease_s: float = Field(default=15.0, gt=0, validation_alias="BOOKGEN_LEASE_S")
    # Provider stream: seconds without a byte before giving up on an attempt.
    stall_timeout_s: float = Field(
        default=60.0, gt=0, validation_alias="BOOKGEN_STALL_TIMEOUT_S"
    )
    # Provider retries per message before showing an error.
    max_retries: int = Field(default=4, ge=0, validation_alias="BOOKGEN_MAX_RETRIES")
    # Set for multi-worker deploys: Reflex keeps state there and live updates
    # cross workers through it. REFLEX_REDIS_URL is Reflex's own name for it.
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("REDIS_URL", "REFLEX_REDIS_URL")
    )
    # Benchmark only: pushes carry server timestamps.
    bench_timestamps: bool = Field(
        default=False, validation_alias="BOOKGEN_BENCH_TIMESTAMPS"
    )

    # --- teams: accounts, the browser-facing surface ----------------------
    # "on": accounts (the first visitor creates the admin, then invites only).
    # "off": one author, no login, and only clients on the loopback address.
    auth: Literal["on", "off"] = Field(default="on", validation_alias="BOOKGEN_AUTH")
    # Public origin(s) of the app, comma-separated (e.g. https://books.example.com);
    # CORS and the websocket accept only these. Blank: localhost only.
    origins: str = Field(default="", validation_alias="BOOKGEN_ORIGINS")
    # Sign-in sessions last this long without use before they expire.
    session_days: float = Field(
        default=14.0, gt=0, validation_alias="BOOKGEN_SESSION_DAYS"
    )
    # Bearer token that lets a Prometheus scraper off this host read /metrics
    # (loopback scrapers need none). Blank: loopback only.
    metrics_token: str = Field(
        default="", validation_alias="BOOKGEN_METRICS_TOKEN", repr=False
    )
    # Log lines as JSON objects (for a log pipeline) or as plain text.
    log_format: Literal["text", "json"] = Field(
        default="text", validation_alias="BOOKGEN_LOG_FORMAT"
    )

    # --- bounded cost -------------------------------------------------------
    # Models authors may pick, comma-separated; blank: only the default model.
    models: str = Field(default="", validation_alias="BOOKGEN_MODELS")
    # Generations one user may have running at once, across all their books.
    user_concurrent_generations: int = Field(
        default=2, ge=1, validation_alias="BOOKGEN_USER_CONCURRENT"
    )
    # Tokens (prompt + completion) one user may spend per UTC day; 0 = no limit.
    user_tokens_per_day: int = Field(
        default=2_000_000, ge=0, validation_alias="BOOKGEN_USER_TOKENS_PER_DAY"
    )
    # Generations one worker process runs at once (the recovery loop included).
    worker_concurrent_generations: int = Field(
        default=200, ge=1, validation_alias="BOOKGEN_WORKER_CONCURRENT"
    )
    # Outline rejections, and Continue/Retry presses, allowed per book.
    max_rejections_per_book: int = Field(
        default=20, ge=0, validation_alias="BOOKGEN_MAX_REJECTIONS"
    )
    max_continues_per_book: int = Field(
        default=50, ge=0, validation_alias="BOOKGEN_MAX_CONTINUES"
    )

    # --- covers and usage -----------------------------------------------------
    # An images model of the configured endpoint (e.g. gpt-image-1) paints cover
    # art; blank (or offline): covers are drawn locally.
    image_model: str = Field(default="", validation_alias="BOOKGEN_IMAGE_MODEL")
    # An audio model of the configured endpoint (e.g. whisper-1) that turns
    # dictated feedback into text; blank (or offline): only the browser's own
    # speech recognition is offered.
    transcribe_model: str = Field(
        default="", validation_alias="BOOKGEN_TRANSCRIBE_MODEL"
    )
    # JSON {"model": [dollars per million tokens in, out]}, merged over the
    # defaults (DEFAULT_PRICES); the book page's estimated cost reads it.
    # (Read as text and parsed below, so a blank value means the default.)
    prices: Annotated[dict[str, tuple[float, float]], NoDecode] = Field(
        default_factory=dict, validation_alias="BOOKGEN_PRICES"
    )

    # Before-validators run last-defined first: blanks are dropped before this.
    @field_validator("prices", mode="before")
    @classmethod
    def _prices_from_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON: {exc}") from exc
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _blank_means_default(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise PydanticUseDefault
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_scheme(cls, url: str) -> str:
        # Heroku-style URLs name the scheme "postgres"; SQLAlchemy wants "postgresql".
        if url.startswith("postgres://"):
            return "postgresql://" + url.removeprefix("postgres://")
        return url

    @field_validator("prices")
    @classmethod
    def _prices_not_negative(
        cls, prices: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        if any(p < 0 for pair in prices.values() for p in pair):
            raise ValueError("prices must not be negative")
        return prices

    @property
    def price_table(self) -> dict[str, tuple[float, float]]:
        """Dollars per million tokens (in, out) by model: defaults, then ours."""
        return {**DEFAULT_PRICES, **self.prices}

    @property
    def cover_art(self) -> bool:
        """Covers are painted by the endpoint's images API (else drawn locally)."""
        return bool(self.image_model) and not self.offline

    @property
    def transcription(self) -> bool:
        """Dictation is transcribed by the endpoint's audio API."""
        return bool(self.transcribe_model) and not self.offline

    @property
    def auth_enabled(self) -> bool:
        """Accounts and sign-in are required (BOOKGEN_AUTH is not "off")."""
        return self.auth == "on"

    @property
    def allowed_models(self) -> tuple[str, ...]:
        """The models authors may pick: BOOKGEN_MODELS, else the default one."""
        listed = tuple(dict.fromkeys(m.strip() for m in self.models.split(",")))
        return tuple(m for m in listed if m) or (self.model,)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """BOOKGEN_ORIGINS as a tuple of origins (empty: localhost only)."""
        return tuple(
            o.strip().rstrip("/") for o in self.origins.split(",") if o.strip()
        )

    @property
    def offline(self) -> bool:
        """True when no endpoint is configured: use the built-in model."""
        return not (self.openai_api_key or self.openai_base_url)


class SettingsError(ValueError):
    """An environment variable holds a value the app cannot use."""

    @classmethod
    def from_validation(cls, exc: ValidationError) -> SettingsError:
        problems = [
            f"{'.'.join(map(str, error['loc']))}={error['input']!r}: {error['msg']}"
            for error in exc.errors(include_url=False)
            # A derived default is skipped when its source is bad; say it once.
            if error["type"] != "default_factory_not_called"
        ]
        return cls("Bad environment variable: " + "; ".join(problems))


def environment_variables() -> tuple[str, ...]:
    """Every variable Settings reads, e.g. to keep a shell's out of a test app."""
    names: list[str] = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, str):
            names.append(alias)
        elif isinstance(alias, AliasChoices):
            names.extend(choice for choice in alias.choices if isinstance(choice, str))
    return tuple(names)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; tests clear the cache to change it."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError.from_validation(exc) from exc
