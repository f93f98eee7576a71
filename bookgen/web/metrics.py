"""``GET /metrics``: the Prometheus text exposition of every worker's metrics.

Served to a scraper on this machine (loopback peer, not via a proxy), or to
one that sends ``Authorization: Bearer <BOOKGEN_METRICS_TOKEN>``. With several
workers (``PROMETHEUS_MULTIPROC_DIR`` set), the answer sums all of them,
whichever worker serves the scrape.
"""

from __future__ import annotations

import hmac
import os
import re
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bookgen.web.guards import header, is_local_peer
from bookgen.web.metrics_dir import METRICS_DIR_VARIABLE

__all__ = ["MetricsEndpoint", "forget_dead_processes", "render_metrics"]

METRICS_REFUSED = (
    "Metrics are served to a scraper on this machine, or with "
    "'Authorization: Bearer <BOOKGEN_METRICS_TOKEN>'."
)
# Files of gauges that count only live processes: gauge_live<mode>_<pid>.db
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of worker processes that are gone (a crashed or
    restarted worker would otherwise keep counting its active generations)."""
    pids = set()
    for path in directory.glob("gauge_live*.db"):
        if match := _LIVE_GAUGE_FILE.fullmatch(path.name):
            pids.add(int(match.group(1)))
    for pid in pids:
        if not _alive(pid):
            mark_process_dead(pid, str(directory))


def render_metrics() -> bytes:
    """Every worker's metrics (multiprocess mode), else this process's."""
    directory = os.environ.get(METRICS_DIR_VARIABLE)
    if not directory:
        return generate_latest(REGISTRY)
    forget_dead_processes(Path(directory))
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


class MetricsEndpoint:
    """The route, with the scraper check."""

    def __init__(self, *, token: str) -> None:
        self._token = token

    def allowed(self, request: Request) -> bool:
        if is_local_peer(request.scope):
            return True
        if not self._token:
            return False
        given = header(request.scope, b"authorization") or ""
        scheme, _, credentials = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self._token.encode()
        )

    async def endpoint(self, request: Request) -> Response:
        """The route: the exposition, or 403 for a scraper that is not allowed."""
        if not self.allowed(request):
            return PlainTextResponse(
                METRICS_REFUSED,
                status_code=403,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(
            render_metrics(),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )
