"""Reflex configuration, built from the app's settings (bookgen/config.py)."""

import reflex as rx
from reflex.constants import StateManagerMode

from bookgen.config import get_settings
from bookgen.web.metrics_dir import use_metrics_dir
from bookgen.web.origins import OriginPolicy

settings = get_settings()
# Before any worker starts: the directory where every worker writes its metrics.
use_metrics_dir()

config = rx.Config(
    app_name="bookgen",
    telemetry_enabled=False,
    # One process keeps state in memory; several workers share it through Redis.
    state_manager_mode=(
        StateManagerMode.REDIS if settings.redis_url else StateManagerMode.MEMORY
    ),
    redis_url=settings.redis_url or None,
    show_built_with_reflex=False,
    # HTTP CORS and socket.io origins: BOOKGEN_ORIGINS (the app's guard also
    # checks every request, and alone covers local mode's "localhost, any port").
    cors_allowed_origins=OriginPolicy.from_settings(settings).reflex_cors_origins(),
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", radius="medium")
        )
    ],
)
