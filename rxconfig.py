"""Reflex configuration, built from the app's settings (bookgen/config.py)."""

import reflex as rx
from reflex.constants import StateManagerMode

from bookgen.config import get_settings

settings = get_settings()

config = rx.Config(
    app_name="bookgen",
    telemetry_enabled=False,
    # One process keeps state in memory; several workers share it through Redis.
    state_manager_mode=(
        StateManagerMode.REDIS if settings.redis_url else StateManagerMode.MEMORY
    ),
    redis_url=settings.redis_url or None,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", radius="medium")
        )
    ],
)
