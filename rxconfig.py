"""Reflex configuration. Everything deploy-specific comes from the environment."""

import os

import reflex as rx

_redis = os.environ.get("REDIS_URL") or os.environ.get("REFLEX_REDIS_URL") or None

config = rx.Config(
    app_name="bookgen",
    telemetry_enabled=False,
    # One process keeps state in memory; several workers share it through Redis.
    state_manager_mode="redis" if _redis else "memory",
    redis_url=_redis,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", radius="medium")
        )
    ],
)
