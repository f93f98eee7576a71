"""Settings: every environment variable, its default, its aliases, its errors."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from reflex.constants import StateManagerMode

from bookgen.config import (
    DEFAULT_OFFLINE_MODEL,
    Settings,
    SettingsError,
    environment_variables,
    get_settings,
)

# The app's environment, as the README documents it.
ENVIRONMENT = (
    "DATABASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BOOKGEN_MODEL",
    "BOOKGEN_OFFLINE_WPS",
    "BOOKGEN_FLUSH_MS",
    "BOOKGEN_LEASE_S",
    "BOOKGEN_STALL_TIMEOUT_S",
    "BOOKGEN_MAX_RETRIES",
    "REDIS_URL",
    "REFLEX_REDIS_URL",
    "BOOKGEN_BENCH_TIMESTAMPS",
    "BOOKGEN_AUTH",
    "BOOKGEN_ORIGINS",
    "BOOKGEN_SESSION_DAYS",
    "BOOKGEN_METRICS_TOKEN",
    "BOOKGEN_LOG_FORMAT",
    "BOOKGEN_MODELS",
    "BOOKGEN_USER_CONCURRENT",
    "BOOKGEN_USER_TOKENS_PER_DAY",
    "BOOKGEN_WORKER_CONCURRENT",
    "BOOKGEN_MAX_REJECTIONS",
    "BOOKGEN_MAX_CONTINUES",
    "BOOKGEN_IMAGE_MODEL",
    "BOOKGEN_TRANSCRIBE_MODEL",
    "BOOKGEN_PRICES",
)


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No app variable from the developer's shell; a fresh read per test."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_every_variable_is_declared_once() -> None:
    assert sorted(environment_variables()) == sorted(ENVIRONMENT)


def test_defaults_suit_a_laptop() -> None:
    settings = get_settings()
    assert settings.database_url == "sqlite:///bookgen.db"
    assert settings.openai_api_key == ""
    assert settings.openai_base_url == ""
    assert settings.offline is True
    assert settings.model == DEFAULT_OFFLINE_MODEL == "bookgen-offline"
    assert settings.offline_words_per_second == 30.0
    assert settings.flush_interval_s == pytest.approx(0.1)
    assert settings.lease_s == 15.0
    assert settings.stall_timeout_s == 60.0
    assert settings.max_retries == 4
    assert settings.redis_url == ""
    assert settings.bench_timestamps is False
    assert settings.auth_enabled is True
    assert settings.allowed_models == ("bookgen-offline",)
    assert settings.allowed_origins == ()


def test_team_lists_are_read_from_commas(env: pytest.MonkeyPatch) -> None:
    env.setenv("BOOKGEN_MODELS", " gpt-4o-mini, gpt-4o ,,gpt-4o-mini")
    env.setenv("BOOKGEN_ORIGINS", "https://books.example.com/, https://b.example")
    env.setenv("BOOKGEN_AUTH", "off")
    settings = get_settings()
    assert settings.allowed_models == ("gpt-4o-mini", "gpt-4o")
    assert settings.allowed_origins == (
        "https://books.example.com",
        "https://b.example",
    )
    assert settings.auth_enabled is False


def test_auth_takes_only_on_or_off(env: pytest.MonkeyPatch) -> None:
    env.setenv("BOOKGEN_AUTH", "maybe")
    with pytest.raises(SettingsError, match="BOOKGEN_AUTH"):
        get_settings()


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        (
            "DATABASE_URL",
            "postgresql://u@db/books",
            "database_url",
            "postgresql://u@db/books",
        ),
        ("OPENAI_API_KEY", "sk-test", "openai_api_key", "sk-test"),
        (
            "OPENAI_BASE_URL",
            "http://llm:8080/v1",
            "openai_base_url",
            "http://llm:8080/v1",
        ),
        ("BOOKGEN_MODEL", "llama3", "model", "llama3"),
        ("BOOKGEN_OFFLINE_WPS", "0", "offline_words_per_second", 0.0),
        ("BOOKGEN_FLUSH_MS", "250", "flush_interval_s", 0.25),
        ("BOOKGEN_LEASE_S", "3.5", "lease_s", 3.5),
        ("BOOKGEN_STALL_TIMEOUT_S", "2", "stall_timeout_s", 2.0),
        ("BOOKGEN_MAX_RETRIES", "0", "max_retries", 0),
        ("REDIS_URL", "redis://cache:6379/0", "redis_url", "redis://cache:6379/0"),
        (
            "REFLEX_REDIS_URL",
            "redis://cache:6379/1",
            "redis_url",
            "redis://cache:6379/1",
        ),
        ("BOOKGEN_BENCH_TIMESTAMPS", "1", "bench_timestamps", True),
        ("BOOKGEN_BENCH_TIMESTAMPS", "true", "bench_timestamps", True),
        ("BOOKGEN_BENCH_TIMESTAMPS", "0", "bench_timestamps", False),
    ],
)
def test_each_variable_is_read(
    env: pytest.MonkeyPatch, name: str, value: str, attribute: str, expected: object
) -> None:
    env.setenv(name, f"  {value} ")  # surrounding blanks are not part of a value
    assert getattr(get_settings(), attribute) == pytest.approx(expected)


def test_blank_values_mean_default(env: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        env.setenv(name, "   ")
    blank = get_settings()
    for name in ENVIRONMENT:
        env.delenv(name)
    assert blank == Settings()
    assert blank.model == DEFAULT_OFFLINE_MODEL


def test_heroku_postgres_scheme_is_normalised(env: pytest.MonkeyPatch) -> None:
    env.setenv("DATABASE_URL", "postgres://u:p@db:5432/books")
    assert get_settings().database_url == "postgresql://u:p@db:5432/books"


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "OPENAI_BASE_URL"])
def test_an_endpoint_changes_the_default_model(
    env: pytest.MonkeyPatch, name: str
) -> None:
    env.setenv(name, "something")
    settings = get_settings()
    assert settings.offline is False
    assert settings.model == "gpt-4o-mini"


def test_bookgen_model_wins_over_the_endpoint_default(env: pytest.MonkeyPatch) -> None:
    env.setenv("OPENAI_API_KEY", "sk-test")
    env.setenv("BOOKGEN_MODEL", "my-model")
    assert get_settings().model == "my-model"


def test_redis_url_wins_over_reflex_redis_url(env: pytest.MonkeyPatch) -> None:
    env.setenv("REFLEX_REDIS_URL", "redis://reflex:6379/0")
    env.setenv("REDIS_URL", "redis://ours:6379/0")
    assert get_settings().redis_url == "redis://ours:6379/0"


def test_only_exact_names_are_read(env: pytest.MonkeyPatch) -> None:
    """A shell's unrelated ``MODEL`` or lower-case twin must not steer the app."""
    env.setenv("MODEL", "not-ours")
    env.setenv("bookgen_model", "not-ours")
    assert get_settings().model == DEFAULT_OFFLINE_MODEL


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOOKGEN_LEASE_S", "abc"),
        ("BOOKGEN_LEASE_S", "0"),
        ("BOOKGEN_OFFLINE_WPS", "fast"),
        ("BOOKGEN_OFFLINE_WPS", "-1"),
        ("BOOKGEN_FLUSH_MS", "100ms"),
        ("BOOKGEN_FLUSH_MS", "0"),
        ("BOOKGEN_STALL_TIMEOUT_S", "-5"),
        ("BOOKGEN_MAX_RETRIES", "2.5"),
        ("BOOKGEN_MAX_RETRIES", "-1"),
        ("BOOKGEN_BENCH_TIMESTAMPS", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(
    env: pytest.MonkeyPatch, name: str, value: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    message = str(caught.value)
    assert f"{name}={value!r}" in message
    # The one bad variable is the whole story (no follow-on noise).
    assert message.count("=") == 1, message


def test_the_api_key_stays_out_of_repr_and_errors(env: pytest.MonkeyPatch) -> None:
    env.setenv("OPENAI_API_KEY", "sk-very-secret")
    settings = get_settings()
    assert settings.openai_api_key == "sk-very-secret"  # a plain str for the SDK
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" not in str(settings)
    get_settings.cache_clear()
    env.setenv("BOOKGEN_LEASE_S", "abc")
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert "sk-very-secret" not in str(caught.value)


def test_code_can_set_fields_by_name_over_the_environment(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("BOOKGEN_FLUSH_MS", "500")
    env.setenv("BOOKGEN_LEASE_S", "20")
    settings = Settings(flush_interval_s=0.01, lease_s=3)
    assert settings.flush_interval_s == 0.01
    assert settings.lease_s == 3.0
    assert settings.model_copy(update={"max_retries": 1}).max_retries == 1


def test_settings_are_read_once_until_the_cache_is_cleared(
    env: pytest.MonkeyPatch,
) -> None:
    first = get_settings()
    env.setenv("BOOKGEN_LEASE_S", "9")
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().lease_s == 9.0


@pytest.mark.parametrize(
    ("redis_url", "mode"),
    [
        ("", StateManagerMode.MEMORY),
        ("redis://127.0.0.1:6379/14", StateManagerMode.REDIS),
    ],
)
def test_rxconfig_is_built_from_the_settings(
    env: pytest.MonkeyPatch, redis_url: str, mode: StateManagerMode, tmp_path: Path
) -> None:
    env.setenv("REFLEX_REDIS_URL", redis_url)
    # rxconfig exports a metrics directory for the workers: keep it out of ours.
    env.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    import rxconfig

    config = importlib.reload(rxconfig).config
    assert config.state_manager_mode == mode
    assert config.redis_url == (redis_url or None)


def test_dictation_is_transcribed_only_with_a_model_and_an_endpoint(
    env: pytest.MonkeyPatch,
) -> None:
    assert get_settings().transcription is False  # a laptop: the browser's own
    env.setenv("BOOKGEN_TRANSCRIBE_MODEL", "whisper-1")
    get_settings.cache_clear()
    assert get_settings().transcription is False  # offline: no audio API
    env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    get_settings.cache_clear()
    assert get_settings().transcription is True
    assert get_settings().transcribe_model == "whisper-1"
    env.setenv("BOOKGEN_TRANSCRIBE_MODEL", "  ")
    get_settings.cache_clear()
    assert get_settings().transcription is False  # blank means unset
