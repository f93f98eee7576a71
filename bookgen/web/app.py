"""The operators' routes beside the app, and the guard around all of it.

``ops_api`` is a Starlette app the app module mounts with Reflex's
``api_transformer``; ``guarded`` wraps the finished ASGI app.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from bookgen import routes
from bookgen.config import Settings
from bookgen.runtime import get_service
from bookgen.web.guards import Guard
from bookgen.web.health import HealthProbe
from bookgen.web.metrics import MetricsEndpoint

__all__ = ["guarded", "ops_api"]


def ops_api(settings: Settings, probe: HealthProbe | None = None) -> Starlette:
    """``/api/health`` and ``/metrics`` (probe: the app's database by default)."""
    probe = probe or HealthProbe(
        engine=lambda: get_service().store.engine, redis_url=settings.redis_url
    )
    scrape = MetricsEndpoint(token=settings.metrics_token)
    return Starlette(
        routes=[
            Route(routes.HEALTH, probe.endpoint, methods=["GET"]),
            Route(routes.METRICS, scrape.endpoint, methods=["GET"]),
        ]
    )


def guarded(app: ASGIApp, settings: Settings) -> Guard:
    """``app`` behind the origin, host and loopback-only checks."""
    return Guard.for_settings(app, settings)
